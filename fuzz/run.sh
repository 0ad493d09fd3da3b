#!/usr/bin/env bash
# fuzz/run.sh — runs the libFuzzer harnesses of a fuzz build one after the other (docs/fuzzing.md).
#
#   fuzz/run.sh [--time SECONDS] [--corpus DIR] BUILD_DIR [HARNESS...]
#
# Each harness runs for SECONDS (default 20) on one core, from its seeds, its regression inputs
# (tests/fuzz/<harness>/) and its dictionary (fuzz/<harness>.dict), as listed by the build in
# BUILD_DIR/fuzz/harnesses.list. The corpus it grows goes to a temporary directory that is removed
# afterwards, or with --corpus to DIR/<harness>/, kept between runs; never into the source tree.
# A crash, a sanitizer report, a broken invariant, a timeout (10 s per input) or running out of
# memory (2 GB) is a finding: its input and log are kept in BUILD_DIR/findings/<harness>/ and the
# script exits non-zero after running the other harnesses. Extra libFuzzer flags: FUZZ_ARGS.
set -euo pipefail

seconds=20
corpus_root=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --corpus) corpus_root="$2"; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: fuzz/run.sh [--time SECONDS] [--corpus DIR] BUILD_DIR [HARNESS...]" >&2; exit 2; }
build="$(cd "$1" && pwd)"
shift
wanted=("$@")
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$build/fuzz/harnesses.list"
[[ -f "$manifest" ]] || { echo "fuzz/run.sh: no $manifest; build the fuzz preset first" >&2; exit 2; }
read -r -a extra_args <<< "${FUZZ_ARGS:-}"

work="$(mktemp -d "${TMPDIR:-/tmp}/keten-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Copies a file, or the regular files of a directory, into the corpus directory.
add_seeds() {
  local from="$1" to="$2"
  if [[ -d "$from" ]]; then
    find "$from" -maxdepth 1 -type f -exec cp -f -t "$to" {} +
  elif [[ -f "$from" ]]; then
    cp -f "$from" "$to/"
  fi
}

found=()
ran=0
while IFS='|' read -r -a field; do
  name="${field[0]}" program="${field[1]}" regressions="${field[2]}"
  seeds=("${field[@]:3}")
  dict="$source_dir/fuzz/$name.dict"
  [[ -f "$dict" ]] || dict=""
  if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then continue; fi
  ran=$((ran + 1))
  if [[ -n "$corpus_root" ]]; then corpus="$corpus_root/$name"; else corpus="$work/$name/corpus"; fi
  artifacts="$work/$name/artifacts"
  log="$work/$name/log"
  mkdir -p "$corpus" "$artifacts"
  add_seeds "$regressions" "$corpus"
  for s in "${seeds[@]}"; do add_seeds "$s" "$corpus"; done

  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [[ -n "$dict" ]] && args+=(-dict="$dict")
  printf '%-20s %4ss from %3d inputs ... ' "$name" "$seconds" "$(find "$corpus" -type f | wc -l)"
  start=$SECONDS
  if "$program" "${args[@]}" "${extra_args[@]}" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    printf 'ok: %s runs in %ss, %s, corpus %d\n' "${runs:-?}" "$((SECONDS - start))" "${cov:-cov: ?}" \
      "$(find "$corpus" -type f | wc -l)"
  else
    keep="$build/findings/$name"
    mkdir -p "$keep"
    cp -f "$log" "$keep/log"
    find "$artifacts" -type f -exec cp -f -t "$keep" {} +
    printf 'FINDING after %ss\n' "$((SECONDS - start))"
    grep -a -E -A25 '==[0-9]+==ERROR|==keten-fuzz==|runtime error|deadly signal|Timeout|out-of-memory|uncaught exception|terminate called' "$log" | head -60 || tail -40 "$log"
    echo "   input and log kept in $keep/"
    found+=("$name")
  fi
done < "$manifest"

[[ $ran -gt 0 ]] || { echo "fuzz/run.sh: no harness named ${wanted[*]}" >&2; exit 2; }
if [[ ${#found[@]} -gt 0 ]]; then
  echo "fuzz/run.sh: findings in: ${found[*]} (reproduce: BUILD_DIR/fuzz/fuzz_<harness> <input>)" >&2
  exit 1
fi
