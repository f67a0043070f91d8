#!/usr/bin/env bash
# Runs clang-tidy with the repository's .clang-tidy over the project's .cpp files. Any finding
# fails the run (warnings are errors). Headers are checked through the .cpp files that include
# them (HeaderFilterRegex in .clang-tidy).
#
#   tools/tidy.sh [--all] [--list] [-j N] [BUILD_DIR] [-- FILE.cpp ...]
#
# Paths are relative to the repository root. BUILD_DIR (default: build) must hold a configured
# build: its compile_commands.json gives each file's flags. -j defaults to nproc. --list prints
# the files it would check and stops. Files are the tracked *.cpp files (git ls-files); only
# tests/layering/ is left out, whose files exist to fail to compile (a wrong-way include); nothing
# else is excluded, because everything tracked is ours (generated and third-party code lives in
# the build directory or the system, not in git).
#
# Which files are checked:
#   --all                 every tracked .cpp file.
#   -- FILE.cpp ...       exactly these files.
#   otherwise the .cpp files changed since a base, committed or not (a file moved without a
#   change does not count):
#     1. base = $TIDY_BASE when set (any commit-ish; its merge-base with HEAD is used);
#     2. else the merge-base of HEAD with origin/main (or main when there is no origin), when
#        that differs from HEAD: a branch is checked for all it changes;
#     3. else (HEAD is main itself, as in CI on a clean clone of main) HEAD's first parent: the
#        files touched by the last commit, or by the whole branch when HEAD is a merge;
#     4. else, on a root commit or in a shallow clone without HEAD's parent, every file (slow,
#        but never a silent pass).
#   A changed header counts through one .cpp that includes it: its sibling foo.cpp when there is
#   one, else one that includes it from the same folder, else one outside tests/ (which has
#   relaxations), else any. One is enough: a header's findings are about its own code, whichever
#   file includes it.
#   A changed .clang-tidy does not widen the run: --all takes about 13 minutes on two cores (25
#   of CPU, ~8 s a file), more than CI should add to every run. Whoever changes .clang-tidy runs
#   tools/tidy.sh --all first and says so in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."

all=0
list=0
jobs=$(nproc)
build=build
explicit=()
while (($#)); do
  case $1 in
    --all) all=1 ;;
    --list) list=1 ;;
    -j) jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    --) shift; explicit=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "tidy.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done

if [[ ! -f $build/compile_commands.json ]]; then
  echo "tidy.sh: no $build/compile_commands.json; configure first: cmake -S . -B $build" >&2
  exit 2
fi

# The .cpp file that checks header $1 (see the rule above); prints nothing when none includes it.
includer_of() {
  local header=$1 dir name sibling
  dir=$(dirname "$header")
  name=$(basename "$header")
  sibling=${header%.*}.cpp
  if git ls-files --error-unmatch "$sibling" >/dev/null 2>&1; then
    echo "$sibling"
    return
  fi
  local includers pattern
  pattern="^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]([^>\"]*/)?${name//./\\.}[>\"]"
  includers=$(git grep -l -E "$pattern" -- '*.cpp' || true)
  [[ -n $includers ]] || return 0
  grep -m1 "^$dir/[^/]*$" <<<"$includers" || grep -m1 -v '^tests/' <<<"$includers" ||
    head -n1 <<<"$includers"
}

changed_base() {
  if [[ -n ${TIDY_BASE:-} ]]; then
    git merge-base "$TIDY_BASE" HEAD
    return
  fi
  local upstream
  for upstream in origin/main main; do
    if git rev-parse --verify -q "$upstream^{commit}" >/dev/null; then
      local mb
      mb=$(git merge-base "$upstream" HEAD || true)
      if [[ -n $mb && $mb != $(git rev-parse HEAD) ]]; then
        echo "$mb"
        return
      fi
      break
    fi
  done
  git rev-parse --verify -q 'HEAD^1^{commit}' || true
}

files=()
if ((all)); then
  mapfile -t files < <(git ls-files '*.cpp')
  why="all files"
elif ((${#explicit[@]})); then
  files=("${explicit[@]}")
  why="files given"
else
  base=$(changed_base)
  if [[ -z $base && $(git rev-parse --is-shallow-repository) == true ]]; then
    echo "tidy.sh: shallow clone without HEAD's parent: checking every file (fetch with depth 2" \
      "or more, or set TIDY_BASE, to check only the changed ones)" >&2
    mapfile -t files < <(git ls-files '*.cpp')
    why="all files: a shallow clone without HEAD's parent"
  elif [[ -z $base ]]; then
    mapfile -t files < <(git ls-files '*.cpp')
    why="all files: HEAD is a root commit"
  else
    why="changed since $(git rev-parse --short "$base")"
    while IFS=$'\t' read -r status f moved_to; do
      [[ $status != R100 ]] || continue  # moved, not changed: checked before as it is
      f=${moved_to:-$f}
      case $f in
        *.cpp) files+=("$f") ;;
        *.hpp | *.h) inc=$(includer_of "$f"); [[ -z $inc ]] || files+=("$inc") ;;
        .clang-tidy | */.clang-tidy)
          echo "tidy.sh: $f changed; this run checks the changed files only:" \
            "run tools/tidy.sh --all before merging" >&2 ;;
      esac
    done < <(git diff --name-status -M --diff-filter=d "$base" --)
    if ((${#files[@]})); then mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u); fi
  fi
fi

if ((${#files[@]})); then
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^tests/layering/' || true)
fi

if ((list)); then
  ((${#files[@]} == 0)) || printf '%s\n' "${files[@]}"
  exit 0
fi
echo "== clang-tidy: ${#files[@]} file(s), $why, $jobs job(s)"
((${#files[@]})) || exit 0

# One clang-tidy per file; a file's findings are printed together, under a lock, once it ends.
lock=$(mktemp)
trap 'rm -f "$lock"' EXIT
tidy_one() {
  local out rc=0
  out=$(clang-tidy -p "$TIDY_BUILD" --quiet --warnings-as-errors='*' "$1" 2>&1) || rc=$?
  out=$(grep -v -E '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?generated\.$' \
    <<<"$out" || true)
  if ((rc)) || [[ -n $out ]]; then
    { flock 9; printf '%s\n%s\n' "-- $1" "$out"; } 9>"$TIDY_LOCK"
    return 1
  fi
}
export -f tidy_one
export TIDY_BUILD=$build TIDY_LOCK=$lock
start=$SECONDS
# shellcheck disable=SC2016  # $1 is tidy_one's argument, expanded by the inner bash
if printf '%s\0' "${files[@]}" | xargs -0 -P "$jobs" -n 1 bash -c 'tidy_one "$1"' tidy_one; then
  echo "== clang-tidy: clean ($((SECONDS - start)) s)"
else
  echo "== clang-tidy: findings above ($((SECONDS - start)) s); fix them, or disable a check in" \
    ".clang-tidy with its reason" >&2
  exit 1
fi
