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
for bin in "$token_tool" "$server_bin" "$client_bin"; do
  if [ ! -x "$bin" ]; then
    echo "echo-demo: $bin is missing; build first (tools/dev.sh build)" >&2
    exit 1
  fi
done

work=$(mktemp -d -t tickwire-echo-demo.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() {
  echo "echo-demo: $*" >&2
  if [ -s "$work/server.err" ]; then
    echo "echo-demo: server log:" >&2
    sed 's/^/  /' "$work/server.err" >&2
  fi
  exit 1
}

heading "1. A server key (the secret a matchmaker and its servers share)"
"$token_tool" keygen --out "$work/server.key"

heading "2. echo-server"
# Port 0: the system gives a free port, and the server's first line names it.
timeout 300 "$server_bin" --port 0 --key "$work/server.key" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^echo-server listening on [0-9.]*:\([0-9]*\)$/\1/p' "$work/server.out" 2>/dev/null)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || server_pid=""
[ -n "$server_pid" ] || die "echo-server did not start"
cat "$work/server.out"
echo "tokens must name 127.0.0.1:$port (its public address)"

heading "3. Connect tokens for 127.0.0.1:$port (one per client: a token is single-use)"
for id in 1 2; do
  "$token_tool" issue --key "$work/server.key" --client-id "$id" --server "127.0.0.1:$port" \
    --expires-in 60 --timeout 10 --out "$work/client$id.token"
done

heading "4. echo-client: 20000 reliable messages of 64 bytes, 64 in flight"
timeout 120 "$client_bin" --server "127.0.0.1:$port" --token "$work/client1.token" --count 20000 --size 64 ||
  die "the reliable client failed"

heading "5. echo-client: 2000 unreliable messages of 64 bytes (losses are counted, not resent)"
timeout 120 "$client_bin" --server "127.0.0.1:$port" --token "$work/client2.token" --count 2000 --size 64 --unreliable ||
  die "the unreliable client failed"

heading "6. echo-client with a token sealed under another key: the server stays silent"
# The server cannot open the token, so it cannot even answer it; the client gives up
# after its handshake timeout (5 s) and the server counts a rejected_wrong_key.
"$token_tool" keygen --out "$work/other.key" >/dev/null
"$token_tool" issue --key "$work/other.key" --client-id 3 --server "127.0.0.1:$port" \
  --expires-in 60 --timeout 10 --out "$work/foreign.token" >/dev/null
if timeout 60 "$client_bin" --server "127.0.0.1:$port" --token "$work/foreign.token" --count 10 --size 64; then
  die "a token under another key was accepted"
fi

heading "7. SIGINT to the server: it disconnects everyone and prints its counters"
kill -INT "$server_pid"
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && die "echo-server still running 10 s after SIGINT"
status=0
wait "$server_pid" || status=$?
server_pid=""
echo "server log (stderr):"
sed 's/^/  /' "$work/server.err"
echo "server counters (last stdout line, JSON):"
tail -n 1 "$work/server.out" | sed 's/^/  /'
[ "$status" -eq 0 ] || die "echo-server exited with status $status"
tail -n 1 "$work/server.out" | grep -q '^{.*"messages_in":' || die "the server's last line is not its JSON counters"

heading "Done: every step succeeded"
