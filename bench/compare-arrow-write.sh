#!/usr/bin/env bash
# Side by side in one run: Bulwark (generated BatchBuilder + Arrow IPC file writer), Apache.Arrow (.NET: its own array
# builders, and arrays built by hand from pooled buffers, each + its ArrowFileWriter) and apache-arrow (JS) building and
# writing the same 1M-row x 6-column table. Checks every file holds the same rows (Bulwark reads the peers' files,
# Apache.Arrow reads Bulwark's), then prints rows/s, MB/s and the ratios.
#   bench/compare-arrow-write.sh [rows] [iterations]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rows="${1:-1000000}"
iterations="${2:-5}"
if [ ! -d "$here/js/node_modules/apache-arrow" ]; then
  (cd "$here/js" && npm ci --no-audit --no-fund >/dev/null)
fi
dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- compare-arrow-write "$rows" "$iterations" "$here/js/arrow-write.mjs"
