#!/usr/bin/env bash
# The sample arena for a person to watch: a server key, arena-server, a link simulator
# (80 ms round trip, 2% loss each way) and 16 bots playing for 30 s (or until Ctrl-C),
# then the bots' summary and the server's figures.
#
# Usage: tools/arena-demo.sh BUILD_DIR [SECONDS] [BOTS]   (tools/dev.sh demo runs it on build/)
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS] [BOTS]" >&2
  exit 2
fi
build=$1
seconds=${2:-30}
bots=${3:-16}
token_tool=$build/tools/tickwire-token
netsim=$build/tools/tickwire-netsim
server_bin=$build/samples/arena/arena-server
client_bin=$build/samples/arena/arena-client
for bin in "$token_tool" "$netsim" "$server_bin" "$client_bin"; do
  if [ ! -x "$bin" ]; then
    echo "arena-demo: $bin is missing; build first (tools/dev.sh build)" >&2
    exit 1
  fi
done

work=$(mktemp -d -t tickwire-arena-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# Ctrl-C ends the match early: the bots stop and report, then the server shuts down.
interrupted=0
trap 'interrupted=1' INT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() {
  echo "arena-demo: $*" >&2
  for log in server.err netsim.err client.err; do
    if [ -s "$work/$log" ]; then
      echo "arena-demo: $log:" >&2
      tail -n 20 "$work/$log" | sed 's/^/  /' >&2
    fi
  done
  exit 1
}
# Waits up to 5 s for a line matching $2 in file $1 while process $3 lives.
wait_for() {
  for _ in $(seq 50); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# Stops process $1 with SIGINT, waits up to 10 s, and returns its exit status.
stop() {
  kill -INT "$1" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && return 124
  local status=0
  wait "$1" || status=$?
  return "$status"
}

heading "1. A server key (the secret a matchmaker and its servers share)"
"$token_tool" keygen --out "$work/server.key"

heading "2. arena-server and a link simulator in front of it"
server_pid=""
for attempt in 0 1 2 3 4; do
  port=$((41000 + ($$ + attempt * 17) % 1000))
  # The server's status line goes to this terminal; its figures (JSON) to a file.
  timeout $((seconds + 120)) "$server_bin" --port "$port" --key "$work/server.key" --max-players 32 --json \
    >"$work/server.out" 2> >(tee "$work/server.err" >&2) &
  server_pid=$!
  wait_for "$work/server.err" listening "$server_pid" && break
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
[ -n "$server_pid" ] || die "arena-server did not start"
pids+=("$server_pid")
relay_port=$((port + 1000))
timeout $((seconds + 120)) "$netsim" --listen "$relay_port" --forward "127.0.0.1:$port" \
  --latency 40 --loss 2 --seed 7 >"$work/netsim.out" 2>"$work/netsim.err" &
netsim_pid=$!
pids+=("$netsim_pid")
wait_for "$work/netsim.err" relaying "$netsim_pid" || die "tickwire-netsim did not start"
echo "relay 127.0.0.1:$relay_port -> 127.0.0.1:$port: 40 ms each way (80 ms round trip), 2% loss"

heading "3. $bots bots for $seconds s through the relay (Ctrl-C ends the match early)"
# Development mode: the client mints its own tokens from the server key.
timeout $((seconds + 60)) "$client_bin" --server "127.0.0.1:$port" --via "127.0.0.1:$relay_port" \
  --key "$work/server.key" --bots "$bots" --seconds "$seconds" --json >"$work/client.out" 2>"$work/client.err" &
client_pid=$!
pids+=("$client_pid")
client_status=0
while kill -0 "$client_pid" 2>/dev/null; do
  if [ "$interrupted" = 1 ]; then
    kill -INT "$client_pid" 2>/dev/null || true
    interrupted=2
  fi
  sleep 0.2
done
wait "$client_pid" || client_status=$?

heading "4. SIGINT to the server: it tells every client it is shutting down"
server_status=0
stop "$server_pid" || server_status=$?
stop "$netsim_pid" || true
echo

heading "The bots' summary"
cat "$work/client.out"
echo "server figures (last stdout line, JSON):"
tail -n 1 "$work/server.out" | sed 's/^/  /'

[ "$client_status" -eq 0 ] || die "arena-client exited with status $client_status"
[ "$server_status" -eq 0 ] || die "arena-server exited with status $server_status"
tail -n 1 "$work/client.out" | grep -q "\"connected\":$bots," || die "not every bot joined"
tail -n 1 "$work/server.out" | grep -q '^{.*"tick_ms_p99":' || die "the server's last line is not its JSON figures"
heading "Done: $bots bots played for ${seconds} s"
