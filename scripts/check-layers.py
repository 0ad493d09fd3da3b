#!/usr/bin/env python3
"""Checks the include graph of keten's C++ sources against its layers (docs/design.md, "Layers").

Every `#include "…"` of include/keten, src/ and bindings/python is resolved to a file. The check
fails when
  - files include each other in a circle (any cycle of the file-level include graph), or
  - a layer includes a file of a layer it may not reach (ALLOWED below): the public headers only
    themselves, the compiled parts the public headers and their own directory, the Python binding
    and the CLI only the public API.
Prints the layer graph (edges with the number of includes) with --graph. Exit status 1 on a
violation. Usage: scripts/check-layers.py [--graph]
"""
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {  # directory prefix → layer name, longest prefix first
    "include/keten/detail": "include/keten",
    "include/keten": "include/keten",
    "src/core": "src/core",
    "src/io": "src/io",
    "src/ledger": "src/ledger",
    "src/cli": "src/cli",
    "bindings/python": "bindings/python",
}
# Which layers each layer may include (besides itself).
ALLOWED = {
    "include/keten": set(),
    "src/core": {"include/keten"},
    "src/io": {"include/keten"},
    "src/ledger": {"include/keten"},
    "src/cli": {"include/keten"},
    "bindings/python": {"include/keten"},
}
# Single includes across layers that are allowed, with the reason.
EXCEPTIONS = {
    ("src/core/geography.cpp", "src/io/csv.hpp"):
        "the compiled-in municipality table is read with the CSV reader of src/io",
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path: str):
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if path.startswith(prefix + "/"):
            return LAYERS[prefix]
    return None


def resolve(including: Path, name: str):
    for base in (including.parent, ROOT / "include"):
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate.relative_to(ROOT).as_posix()
    return None


def main() -> int:
    files = [p for prefix in LAYERS for p in (ROOT / prefix).glob("*")
             if p.suffix in (".hpp", ".cpp", ".h") and p.is_file()]
    graph = defaultdict(set)
    layer_edges = defaultdict(int)
    problems = []
    for f in sorted(set(files)):
        rel = f.relative_to(ROOT).as_posix()
        for name in INCLUDE.findall(f.read_text(encoding="utf-8")):
            target = resolve(f, name)
            if target is None:
                continue  # a generated file or a third-party header found through -I
            graph[rel].add(target)
            a, b = layer_of(rel), layer_of(target)
            if b is None:
                continue
            layer_edges[(a, b)] += 1
            if a != b and b not in ALLOWED[a] and (rel, target) not in EXCEPTIONS:
                problems.append(f"{rel} includes {target}: {a} may not reach {b}")

    # Cycles of the file graph (iterative depth-first search, colours).
    colour = {}
    for start in sorted(graph):
        if start in colour:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = "grey"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = "black"
                stack.pop()
                path.pop()
            elif colour.get(child) == "grey":
                cycle = path[path.index(child):] + [child]
                problems.append("include circle: " + " -> ".join(cycle))
            elif child not in colour:
                colour[child] = "grey"
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))

    if "--graph" in sys.argv:
        for (a, b), n in sorted(layer_edges.items()):
            if a != b:
                print(f"{a} -> {b}: {n} include(s)")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"layers ok: {len(graph)} files, no include circle, every include within its layer's "
              f"reach")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
