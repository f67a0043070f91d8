#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (clang, ASan+UBSan, warnings as errors) in
# build-fuzz/ and runs each for SECONDS (default 20) over a copy of its seed corpus
# (tests/fuzz/corpus/<target>/), with its dictionary (tests/fuzz/<target>.dict) when it has one.
# Fails on any crash, broken invariant, leak, timeout or memory blow-up, leaving the input that
# caused it in the work directory and saying where; prints each target's executions and
# coverage (libFuzzer's final "#N DONE cov: X ft: Y corp: ..." line) and how its corpus grew.
#
#   tools/fuzz.sh [SECONDS] [TARGET ...]      e.g. tools/fuzz.sh 300 router names
#
# TARGET is a name of tests/fuzz/<TARGET>_fuzz.cpp; default: all of them, one after the other.
# FUZZ_JOBS (default: nproc) bounds the build's parallelism; FUZZ_WORK names a directory to keep
# the grown corpora and any crash input in (default: a temporary one, removed when all passed).
# To replay an input: build-fuzz/tests/fuzz/<TARGET>_fuzz FILE (or any test build's
# build*/tests/fuzz/<TARGET>_fuzz FILE, which runs it once without libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  for source in tests/fuzz/*_fuzz.cpp; do
    name=$(basename "$source" _fuzz.cpp)
    targets+=("$name")
  done
fi

# The longest input each target is given: past every limit its code checks (a vault path's 4096
# bytes, an inventory string's 4096), and no longer, since long inputs are slow to mutate.
max_len_of() {
  case $1 in
    http_range) echo 256 ;;
    router | request_target) echo 1024 ;;
    ignore_rules) echo 2048 ;;
    names) echo 4200 ;;
    *) echo 8192 ;;
  esac
}

build=build-fuzz
echo "== build $build (clang, libFuzzer, ASan+UBSan)"
start=$SECONDS
# -O1 with line tables only: quick to build (it is a third build in CI), asserts on, and stack
# traces that name lines.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DTOLLGATE_FUZZ=ON -DTOLLGATE_TESTS=OFF \
  -DTOLLGATE_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" >/dev/null
cmake --build "$build" -j "${FUZZ_JOBS:-$(nproc)}" --target tollgate_fuzz
echo "== built in $((SECONDS - start)) s"

work=${FUZZ_WORK:-$(mktemp -d)}
mkdir -p "$work"
failed=()
for name in "${targets[@]}"; do
  program=$build/tests/fuzz/${name}_fuzz
  [[ -x $program ]] || { echo "fuzz.sh: no target $name" >&2; exit 2; }
  corpus=$work/corpus/$name
  rm -rf "$corpus"
  mkdir -p "$corpus" "$work/crashes"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  options=(-max_total_time="$seconds" -max_len="$(max_len_of "$name")" -rss_limit_mb=2048
    -timeout=10 -artifact_prefix="$work/crashes/$name-")
  [[ ! -f tests/fuzz/$name.dict ]] || options+=(-dict="tests/fuzz/$name.dict")
  log=$work/$name.log
  echo "== fuzz $name (${seconds} s)"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$program" "${options[@]}" "$corpus" >"$log" 2>&1; then
    done_line=$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    echo "$name: ${done_line:-no DONE line (see $log)}; corpus $seeds -> $(find "$corpus" -type f | wc -l) files"
  else
    tail -n 40 "$log" >&2
    echo "$name: FAILED; log $log, input in $work/crashes/" >&2
    failed+=("$name")
  fi
done

if ((${#failed[@]})); then
  echo "== fuzzing failed: ${failed[*]} (work directory $work)" >&2
  exit 1
fi
[[ -n ${FUZZ_WORK:-} ]] || rm -rf "$work"
echo "== fuzzing passed: ${targets[*]}"
