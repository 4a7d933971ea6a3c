#!/bin/sh
echo "$GREETING from the echo image"
