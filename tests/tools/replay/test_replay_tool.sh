#!/usr/bin/env bash
# tickwire-replay as a user runs it: a match recorded by arena-server --record, then info,
# verify, dump and render on it; a cut file, a file that is no replay, and the recording of
# a server killed with SIGKILL. Checks use grep only (no JSON parser needed).
# Usage: test_replay_tool.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT TICKWIRE_REPLAY
set -euo pipefail
token_tool=$1 server_bin=$2 client_bin=$3 replay=$4
# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init replay-tool
fail_logs=(server.err)
fail_lines=0

"$token_tool" keygen --out "$work/server.key" >/dev/null

# Starts arena-server --record FILE on a port of the system's choosing (sets server_pid and
# port from its "listening on ADDR:PORT" line).
record_server() {
  start_server server "listening on " "$server_bin" --port 0 --key "$work/server.key" --record "$1" --json
}

# Every line of a dump is one JSON object of a tick or an event.
check_dump() {
  local file=$1 lines
  lines=$(wc -l <"$file")
  [ "$lines" -gt 10 ] || fail "a dump of only $lines lines"
  if grep -qv -E '^\{"tick":[0-9]+,("entities":\[.*\]|"event":"[a-z]+",.*)\}$' "$file"; then
    fail "a dump line is not a tick or an event: $(grep -v -E '^\{"tick":[0-9]+,("entities":\[.*\]|"event":"[a-z]+",.*)\}$' "$file" | head -n 1)"
  fi
}

# A match of three bots, recorded, ended with SIGTERM.
record_server "$work/match.twr"
"$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 3 --seconds 4 \
  >"$work/client.out" 2>&1 || fail "arena-client failed: $(cat "$work/client.out")"
status=0
stop_process "$server_pid" TERM 30 || status=$?
[ "$status" -eq 0 ] || fail "arena-server exited $status after SIGTERM"
tail -n 1 "$work/server.out" | grep -q '"record_write_errors":0' || fail "no recording figures: $(tail -n 1 "$work/server.out")"
grep -q "recorded [0-9]* ticks" "$work/server.err" || fail "the server did not say what it recorded"

"$replay" info "$work/match.twr" >"$work/info.txt" || fail "info failed"
grep -q "tickwire-arena, replay format version 2" "$work/info.txt" || fail "info: $(cat "$work/info.txt")"
grep -q "index present" "$work/info.txt" || fail "info says the closed file has no index"
grep -q "state *whole" "$work/info.txt" || fail "info says the file is not whole"
"$replay" info "$work/match.twr" --json >"$work/info.json" || fail "info --json failed"
for key in game version tick_rate start_utc duration_s first_tick last_tick ticks chunks entities_min \
  entities_mean entities_max events file_bytes bandwidth_mean_bytes_per_s bandwidth_peak_bytes_per_s indexed; do
  grep -q "\"$key\":" "$work/info.json" || fail "info --json lacks $key: $(cat "$work/info.json")"
done
grep -q '"entities_max":3' "$work/info.json" || fail "three bots, but: $(cat "$work/info.json")"
chunks=$(grep -o '"chunks":[0-9]*' "$work/info.json" | cut -d: -f2)
ticks=$(grep -o '"ticks":[0-9]*' "$work/info.json" | cut -d: -f2)
[ "$ticks" -gt 180 ] || fail "only $ticks ticks recorded in 4 s"

"$replay" verify "$work/match.twr" >"$work/verify.txt" || fail "verify of a whole file failed: $(cat "$work/verify.txt")"
grep -q "intact: $chunks chunks, $ticks ticks" "$work/verify.txt" || fail "verify: $(cat "$work/verify.txt")"

# A person watches the recording: arena-client --spectate joins tickwire-replay play as a
# spectator and stays until the playback ends (the server's shutdown, not a kick or a
# timeout, ends its connection); play turns no one away.
spawn play "$replay" play "$work/match.twr" --port 0 --key "$work/server.key" --speed 4
play_pid=$spawned_pid
play_port=$(wait_for_port "$play_pid" " on " "$work/play.err") ||
  fail "tickwire-replay play did not say its port: $(cat "$work/play.err")"
status=0
timeout 60 "$client_bin" --spectate --server "127.0.0.1:$play_port" --key "$work/server.key" --seconds 0 \
  --screenshot "$work/spectator.png" >"$work/spectator.out" 2>&1 || status=$?
play_status=0
wait "$play_pid" || play_status=$?
forget "$play_pid"
[ "$status" -eq 0 ] || fail "the spectator exited $status: $(cat "$work/spectator.out")"
[ "$play_status" -eq 0 ] || fail "play exited $play_status: $(cat "$work/play.err")"
grep -q "1 spectator for .*: 1 connected" "$work/spectator.out" || fail "the spectator did not join: $(cat "$work/spectator.out")"
grep -q "ended: *1 bots: server shutting down" "$work/spectator.out" ||
  fail "the spectator's connection did not last the whole replay: $(cat "$work/spectator.out")"
grep -q "played [0-9]* ticks ($ticks recorded frames, .* to up to 1 spectator; turned away 0 players" "$work/play.err" ||
  fail "play: $(cat "$work/play.err")"

