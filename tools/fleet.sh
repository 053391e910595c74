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
# shellcheck source=../tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/lib.sh"
require_programs fleet "$token_tool" "$server_bin" "$client_bin" "$matchmaker_bin"
prometheus_bin=$(command -v prometheus || true)
if [ -z "$prometheus_bin" ]; then
  echo "fleet: prometheus is not installed (Debian package 'prometheus'; tools/dev.sh deps installs it)" >&2
  exit 1
fi

lib_init fleet
fail_prefix="fleet: "
fail_logs=('*.err')
fail_lines=10
# A person's Ctrl-C: every program is asked to stop and given the time to say goodbye.
cleanup_signals=(TERM)
stop=0
trap 'stop=1' INT TERM

"$token_tool" keygen --out "$work/fleet.key" >/dev/null
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.secret"

start_server matchmaker "listening on http://" \
  "$matchmaker_bin" --listen 127.0.0.1:0 --key "$work/fleet.key" --admin-secret-file "$work/admin.secret"
mm="http://127.0.0.1:$port"

targets=()
for i in $(seq "$servers"); do
  spawn "server$i" "$server_bin" --port 0 --key "$work/fleet.key" --max-players 16 --metrics 127.0.0.1:0 \
    --matchmaker-admin "$mm" --matchmaker-secret-file "$work/admin.secret"
  metrics_port=$(wait_for_port "$spawned_pid" "metrics on http://" "$work/server$i.err") ||
    fail "arena-server $i did not start"
  targets+=("127.0.0.1:$metrics_port")
done

start_prometheus 20 "${targets[@]}" || fail "Prometheus did not start"

cat <<EOF
fleet: matchmaker   $mm   (GET /admin/servers needs 'Authorization: Bearer $(cat "$work/admin.secret")')
fleet: servers      $(printf 'http://%s/metrics  ' "${targets[@]}")
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
