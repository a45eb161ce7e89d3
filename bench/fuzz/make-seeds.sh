#!/usr/bin/env bash
# Regenerates the seed files (seed-*) of the committed corpus with Bulwark's own writers:
#   bench/fuzz/make-seeds.sh
# Findings (finding-*) are kept; seeds are replaced. Review the diff: seeds must stay small (the replay test checks
# 64 KiB per file, 2 MiB in all) and every one must read (CorpusReplayTests).
set -euo pipefail
fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$fuzz_dir/Bulwark.Fuzz/Bulwark.Fuzz.csproj" -c Release --nologo -clp:NoSummary -v quiet
find "$fuzz_dir/corpus" -name 'seed-*' -delete
dotnet "$fuzz_dir/Bulwark.Fuzz/bin/Release/net10.0/Bulwark.Fuzz.dll" seed "$fuzz_dir/corpus"
