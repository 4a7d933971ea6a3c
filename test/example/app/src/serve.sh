#!/bin/sh
echo "serving $1 on $(uname -m)"
