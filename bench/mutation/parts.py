#!/usr/bin/env python3
"""Prints the files of the K-th of N parts of a namespace folder, one per line, relative to it.

usage: parts.py FOLDER K/N
The .cs files under FOLDER, in ordinal path order, are cut into N contiguous runs of about equal line counts, so that
a namespace whose mutation run does not fit one sitting can be run as N runs that together mutate every file once.
The cut depends only on the files, so every part of one source tree gets the same cut.
"""
import os
import sys

folder, spec = sys.argv[1], sys.argv[2]
k, n = (int(x) for x in spec.split("/"))
if not 1 <= k <= n:
    sys.exit(f"part {spec}: K must be between 1 and N")
files = sorted(
    (os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".cs")),
    key=lambda p: p.encode())
lines = [sum(1 for _ in open(os.path.join(folder, f), encoding="utf-8")) for f in files]
total = sum(lines)
if len(files) < n:
    sys.exit(f"{folder} has {len(files)} files, fewer than {n} parts")
# A file goes to the part its first line falls in; every part keeps at least one file.
parts = [[] for _ in range(n)]
seen = 0
for i, (f, count) in enumerate(zip(files, lines)):
    part = min(n - 1, seen * n // total, i)
    part = max(part, n - (len(files) - i))  # leave at least one file for each later part
    parts[part].append(f)
    seen += count
for f in parts[k - 1]:
    print(f)
