#!/usr/bin/env bash
# Long forms of the tests that `tools/dev.sh test` runs in short form: the 60-second
# client/server lockstep run, and the lossy transport and session suites repeated.
#   usage: tools/soak.sh [BUILD_DIR]   (after tools/dev.sh build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== lockstep: 60 s of client and server ticking through 100 ms RTT, 5% loss"
TICKWIRE_SOAK_SECONDS=60 "$build/tests/test-integration-sessions" -tc="*lockstep*"
for i in 1 2 3; do
  echo "== sessions and lossy transport, pass $i of 3"
  "$build/tests/test-integration-sessions"
  "$build/tests/test-integration-reliable_lossy"
done
echo "soak: all passes succeeded"
