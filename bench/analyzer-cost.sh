#!/usr/bin/env bash
# What the durability analyzers cost a build, in compiler CPU time (user + sys), on a generated codebase of storage and
# background-work code (bench/analyzer-cost/Generator: 2,000 files by default, one in ten using Bulwark-like contracts,
# one in fifty with a seeded bug per analyzer). Three configurations of one csc command line, run alternately (the
# load of a shared machine drifts, and all three should see the same drift), median of the rounds:
#   (a) the compiler alone, (b) plus an analyzer that registers nothing (bench/analyzer-cost/EmptyAnalyzer),
#   (c) plus every Bulwark analyzer (src/Analyzers, Release).
# Then one more (c) run with /reportanalyzer prints each analyzer's own execution time.
#   bench/analyzer-cost.sh [files=2000] [rounds=3]
# One compile of the 2,000 files takes about a minute of CPU; a round is three compiles.
# The compiler is the SDK's csc, run directly (no build server, no MSBuild) with /noconfig, the SDK's reference pack,
# the implicit usings of a library project, nullable on, optimize on, portable PDB: the CoreCompile of `dotnet build
# -c Release` without the SDK's own analyzers. The exact command is printed. Goal (issue 13): (c)/(a) <= 1.15.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
files="${1:-2000}"
rounds="${2:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-analyzer-cost.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build -c Release -nologo -v q "$here/../src/Analyzers" >/dev/null
dotnet build -c Release -nologo -v q "$here/analyzer-cost/EmptyAnalyzer" >/dev/null
dotnet run -c Release --project "$here/analyzer-cost/Generator" -- "$work/src" "$files"
bulwark="$here/../src/Analyzers/bin/Release/netstandard2.0/Bulwark.Analyzers.dll"
empty="$here/analyzer-cost/EmptyAnalyzer/bin/Release/netstandard2.0/Bulwark.Bench.EmptyAnalyzer.dll"

# The SDK this repository builds with (global.json), its compiler and the reference pack it bundles.
sdk_version="$(cd "$here/.." && dotnet --version)"
sdk_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
csc="$sdk_dir/sdk/$sdk_version/Roslyn/bincore/csc"
ref_version="$(ls "$sdk_dir/packs/Microsoft.NETCore.App.Ref" | sort -V | tail -n 1)"
ref_dir="$sdk_dir/packs/Microsoft.NETCore.App.Ref/$ref_version/ref/net10.0"
[ -x "$csc" ] && [ -f "$ref_dir/System.Runtime.dll" ] || { echo "no csc or reference pack under $sdk_dir" >&2; exit 1; }

{
  echo "/noconfig /nostdlib+ /nologo /target:library /langversion:latest /nullable:enable /optimize+ /deterministic+"
  echo "/debug:portable /warn:9 /out:$work/Cost.dll /pdb:$work/Cost.pdb"
  for dll in "$ref_dir"/*.dll; do echo "/reference:$dll"; done
  find "$work/src" -name '*.cs' | sort
} >"$work/compile.rsp"

# One compile: writes "cpu wall" seconds (cpu = user + sys) to $work/<name>.out, the compiler's output to
# $work/<name>.log. An error fails the script.
compile() {
  local name="$1"; shift
  /usr/bin/time -f "%U %S %e" -o "$work/$name.time" "$csc" "@$work/compile.rsp" "$@" >"$work/$name.log" 2>&1 || {
    echo "the compile ($name) failed:" >&2; grep -m 20 'error' "$work/$name.log" >&2; exit 1; }
  awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }' "$work/$name.time" >"$work/$name.out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "command: $csc @compile.rsp [/analyzer:<dll>]  (compile.rsp: $(head -n 2 "$work/compile.rsp" | tr '\n' ' ')+ $(grep -c '^/reference' "$work/compile.rsp") references of $ref_dir + $(grep -c '\.cs$' "$work/compile.rsp") sources)"
: >"$work/a.cpu"; : >"$work/b.cpu"; : >"$work/c.cpu"
for round in $(seq 1 "$rounds"); do
  compile a; read -r a a_wall <"$work/a.out"
  compile b "/analyzer:$empty"; read -r b b_wall <"$work/b.out"
  compile c "/analyzer:$bulwark"; read -r c c_wall <"$work/c.out"
  echo "$a" >>"$work/a.cpu"; echo "$b" >>"$work/b.cpu"; echo "$c" >>"$work/c.cpu"
  printf 'round %d: cpu (a) %6.2f s  (b) %6.2f s  (c) %6.2f s   wall (a) %5.2f s  (b) %5.2f s  (c) %5.2f s\n' \
    "$round" "$a" "$b" "$c" "$a_wall" "$b_wall" "$c_wall"
done

ma="$(median <"$work/a.cpu")"; mb="$(median <"$work/b.cpu")"; mc="$(median <"$work/c.cpu")"
lines="$(find "$work/src" -name '*.cs' -exec cat {} + | wc -l)"
echo
echo "Analyzer cost: $((files + 2)) files ($lines lines), compiler CPU time (user+sys), median of $rounds alternating rounds"
printf '  (a) compiler alone                      %7.2f s\n' "$ma"
printf '  (b) compiler + an empty analyzer        %7.2f s\n' "$mb"
printf '  (c) compiler + all Bulwark analyzers    %7.2f s\n' "$mc"
awk -v a="$ma" -v b="$mb" -v c="$mc" 'BEGIN { printf "  c/a = %.3fx   c/b = %.3fx   b/a = %.3fx   (goal: c/a <= 1.15x)\n", c / a, c / b, b / a }'
echo "  diagnostics in (c): $(grep -o 'warning BWK[0-9]*' "$work/c.log" | sort | uniq -c | awk '{ printf "%s=%s ", $3, $1 }')"

echo
echo "Per-analyzer execution time (csc /reportanalyzer, one extra run of (c)):"
compile report "/analyzer:$bulwark" /reportanalyzer
sed -n '/Total analyzer execution time/,$p' "$work/report.log" | grep -v '^\s*$' | grep -v 'warning ' || true
