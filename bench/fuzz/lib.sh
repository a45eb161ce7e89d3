# Shared by run.sh and run-all.sh (sourced): finds or installs afl-fuzz, builds the fuzz project, and instruments a
# copy of its output with sharpfuzz. Everything it makes is under bench/fuzz/artifacts/ (ignored by git).
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$fuzz_dir/../.." && pwd)"
artifacts="$fuzz_dir/artifacts"
configuration="${FUZZ_CONFIGURATION:-Release}"
instrumented="$artifacts/instrumented-$configuration"
# The uninstrumented build: instrumented code writes to afl's shared memory and faults outside afl-fuzz, so listing
# targets and replaying findings use this one.
built="$fuzz_dir/Bulwark.Fuzz/bin/$configuration/net10.0"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# afl-fuzz from Debian's afl++ package, installed with apt-get when it is missing and this user may install packages.
# Returns 1 (with the reason on stderr) when it cannot be had.
fuzz_ensure_afl() {
  command -v afl-fuzz >/dev/null && return 0
  local installer=()
  if [ "$(id -u)" -eq 0 ]; then installer=(); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then installer=(sudo -n); else
    echo "afl-fuzz is not installed and this user cannot install packages; install it with: apt-get install -y afl++" >&2
    return 1
  fi
  echo "afl-fuzz is missing: installing Debian's afl++ package" >&2
  if ! { "${installer[@]}" apt-get install -y afl++ >"$artifacts/apt-afl.log" 2>&1 \
        || { "${installer[@]}" apt-get update >>"$artifacts/apt-afl.log" 2>&1 && "${installer[@]}" apt-get install -y afl++ >>"$artifacts/apt-afl.log" 2>&1; }; }; then
    echo "apt-get install -y afl++ failed (log: $artifacts/apt-afl.log):" >&2
    tail -n 5 "$artifacts/apt-afl.log" >&2
    return 1
  fi
  command -v afl-fuzz >/dev/null || { echo "afl++ is installed but afl-fuzz is not on PATH" >&2; return 1; }
}

# The sharpfuzz command-line tool (SharpFuzz.CommandLine), installed into artifacts/tools, never globally.
fuzz_ensure_sharpfuzz() {
  [ -x "$artifacts/tools/sharpfuzz" ] && return 0
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$artifacts/tools" >"$artifacts/tool-install.log" 2>&1 \
    || { echo "could not install the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0):" >&2; tail -n 5 "$artifacts/tool-install.log" >&2; return 1; }
}

# Builds bench/fuzz/Bulwark.Fuzz and, when the build changed, copies its output to $instrumented and instruments
# Bulwark.Runtime.dll there (only the runtime: the oracle and the codecs' packages add no coverage worth steering by).
fuzz_build() {
  mkdir -p "$artifacts"
  fuzz_ensure_sharpfuzz || return 1
  local log="$artifacts/build-$configuration.log"
  # FUZZ_PREBUILT=1 (.ci/run, right after `dotnet test` built the solution) uses that build instead of asking MSBuild.
  if [ "${FUZZ_PREBUILT:-0}" = 1 ] && [ -f "$built/Bulwark.Fuzz.dll" ]; then
    :
  elif ! dotnet build "$fuzz_dir/Bulwark.Fuzz/Bulwark.Fuzz.csproj" -c "$configuration" --nologo -clp:NoSummary >"$log" 2>&1; then
    echo "building bench/fuzz/Bulwark.Fuzz failed (log: $log):" >&2
    grep -E ': error ' "$log" | sort -u | head -20 >&2
    return 1
  fi
  local output="$built"
  if [ -f "$instrumented/.stamp" ] && [ ! "$output/Bulwark.Runtime.dll" -nt "$instrumented/.stamp" ] && [ ! "$output/Bulwark.Fuzz.dll" -nt "$instrumented/.stamp" ]; then
    return 0
  fi
  rm -rf "$instrumented"
  mkdir -p "$instrumented"
  cp -r "$output/." "$instrumented/"
  if ! "$artifacts/tools/sharpfuzz" "$instrumented/Bulwark.Runtime.dll" >"$artifacts/instrument.log" 2>&1; then
    echo "sharpfuzz could not instrument Bulwark.Runtime.dll:" >&2
    tail -n 5 "$artifacts/instrument.log" >&2
    return 1
  fi
  touch "$instrumented/.stamp"
}

# The names of all targets.
fuzz_targets() {
  dotnet "$built/Bulwark.Fuzz.dll" list | awk '{print $1}'
}
