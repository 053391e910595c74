#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang 16, ASan + UBSan), seeds them with the
# project's own encoders, replays every past finding under tests/fuzz/regressions/<target>/
# and fuzzes each target for SECONDS (default 600), two at a time on two cores.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]
#
# Exit 0: every regression input passed and no target found anything. Exit 1: a finding;
# its reproducer is in build-fuzz/fuzz-findings/ and the command to replay it is printed.
# Once fixed, the reproducer goes to tests/fuzz/regressions/<target>/ for good.
# The corpus grows in build-fuzz/fuzz-corpus/<target>/ from run to run; per-target
# executions and coverage of the run are printed at the end (docs/FUZZING.md).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
seconds=600
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
dir=${TICKWIRE_FUZZ_DIR:-build-fuzz}
log() { printf '\033[1m[fuzz.sh]\033[0m %s\n' "$*"; }

if [ -f "$dir/build.ninja" ]; then
  mode=(--reconfigure)
else
  mode=()
fi
CXX=clang++-16 meson setup "${mode[@]}" "$dir" -Dfuzz=enabled -Dtests=disabled -Dsamples=disabled \
  -Dtools=disabled -Dbuildtype=debugoptimized >/dev/null
# The fuzz targets and their seed writer only: each compiles the libraries' sources itself,
# so the plain shared libraries this directory would also build are not needed.
mapfile -t fuzz_outputs < <(ninja -C "$dir" -t targets all | sed -n 's|^\(tests/fuzz/fuzz-[a-z_]*\): .*|\1|p')
ninja -C "$dir" "${fuzz_outputs[@]}" >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$dir"/tests/fuzz/fuzz-*; do
    name=$(basename "$exe")
    [ "$name" = fuzz-seeds ] || [[ $name == *.p ]] || targets+=("${name#fuzz-}")
  done
fi

rm -rf "$dir/fuzz-seeds" "$dir/fuzz-logs"
"$dir/tests/fuzz/fuzz-seeds" "$dir/fuzz-seeds"
mkdir -p "$dir/fuzz-corpus" "$dir/fuzz-findings" "$dir/fuzz-logs"

dict_of() {
  case $1 in
    token|token_private) echo tests/fuzz/token.dict ;;
    handshake_*) echo tests/fuzz/handshake.dict ;;
    sealed_datagram|batch) echo tests/fuzz/datagram.dict ;;
    replay) echo tests/fuzz/replay.dict ;;
    *) echo "" ;;
  esac
}

# Past findings first: each must now run clean.
for t in "${targets[@]}"; do
  reg=tests/fuzz/regressions/$t
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
    log "$t: replaying $(ls "$reg" | wc -l) regression input(s)"
    "$dir/tests/fuzz/fuzz-$t" "$reg"/* >"$dir/fuzz-logs/$t.regressions" 2>&1 || {
      tail -20 "$dir/fuzz-logs/$t.regressions"
      log "$t: a regression input fails again"
      exit 1
    }
  fi
done

run_one() {
  local t=$1 dict
  dict=$(dict_of "$t")
  mkdir -p "$dir/fuzz-corpus/$t"
  "$dir/tests/fuzz/fuzz-$t" "$dir/fuzz-corpus/$t" "$dir/fuzz-seeds/$t" \
    ${dict:+-dict=$dict} -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-findings/$t-" >"$dir/fuzz-logs/$t.log" 2>&1
}
export -f run_one dict_of
export dir seconds

log "fuzzing ${#targets[@]} targets for ${seconds}s each, two at a time"
status=0
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one {}' || status=1

printf '\n%-18s %14s %8s %8s\n' target executions cov ft
for t in "${targets[@]}"; do
  l=$dir/fuzz-logs/$t.log
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$l" | awk '{print $2}' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$l" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$l" | tail -1 | awk '{print $2}')
  printf '%-18s %14s %8s %8s\n' "$t" "${execs:--}" "${cov:--}" "${ft:--}"
done
if [ $status -ne 0 ]; then
  for t in "${targets[@]}"; do
    if grep -q 'Test unit written to' "$dir/fuzz-logs/$t.log"; then
      grep -E 'ERROR|SUMMARY|runtime error' "$dir/fuzz-logs/$t.log" | head -5
      unit=$(grep -o 'Test unit written to .*' "$dir/fuzz-logs/$t.log" | awk '{print $5}')
      log "$t: finding saved as $unit; replay: $dir/tests/fuzz/fuzz-$t $unit"
    fi
  done
  exit 1
fi
log "no finding"
