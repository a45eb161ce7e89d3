#!/usr/bin/env bash
# Fuzzes every target, one after the other, for SECONDS_EACH, and prints one summary line per target.
#   bench/fuzz/run-all.sh SECONDS_EACH
# Builds and instruments once (see run.sh). FUZZ_TARGETS="a b" picks and orders targets. A missing afl-fuzz that
# cannot be installed is a failure under CI=true and a skip (exit 4, with the reason) otherwise.
# Exit: 0 no finding, 1 findings or a target that did not run, 2 usage or build error, 3 afl-fuzz unavailable under
# CI=true, 4 skipped (afl-fuzz unavailable, not CI).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

if [ "$#" -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: bench/fuzz/run-all.sh SECONDS_EACH" >&2
  exit 2
fi
mkdir -p "$artifacts"
if ! fuzz_ensure_afl; then
  if [ "${CI:-}" = "true" ]; then echo "FAILED fuzzing: afl-fuzz is unavailable under CI=true" >&2; exit 3; fi
  echo "skipping fuzzing: afl-fuzz is unavailable (see above)" >&2
  exit 4
fi
fuzz_build || exit 2
targets=(${FUZZ_TARGETS:-$(fuzz_targets)})

started=$(date +%s)
summary="$artifacts/summary.txt"
: >"$summary"
status=0
for target in "${targets[@]}"; do
  log="$artifacts/run-$target.log"
  FUZZ_SKIP_BUILD=1 bash "$fuzz_dir/run.sh" "$target" "$1" | tee "$log"
  code=${PIPESTATUS[0]}
  [ "$code" -eq 0 ] || status=1
  get() { grep -m1 "^$1:" "$log" | sed 's/^[^:]*: *//'; }
  printf '%-20s %12s execs %10s exec/s  %-60s %s\n' "$target" "$(get executions)" "$(get exec/s)" "$(get coverage)" "$(get findings)${code:+ (exit $code)}" >>"$summary"
done
echo
echo "fuzzed ${#targets[@]} targets in $(( $(date +%s) - started ))s, ${1}s each:"
cat "$summary"
exit "$status"
