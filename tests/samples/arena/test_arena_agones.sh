#!/usr/bin/env bash
# arena-server --agones against a stand-in for the SDK sidecar's REST interface
# (agones_standin.py, which records every call):
#  1. Ready, then Health from the game loop; players tracked as they join and leave; Health
#     stops while the loop is stopped (SIGSTOP) and comes back with it; allocation starts
#     the match; SIGTERM tells the players, then Shutdown is the last call.
#  2. A sidecar that is not there at start: logged and retried, the server keeps serving;
#     once it appears it hears Ready; when the allocated match ends, Shutdown.
# Usage: test_arena_agones.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT STANDIN_PY
set -euo pipefail
token_tool=$1 server_bin=$2 client_bin=$3 standin=$4
# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init agones
fail_logs=(server.err server2.err client.err calls calls2)
# The test stops the server with SIGSTOP: a stopped child is resumed before it is killed.
cleanup_signals=(CONT KILL)
monotonic() { python3 -c 'import time; print("%.3f" % time.monotonic())'; }
count() {
  local n
  n=$(grep -c -- "$1" "$2" 2>/dev/null) || true
  echo "${n:-0}"
}
at_least() { [ "$(count "$2" "$3")" -ge "$1" ]; }
start_standin() {  # start_standin PORTFILE CALLLOG [--hold]
  python3 "$standin" "$@" 2>>"$work/standin.err" &
  standin_pid=$!
  pids+=("$standin_pid")
  wait_until 10 test -s "$1" || fail "the sidecar stand-in did not start"
}
allocate() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/allocate" % sys.argv[1], data=b"{}", method="POST"), timeout=5)' "$1"
}

"$token_tool" keygen --out "$work/server.key" >/dev/null

# --- 1. the lifecycle --------------------------------------------------------------------
start_standin "$work/port" "$work/calls"
sdk_port=$(cat "$work/port")
AGONES_SDK_HTTP_PORT=$sdk_port "$server_bin" --port 0 --key "$work/server.key" --agones --health-period 0.3 \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
pids+=("$server_pid")
udp_port=$(wait_for_port "$server_pid" "listening on " "$work/server.err") || fail "arena-server did not start"
wait_until 10 at_least 1 "POST /ready" "$work/calls" || fail "no Ready"
wait_until 10 at_least 3 "POST /health" "$work/calls" || fail "no regular Health after Ready"
wait_until 10 at_least 1 "GET /gameserver" "$work/calls" || fail "the server does not watch for allocation"
grep -q "allocated; the match starts" "$work/server.err" && fail "the match started before the allocation"

# Two players join (and are tracked), then the fleet allocates this server.
"$client_bin" --server "127.0.0.1:$udp_port" --key "$work/server.key" --bots 2 --first-id 5000 --seconds 6 \
  >"$work/client.out" 2>"$work/client.err" &
client_pid=$!
pids+=("$client_pid")
wait_until 15 at_least 2 "POST /alpha/player/connect" "$work/calls" || fail "players were not tracked on connect"
grep -q '/alpha/player/connect {"playerID": *"5000"}' "$work/calls" || fail "player 5000 not reported by its id"
allocate "$sdk_port"
wait_until 10 grep -q "allocated; the match starts" "$work/server.err" || fail "the allocation did not start the match"

# A stopped loop reports no health; once it runs again, it does.
kill -STOP "$server_pid"
stopped=$(monotonic)
sleep 2
resumed=$(monotonic)
kill -CONT "$server_pid"
during=$(awk -v a="$stopped" -v b="$resumed" '$3 == "/health" && $1 > a + 0.2 && $1 < b { n++ } END { print n + 0 }' "$work/calls")
[ "$during" = 0 ] || fail "$during Health calls while the game loop was stopped"
wait_until 5 bash -c "awk -v b=$resumed '\$3 == \"/health\" && \$1 > b { n++ } END { exit !(n >= 2) }' '$work/calls'" ||
  fail "Health did not resume with the loop"

wait "$client_pid" || fail "the bots failed: $(cat "$work/client.err")"
wait_until 10 at_least 2 "POST /alpha/player/disconnect" "$work/calls" || fail "players were not tracked on disconnect"

kill -TERM "$server_pid"
wait "$server_pid" || fail "arena-server exited with an error after SIGTERM"
grep -q "Agones told of the shutdown" "$work/server.err" || fail "no Shutdown confirmed"
posts=$(awk '$2 == "POST" { print $3 }' "$work/calls")
[ "$(echo "$posts" | head -n 1)" = "/ready" ] || fail "the first call is not Ready"
[ "$(echo "$posts" | tail -n 1)" = "/shutdown" ] || fail "the last call is not Shutdown"
[ "$(echo "$posts" | grep -c /shutdown)" = 1 ] || fail "Shutdown sent more than once"

# --- 2. no sidecar at start; the match ends -----------------------------------------------
# The stand-in holds a port of the system's choosing without listening on it (connections
# are refused, as with no sidecar at all) until it is told to open with SIGUSR1.
start_standin "$work/port2" "$work/calls2" --hold
late_port=$(cat "$work/port2")
AGONES_SDK_HTTP_PORT=$late_port "$server_bin" --port 0 --key "$work/server.key" --agones --health-period 0.3 \
  --match-seconds 2 >"$work/server2.out" 2>"$work/server2.err" &
server_pid=$!
pids+=("$server_pid")
wait_until 10 grep -q "POST /ready to the SDK sidecar.*failed.*retrying" "$work/server2.err" ||
  fail "an unreachable sidecar was not reported"
sleep 1
kill -0 "$server_pid" 2>/dev/null || fail "arena-server gave up without its sidecar"
udp_port=$(port_in "listening on " "$work/server2.err") || fail "arena-server did not say its port"
"$client_bin" --server "127.0.0.1:$udp_port" --key "$work/server.key" --bots 1 --seconds 1 \
  >"$work/client.out" 2>"$work/client.err" || fail "a bot could not play while the sidecar was away"
kill -USR1 "$standin_pid"
wait_until 10 at_least 1 "POST /ready" "$work/calls2" || fail "Ready was not retried once the sidecar appeared"
wait_until 10 at_least 2 "POST /health" "$work/calls2" || fail "no Health after the late Ready"
allocate "$late_port"
wait_until 20 bash -c "! kill -0 $server_pid 2>/dev/null" || fail "the server did not end with its match"
wait "$server_pid" || fail "arena-server exited with an error at the end of the match"
grep -q "the match is over" "$work/server2.err" || fail "no end of match logged"
[ "$(awk '$2 == "POST" { print $3 }' "$work/calls2" | tail -n 1)" = "/shutdown" ] || fail "the match ended without Shutdown"
echo "ok"
