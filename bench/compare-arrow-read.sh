#!/usr/bin/env bash
# Side by side in one run: Bulwark's validating ArrowIpcFileReader against Apache.Arrow's ArrowFileReader reading the same
# Arrow IPC file (the 1M-row x 6-column BenchRow table, written once by Bulwark) and scanning it (sum of Id, string
# bytes, nulls). Prints rows/s, the ratio and whether issue 8's goal (at least 0.8x) is met, and checks that both scans
# equal the values computed from the source rows.
#   bench/compare-arrow-read.sh [rows] [iterations]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- compare-arrow-read "${1:-1000000}" "${2:-5}"
