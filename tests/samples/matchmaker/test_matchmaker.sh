#!/usr/bin/env bash
# The sample matchmaker with three arena-servers reporting to it: 48 bots join through it
# and every server gets some; after one server shuts down, new players go to the others
# only. Bad requests get an error status and a message, and the matchmaker keeps serving.
# Usage: test_matchmaker.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT MATCHMAKER
set -euo pipefail
token_tool=$1 server_bin=$2 client_bin=$3 matchmaker_bin=$4
# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init matchmaker
fail_logs=(matchmaker.err server1.err server2.err server3.err client.err client2.err)
fail_lines=15
# http METHOD URL [BODY [SECRET]]: prints "STATUS BODY".
http() {
  python3 - "$@" <<'EOF'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=body, method=method)
if len(sys.argv) > 4:
    req.add_header("Authorization", "Bearer " + sys.argv[4])
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
EOF
}
# The bots that joined each server, from a client's --json line: "ADDR COUNT" lines.
joined_by_server() {
  python3 -c 'import json, sys; [print(k, v) for k, v in json.loads(sys.stdin.read().strip().splitlines()[-1])["joined_by_server"].items()]' <"$1"
}

"$token_tool" keygen --out "$work/fleet.key" >/dev/null
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$secret" >"$work/admin.secret"

# Bad flags: a clear message, a non-zero exit.
if "$matchmaker_bin" --listen nowhere --key "$work/fleet.key" --admin-secret-file "$work/admin.secret" 2>"$work/err"; then
  fail "--listen nowhere accepted"
fi
grep -q "expected ADDR:PORT" "$work/err" || fail "no clear message for a bad --listen"
if "$matchmaker_bin" --listen 127.0.0.1:0 --key "$work/fleet.key" 2>"$work/err"; then fail "a matchmaker with no pool started"; fi
grep -q "no servers" "$work/err" || fail "no clear message for an empty pool"

start_server matchmaker "listening on http://" \
  "$matchmaker_bin" --listen 127.0.0.1:0 --key "$work/fleet.key" --admin-secret-file "$work/admin.secret"
mm="http://127.0.0.1:$port"

# Bad requests: errors with a reason, never a crash or a token.
[[ "$(http POST "$mm/join" 'not json')" == 400* ]] || fail "a body that is not JSON was not refused with 400"
[[ "$(http POST "$mm/join" '{"player_id": -3}')" == 400* ]] || fail "a negative player id was not refused"
[[ "$(http POST "$mm/join" '{"player_id": "x"}')" == 400* ]] || fail "a text player id was not refused"
[[ "$(http POST "$mm/join" '{"player_id": 7}')" == 503* ]] || fail "a token was issued with no server in the pool"
[[ "$(http POST "$mm/admin/servers" '{"address":"127.0.0.1:9","players":0,"capacity":8,"state":"ready"}')" == 401* ]] ||
  fail "a report without the admin secret was accepted"
[[ "$(http POST "$mm/admin/servers" '{"address":"127.0.0.1:9","players":0,"capacity":8,"state":"ready"}' wrong-secret)" == 401* ]] ||
  fail "a report with a wrong admin secret was accepted"
[[ "$(http POST "$mm/admin/servers" '{"address":"nowhere","players":0,"capacity":8,"state":"ready"}' "$secret")" == 400* ]] ||
  fail "a report with a bad address was accepted"
[[ "$(http POST "$mm/admin/servers" '{"address":"127.0.0.1:9","players":0,"capacity":8,"state":"sleepy"}' "$secret")" == 400* ]] ||
  fail "a report with an unknown state was accepted"
head -c 100000 /dev/zero | tr '\0' 'a' >"$work/big"
[[ "$(http POST "$mm/join" "$(cat "$work/big")")" == 413* ]] || fail "a 100 kB body was not refused"
[[ "$(http GET "$mm/admin/servers" "" "$secret")" == "200 []" ]] || fail "the refused reports changed the pool"

for i in 1 2 3; do
  "$server_bin" --port 0 --key "$work/fleet.key" --max-players 24 --matchmaker-admin "$mm" \
    --matchmaker-secret-file "$work/admin.secret" --json >"$work/server$i.out" 2>"$work/server$i.err" &
  pids+=("$!")
  eval "server${i}_pid=$!"
done
for i in 1 2 3; do
  wait_for_line 10 "reporting to the matchmaker" "$work/server$i.err" || fail "server $i did not start"
done
wait_until 10 bash -c "[ \"\$(grep -c 'is ready' '$work/matchmaker.err')\" = 3 ]" || fail "not every server reported"

# 48 bots through the matchmaker: each one placed, each server with a share.
"$client_bin" --matchmaker "$mm" --bots 48 --seconds 5 --json >"$work/client.out" 2>"$work/client.err" ||
  fail "the bots failed: $(tail -n 5 "$work/client.out")"
tail -n 1 "$work/client.out" | grep -q '"connected":48,' || fail "not all 48 bots connected: $(tail -n 1 "$work/client.out")"
joined_by_server "$work/client.out" >"$work/spread"
[ "$(wc -l <"$work/spread")" = 3 ] || fail "the bots did not go to all three servers: $(cat "$work/spread")"
while read -r address count; do
  [ "$count" -ge 8 ] || fail "$address got only $count of 48 bots"
done <"$work/spread"
echo "spread of 48 bots: $(tr '\n' ' ' <"$work/spread")"

# Server 1 shuts down: the matchmaker hears it before its players do, and sends no one there.
server1=$(sed -n 's/.*reporting to the matchmaker at .* as \(.*\)$/\1/p' "$work/server1.err")
kill -TERM "$server1_pid"
wait "$server1_pid" || fail "server 1 did not shut down cleanly"
grep -q "$server1 is shutting_down" "$work/matchmaker.err" || fail "the matchmaker did not hear that $server1 shuts down"
"$client_bin" --matchmaker "$mm" --bots 12 --seconds 2 --json >"$work/client2.out" 2>"$work/client2.err" ||
  fail "bots failed after a server shut down: $(tail -n 5 "$work/client2.out")"
tail -n 1 "$work/client2.out" | grep -q '"connected":12,' || fail "not all 12 later bots connected"
joined_by_server "$work/client2.out" >"$work/spread2"
grep -q "^$server1 " "$work/spread2" && fail "a player was sent to $server1 after it shut down"
echo "ok"
