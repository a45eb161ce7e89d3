#!/usr/bin/env bash
# Runs the reliability tools and renders bench/RELIABILITY.md from what they printed. Each step stores the summary
# lines its tool printed, with the exact command, the date and the machine, in bench/reliability/<step>.txt (committed),
# and `report` rebuilds the page from those files, so every number on the page comes from a recorded run.
#   bench/reliability.sh fuzz SECONDS_EACH   every fuzz target under afl-fuzz (bench/fuzz/run-all.sh)
#   bench/reliability.sh kills N             N SIGKILLs per component (bench/kills.sh)
#   bench/reliability.sh sweeps              the crash-state sweeps of checkpoints, ingest and shards
#   bench/reliability.sh mutation NAMESPACE [--stryker-option ...]   a Stryker run (bench/mutation/run.sh NAMESPACE ...);
#                                            with PART=K/N set, the K-th of N runs that together mutate the namespace
#   bench/reliability.sh mutation NAMESPACE STAMP   records the finished run out/NAMESPACE/STAMP instead of running
#   bench/reliability.sh report              writes bench/RELIABILITY.md
# A step whose tool reports a failure still records what it printed (the page then shows it) and exits non-zero.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
store="$here/reliability"
mkdir -p "$store"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

header() { # header COMMAND
  echo "command: $1"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src tests bench/fuzz || echo ' (with uncommitted changes)')"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg) at start"
}

step="${1:-}"
case "$step" in
  fuzz)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "usage: bench/reliability.sh fuzz SECONDS_EACH" >&2; exit 2; }
    out="$store/fuzz.txt"
    { header "bench/fuzz/run-all.sh $2"; } >"$out.new"
    started=$(date +%s)
    bash "$here/fuzz/run-all.sh" "$2" | tee "$out.log"
    rc=${PIPESTATUS[0]}
    { echo "exit: $rc"; echo "wall: $(( $(date +%s) - started )) s"; sed -n '/^fuzzed /,$p' "$out.log"; } >>"$out.new"
    mv "$out.new" "$out"; rm -f "$out.log"
    exit "$rc" ;;
  kills)
    [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "usage: bench/reliability.sh kills N" >&2; exit 2; }
    out="$store/kills.txt"
    { header "bench/kills.sh $2"; } >"$out.new"
    bash "$here/kills.sh" "$2" | tee "$out.log"
    rc=${PIPESTATUS[0]}
    { echo "exit: $rc"; grep -E '^(component|checkpoint|ingest|shard) ' "$out.log" | sed -E 's/ +\/[^ ]*$//'; } >>"$out.new"
    mv "$out.new" "$out"; rm -f "$out.log"
    exit "$rc" ;;
  sweeps)
    out="$store/sweeps.txt"
    filter="FullyQualifiedName~Checkpoints.CrashSweepTests|FullyQualifiedName~IngestCrashSweepTests|FullyQualifiedName~ShardCrashSweepTests"
    { header "dotnet test tests/Runtime.Tests --filter \"$filter\""; } >"$out.new"
    dotnet test "$repo/tests/Runtime.Tests" --filter "$filter" -nologo --logger "console;verbosity=detailed" >"$out.log" 2>&1
    rc=$?
    { echo "exit: $rc"
      # The sweeps print one line each with their distinct crash states and violations.
      grep -E 'crash states checked:|distinct crash states' "$out.log" | sed -E 's/^ +//' | sed -E 's/; [0-9.]+ s \(CPU time.*$//'
      grep -E '^ *(Passed|Failed) .*Sweep' "$out.log" | sed -E 's/^ +//'
    } >>"$out.new"
    mv "$out.new" "$out"; cat "$out"; rm -f "$out.log"
    exit "$rc" ;;
  mutation)
    ns="${2:-}"
    [[ "$ns" =~ ^[A-Za-z]+$ ]] || { echo "usage: bench/reliability.sh mutation NAMESPACE [STAMP]" >&2; exit 2; }
    runs="$here/mutation/out/$ns"
    if [ -n "${3:-}" ] && [[ "$3" != -* ]]; then
      stamp="$3"; rc=0
      [ -f "$runs/$stamp.summary.txt" ] || { echo "no summary $runs/$stamp.summary.txt" >&2; exit 2; }
    else
      before="$(ls "$runs" 2>/dev/null | grep -E '^[0-9T]+Z$' | sort | tail -1)"
      bash "$here/mutation/run.sh" "$ns" "${@:3}"
      rc=$?
      stamp="$(ls "$runs" | grep -E '^[0-9T]+Z$' | sort | tail -1)"
      [ -n "$stamp" ] && [ "$stamp" != "$before" ] || { echo "run.sh left no new run in $runs" >&2; exit 2; }
    fi
    # A part of a namespace (PART=K/N) is stored apart; the report adds up a complete set of parts of one source tree.
    part="$(sed -nE 's|^part: ([0-9]+)/([0-9]+) .*|\1-of-\2|p' "$runs/$stamp.log")"
    out="$store/mutation-$ns${part:+.part-$part}.txt"
    # run.sh wrote the command, commit, source tree, part and machine at the top of its log and the counts to the summary.
    { echo "command: ${part:+PART=${part/-of-//} }bench/mutation/run.sh $ns"
      grep -E '^(commit|source|part|machine): ' "$runs/$stamp.log" || echo "commit: not in the run's log"
      echo "date: $(echo "$stamp" | sed -E 's/^(....)(..)(..)T(..)(..).*/\1-\2-\3 \4:\5 UTC/')"
      echo "exit: $rc"
      # Which mutants the config leaves out decides what a score means (see bench/mutation/README.md).
      python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["stryker-config"]; print("filter: ignore-methods " + ", ".join(c.get("ignore-methods", [])) + "; ignore-mutations " + (", ".join(c.get("ignore-mutations", [])) or "none") + "; ConfigureAwait(false) flips counted apart by summarize.py")' "$here/mutation/stryker-config.json"
      grep -E '^namespace ' "$runs/$stamp.summary.txt"
    } >"$out"
    cat "$out"
    exit "$rc" ;;
  report)
    page="$here/RELIABILITY.md"
    python3 "$here/reliability-report.py" "$store" >"$page.new" && mv "$page.new" "$page" && echo "wrote $page" ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2 ;;
esac