"$replay" dump "$work/match.twr" --json >"$work/dump.jsonl" || fail "dump failed"
check_dump "$work/dump.jsonl"
[ "$(grep -c '"entities":' "$work/dump.jsonl")" -eq "$ticks" ] || fail "dump does not hold every tick"
grep -q '"event":"match","tick_rate":60' "$work/dump.jsonl" || fail "dump holds no match event"
grep -q '"x":[0-9]*\.[0-9][0-9],"y":' "$work/dump.jsonl" || fail "dump has no positions in metres"
"$replay" dump "$work/match.twr" --from 100 --to 109 --json >"$work/part.jsonl" || fail "dump --from --to failed"
[ "$(grep -c '"entities":' "$work/part.jsonl")" -eq 10 ] || fail "dump --from 100 --to 109 is not 10 ticks"
head -n 1 "$work/part.jsonl" | grep -q '^{"tick":100,' || fail "dump --from 100 starts at $(head -c 20 "$work/part.jsonl")"
status=0
"$replay" dump "$work/match.twr" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || fail "dump without --json exited $status"
grep -q -- "--json" "$work/err" || fail "dump without --json does not say so: $(cat "$work/err")"
status=0
"$replay" dump "$work/match.twr" --from 20 --to 10 --json >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || fail "dump --from 20 --to 10 exited $status"

"$replay" render "$work/match.twr" --out "$work/match.png" >/dev/null || fail "render failed"
[ "$(head -c 16 "$work/match.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a0000000d49484452" ] ||
  fail "render did not write a PNG"
# IHDR: width 1200 (0x4b0) and height 1100 (0x44c), big-endian.
[ "$(head -c 24 "$work/match.png" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = "000004b00000044c" ] ||
  fail "render's PNG is not 1200x1100"
# Compressed: a tenth of the raw pixels is already generous.
[ "$(stat -c %s "$work/match.png")" -lt $((1200 * 1100 * 4 / 10)) ] ||
  fail "render's PNG is $(stat -c %s "$work/match.png") bytes: not compressed"
# A name ending in .svg: the same picture as an SVG document.
"$replay" render "$work/match.twr" --out "$work/match.svg" >/dev/null || fail "render to SVG failed"
head -c 5 "$work/match.svg" | grep -q '^<?xml' || fail "render's SVG does not start with <?xml"
grep -q '<svg' "$work/match.svg" || fail "render's SVG has no <svg element"

# Cut one byte short of the end of the last chunk (index: 8 + 36 per chunk + 4, trailer 12).
size=$(stat -c %s "$work/match.twr")
head -c $((size - (8 + 36 * chunks + 4 + 12) - 1)) "$work/match.twr" >"$work/cut.twr"
status=0
"$replay" verify "$work/cut.twr" >"$work/verify.txt" || status=$?
[ "$status" -eq 1 ] || fail "verify of a cut file exited $status: $(cat "$work/verify.txt")"
grep -q "damaged: chunk $((chunks - 1)) (at byte [0-9]*): incomplete" "$work/verify.txt" ||
  fail "verify does not name the cut chunk: $(cat "$work/verify.txt")"
grep -q "ticks before it are intact (up to tick" "$work/verify.txt" || fail "verify does not say what is intact"
"$replay" info "$work/cut.twr" | grep -q "state *damaged" || fail "info does not call the cut file damaged"

# Not a replay at all: a clear refusal, exit 2, from every command that reads one.
head -c 4096 /dev/urandom >"$work/noise.bin"
for command in verify info "dump --json" "render --out $work/noise.png"; do
  status=0
  # shellcheck disable=SC2086
  "$replay" $command "$work/noise.bin" >/dev/null 2>"$work/err" || status=$?
  [ "$status" -eq 2 ] || fail "$command of a non-replay exited $status"
  grep -q "is not a tickwire replay" "$work/err" || fail "$command of a non-replay: $(cat "$work/err")"
done
status=0
"$replay" verify "$work/missing.twr" >/dev/null 2>"$work/err" || status=$?
[ "$status" -eq 2 ] || fail "verify of a missing file exited $status"
grep -q "cannot read .*missing.twr.: No such file or directory" "$work/err" || fail "verify of a missing file: $(cat "$work/err")"

# A server killed with SIGKILL mid-match: every chunk it completed reads back.
record_server "$work/killed.twr"
"$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 2 --seconds 20 >/dev/null 2>&1 &
client_pid=$!
pids+=("$client_pid")
sleep 3
stop_process "$server_pid" KILL || true
stop_process "$client_pid" TERM || true
status=0
"$replay" verify "$work/killed.twr" >"$work/verify.txt" || status=$?
[ "$status" -le 1 ] || fail "verify of a killed recording exited $status: $(cat "$work/verify.txt")"
grep -q -E "not closed: no index; every chunk intact|damaged: chunk [0-9]+" "$work/verify.txt" ||
  fail "verify of a killed recording: $(cat "$work/verify.txt")"
status=0
"$replay" dump "$work/killed.twr" --json >"$work/killed.jsonl" 2>"$work/err" || status=$?
[ "$status" -eq "$(grep -q damaged "$work/verify.txt" && echo 1 || echo 0)" ] ||
  fail "dump of a killed recording exited $status: $(cat "$work/err")"
check_dump "$work/killed.jsonl"
[ "$(grep -c '"entities":' "$work/killed.jsonl")" -gt 100 ] || fail "less than 100 ticks survived a kill after 3 s"
echo "replay tool: ok"
