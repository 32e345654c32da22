#!/bin/sh
# Migrates, then execs the command (default: serve on 0.0.0.0:8000) so signals reach munim.
set -e
# `--no-migrate` (the production compose file, where a one-shot `migrate` service runs first).
case " $* " in *" --no-migrate "*) exec /app/munim "$@" ;; esac
if [ "${1:-serve}" = "serve" ]; then
  /app/munim migrate --yes
  exec /app/munim "$@" --no-migrate
fi
exec /app/munim "$@"
