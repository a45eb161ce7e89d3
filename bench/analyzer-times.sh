#!/usr/bin/env bash
# Each durability analyzer's own execution time on the generated codebase of compare-analyzers, against the analyzers
# of a baseline commit (default: main) built in a temporary worktree, to show what a change to one analyzer saved.
#   bench/analyzer-times.sh [files] [iterations] [baseline-ref] [analyzer-name-part]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${3:-main}"
tree="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-analyzers-base.XXXXXX")"
trap 'git -C "$here/.." worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
git -C "$here/.." worktree add --detach "$tree" "$base" >/dev/null
dotnet build -c Release -nologo -v q "$tree/src/Analyzers" >/dev/null
dotnet run -c Release --project "$here/Bulwark.Benchmarks" -- analyzer-times "${1:-2000}" "${2:-3}" "$tree/src/Analyzers/bin/Release/netstandard2.0/Bulwark.Analyzers.dll" ${4:+"$4"}
