#!/usr/bin/env python3
"""Counts a Stryker JSON report (mutation-testing-elements schema) and lists the mutants that were not killed.

usage: summarize.py mutation-report.json NAMESPACE [WALL_SECONDS]
Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker computes it;
compile errors and ignored mutants are not counted in it. One kind of mutant is taken out of the score here and
counted on its own: `.ConfigureAwait(false)` flipped to `true`, which no test can observe (the runtime's code has no
synchronization context to return to, and tests run without one). Stryker cannot leave out only those: its `boolean`
group also holds the negation of every condition, and ignoring the method `ConfigureAwait` drops every mutant of
the awaited call it ends (README.md).
"""
import collections
import json
import sys

path, ns = sys.argv[1], sys.argv[2]
wall = sys.argv[3] if len(sys.argv) > 3 else "?"
with open(path, encoding="utf-8") as f:
    report = json.load(f)



def is_configure_await_flip(mutant, source):
    """`false` -> `true` as the only argument of `.ConfigureAwait(...)`, on one line."""
    start, end = mutant["location"]["start"], mutant["location"]["end"]
    if mutant["mutatorName"] != "Boolean mutation" or start["line"] != end["line"] or not 0 < start["line"] <= len(source):
        return False
    line = source[start["line"] - 1]
    first, last = start["column"] - 1, end["column"] - 1
    return line[first:last] == "false" and line[:first].rstrip().endswith(".ConfigureAwait(") and line[last:].lstrip().startswith(")")


counts = collections.Counter()
flips = collections.Counter()
left = []
for name, entry in sorted(report["files"].items()):
    source = entry["source"].splitlines()
    for m in entry["mutants"]:
        if m["status"] not in ("Ignored", "CompileError") and is_configure_await_flip(m, source):
            flips[m["status"]] += 1
            continue
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
      f"runtime errors {counts['RuntimeError']}, score {score:.1f}%, wall {wall}s"
      + (f"; ConfigureAwait(false) flips left out of the counts {sum(flips.values())} ("
         + ", ".join(f"{k.lower()} {v}" for k, v in sorted(flips.items())) + ")" if flips else ""))
for line in left:
    print(line)
