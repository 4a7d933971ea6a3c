#!/bin/sh
# Answers 0 when the service's marker file exists.
test -f /srv/service
