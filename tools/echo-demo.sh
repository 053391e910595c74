#!/usr/bin/env bash
# The echo sample end to end on loopback, for a person to watch: a server key, an
# echo-server, connect tokens, a reliable and an unreliable echo-client run, then a clean
# shutdown that prints the server's counters.
#
# Usage: tools/echo-demo.sh BUILD_DIR      (tools/dev.sh demo runs it on build/)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
token_tool=$build/tools/tickwire-token
server_bin=$build/samples/echo/echo-server
client_bin=$build/samples/echo/echo-client
# shellcheck source=../tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/lib.sh"
require_programs echo-demo "$token_tool" "$server_bin" "$client_bin"

lib_init echo-demo
fail_prefix="echo-demo: "
fail_logs=(server.err)
fail_lines=0

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

heading "1. A server key (the secret a matchmaker and its servers share)"
"$token_tool" keygen --out "$work/server.key"

heading "2. echo-server"
# Port 0: the system gives a free port, and the server's first line names it.
start_server server "echo-server listening on " timeout 300 "$server_bin" --port 0 --key "$work/server.key"
cat "$work/server.out"
echo "tokens must name 127.0.0.1:$port (its public address)"

heading "3. Connect tokens for 127.0.0.1:$port (one per client: a token is single-use)"
for id in 1 2; do
  "$token_tool" issue --key "$work/server.key" --player-id "$id" --server "127.0.0.1:$port" \
    --expires-in 60 --timeout 10 --out "$work/client$id.token"
done

heading "4. echo-client: 20000 reliable messages of 64 bytes, 64 in flight"
timeout 120 "$client_bin" --server "127.0.0.1:$port" --token "$work/client1.token" --count 20000 --size 64 ||
  fail "the reliable client failed"

heading "5. echo-client: 2000 unreliable messages of 64 bytes (losses are counted, not resent)"
timeout 120 "$client_bin" --server "127.0.0.1:$port" --token "$work/client2.token" --count 2000 --size 64 --unreliable ||
  fail "the unreliable client failed"

heading "6. echo-client with a token sealed under another key: the server stays silent"
# The server cannot open the token, so it cannot even answer it; the client gives up
# after its handshake timeout (5 s) and the server counts a rejected_wrong_key.
"$token_tool" keygen --out "$work/other.key" >/dev/null
"$token_tool" issue --key "$work/other.key" --player-id 3 --server "127.0.0.1:$port" \
  --expires-in 60 --timeout 10 --out "$work/foreign.token" >/dev/null
if timeout 60 "$client_bin" --server "127.0.0.1:$port" --token "$work/foreign.token" --count 10 --size 64; then
  fail "a token under another key was accepted"
fi

heading "7. SIGINT to the server: it disconnects everyone and prints its counters"
status=0
stop_process "$server_pid" INT 10 || status=$?
[ "$status" -ne 124 ] || fail "echo-server still running 10 s after SIGINT"
echo "server log (stderr):"
sed 's/^/  /' "$work/server.err"
echo "server counters (last stdout line, JSON):"
tail -n 1 "$work/server.out" | sed 's/^/  /'
[ "$status" -eq 0 ] || fail "echo-server exited with status $status"
tail -n 1 "$work/server.out" | grep -q '^{.*"messages_in":' || fail "the server's last line is not its JSON counters"

heading "Done: every step succeeded"
