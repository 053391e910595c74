#!/usr/bin/env bash
# tickwire developer entry point. Each subcommand runs the steps before it:
#   deps   install missing Debian 12 packages (apt-get; idempotent)
#   build  configure and build into build/ (g++, release)
#   test   run every test with g++ (build/, release, as a game ships it) and with clang 16
#          under AddressSanitizer + UBSan (build-asan/, -O2 with assertions on);
#          with --fuzz, as CI does, also 30 s of each fuzz target (tools/fuzz.sh, build-fuzz/)
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
  # llvm-symbolizer: clang's sanitizers print stack traces with file and line through it
  llvm-16
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
  if [ -f "$dir/build.ninja" ]; then
    mode=(--reconfigure)
    # A build directory keeps the compiler it was set up with; one set up with another
    # compiler (build-asan/ was once g++) is set up again from nothing. Meson puts ccache,
    # when installed, in front of the compiler.
    grep -A1 '^rule cpp_COMPILER$' "$dir/build.ninja" | grep -Eq "command = (ccache )?${CXX:-c++} " || mode=(--wipe)
  fi
  if ! out=$(meson setup "${mode[@]}" "$dir" "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    log "meson setup failed (full log: $dir/meson-logs/meson-log.txt)"
    return 1
  fi
}

# tickwire is built and tested with g++ 12 (build/, Debian's default compiler) and with
# clang 16 (build-asan/), the compiler family of most platforms games ship to. Between
# them every test runs as shipped (g++ release: -O3, assertions off, whose warnings are
# not those of -O2) and with assertions on under AddressSanitizer + UBSan (clang, -O2).
# Two builds, not three: a plain clang -O2 build would find nothing the sanitized one does
# not, and on CI's two cores each build costs 6 to 11 minutes.
build() {
  deps
  log "building in $build_dir (g++, release)"
  configure "$build_dir" -Dbuildtype=release
  ninja -C "$build_dir"
}

# Optimised (-O2, assertions on): at -O0 the instrumented sample arena cannot serve its bots
# in real time, and the real-time tests would fail for slowness, not for a bug. Line tables
# instead of full debug information: the sanitizers' traces keep file and line, and the
# build (the longest step of CI) is shorter.
build_sanitized() {
  log "building with clang 16, AddressSanitizer + UBSan (-O2, assertions on) in build-asan"
  CXX=clang++-16 configure build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Doptimization=2 -Ddebug=false -Dcpp_args=-gline-tables-only
  ninja -C build-asan
}

run_tests() {  # run_tests DIR [meson test options...]
  local dir=$1; shift
  # Real-time tests are marked is_parallel: false and run alone; the others two at a time.
  meson test -C "$dir" --print-errorlogs "$@"
}

test_all() {
  local fuzz=false
  [ "${1:-}" = "--fuzz" ] && fuzz=true
  [ "${CI:-}" = "true" ] && fuzz=true
  build
  log "tests ($build_dir)"
  run_tests "$build_dir"
  build_sanitized
  log "tests (clang 16, AddressSanitizer + UBSan, build-asan)"
  # Not the soaks (their memory checks read glibc's heap, which ASan replaces), the
  # benchmark smokes (figures, not behaviour) or packaging (installs a consumer build
  # that would need the sanitizer runtime): the g++ run has them.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions="$here/tests/ubsan.supp" \
    LSAN_OPTIONS=suppressions="$here/tests/lsan.supp" \
    run_tests build-asan --no-suite packaging --no-suite bench --no-suite soak
  if $fuzz; then
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
    echo "usage: tools/dev.sh deps|build|test [--fuzz]|demo|fleet" >&2
    exit 2
    ;;
esac
