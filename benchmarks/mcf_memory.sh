#!/usr/bin/env bash
# Peak memory of keten's network simplex and of solve_min_cost_flow (the assignment solver on
# assignment instances) against LEMON's NetworkSimplex on the benchmark's DIMACS instances and a
# larger one (docs/benchmarks.md, "Peak memory"). Each solver runs in its own
# process (benchmarks/mcf_memory.cpp); "none" is the instance read alone, the baseline both share.
#
#   make bench-memory          # or: benchmarks/mcf_memory.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build/bench}
keten="$build/keten"
probe="$build/benchmarks/mcf_memory"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| instance | read only | keten network simplex | keten solve_min_cost_flow | LEMON NetworkSimplex | keten − read / LEMON − read (simplex, solve_min_cost_flow) |"
echo "|---|---:|---:|---:|---:|---:|"
while read -r kind nodes arcs; do
  file="$work/$kind-$nodes.min"
  "$keten" generate mcf --kind "$kind" --nodes "$nodes" --arcs "$arcs" --seed 1 -o "$file" >/dev/null
  read -r _ _ base < <("$probe" none "$file")
  read -r _ ours_cost ours < <("$probe" keten "$file")
  read -r _ solve_cost solved < <("$probe" solve "$file")
  read -r _ their_cost theirs < <("$probe" lemon "$file")
  if [[ "$ours_cost" != "$their_cost" || "$solve_cost" != "$their_cost" ]]; then
    echo "optimum differs on $kind $nodes: keten $ours_cost / $solve_cost, LEMON $their_cost" >&2
    exit 1
  fi
  awk -v k="$kind" -v n="$nodes" -v m="$arcs" -v b="$base" -v o="$ours" -v s="$solved" -v t="$theirs" 'BEGIN {
    printf "| %s %d/%d | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %.2f, %.2f |\n", k, n, m, b/1024,
      o/1024, s/1024, t/1024, (o - b) / (t - b), (s - b) / (t - b) }'
done <<'LIST'
transportation 2000 40000
transshipment 4000 40000
transshipment 16000 160000
assignment 400 0
assignment 2000 0
transshipment 100000 1000000
LIST
