#!/usr/bin/env bash
# Mutation testing of one runtime namespace with Stryker.NET (see README.md in this folder).
#   bench/mutation/run.sh Upsert            # mutate src/Runtime/Upsert/**, run tests/Runtime.Tests
#   CONCURRENCY=2 bench/mutation/run.sh Storage
#   PART=1/3 bench/mutation/run.sh Shards   # the first of three runs that together mutate every Shards file once
# Extra arguments after the namespace go to Stryker unchanged (e.g. `--mutation-level Basic`).
set -euo pipefail

ns="${1:?usage: run.sh NAMESPACE [stryker options...] (Upsert, Serialization, Storage, Checkpoints, Shards, Ingest)}"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$here/.tools"
version=5.1.0
[ -d "$repo/src/Runtime/$ns" ] || { echo "no folder src/Runtime/$ns" >&2; exit 2; }

if [ ! -x "$tools/dotnet-stryker" ]; then
  dotnet tool install dotnet-stryker --version "$version" --tool-path "$tools"
fi

# Only the test folders that can reach the namespace run (a test that never executes a mutant cannot kill it, and
# Stryker's initial and coverage runs would otherwise spend most of their time in the Arrow and Parquet suites). The
# process-kill tests spawn worker processes and run for minutes each, so they are left out; the in-process crash-state
# sweeps (CrashSweepTests, IngestCrashSweepTests, ShardCrashSweepTests) stay in. TEST_FILTER overrides all of this.
# Serialization is also tested by the generator tests' checkpoint round-trip, evolution and corruption suites
# (tests/Generators.Tests/CheckpointStates), so those run too.
projects=("$repo/tests/Runtime.Tests/Bulwark.Runtime.Tests.csproj")
extra=""
case "$ns" in
  Upsert)        folders="Upsert Hosting" ;;
  Serialization) folders="Serialization Checkpoints Upsert Hosting"
                 projects+=("$repo/tests/Generators.Tests/Bulwark.Generators.Tests.csproj")
                 extra="FullyQualifiedName~Bulwark.Generators.Tests.CheckpointStates." ;;
  Checkpoints)   folders="Checkpoints Serialization Upsert Hosting" ;;
  Shards)        folders="Shards Upsert Hosting" ;;
  Ingest)        folders="Ingest IngestBuffers Hosting" ;;
  # Storage: its own contract, path and listing suites, and the checkpointer's and façade's suites, which drive the
  # local backend's renames, syncs and lock through a protocol. Every folder (804 tests) did not finish Stryker's
  # coverage run in 35 minutes on 2 cores; the ingest and shard suites add crash sweeps, not backend paths.
  Storage)       folders="Storage Checkpoints Facade Hosting" ;;
  *)             folders="" ;;   # anything else: every folder but the Arrow IPC one, which uses no storage
esac
# The CLI's tests (81, in process, seconds in all) drive the stores' repair, drop, collection plan, verification,
# status, replay and inspection through the runtime: for the storage namespaces they are tests like any other.
case "$ns" in
  Checkpoints|Shards|Ingest|Storage)
    projects+=("$repo/tests/Cli.Tests/Bulwark.Cli.Tests.csproj")
    extra="FullyQualifiedName~Bulwark.Cli.Tests." ;;
esac
if [ -n "$folders" ]; then
  filter=""
  for f in $folders; do filter="${filter:+$filter|}FullyQualifiedName~Bulwark.Runtime.Tests.$f."; done
  [ -z "$extra" ] || filter="$filter|$extra"
  filter="($filter)&FullyQualifiedName!~ProcessKillTests"
else
  filter="FullyQualifiedName!~Bulwark.Runtime.Tests.Ipc.&FullyQualifiedName!~ProcessKillTests"
fi
filter="${TEST_FILTER:-$filter}"
# Every mutant a crash sweep covers runs that sweep again: the full sweeps (most of a minute each) would make a run take
# days, so they check one small workload here (tests/Runtime.Tests/SweepSize.cs). CI runs them full.
export BULWARK_SWEEP="${BULWARK_SWEEP:-reduced}"
# Stryker learns which tests reach a mutant from the mutants hit between a test's start and its end; with test classes
# running side by side a test is credited with another's, and the one that really reaches a mutant is not run against
# it (a false survivor). Directory.Build.props makes the test projects run one test at a time when this is set.
export BULWARK_SERIAL_TESTS=true
# PART=K/N mutates only the K-th of N runs of the namespace's files (parts.py: path order, about equal line counts), for
# a namespace whose run does not fit one sitting; bench/reliability.sh records each part and adds up a complete set.
mutate=("**/$ns/**/*.cs")
if [ -n "${PART:-}" ]; then
  [[ "$PART" =~ ^[0-9]+/[0-9]+$ ]] || { echo "PART must be K/N, e.g. PART=2/3" >&2; exit 2; }
  files="$(python3 "$here/parts.py" "$repo/src/Runtime/$ns" "$PART")" || exit 2
  mutate=()
  for f in $files; do mutate+=("**/$ns/$f"); done
fi
out="$here/out/$ns"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

cmd=(nice -n 10 "$tools/dotnet-stryker"
  --config-file "$here/stryker-config.json"
  --test-case-filter "$filter"
  --concurrency "${CONCURRENCY:-1}"
  --output "$out/$stamp"
  --skip-version-check)
for m in "${mutate[@]}"; do cmd+=(--mutate "$m"); done
for p in "${projects[@]}"; do cmd+=(--test-project "$p"); done
cmd+=("$@")

cd "$repo/src/Runtime"
# The first lines of the log say what ran where; bench/reliability.sh records them with the counts.
{ echo "cwd: $PWD"
  echo "commit: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src tests || echo ' (with uncommitted changes)')"
  echo "source: $(git -C "$repo" rev-parse "HEAD:src/Runtime/$ns") (the tree of src/Runtime/$ns)"
  [ -z "${PART:-}" ] || echo "part: $PART of the files: $(echo $files)"
  echo "crash sweeps: BULWARK_SWEEP=${BULWARK_SWEEP}"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg) at start, concurrency ${CONCURRENCY:-1}"
  printf 'command:'; printf ' %q' "${cmd[@]}"; echo
} | tee "$out/$stamp.log"
start=$(date +%s)
set +e   # a failing or stopped Stryker run still gets its summary and wall time below
"${cmd[@]}" 2>&1 | tee -a "$out/$stamp.log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))

report="$out/$stamp/reports/mutation-report.json"
if [ -f "$report" ]; then
  python3 "$here/summarize.py" "$report" "$ns" "$elapsed" | tee "$out/$stamp.summary.txt"
else
  echo "no JSON report at $report (Stryker exit $status)" >&2
fi
echo "wall time: ${elapsed}s, stryker exit: $status"
exit "$status"
