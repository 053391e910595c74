#!/usr/bin/env bash
# tickwire developer entry point. Each subcommand runs the steps before it:
#   deps   install missing Debian 12 packages (apt-get; idempotent)
#   build  configure and build into build/ (g++, release)
#   test   run every test with g++ (build/, release) and with clang 16 (build-clang/,
#          debugoptimized: assertions on); with --asan, as CI does, also the
#          AddressSanitizer + UBSan build (build-asan/, g++, debugoptimized) and 30 s of
#          each fuzz target (tools/fuzz.sh, build-fuzz/)
#   demo   run the sample arena: a server, a link simulator and 16 bots for 30 s
#   fleet  run a small local fleet until Ctrl-C: a matchmaker, 3 arena-servers with
#          /metrics, Prometheus scraping them, and bots joining through the matchmaker
#          (docs/DEPLOY.md)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build_dir=${TICKWIRE_BUILD_DIR:-build}

packages=(
  meson ninja-build pkg-config cmake g++ clang-16 libclang-rt-16-dev
  # meson installs into Debian's lib/<multiarch> (where CMake and ld.so look) only when
  # dpkg-architecture is there; without it, lib64
  dpkg-dev
  libenet-dev libsodium-dev libcereal-dev doctest-dev libexpected-dev
  libcli11-dev nlohmann-json3-dev
  libcpp-httplib-dev prometheus
  libsdl2-dev libcairo2-dev
  libbullet-dev
)

log() { printf '\033[1m[dev.sh]\033[0m %s\n' "$*"; }

deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "dependencies: all present"
    return
  fi
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure() {  # configure DIR [meson options...]
  local dir=$1; shift
  local out
  local mode=()
  [ -f "$dir/build.ninja" ] && mode=(--reconfigure)
  if ! out=$(meson setup "${mode[@]}" "$dir" "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    log "meson setup failed (full log: $dir/meson-logs/meson-log.txt)"
    return 1
  fi
}

# tickwire is built and tested with g++ 12 (build/, Debian's default compiler) and with
# clang 16 (build-clang/), the compiler family of most platforms games ship to. Between
# them every test runs as shipped (g++ release: -O3, assertions off, whose warnings are
# not those of -O2) and with assertions on (clang, and the sanitizer build), and no
# build is compiled twice for nothing.
build() {
  deps
  log "building in $build_dir (g++, release)"
  configure "$build_dir" -Dbuildtype=release
  ninja -C "$build_dir"
}

build_clang() {
  log "building with clang 16 (debugoptimized) in build-clang"
  CXX=clang++-16 configure build-clang -Dbuildtype=debugoptimized
  ninja -C build-clang
}

run_tests() {  # run_tests DIR [meson test options...]
  local dir=$1; shift
  meson test -C "$dir" --print-errorlogs --num-processes 1 "$@"
}

test_all() {
  build
  log "tests ($build_dir)"
  run_tests "$build_dir"
  build_clang
  log "tests (clang 16, build-clang)"
  run_tests build-clang --no-suite soak
  if [ "${1:-}" = "--asan" ] || [ "${CI:-}" = "true" ]; then
    log "tests under AddressSanitizer + UBSan"
    # Optimised (-O2, assertions on): at -O0 the instrumented sample arena cannot serve 32
    # bots in real time, and the real-time tests would fail for slowness, not for a bug.
    configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
    ninja -C build-asan
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      LSAN_OPTIONS=suppressions="$here/tests/lsan.supp" \
      run_tests build-asan --no-suite packaging --no-suite bench --no-suite soak
    # Every parser that bytes from the network or a file reach, fuzzed briefly; every past
    # finding replayed. The long runs (tools/fuzz.sh, 10 minutes a target) are not CI's.
    log "fuzz targets, 30 s each"
    bash "$here/tools/fuzz.sh" 30
  fi
}

demo() {
  build
  bash "$here/tools/arena-demo.sh" "$build_dir" "${TICKWIRE_DEMO_SECONDS:-30}"
}

fleet() {
  build
  bash "$here/tools/fleet.sh" "$build_dir" "${TICKWIRE_FLEET_SECONDS:-0}"
}

case "${1:-}" in
  deps) deps ;;
  build) build ;;
  test) shift; test_all "$@" ;;
  demo) demo ;;
  fleet) fleet ;;
  *)
    echo "usage: tools/dev.sh deps|build|test [--asan]|demo|fleet" >&2
    exit 2
    ;;
esac
