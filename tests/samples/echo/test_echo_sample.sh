#!/usr/bin/env bash
# The echo sample end to end on loopback, as a user runs it: key, tokens, server, clients
# that succeed and clients that must be refused, then a clean shutdown with its counters.
# Every command runs under `timeout`, so a hang fails the test instead of stalling it.
#
# Usage: test_echo_sample.sh TICKWIRE_TOKEN ECHO_SERVER ECHO_CLIENT
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 TICKWIRE_TOKEN ECHO_SERVER ECHO_CLIENT" >&2
  exit 2
fi
token_tool=$1 server_bin=$2 client_bin=$3

# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init echo-test
fail_logs=(server.out server.err)
fail_lines=20
step() { echo "--- $*"; }

# run NAME SECONDS CMD...: runs CMD with a time limit; output in $work/NAME.log, status in $rc.
run() {
  local name=$1 seconds=$2
  shift 2
  rc=0
  timeout "$seconds" "$@" >"$work/$name.log" 2>&1 || rc=$?
  [ "$rc" -ne 124 ] || fail "$name: did not finish within ${seconds}s"
}

issue() {  # issue KEYFILE TOKENFILE CLIENT_ID EXPIRES_IN [SERVER]
  run issue-$3 10 "$token_tool" issue --key "$1" --player-id "$3" --server "${5:-127.0.0.1:$port}" \
    --expires-in "$4" --timeout 5 --out "$2"
  [ "$rc" -eq 0 ] || fail "tickwire-token issue exited $rc: $(cat "$work/issue-$3.log")"
}

step "keys"
run keygen 10 "$token_tool" keygen --out "$work/server.key"
[ "$rc" -eq 0 ] || fail "keygen exited $rc: $(cat "$work/keygen.log")"
run keygen-other 10 "$token_tool" keygen --out "$work/other.key"
[ "$rc" -eq 0 ] || fail "keygen (other) exited $rc"

step "the server refuses a missing key file and a bad option"
run server-nokey 10 "$server_bin" --port 0 --key "$work/missing.key"
[ "$rc" -eq 2 ] || fail "echo-server without a key file exited $rc, not 2"
grep -q "missing.key': No such file or directory" "$work/server-nokey.log" ||
  fail "no clear message for a missing key: $(cat "$work/server-nokey.log")"
run server-badport 10 "$server_bin" --port 65536 --key "$work/server.key"
[ "$rc" -eq 2 ] || fail "echo-server accepted --port 65536"

step "server"
# Port 0: the system gives a free port, and the server's first line names it.
start_server server "echo-server listening on " \
  timeout 100 "$server_bin" --port 0 --bind 127.0.0.1 --key "$work/server.key"
grep -q "^echo-server listening on 127\.0\.0\.1:$port$" "$work/server.out" ||
  fail "echo-server did not say which port it took: $(cat "$work/server.out")"

step "500 reliable messages are echoed"
issue "$work/server.key" "$work/a.token" 1 60
run reliable 30 "$client_bin" --server "127.0.0.1:$port" --token "$work/a.token" --count 500 --size 64
[ "$rc" -eq 0 ] || fail "reliable client exited $rc: $(cat "$work/reliable.log")"
grep -q "echoed 500 of 500" "$work/reliable.log" || fail "not every message came back: $(cat "$work/reliable.log")"
grep -q "rtt p50 " "$work/reliable.log" || fail "no RTT p50 in: $(cat "$work/reliable.log")"
grep -q "messages/s" "$work/reliable.log" || fail "no rate in: $(cat "$work/reliable.log")"

step "200 unreliable messages of the largest size are sent and counted"
issue "$work/server.key" "$work/b.token" 2 60
run unreliable 30 "$client_bin" --server "127.0.0.1:$port" --token "$work/b.token" --count 200 --size 1200 --unreliable
[ "$rc" -eq 0 ] || fail "unreliable client exited $rc: $(cat "$work/unreliable.log")"
grep -q "of 200 unreliable messages" "$work/unreliable.log" || fail "no unreliable summary: $(cat "$work/unreliable.log")"

step "an expired token is refused with its reason"
issue "$work/server.key" "$work/expired.token" 3 1
sleep 2
run expired 30 "$client_bin" --server "127.0.0.1:$port" --token "$work/expired.token" --count 10 --size 64
[ "$rc" -ne 0 ] || fail "a client with an expired token exited 0"
grep -q "expired" "$work/expired.log" || fail "no reason given for the expired token: $(cat "$work/expired.log")"

step "a token sealed under another key gets no answer"
issue "$work/other.key" "$work/foreign.token" 4 60
run foreign 30 "$client_bin" --server "127.0.0.1:$port" --token "$work/foreign.token" --count 10 --size 64
[ "$rc" -ne 0 ] || fail "a client with a foreign token exited 0"
grep -q "could not connect: " "$work/foreign.log" || fail "no reason given for the foreign token: $(cat "$work/foreign.log")"

step "the client refuses a server its token does not name, and bad options"
issue "$work/server.key" "$work/c.token" 5 60
run not-named 10 "$client_bin" --server "127.0.0.2:$port" --token "$work/c.token" --count 10 --size 64
[ "$rc" -ne 0 ] || fail "the client connected to a server its token does not name"
grep -q "not valid for 127.0.0.2:$port" "$work/not-named.log" || fail "unclear message: $(cat "$work/not-named.log")"
run small 10 "$client_bin" --server "127.0.0.1:$port" --token "$work/c.token" --count 10 --size 8
[ "$rc" -ne 0 ] || fail "the client accepted --size 8"
grep -q -- "--size" "$work/small.log" || fail "unclear message for --size 8: $(cat "$work/small.log")"
run big 10 "$client_bin" --server "127.0.0.1:$port" --token "$work/c.token" --count 10 --size 1201 --unreliable
[ "$rc" -ne 0 ] || fail "the client accepted --size 1201 on the unreliable channel"

step "SIGTERM: clean exit and the counters as the last stdout line"
rc=0
stop_process "$server_pid" TERM 10 || rc=$?
[ "$rc" -ne 124 ] || fail "echo-server still running 10 s after SIGTERM"
[ "$rc" -eq 0 ] || fail "echo-server exited $rc after SIGTERM"
last=$(tail -n 1 "$work/server.out")
case "$last" in
  "{"*"}") ;;
  *) fail "last stdout line is not a JSON object: $last" ;;
esac
for key in '"rejected_wrong_key":' '"rejected_expired":' '"messages_in":' '"dropped_auth_failed":'; do
  [[ "$last" == *"$key"* ]] || fail "no $key in: $last"
done
messages_in=$(sed -n 's/.*"messages_in":\([0-9]*\).*/\1/p' <<<"$last")
[ "${messages_in:-0}" -ge 500 ] || fail "messages_in is ${messages_in:-missing}, expected at least 500"
wrong_key=$(sed -n 's/.*"rejected_wrong_key":\([0-9]*\).*/\1/p' <<<"$last")
[ "${wrong_key:-0}" -ge 1 ] || fail "the foreign token was not counted as rejected_wrong_key: $last"
grep -q "client 1 connected" "$work/server.err" || fail "the server did not log the connect: $(cat "$work/server.err")"
grep -q "client 1 disconnected: " "$work/server.err" || fail "the server did not log the disconnect"

echo "PASS"
