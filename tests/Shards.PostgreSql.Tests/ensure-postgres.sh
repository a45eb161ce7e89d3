#!/usr/bin/env bash
# Makes sure PostgreSQL's server programs (initdb, pg_ctl, postgres) are on this machine for tests/Shards.PostgreSql.Tests,
# which start a throwaway cluster of their own with them. Looks where the tests look ($BULWARK_PG_BIN if set, else
# /usr/lib/postgresql/*/bin, then PATH); when they are missing and this runs as root with apt-get, installs Debian's
# `postgresql` package. Exits 0 when the programs are there afterwards, 1 when they are not (the tests then skip
# locally and fail under CI=true, naming this script).
set -uo pipefail

find_bin() {
  local dir candidates
  # A set BULWARK_PG_BIN is the only place looked at, as in the tests; otherwise the newest Debian version, then PATH.
  if [ -n "${BULWARK_PG_BIN:-}" ]; then
    candidates="$BULWARK_PG_BIN"
  else
    candidates="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) $(echo "${PATH:-}" | tr ':' ' ')"
  fi
  for dir in $candidates; do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if bin="$(find_bin)"; then
  echo "ensure-postgres: server programs in $bin"
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgres: installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; then
    if bin="$(find_bin)"; then
      echo "ensure-postgres: server programs in $bin"
      exit 0
    fi
  fi
  echo "ensure-postgres: installing postgresql did not provide initdb, pg_ctl and postgres" >&2
  exit 1
fi

echo "ensure-postgres: PostgreSQL server programs not found, and cannot install them (needs root and apt-get)" >&2
exit 1
