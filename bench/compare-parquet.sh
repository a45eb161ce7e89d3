#!/usr/bin/env bash
# Side by side in one run: Bulwark and DuckDB (threads=1 and its default) writing the BenchRow table (10M rows x 6
# columns by default) as Snappy Parquet and reading it back. Prints rows/s, file sizes, the ratios and whether issue 5's
# goal (as fast as single-threaded DuckDB, output at most 1.1x its size) is met, and checks that both files hold the
# same rows.
#   bench/compare-parquet.sh [rows] [iterations]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rows="${1:-10000000}"
iterations="${2:-3}"
if [ ! -d "$here/js/node_modules/@duckdb/node-api" ] || [ ! -d "$here/js/node_modules/apache-arrow" ]; then
  (cd "$here/js" && npm ci --no-audit --no-fund >/dev/null)
fi
# BULWARK_ARTIFACTS=<dir> builds outside the repository (for machines where several checkouts build at once).
artifacts=()
if [ -n "${BULWARK_ARTIFACTS:-}" ]; then artifacts=(--artifacts-path "$BULWARK_ARTIFACTS"); fi
dotnet run -c Release --project "$here/Bulwark.Benchmarks" "${artifacts[@]}" -- compare-parquet "$rows" "$iterations" "$here/js/duckdb-parquet.mjs"
