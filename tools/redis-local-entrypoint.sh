#!/bin/sh
# As the official redis image does: a bare `redis-server ...` command runs with protected mode off, so
# that other containers reach it without a password (the official image builds that default in;
# Debian's binary keeps protected mode on, which refuses every address but loopback).
set -e
if [ "${1:-}" = "redis-server" ]; then
    shift
    exec redis-server --protected-mode no "$@"
fi
exec "$@"
