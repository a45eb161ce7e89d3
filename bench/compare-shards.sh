#!/usr/bin/env bash
# Side by side in one run:
#  (a) ShardWriter.CompareAndAppendAsync over PostgresConsensus with 1, 2 and 4 writers (each on a shard of its own, and
#      all racing on one shard: mismatch rate) against the floor of plain single-row INSERTs of the same payload size
#      over as many connections: throughput, p50/p99 latency and their ratio; then where an append's time goes
#      (consensus round trips, state encoding, the part's write and fsyncs: parts on local disk vs in memory).
#  (b) UpsertOperator over a 1M-update source with 100k keys (InMemoryConsensus; parts in an InMemoryBackend, and on
#      local disk for comparison) against a plain Dictionary fold of the same updates.
# For (a) the script starts a throwaway PostgreSQL cluster from the machine's server programs (found, or installed when
# root, by tests/Shards.PostgreSql.Tests/ensure-postgres.sh, as the tests do) in a temporary directory on a free
# loopback port, with the server's durable defaults (fsync on, synchronous_commit on; BULWARK_BENCH_PG_OPTIONS adds
# server options, e.g. "-c synchronous_commit=off"), and stops and removes it afterwards. The directory holds the
# shards' parts; it must be on a real disk (fsync on tmpfs costs nothing).
#   bench/compare-shards.sh [appends-per-writer] [rounds] [upsert-updates] [directory]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"

bin="$(bash "$repo/tests/Shards.PostgreSql.Tests/ensure-postgres.sh" | sed -n 's/^ensure-postgres: server programs in //p')"
if [ -z "$bin" ]; then
  echo "compare-shards: no PostgreSQL server programs (see tests/Shards.PostgreSql.Tests/ensure-postgres.sh)" >&2
  exit 1
fi

# initdb and postgres refuse to run as root: as root the cluster belongs to 'postgres' (or 'nobody'), as in the tests.
server_user=""
if [ "$(id -u)" = 0 ]; then
  server_user="$(getent passwd postgres >/dev/null && echo postgres || echo nobody)"
fi
as_server() {
  if [ -n "$server_user" ]; then runuser -u "$server_user" -- "$@"; else "$@"; fi
}

base="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-bench-pg.XXXXXX")"
started=""
cleanup() {
  if [ -n "$started" ]; then
    as_server "$bin/pg_ctl" stop -D "$base/data" -m fast -w >/dev/null 2>&1 || as_server "$bin/pg_ctl" stop -D "$base/data" -m immediate -w >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$server_user" ] && chown "$server_user" "$base"
as_server "$bin/initdb" -D "$base/data" -U bulwark --auth=trust -E UTF8 --locale=C --no-sync >/dev/null

# A port found free can be taken before the server binds it (other runs share the machine): then another is tried.
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    continue
  fi
  if as_server "$bin/pg_ctl" start -D "$base/data" -l "$base/server.log" -w -t 600 \
      -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c max_connections=50 ${BULWARK_BENCH_PG_OPTIONS:-}" >/dev/null; then
    started=1
    break
  fi
  if ! grep -q "could not bind" "$base/server.log" 2>/dev/null; then
    cat "$base/server.log" >&2 || true
    exit 1
  fi
done
if [ -z "$started" ]; then
  echo "compare-shards: could not start PostgreSQL on a free loopback port" >&2
  exit 1
fi

dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- compare-shards "${1:-400}" "${2:-5}" "${3:-1000000}" "${4:-${TMPDIR:-/tmp}/bulwark-bench-shards}" \
  --postgres "Host=127.0.0.1;Port=$port;Username=bulwark;Database=postgres;Timeout=0;Command Timeout=0"
