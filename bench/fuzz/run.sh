#!/usr/bin/env bash
# Fuzzes one target with afl-fuzz for SECONDS and reports what the driver saw.
#   bench/fuzz/run.sh TARGET SECONDS          (targets: bench/fuzz/run.sh list)
# Builds bench/fuzz/Bulwark.Fuzz, instruments Bulwark.Runtime.dll with sharpfuzz (SharpFuzz.CommandLine 2.3.0, into
# bench/fuzz/artifacts/tools), starts from the committed corpus bench/fuzz/corpus/TARGET plus the small conformance
# files of its format, and runs afl-fuzz (Debian's afl++, apt-get installed when missing). Prints executions, exec/s,
# coverage (edges found of the map, corpus paths) and findings: crashing inputs (any exception other than the target's
# typed refusal, an allocation over the oracle's limit, process death) and hangs (over FUZZ_TIMEOUT_MS per input)
# are copied to bench/fuzz/findings/TARGET/ and replayed once to print their message.
# Exit: 0 no finding, 1 findings, 2 usage or build error, 3 afl-fuzz unavailable.
# Environment: FUZZ_TIMEOUT_MS (default 5000), FUZZ_CONFIGURATION (Release), FUZZ_SKIP_BUILD=1 (run-all.sh built it).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "list" ]; then
  fuzz_build || exit 2
  dotnet "$built/Bulwark.Fuzz.dll" list
  exit 0
fi
if [ "$#" -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: bench/fuzz/run.sh TARGET SECONDS   |   bench/fuzz/run.sh list" >&2
  exit 2
fi
target="$1"; seconds="$2"
mkdir -p "$artifacts"
fuzz_ensure_afl || exit 3
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then fuzz_build || exit 2; fi
if ! fuzz_targets | grep -qx "$target"; then
  echo "unknown target '$target'; targets: $(fuzz_targets | tr '\n' ' ')" >&2
  exit 2
fi

# Seeds: the committed corpus, plus conformance files of the target's format up to 8 KiB (afl-fuzz likes small inputs).
input="$artifacts/input/$target"
rm -rf "$input"; mkdir -p "$input"
cp "$fuzz_dir/corpus/$target/"* "$input/" 2>/dev/null
conformance="$repo_root/tests/Conformance"
case "$target" in
  parquet|shard-part) pattern=("$conformance/parquet-testing/data" -name '*.parquet') ;;
  arrow-file) pattern=("$conformance/arrow-testing/data/arrow-ipc-file" -type f) ;;
  arrow-stream) pattern=("$conformance/arrow-testing/data/arrow-ipc-stream" -type f -name '*.stream') ;;
  *) pattern=() ;;
esac
if [ "${#pattern[@]}" -gt 0 ] && [ -d "${pattern[0]}" ]; then
  find "${pattern[@]}" -size -8k -exec sh -c 'cp "$1" "$2/conformance-$(basename "$1")"' _ {} "$input" \;
fi
if [ -z "$(ls -A "$input")" ]; then echo "no seeds for $target in bench/fuzz/corpus/$target" >&2; exit 2; fi

out="$artifacts/afl/$target"
rm -rf "$out"; mkdir -p "$artifacts/afl"
# The target is `dotnet`, not an afl-instrumented binary; sharpfuzz's instrumentation speaks afl's protocol.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1
echo "fuzzing $target for ${seconds}s ($(ls "$input" | wc -l) seeds, timeout ${FUZZ_TIMEOUT_MS:-5000} ms per input)"
started=$(date +%s)
# A guard against an afl-fuzz that never gets past its start: SIGINT makes it stop and write its statistics.
timeout -s INT $((seconds + 120)) afl-fuzz -i "$input" -o "$out" -t "${FUZZ_TIMEOUT_MS:-5000}" -m none -V "$seconds" -- "$(command -v dotnet)" "$instrumented/Bulwark.Fuzz.dll" run "$target" >"$artifacts/afl-$target.log" 2>&1
status=$?
elapsed=$(( $(date +%s) - started ))
stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "afl-fuzz did not start (exit $status); the end of its log ($artifacts/afl-$target.log):" >&2
  tail -n 25 "$artifacts/afl-$target.log" | sed 's/\x1b\[[0-9;]*m//g' >&2
  exit 2
fi
stat() { grep -E "^$1 +:" "$stats" | sed 's/^[^:]*: *//'; }

findings_dir="$fuzz_dir/findings/$target"
crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
if [ $((crashes + hangs)) -gt 0 ]; then
  mkdir -p "$findings_dir"
  for kind in crashes hangs; do
    for file in "$out/default/$kind"/id:*; do
      [ -e "$file" ] || continue
      cp "$file" "$findings_dir/$kind-$(basename "$file" | cut -d, -f1 | tr ':' '-')-$(sha1sum "$file" | cut -c1-12)"
    done
  done
fi

echo "target:     $target"
echo "time:       ${elapsed}s (afl-fuzz $(stat run_time)s of fuzzing)"
echo "executions: $(stat execs_done)"
echo "exec/s:     $(stat execs_per_sec)"
echo "coverage:   $(stat edges_found) edges found ($(stat bitmap_cvg) of the map), $(stat corpus_count) paths in the corpus"
echo "findings:   $crashes crashes, $hangs hangs"
if [ $((crashes + hangs)) -gt 0 ]; then
  echo "copied to:  $findings_dir"
  for file in "$out/default/crashes"/id:*; do
    [ -e "$file" ] || continue
    dotnet "$built/Bulwark.Fuzz.dll" replay "$target" "$file" | grep -m1 FINDING
  done | sed 's/^FINDING  [^:]*: /    /' | sort | uniq -c | sort -rn | head -20
  exit 1
fi
exit 0
