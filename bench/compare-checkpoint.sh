#!/usr/bin/env bash
# Side by side in one run: the generated checkpoint serializer vs System.Text.Json (source-generated) on the same
# realistic state, then fsync count and latency of checkpoint commits on the local file system.
#   bench/compare-checkpoint.sh [iterations] [directory]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- compare-checkpoint "${1:-10}" "${2:-${TMPDIR:-/tmp}/bulwark-bench-checkpoints}"
