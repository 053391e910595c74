#!/usr/bin/env bash
# Builds the whole tree (libraries, samples, tools, tests) with g++ 12 and clang 16 in
# every meson build type, warnings as errors, and says which passed. CI builds two of
# these combinations (tools/dev.sh test); this covers the rest before a release or after a
# change to the build. About ten full builds: half an hour or more on two cores.
#
# Usage: tools/build-matrix.sh [BUILDTYPE...]   (default: plain debug debugoptimized release minsize)
# TICKWIRE_MATRIX_COMPILERS="clang++-16" limits the compilers (default: g++ clang++-16).
# Builds go to build-matrix/<compiler>-<buildtype>/. Exit status 1 when any build failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

types=("$@")
[ ${#types[@]} -eq 0 ] && types=(plain debug debugoptimized release minsize)
read -r -a compilers <<<"${TICKWIRE_MATRIX_COMPILERS:-g++ clang++-16}"

for cxx in "${compilers[@]}"; do
  command -v "$cxx" >/dev/null || { echo "build-matrix: $cxx is not installed (tools/dev.sh deps)" >&2; exit 1; }
done

failed=()
for cxx in "${compilers[@]}"; do
  for type in "${types[@]}"; do
    case $cxx in g++*) name=gcc ;; *) name=clang ;; esac
    dir="build-matrix/$name-$type"
    log="$dir.log"
    mkdir -p build-matrix
    printf 'build-matrix: %-10s %-15s ' "$cxx" "$type"
    start=$(date +%s)
    mode=()
    [ -f "$dir/build.ninja" ] && mode=(--reconfigure)
    if CXX=$cxx meson setup "${mode[@]}" "$dir" -Dbuildtype="$type" >"$log" 2>&1 && ninja -C "$dir" >>"$log" 2>&1; then
      echo "ok ($(( $(date +%s) - start )) s)"
    else
      echo "FAILED (log: $log)"
      grep -m 5 -E 'error|warning' "$log" | sed 's/^/    /'
      failed+=("$cxx $type")
    fi
  done
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "build-matrix: ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
echo "build-matrix: every build passed"
