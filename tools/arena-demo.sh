#!/usr/bin/env bash
# The sample arena for a person to watch: a server key, arena-server, a link simulator
# (80 ms round trip, 2% loss each way) and 16 bots playing for 30 s (or until Ctrl-C),
# then a short summary of what the bots and the server measured, and of the server's CPU
# time as /proc shows it.
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
# shellcheck source=../tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/lib.sh"
require_programs arena-demo "$token_tool" "$netsim" "$server_bin" "$client_bin"

lib_init arena-demo
fail_prefix="arena-demo: "
fail_logs=(server.err netsim.err client.err)
fail_lines=20
# Ctrl-C ends the match early: the bots stop and report, then the server shuts down.
interrupted=0
trap 'interrupted=1' INT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
heading() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
heading "1. A server key (the secret a matchmaker and its servers share)"
"$token_tool" keygen --out "$work/server.key"

heading "2. arena-server and a link simulator in front of it"
# Port 0: the system gives free ports, and each program names the one it took.
timeout $((seconds + 120)) "$server_bin" --port 0 --key "$work/server.key" --max-players 32 --json \
  >"$work/server.out" 2> >(tee "$work/server.err" >&2) &
server_pid=$!
pids+=("$server_pid")
port=$(wait_for_port "$server_pid" "listening on " "$work/server.err") || fail "arena-server did not start"
spawn netsim timeout $((seconds + 120)) "$netsim" --listen 0 --forward "127.0.0.1:$port" --latency 40 --loss 2 --seed 7
netsim_pid=$spawned_pid
relay_port=$(wait_for_port "$netsim_pid" "relaying " "$work/netsim.err") || fail "tickwire-netsim did not start"
echo "relay 127.0.0.1:$relay_port -> 127.0.0.1:$port: 40 ms each way (80 ms round trip), 2% loss"

# The server's CPU time is read from outside, as a process watcher would: user + system
# clock ticks, fields 14 and 15 of /proc/PID/stat, counted after the command name (which
# may hold spaces). $server_pid is timeout's; arena-server is one of its children (tee,
# which copies the log to the terminal, is another).
server_proc=$(ps -o pid=,comm= --ppid "$server_pid" | awk '$2 == "arena-server" { print $1 }')
cpu_ticks() { sed 's/.*) //' "/proc/$server_proc/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0; }

heading "3. $bots bots for $seconds s through the relay (Ctrl-C ends the match early)"
# Development mode: the client mints its own tokens from the server key.
cpu_at_start=$(cpu_ticks) time_at_start=$EPOCHREALTIME
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
# The server's share of one CPU while the bots played.
server_cpu_pct=$(awk -v ticks=$(($(cpu_ticks) - cpu_at_start)) -v hz="$(getconf CLK_TCK)" \
  -v from="$time_at_start" -v to="$EPOCHREALTIME" \
  'BEGIN { print (to > from ? ticks / hz / (to - from) * 100 : 0) }')

heading "4. SIGINT to the server: it tells every client it is shutting down"
server_status=0
stop_process "$server_pid" INT || server_status=$?
stop_process "$netsim_pid" INT || true
echo

[ "$client_status" -eq 0 ] || fail "arena-client exited with status $client_status"
[ "$server_status" -eq 0 ] || fail "arena-server exited with status $server_status"
tail -n 1 "$work/client.out" | grep -q "\"connected\":$bots," || fail "not every bot joined"
tail -n 1 "$work/server.out" | grep -q '^{.*"tick_ms_p99":' || fail "the server's last line is not its JSON figures"

# A number from a one-line JSON object: field FILE NAME.
field() { tail -n 1 "$1" | sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p"; }
heading "Summary"
# The bots' own summary is every line but the JSON one.
sed '$d' "$work/client.out"
printf 'server:  %s players at most, tick %.2f ms p50 and %.2f ms p99, %.0f kbit/s out per player, %.0f %% of a CPU\n' \
  "$(field "$work/server.out" players_peak)" "$(field "$work/server.out" tick_ms_p50)" \
  "$(field "$work/server.out" tick_ms_p99)" "$(awk "BEGIN { print $(field "$work/server.out" bytes_per_s_per_client) * 8 / 1000 }")" \
  "$server_cpu_pct"
if [ "$json" = 1 ]; then
  echo "bots (JSON):   $(tail -n 1 "$work/client.out")"
  echo "server (JSON): $(tail -n 1 "$work/server.out")"
fi
heading "Done: $bots bots played for ${seconds} s"
