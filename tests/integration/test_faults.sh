#!/usr/bin/env bash
# Faults of the process and the disk, as an operator meets them:
#  1. arena-server --record onto a disk that fills up (an 8 KiB tmpfs): the server keeps
#     serving, says once that the recording stopped, and every complete chunk of the replay
#     reads back.
#  2. a client process stopped (SIGSTOP) for longer than its token's timeout: the server
#     drops it as timed out and counts it; on SIGCONT the client reports the disconnect and
#     ends instead of hanging.
# Part 1 needs root (mount); without it, it is skipped with a message.
# Usage: test_faults.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT TICKWIRE_REPLAY
set -euo pipefail
[ -n "${TICKWIRE_TRACE:-}" ] && set -x
token_tool=$1 server_bin=$2 client_bin=$3 replay=$4
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lib_init faults
fail_logs=(server.err client.out)
fail_lines=0
mounted=""
# Expanded at exit, when $mounted says whether the tmpfs is still mounted.
# shellcheck disable=SC2016
exit_commands=('[ -z "$mounted" ] || umount "$mounted" 2>/dev/null')
start_server_with() {  # start_server_with [arena-server options...]: sets server_pid and port
  start_server server "listening on " "$server_bin" --port 0 --key "$work/server.key" --json "$@"
}
stop_server() {
  local status=0
  stop_process "$server_pid" TERM 30 || status=$?
  [ "$status" -eq 0 ] || fail "arena-server exited $status after SIGTERM"
}

"$token_tool" keygen --out "$work/server.key" >/dev/null

# 1. The disk fills up under the recording.
mkdir "$work/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8k tmpfs "$work/small" 2>/dev/null; then
  mounted=$work/small
  start_server_with --record "$work/small/match.twr"
  "$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 4 --seconds 8 --json \
    >"$work/client.out" 2>&1 || fail "arena-client failed while the disk filled"
  tail -n 1 "$work/client.out" | grep -q '"connected":4' || fail "the bots did not all stay: $(tail -n 1 "$work/client.out")"
  tail -n 1 "$work/client.out" | grep -q '"disconnects":0' || fail "a bot was disconnected while the disk filled"
  stop_server
  [ "$(grep -c "stopped at" "$work/server.err")" -eq 1 ] ||
    fail "the server did not say exactly once that the recording stopped"
  grep -q "No space left\|could not be read or written" "$work/server.err" || fail "the reason is not given"
  tail -n 1 "$work/server.out" | grep -q '"record_write_errors":[1-9]' || fail "no write error counted"
  status=0
  "$replay" verify "$work/small/match.twr" >"$work/verify.txt" 2>&1 || status=$?
  [ "$status" -le 1 ] || fail "verify could not read the cut replay: $(cat "$work/verify.txt")"
  # dump says the last chunk is cut (exit 1) and gives every tick of the chunks before it.
  status=0
  "$replay" dump "$work/small/match.twr" --json >"$work/dump.jsonl" 2>"$work/dump.err" || status=$?
  [ "$status" -le 1 ] || fail "the complete chunks do not dump: $(cat "$work/dump.err")"
  [ "$(grep -c '"entities":' "$work/dump.jsonl")" -gt 30 ] || fail "too few ticks read back from the full disk"
  umount "$work/small"
  # shellcheck disable=SC2034  # read by exit_commands
  mounted=""
else
  echo "skipped: filling a disk needs root (a small tmpfs)"
fi

# 2. A client stopped for longer than its timeout.
start_server_with
"$token_tool" issue --key "$work/server.key" --player-id 77 --server "127.0.0.1:$port" --expires-in 60 \
  --timeout 2 --out "$work/player.token" >/dev/null
"$client_bin" --server "127.0.0.1:$port" --token "$work/player.token" --seconds 10 --json >"$work/client.out" 2>&1 &
client_pid=$!
pids+=("$client_pid")
wait_for_line 10 "client 77 connected" "$work/server.err" || fail "the client did not join"
kill -STOP "$client_pid"
wait_for_line 8 "client 77 disconnected: timed out" "$work/server.err" || fail "the server did not drop the stopped client"
kill -CONT "$client_pid"
status=0
timeout 30 tail --pid="$client_pid" -f /dev/null || fail "the client hangs after SIGCONT"
wait "$client_pid" || status=$?
forget "$client_pid"
# Stopped right after the transport connected, the bot may not have had its first snapshot
# yet: then it reports the connection as one that never joined, with the same reason.
grep -q '"disconnects":1\|"never_joined":1' "$work/client.out" ||
  fail "the client did not report its disconnect: $(tail -n 3 "$work/client.out")"
grep -q 'timed out' "$work/client.out" || fail "the client does not say why: $(tail -n 3 "$work/client.out")"
stop_server
tail -n 1 "$work/server.out" | grep -q '"disconnected":1' || fail "the server did not count the drop: $(tail -n 1 "$work/server.out")"
echo "faults: all checks passed"
