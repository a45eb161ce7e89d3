#!/usr/bin/env python3
"""Reads the trace log of a Stryker run (run.sh ... --log-to-file), finished or not, and tells each mutant's fate so far.

usage: partial.py out/<NS>/<stamp>/logs/log-<date>.txt NAMESPACE

Stryker writes its JSON report only at the end; this is for a run stopped before then. A run of one mutant is
decisive (tests failed: killed; passed: survived). A run of several mutants that passed means all of them survived;
one that failed kills at least one of them, and the log does not say which ("KilledOrSurvived"). A run that hit its
time limit is followed by "Not all mutants were tested"; its finished mutants are "TimedOutRun" here. Lines are found by
looking the mutated text up in the source file and are approximate when the text occurs more than once.
"""
import collections
from datetime import datetime
import re
import sys

path, ns = sys.argv[1], sys.argv[2]
created = {}
current = None
with open(path, encoding="utf-8", errors="replace") as f:
    log = f.read()

for m in re.finditer(r'Mutating "([^"]+)"|Mutant (\d+) created "(.*?)" -> "(.*?)" using "Stryker\.Core\.Mutators\.(\w+)"', log, re.S):
    if m.group(1):
        current = m.group(1)
    else:
        created[m.group(2)] = (current, m.group(6 - 1), m.group(3), m.group(4))

fate = {}
runs = [(m.start(), [p.split(":")[0].strip() for p in m.group(1).split(",")], m.group(2))
        for m in re.finditer(r'Test run for "([^"]*)" is "(\w+)"', log)]
for n, (at, ids, result) in enumerate(runs):
    following = log[at:runs[n + 1][0]] if n + 1 < len(runs) else log[at:]
    if "Not all mutants were tested" in following:
        # The run hit its time limit: Stryker runs the unfinished mutants again; the others are decided, but the log
        # does not say how (a survivor, or a timeout), so they stay undecided here.
        retried = set(runs[n + 1][1]) if n + 1 < len(runs) else set()
        for i in ids:
            if i not in retried:
                fate[i] = "TimedOutRun"
        continue
    # The start of this run, not of the other runner's: the "Testing" line that names the same first mutant, and the
    # time limit that runner set next (the other runner's lines may come between the two).
    started = []
    for start in re.finditer(r'^(\S+)  \[DBG\] "Runner (\d+)": Testing \["' + re.escape(ids[0]) + r':', log[:at], re.M):
        limit = re.compile(r'"Runner ' + start.group(2) + r'": Using (\d+) ms as test run timeout').search(log, start.end(), at)
        if limit:
            started.append((start.group(1), limit.group(1)))
    stamp = re.search(r"^(\S+)", log[log.rfind("\n", 0, at) + 1:], re.M).group(1)
    if started:
        elapsed = (datetime.fromisoformat(stamp) - datetime.fromisoformat(started[-1][0])).total_seconds() * 1000
        if elapsed >= int(started[-1][1]):
            # A run that reached its time limit is logged like a passing one: a mutant that hangs the tests and a
            # survivor whose tests were merely slow look the same here ("SurvivedOrTimeout").
            for i in ids:
                fate[i] = "SurvivedOrTimeout" if result == "success" else fate.get(i, "KilledOrSurvived" if len(ids) > 1 else "Killed")
            continue
    if result == "success":
        for i in ids:
            fate[i] = "Survived"
    elif len(ids) == 1:
        fate[ids[0]] = "Killed"
    else:
        for i in ids:
            fate[i] = "KilledOrSurvived"

ours = {i for i in fate if created.get(i, (None,))[0] and f"/{ns}/" in created[i][0]}
counts = collections.Counter(fate[i] for i in ours)
summary = re.findall(r"\[INF\] (\d+ +(?:mutants got status \w+\.|total mutants will be tested).*?)(?: \(|$)", log, re.M)
for line in summary:
    print("stryker:", re.sub(r" +", " ", line))
print(f"{ns}: {len(ours)} mutants run so far; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
if counts["Killed"] + counts["Survived"]:
    print(f"killed / (killed + survived) among those decided one by one: "
          f"{100.0 * counts['Killed'] / (counts['Killed'] + counts['Survived']):.1f}%")

sources = {}
for i in sorted(ours, key=int):
    if fate.get(i) not in ("Survived", "SurvivedOrTimeout"):
        continue
    file, mutator, original, replacement = created[i]
    if file not in sources:
        with open(file, encoding="utf-8") as s:
            sources[file] = s.read()
    text = original.replace('\\"', '"')
    at = sources[file].find(text.split("\n")[0])
    line = sources[file].count("\n", 0, at) + 1 if at >= 0 else 0
    short = file.split("src/Runtime/")[-1]
    print(f"{fate[i]} {i} {short}:{line} [{mutator}] {original[:90]!r} -> {replacement[:60]!r}")
