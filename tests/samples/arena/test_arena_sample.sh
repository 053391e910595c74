#!/usr/bin/env bash
# The arena programs as a user runs them: a server, bots with --json, a screenshot, a clean
# SIGTERM, and clear refusals of bad input.
# Usage: test_arena_sample.sh TOKEN_TOOL ARENA_SERVER ARENA_CLIENT
set -euo pipefail
token_tool=$1 server_bin=$2 client_bin=$3
# shellcheck source=../../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
lib_init arena-sample
fail_logs=(server.err)
fail_lines=0

"$token_tool" keygen --out "$work/server.key" >/dev/null

# Bad input: a clear message and exit status 2 (tests/tools/test_cli.sh covers every option).
if "$server_bin" --port 0 --key "$work/missing.key" 2>"$work/err"; then fail "a missing key file was accepted"; fi
grep -q "cannot read key file" "$work/err" || fail "no clear message for a missing key: $(cat "$work/err")"
head -c 31 /dev/urandom >"$work/short.key"
if "$server_bin" --port 0 --key "$work/short.key" 2>"$work/err"; then fail "a 31-byte key was accepted"; fi
grep -q "exactly 32 bytes" "$work/err" || fail "no clear message for a bad key: $(cat "$work/err")"
if "$server_bin" --port 0 --key "$work/server.key" --snapshot-rate 25 2>"$work/err"; then fail "--snapshot-rate 25 at 60 Hz accepted"; fi
grep -q "must divide" "$work/err" || fail "no clear message for a bad snapshot rate"
if "$server_bin" --port 0 --public 10.0.0.1:7777 --key "$work/server.key" 2>"$work/err"; then
  fail "--public with --port 0 accepted"
fi
grep -q "needs a fixed --port" "$work/err" || fail "no clear message for --public with --port 0: $(cat "$work/err")"
if "$server_bin" --port 0 --key "$work/server.key" --metrics nowhere 2>"$work/err"; then fail "--metrics nowhere accepted"; fi
grep -q "expected ADDR:PORT" "$work/err" || fail "no clear message for a bad --metrics: $(cat "$work/err")"
if "$client_bin" --server nowhere --key "$work/server.key" 2>"$work/err"; then fail "--server nowhere accepted"; fi
grep -q "expected HOST:PORT" "$work/err" || fail "no clear message for a bad --server"

# Port 0: the system gives a free port, and the server's first line names it.
start_server server "listening on " "$server_bin" --port 0 --key "$work/server.key" --max-players 8 --json

# Off a terminal the server logs plain lines: no carriage returns, no escape codes.
"$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 4 --seconds 4 --json \
  --screenshot "$work/shot.png" >"$work/client.out" 2>"$work/client.err" || fail "arena-client failed: $(cat "$work/client.err")"
last=$(tail -n 1 "$work/client.out")
for key in bots connected disconnects hits kills prediction_corrections interp_stall_pct rtt_ms_mean \
  kbps_in_per_bot kbps_out_per_bot; do
  echo "$last" | grep -q "\"$key\":" || fail "the client's JSON lacks $key: $last"
done
echo "$last" | grep -q '"connected":4,' || fail "not every bot connected: $last"
echo "$last" | grep -q '"disconnects":0,' || fail "a bot was disconnected: $last"
# The human summary: loss measured on the way in, and bandwidth in kbit/s like every other figure.
grep -q "network: rtt [0-9.]* ms mean, loss [0-9.]* % in, [0-9.]* kbit/s in and [0-9.]* kbit/s out per bot" \
  "$work/client.out" || fail "the summary gives no loss or no kbit/s: $(cat "$work/client.out")"
[ "$(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG"
# IHDR: the default 1024 (0x400) x 768 (0x300), and compressed far below the raw 3 MiB.
[ "$(head -c 24 "$work/shot.png" | tail -c 8 | od -An -tx1 | tr -d ' \n')" = "0000040000000300" ] ||
  fail "the screenshot is not 1024x768"
[ "$(stat -c %s "$work/shot.png")" -lt $((1024 * 768 * 4 / 10)) ] ||
  fail "the screenshot is $(stat -c %s "$work/shot.png") bytes: not compressed"

# A bot beyond --max-players is turned away, and the client says so with its exit code.
if "$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 9 --seconds 3 >"$work/full.out" 2>&1; then
  : # a bot turned away (full) is counted as disconnected in the summary
fi
grep -q "disconnected" "$work/full.out" || fail "no summary from a client beyond --max-players"

status=0
stop_process "$server_pid" TERM 30 || status=$?
[ "$status" -eq 0 ] || fail "arena-server exited $status after SIGTERM"
grep -q $'\r' "$work/server.err" && fail "the server wrote a terminal status line into a log"
tail -n 1 "$work/server.out" | grep -q '"tick_ms_p99":' || fail "no JSON figures from the server"
echo "arena sample: ok"
