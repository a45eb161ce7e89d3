#!/usr/bin/env bash
# Side by side in one run: RECORDS records over three tables appended by 1,000 concurrent visits through an
# IngestController into a Parquet dataset on local disk (until every visit is Committed), against the same rows written
# straight by ParquetFile.WriteAsync (one file per table, no visit bookkeeping, no commit log). Prints the throughput
# ratio, fsyncs per flush against the protocol's minimum, peak memory against MaxCachedBytes, and checks both outputs
# hold exactly the same rows. The directory must be on a real disk (fsync on tmpfs costs nothing).
#   bench/compare-ingest.sh [records] [repeats] [directory]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- compare-ingest "${1:-1000000}" "${2:-3}" "${3:-${TMPDIR:-/tmp}/bulwark-bench-ingest}"
