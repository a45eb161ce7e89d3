#!/usr/bin/env bash
# Publishes each app with NativeAOT exactly as a user would (`dotnet publish PROJECT -c Release -p:PublishAot=true`)
# and counts the trim and AOT warnings (IL2xxx, IL3xxx) of the compile and of the native compiler. Fails when a
# publish fails or any such warning (or error) is reported.
#   bench/aot-warnings.sh [PROJECT_DIR...]     (default: the samples and the CLI)
# Every publish builds into one fresh artifacts folder, so nothing up to date hides a warning of an earlier run; the
# runtime is built once and shared by the apps. The native compiler is slow: minutes per app on two cores.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "$#" -gt 0 ]; then
  projects=("$@")
else
  projects=(samples/Quickstart samples/Crawler samples/Replicas samples/Hosting src/Cli)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-aot-XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=0
total_start=$(date +%s)
for project in "${projects[@]}"; do
  name="$(basename "$project")"
  log="$work/$name.log"
  start=$(date +%s)
  dotnet publish "$root/$project" -c Release -p:PublishAot=true --artifacts-path "$work/artifacts" --nologo -clp:NoSummary >"$log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))
  # MSBuild may print a diagnostic more than once; count each distinct one.
  found="$(grep -E '(warning|error) IL[23][0-9]{3}' "$log" | sort -u)"
  count=$(printf '%s' "$found" | grep -c . || true)
  echo "$project: exit $status, $count IL2xxx/IL3xxx diagnostics, ${seconds}s"
  if [ -n "$found" ]; then
    printf '%s\n' "$found" | sed 's/^/    /'
  fi
  if [ "$status" -ne 0 ]; then
    grep -E ': error ' "$log" | sort -u | head -20 | sed 's/^/    /'
  fi
  if [ "$status" -ne 0 ] || [ "$count" -ne 0 ]; then
    failed=1
  fi
done

echo "total: $(( $(date +%s) - total_start ))s for ${#projects[@]} projects"
exit "$failed"
