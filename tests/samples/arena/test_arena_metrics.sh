#!/usr/bin/env bash
# arena-server --metrics scraped by a real Prometheus: 8 bots play, Prometheus scrapes every
# second, and its HTTP API must report the 8 players and a rate of UDP bytes out within 10 %
# of what the server itself reports in its --json figures at exit.
# Usage: test_arena_metrics.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT PROMETHEUS
set -euo pipefail
token_tool=$1 server_bin=$2 client_bin=$3 prometheus_bin=${4:-}
# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init metrics
fail_logs=(server.err client.err prometheus.err)
fail_lines=20

if [ -z "$prometheus_bin" ] || [ ! -x "$prometheus_bin" ]; then
  fail "Prometheus is not installed: this test scrapes arena-server with a real one " \
       "(Debian package 'prometheus'; 'tools/dev.sh deps' installs it)"
fi

# The single value of an instant query, or nothing when the result is empty.
prom_query() {
  python3 - "$prom_port" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
try:
    body = json.load(urllib.request.urlopen(url, timeout=5))
except Exception:
    sys.exit(0)
result = body.get("data", {}).get("result", [])
if body.get("status") == "success" and len(result) == 1:
    print(result[0]["value"][1])
EOF
}
"$token_tool" keygen --out "$work/server.key" >/dev/null

# The system picks both ports; the server prints them.
start_server server "listening on " \
  "$server_bin" --port 0 --metrics 127.0.0.1:0 --key "$work/server.key" --max-players 8 --json
udp_port=$port
metrics_port=$(wait_for_port "$server_pid" "metrics on http://" "$work/server.err") ||
  fail "arena-server did not start serving metrics"

# The exposition as served: content type, and the families a dashboard relies on.
python3 - "$metrics_port" <<'EOF' || fail "the /metrics response is not the text exposition"
import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5)
assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]
text = r.read().decode()
for needle in ["# TYPE arena_players gauge", "# TYPE arena_tick_duration_seconds histogram",
               "# TYPE tickwire_udp_bytes_out_total counter", 'tickwire_rejected_total{reason="wrong_key"} ',
               'tickwire_dropped_total{reason="auth_failed"} ', "# TYPE tickwire_connection_rtt_seconds summary",
               "arena_snapshot_bytes_total "]:
    assert needle in text, needle
EOF

"$client_bin" --server "127.0.0.1:$udp_port" --key "$work/server.key" --bots 8 --seconds 60 \
  >"$work/client.out" 2>"$work/client.err" &
pids+=("$!")

start_prometheus 20 "127.0.0.1:$metrics_port" || fail "Prometheus did not start"

# Every bot in for the last 12 scrapes: then a 10 s rate covers only the full arena.
deadline=$((SECONDS + 60))
players=""
while [ $SECONDS -lt $deadline ]; do
  players=$(prom_query 'min_over_time(arena_players[12s]) and count_over_time(arena_players[12s]) >= 11')
  [ "$players" = "8" ] && break
  sleep 0.5
done
[ "$players" = "8" ] || fail "Prometheus did not see 8 players for 12 s (last answer: '$players')"
[ "$(prom_query 'arena_players')" = "8" ] || fail "arena_players is not 8"
rate=$(prom_query 'rate(tickwire_udp_bytes_out_total[10s])')
[ -n "$rate" ] || fail "no rate of tickwire_udp_bytes_out_total from Prometheus"
[ "$(prom_query 'up{job="arena"}')" = "1" ] || fail "Prometheus does not see the target up"

kill -TERM "$server_pid"
wait "$server_pid" || fail "arena-server exited with an error after SIGTERM"
python3 - "$rate" "$(tail -n 1 "$work/server.out")" <<'EOF' || fail "the rates disagree"
import json, sys
prom = float(sys.argv[1])
figures = json.loads(sys.argv[2])
own = figures["udp_bytes_out"] / figures["seconds_with_players"]
print("bytes out per second: Prometheus %.0f, arena-server %.0f (%+.1f %%)" % (prom, own, (prom - own) / own * 100))
assert figures["players_peak"] == 8, figures["players_peak"]
assert abs(prom - own) <= 0.10 * own
EOF
echo "ok"
