#!/usr/bin/env bash
# Long forms of the tests that `tools/dev.sh test` runs in short form:
#  - the transport soak: 64 clients through 10 % loss, 100 +- 30 ms, 2 % duplication and
#    1 % reordering, reliable messages of 1 B to 200 KiB and unreliable ones echoed, for
#    10 minutes: nothing lost or repeated, nobody disconnected, memory flat;
#  - the arena soak: 64 bots through the same link for 10 minutes;
#  - the 60-second client/server lockstep run, and the lossy suites repeated.
#   usage: tools/soak.sh [BUILD_DIR] [SECONDS]   (after tools/dev.sh build; default 600 s)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-600}
echo "== transport soak: 64 clients for ${seconds} s"
TICKWIRE_SOAK_SECONDS=$seconds "$build/tests/test-integration-soak"
echo "== arena soak: 64 bots for ${seconds} s"
TICKWIRE_SOAK_SECONDS=$seconds "$build/tests/test-integration-arena" -tc="64 bots*"
echo "== lockstep: 60 s of client and server ticking through 100 ms RTT, 5% loss"
TICKWIRE_SOAK_SECONDS=60 "$build/tests/test-integration-sessions" -tc="*lockstep*"
for i in 1 2 3; do
  echo "== sessions and lossy transport, pass $i of 3"
  "$build/tests/test-integration-sessions"
  "$build/tests/test-integration-reliable_lossy"
done
echo "soak: all passes succeeded"
