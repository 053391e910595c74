#!/usr/bin/env bash
# The sample arena for a person to watch: a server key, arena-server, a link simulator
# (80 ms round trip, 2% loss each way) and 16 bots playing for 30 s (or until Ctrl-C),
# then a short summary of what the bots and the server measured.
#
# Usage: tools/arena-demo.sh [--json] BUILD_DIR [SECONDS] [BOTS]   (tools/dev.sh demo runs it
# on build/). --json also prints the bots' and the server's figures as JSON objects.
set -euo pipefail

json=0
args=()
for arg in "$@"; do
  if [ "$arg" = --json ]; then json=1; else args+=("$arg"); fi
done
if [ ${#args[@]} -lt 1 ] || [ ${#args[@]} -gt 3 ]; then
  echo "usage: $0 [--json] BUILD_DIR [SECONDS] [BOTS]" >&2
  exit 2
fi
build=${args[0]}
seconds=${args[1]:-30}
bots=${args[2]:-16}
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
# Waits up to 10 s for process $3 to write a line naming the port it took ("listening on
# ADDR:PORT", "relaying ADDR:PORT") into file $1, whose words before the address are $2;
# prints the port.
port_of() {
  local p
  for _ in $(seq 100); do
    p=$(sed -n "s/.*$2 [0-9.]*:\([0-9]*\).*/\1/p" "$1" 2>/dev/null | head -n 1)
    [ -n "$p" ] && { echo "$p"; return 0; }
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
# Port 0: the system gives free ports, and each program names the one it took.
timeout $((seconds + 120)) "$server_bin" --port 0 --key "$work/server.key" --max-players 32 --json \
  >"$work/server.out" 2> >(tee "$work/server.err" >&2) &
server_pid=$!
pids+=("$server_pid")
port=$(port_of "$work/server.err" "listening on" "$server_pid") || die "arena-server did not start"
timeout $((seconds + 120)) "$netsim" --listen 0 --forward "127.0.0.1:$port" \
  --latency 40 --loss 2 --seed 7 >"$work/netsim.out" 2>"$work/netsim.err" &
netsim_pid=$!
pids+=("$netsim_pid")
relay_port=$(port_of "$work/netsim.err" relaying "$netsim_pid") || die "tickwire-netsim did not start"
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

[ "$client_status" -eq 0 ] || die "arena-client exited with status $client_status"
[ "$server_status" -eq 0 ] || die "arena-server exited with status $server_status"
tail -n 1 "$work/client.out" | grep -q "\"connected\":$bots," || die "not every bot joined"
tail -n 1 "$work/server.out" | grep -q '^{.*"tick_ms_p99":' || die "the server's last line is not its JSON figures"

# A number from a one-line JSON object: field FILE NAME.
field() { tail -n 1 "$1" | sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p"; }
heading "Summary"
# The bots' own summary is every line but the JSON one.
sed '$d' "$work/client.out"
printf 'server:  %s players at most, tick %.2f ms p50 and %.2f ms p99, %.0f kbit/s out per player, %.0f %% of a CPU\n' \
  "$(field "$work/server.out" players_peak)" "$(field "$work/server.out" tick_ms_p50)" \
  "$(field "$work/server.out" tick_ms_p99)" "$(awk "BEGIN { print $(field "$work/server.out" bytes_per_s_per_client) * 8 / 1000 }")" \
  "$(field "$work/server.out" server_cpu_pct)"
if [ "$json" = 1 ]; then
  echo "bots (JSON):   $(tail -n 1 "$work/client.out")"
  echo "server (JSON): $(tail -n 1 "$work/server.out")"
fi
heading "Done: $bots bots played for ${seconds} s"
