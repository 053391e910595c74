#!/usr/bin/env bash
# A small local fleet for a person to watch: one matchmaker, SERVERS arena-servers (each
# with /metrics, reporting to the matchmaker), a Prometheus scraping them every second, and
# bots joining through the matchmaker in waves, until Ctrl-C or SECONDS pass.
# Every port is one the system picks; the URLs are printed at start.
#
# Usage: tools/fleet.sh BUILD_DIR [SECONDS] [SERVERS] [BOTS]   (tools/dev.sh fleet runs it
#        on build/; SECONDS 0 runs until Ctrl-C)
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS] [SERVERS] [BOTS]" >&2
  exit 2
fi
build=$1
seconds=${2:-0}
servers=${3:-3}
bots=${4:-24}
token_tool=$build/tools/tickwire-token
server_bin=$build/samples/arena/arena-server
client_bin=$build/samples/arena/arena-client
matchmaker_bin=$build/samples/matchmaker/matchmaker
for bin in "$token_tool" "$server_bin" "$client_bin" "$matchmaker_bin"; do
  if [ ! -x "$bin" ]; then
    echo "fleet: $bin is missing; build first (tools/dev.sh build)" >&2
    exit 1
  fi
done
prometheus_bin=$(command -v prometheus || true)
if [ -z "$prometheus_bin" ]; then
  echo "fleet: prometheus is not installed (Debian package 'prometheus'; tools/dev.sh deps installs it)" >&2
  exit 1
fi

work=$(mktemp -d -t tickwire-fleet.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
stop=0
trap 'stop=1' INT TERM

die() {
  echo "fleet: $*" >&2
  for log in "$work"/*.err; do
    [ -s "$log" ] && { echo "fleet: $(basename "$log"):" >&2; tail -n 10 "$log" | sed 's/^/  /' >&2; }
  done
  exit 1
}
wait_for() {  # wait_for FILE PATTERN: up to 10 s
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

"$token_tool" keygen --out "$work/fleet.key" >/dev/null
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.secret"

"$matchmaker_bin" --listen 127.0.0.1:0 --key "$work/fleet.key" --admin-secret-file "$work/admin.secret" \
  2>"$work/matchmaker.err" &
pids+=("$!")
wait_for "$work/matchmaker.err" "listening on" || die "the matchmaker did not start"
mm="http://127.0.0.1:$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/matchmaker.err")"

targets=()
for i in $(seq "$servers"); do
  "$server_bin" --port 0 --key "$work/fleet.key" --max-players 16 --metrics 127.0.0.1:0 \
    --matchmaker-admin "$mm" --matchmaker-secret-file "$work/admin.secret" 2>"$work/server$i.err" &
  pids+=("$!")
  wait_for "$work/server$i.err" "metrics on" || die "arena-server $i did not start"
  targets+=("'$(sed -n 's|.*metrics on http://\(127.0.0.1:[0-9]*\)/metrics.*|\1|p' "$work/server$i.err")'")
done

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: arena
    static_configs:
      - targets: [$(IFS=,; echo "${targets[*]}")]
EOF
prom_port=""
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  mkdir -p "$work/prometheus$attempt"
  "$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus$attempt" \
    --web.listen-address="127.0.0.1:$port" 2>"$work/prometheus.err" &
  ppid=$!
  for _ in $(seq 100); do
    kill -0 "$ppid" 2>/dev/null || break
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
         "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
      prom_port=$port
      break
    fi
    sleep 0.2
  done
  if [ -n "$prom_port" ]; then pids+=("$ppid"); break; fi
  kill -KILL "$ppid" 2>/dev/null || true
done
[ -n "$prom_port" ] || die "Prometheus did not start"

cat <<EOF
fleet: matchmaker   $mm   (GET /admin/servers needs 'Authorization: Bearer $(cat "$work/admin.secret")')
fleet: servers      $(for t in "${targets[@]}"; do printf 'http://%s/metrics  ' "${t//\'/}"; done)
fleet: Prometheus   http://127.0.0.1:$prom_port/graph?g0.expr=arena_players&g0.tab=0
                    try: sum(arena_players)   rate(tickwire_udp_bytes_out_total[10s])
                         histogram_quantile(0.99, rate(arena_tick_duration_seconds_bucket[30s]))
fleet: $bots bots join through the matchmaker in waves of 30 s; Ctrl-C stops everything
EOF

started=$SECONDS
while [ "$stop" = 0 ]; do
  if [ "$seconds" != 0 ] && [ $((SECONDS - started)) -ge "$seconds" ]; then break; fi
  "$client_bin" --matchmaker "$mm" --bots "$bots" --seconds 30 >"$work/client.out" 2>"$work/client.err" &
  client=$!
  while kill -0 "$client" 2>/dev/null; do
    if [ "$stop" = 1 ] || { [ "$seconds" != 0 ] && [ $((SECONDS - started)) -ge "$seconds" ]; }; then
      kill -TERM "$client" 2>/dev/null || true
    fi
    sleep 0.5
  done
  wait "$client" 2>/dev/null || echo "fleet: a wave of bots failed: $(tail -n 3 "$work/client.err")" >&2
  head -n 1 "$work/client.out" 2>/dev/null || true
done
echo "fleet: stopping"
