#!/usr/bin/env bash
# Same-process A/B of allocate(): a base revision (default HEAD) against the work tree, both
# compiled with namespace keten renamed (kA, kB) into one program that alternates them on the
# same synthetic day (benchmarks/ab). For changes too small for the noise of separate runs.
# Usage: scripts/ab-allocate.sh [REVISION] [SCOPE 0|1|2] [ROUNDS] [plain]
set -euo pipefail
root=$(git rev-parse --show-toplevel)
rev=${1:-HEAD}
scope=${2:-2}
rounds=${3:-41}
mode=${4:-}
out=$root/build/ab
mkdir -p "$out"
[ -f "$root/build/release/generated/embedded_data.cpp" ] || make -C "$root" build >/dev/null
rm -rf "$out/base"
git -C "$root" worktree prune
git -C "$root" worktree add -f --detach "$out/base" "$rev" >/dev/null 2>&1
cxx=(c++ -std=c++20 -O3 -DNDEBUG -DFMT_SHARED -isystem /usr/include/eigen3
     "-DKETEN_DATA_DIR=\"$root/data\"")
command -v ccache >/dev/null && cxx=(ccache "${cxx[@]}")
sources="core/error core/taxonomy core/geography core/case core/offering core/landscape
  core/chain core/cooperation core/cooperation_scan core/synthetic_chains core/analysis
  core/matching core/pathway core/synthetic core/flow core/flow_assignment core/flow_dynamic
  core/flow_instances core/allocation core/stable io/csv io/files io/json io/match_json io/dimacs
  io/allocation_json"
build_side() {  # tree namespace
  local tree=$1 ns=$2 dir=$out/$2 f
  rm -rf "$dir" && mkdir -p "$dir"
  # allocate()'s stages are one file or several (src/core/allocation*.cpp, allocator.cpp) by revision.
  local tree_sources=${sources/core\/allocation /}
  for f in "$tree"/src/core/allocation*.cpp "$tree"/src/core/allocator.cpp; do
    [ -f "$f" ] && tree_sources="$tree_sources core/$(basename "$f" .cpp)"
  done
  for f in $tree_sources; do
    echo "${cxx[*]} -Dketen=$ns -I$tree/include -c $tree/src/$f.cpp -o $dir/${f//\//_}.o"
  done | xargs -P2 -I{} sh -c "{}"
  "${cxx[@]}" -Dketen=$ns -c "$root/build/release/generated/embedded_data.cpp" -o "$dir/embedded.o"
  ar rcs "$dir/lib.a" "$dir"/*.o
  "${cxx[@]}" -Dketen=$ns -DRUN=run_${ns#k} -I"$tree/include" -c "$root/benchmarks/ab/side.cpp" \
    -o "$dir/side.o"
}
build_side "$out/base" ka
build_side "$root" kb
c++ -O2 "$root/benchmarks/ab/main.cpp" "$out/ka/side.o" "$out/ka/lib.a" "$out/kb/side.o" \
  "$out/kb/lib.a" -lfmt -lxxhash -lboost_serialization -lcsv -o "$out/ab"
git -C "$root" worktree remove --force "$out/base"
"$out/ab" "$scope" "$rounds" $mode
