#!/usr/bin/env bash
# Real-process crash tests at any scale: runs the SIGKILL tests of the three components — checkpoint commits with
# garbage collection (Checkpoints/ProcessKillTests), ingest flushes (Ingest/IngestProcessKillTests) and two shard
# writers with compaction and garbage collection (Shards/ShardProcessKillTests) — with N kills each, one after the
# other, and prints per component the kills, the violations and the wall time. A test stops at its first violation,
# so a failed component reports "1+" and its seed and message are in the log.
#   bench/kills.sh [N]            (N defaults to 1000; CI runs 100 per component; 10,000 and more are supported)
#   BULWARK_*_KILL_SEED=S ...     replays one component's kill moments (the seed is printed in its log)
#   KILLS_NO_BUILD=1 ...          runs the tests as last built
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
kills="${1:-1000}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-kills.XXXXXX")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export BULWARK_CHECKPOINT_KILLS="$kills" BULWARK_INGEST_KILLS="$kills" BULWARK_SHARD_KILLS="$kills"

if [ "${KILLS_NO_BUILD:-0}" != 1 ]; then
  dotnet build "$repo/tests/Runtime.Tests" -nologo -v q >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }
fi

status=0
printf '%-12s %8s %11s %10s  %s\n' component kills violations seconds log
for component in checkpoint:Checkpoints.ProcessKillTests.SIGKILL ingest:Ingest.IngestProcessKillTests shard:Shards.ShardProcessKillTests; do
  name="${component%%:*}"; filter="${component#*:}"; log="$logs/$name.log"
  start=$(date +%s)
  dotnet test "$repo/tests/Runtime.Tests" --no-build --filter "FullyQualifiedName~$filter" -nologo \
    --logger "console;verbosity=detailed" >"$log" 2>&1
  rc=$?
  seconds=$(( $(date +%s) - start ))
  done_kills=$(grep -oE '^ *[0-9]+ SIGKILLs' "$log" | head -n 1 | grep -oE '[0-9]+')
  if [ $rc -eq 0 ] && [ -n "$done_kills" ]; then violations=0; else violations="1+"; status=1; done_kills="${done_kills:-?}"; fi
  printf '%-12s %8s %11s %10s  %s\n' "$name" "$done_kills" "$violations" "$seconds" "$log"
done
exit $status
