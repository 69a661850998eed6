#!/usr/bin/env python3
"""Checks that no resolved dependency declares a newer `rust-version` than ours.

Only one toolchain exists on our machines, so the MSRV cannot be tested by building with it;
this keeps the declared `rust-version` honest instead: if a dependency needs a newer compiler,
ours cannot be older.
"""
import json
import subprocess
import sys


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"]))
ours = next(p for p in meta["packages"] if p["name"] == "webhook-guard")
msrv = version(ours["rust_version"])
# Only what a user compiles: normal dependencies, reachable from our package.
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
packages = {p["id"]: p for p in meta["packages"]}
seen, stack = set(), [ours["id"]]
while stack:
    node = nodes[stack.pop()]
    for dep in node["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])
newer = [
    (packages[i]["name"], packages[i]["version"], packages[i]["rust_version"])
    for i in sorted(seen)
    if packages[i].get("rust_version") and version(packages[i]["rust_version"]) > msrv
]
print(f"rust-version {ours['rust_version']}: {len(seen)} normal dependencies checked")
for name, ver, rv in newer:
    print(f"  {name} {ver} needs rust {rv}")
sys.exit(1 if newer else 0)
