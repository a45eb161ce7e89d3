#!/usr/bin/env python3
"""Counts a Stryker JSON report (mutation-testing-elements schema) and lists the mutants that were not killed.

usage: summarize.py mutation-report.json NAMESPACE [WALL_SECONDS]
Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker computes it;
compile errors and ignored mutants are not counted in it.
"""
import collections
import json
import sys

path, ns = sys.argv[1], sys.argv[2]
wall = sys.argv[3] if len(sys.argv) > 3 else "?"
with open(path, encoding="utf-8") as f:
    report = json.load(f)

counts = collections.Counter()
left = []
for name, entry in sorted(report["files"].items()):
    source = entry["source"].splitlines()
    for m in entry["mutants"]:
        counts[m["status"]] += 1
        if m["status"] in ("Survived", "NoCoverage"):
            line = m["location"]["start"]["line"]
            text = source[line - 1].strip() if 0 < line <= len(source) else ""
            short = name.split("src/Runtime/")[-1]
            left.append(f"{m['status']:10} {short}:{line} [{m['mutatorName']}] -> {m.get('replacement', '')!r}\n           {text}")

killed, timeout = counts["Killed"], counts["Timeout"]
survived, nocov = counts["Survived"], counts["NoCoverage"]
detected = killed + timeout
valid = detected + survived + nocov
score = 100.0 * detected / valid if valid else float("nan")
total = sum(counts.values())
print(f"namespace {ns}: mutants {total}, killed {killed}, survived {survived}, timeout {timeout}, "
      f"no coverage {nocov}, compile errors {counts['CompileError']}, ignored {counts['Ignored']}, "
      f"runtime errors {counts['RuntimeError']}, score {score:.1f}%, wall {wall}s")
for line in left:
    print(line)
