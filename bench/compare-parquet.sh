#!/usr/bin/env bash
# Side by side in one run: Bulwark, DuckDB (threads=1 and its default), ParquetSharp (Arrow FileWriter/FileReader) and
# Parquet.Net writing the BenchRow table (10M rows x 6 columns by default) as Parquet and reading it back, all with one
# codec: snappy (default), zstd (level 1) or lz4raw. Checks that every file holds the same rows and every reader's
# aggregates agree, then prints rows/s, file sizes, the ratios and whether issue 5's goal (as fast as single-threaded
# DuckDB, output at most 1.1x its size) is met.
#   bench/compare-parquet.sh [rows] [iterations] [snappy|zstd|lz4raw]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rows="${1:-10000000}"
iterations="${2:-3}"
codec="${3:-snappy}"
if [ ! -d "$here/js/node_modules/@duckdb/node-api" ] || [ ! -d "$here/js/node_modules/apache-arrow" ]; then
  (cd "$here/js" && npm ci --no-audit --no-fund >/dev/null)
fi
# BULWARK_ARTIFACTS=<dir> builds outside the repository (for machines where several checkouts build at once).
artifacts=()
if [ -n "${BULWARK_ARTIFACTS:-}" ]; then artifacts=(--artifacts-path "$BULWARK_ARTIFACTS"); fi
dotnet run -c Release --project "$here/Bulwark.Benchmarks" "${artifacts[@]}" -- compare-parquet "$rows" "$iterations" "$here/js/duckdb-parquet.mjs" --codec "$codec"
