#!/usr/bin/env bash
# Every program's command line as a user mistypes it: each refusal names the option typed
# and says what is wrong ("not a number", "out of range", the system's reason for a file),
# and every program exits 0 done, 1 failed, 2 usage. Servers take --port 0 and name the port
# they were given; nothing here guesses a free port.
# Usage: test_cli.sh TOKEN NETSIM BENCH REPLAY ARENA_SERVER ARENA_CLIENT ECHO_SERVER ECHO_CLIENT
set -uo pipefail
if [ $# -ne 8 ]; then
  echo "usage: $0 TOKEN NETSIM BENCH REPLAY ARENA_SERVER ARENA_CLIENT ECHO_SERVER ECHO_CLIENT" >&2
  exit 2
fi
token=$1 netsim=$2 bench=$3 replay=$4 arena_server=$5 arena_client=$6 echo_server=$7 echo_client=$8
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
lib_init cli
failures=0
# Every refusal is checked, not just the first: a failure is counted, and the count decides.
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect STATUS TEXT CMD...: CMD (given no input, at most 60 s) exits STATUS and prints TEXT.
expect() {
  local want=$1 text=$2
  shift 2
  local status=0
  timeout 60 "$@" </dev/null >"$work/out" 2>&1 || status=$?
  if [ "$status" -ne "$want" ]; then
    fail "$(basename "$1") ${*:2}: exit $status, not $want: $(head -c 600 "$work/out")"
  elif ! grep -qF -- "$text" "$work/out"; then
    fail "$(basename "$1") ${*:2}: no \"$text\" in: $(head -c 600 "$work/out")"
  fi
}

# server_port NAME CMD...: starts a server with --port 0, waits for its "listening on
# ADDR:PORT" line and sets $port to the port it names.
server_port() {
  local name=$1
  shift
  spawn "$name" "$@"
  port=$(wait_for_port "$spawned_pid" " listening on " "$work/$name.out" "$work/$name.err") && [ "$port" -ne 0 ]
}

"$token" keygen --out "$work/server.key" >/dev/null || { echo "FAIL: keygen" >&2; exit 1; }
head -c 31 /dev/urandom >"$work/short.key"
mkdir "$work/a-directory"
key=$work/server.key
missing=$work/missing.key
gone=$work/no-such-dir/file

# --help is success everywhere.
for tool in "$token" "$netsim" "$bench" "$replay" "$arena_server" "$arena_client" "$echo_server" "$echo_client"; do
  expect 0 "Exit status: 0 done" "$tool" --help
done

# tickwire-token
expect 2 "subcommand" "$token"
# expect_issue TEXT OPTION VALUE: tickwire-token issue with every option right but OPTION,
# given VALUE, exits 2 and prints TEXT.
expect_issue() {
  local text=$1 option args=()
  local -A value=([--key]=$key [--player-id]=1 [--server]=127.0.0.1:40000 [--expires-in]=30 [--timeout]=10
                  [--out]=$work/t)
  value[$2]=$3
  for option in --key --player-id --server --expires-in --timeout --out; do args+=("$option" "${value[$option]}"); done
  expect 2 "$text" "$token" issue "${args[@]}"
}
expect_issue "--player-id: 'abc' is not a number" --player-id abc
expect_issue "--expires-in: '0' is out of range: must be 1..86400" --expires-in 0
expect_issue "--server '127.0.0.1:70000': the port '70000' is out of range: a port is 0..65535" --server 127.0.0.1:70000
expect_issue "--key: cannot read key file '$missing': No such file or directory" --key "$missing"
expect_issue "--key: cannot read key file '$work/a-directory': Is a directory" --key "$work/a-directory"
if [ "$(id -u)" != 0 ]; then  # root reads files whatever their mode
  cp "$key" "$work/locked.key" && chmod 000 "$work/locked.key"
  expect_issue "'$work/locked.key': Permission denied" --key "$work/locked.key"
fi
expect_issue "exactly 32 bytes" --key "$work/short.key"
expect_issue "--out: cannot write '$gone': No such file or directory" --out "$gone"
expect 2 "already exists" "$token" keygen --out "$key"
expect 2 "cannot read token file '$work/missing.token': No such file or directory" "$token" show "$work/missing.token"
expect 2 "is not a connect token" "$token" show "$work/short.key"

# tickwire-netsim
expect 2 "--listen: '70000' is out of range: a port is 0..65535" "$netsim" --listen 70000 --forward 127.0.0.1:1
expect 2 "--latency: 'fast' is not a number" "$netsim" --listen 0 --forward 127.0.0.1:1 --latency fast
expect 2 "--jitter must be <= --latency" "$netsim" --listen 0 --forward 127.0.0.1:1 --latency 10 --jitter 20
expect 2 "--loss: '150' is out of range: must be 0..100" "$netsim" --listen 0 --forward 127.0.0.1:1 --loss 150
expect 2 "--forward 'nowhere': expected HOST:PORT" "$netsim" --listen 0 --forward nowhere
expect 2 "--listen is required" "$netsim" --forward 127.0.0.1:1

# tickwire-bench
expect 2 "subcommand" "$bench"
expect 2 "--seconds: 'x' is not a number" "$bench" transport --seconds x
expect 2 "--bots: '0' is out of range: must be 1..4000" "$bench" arena --bots 0
expect 2 "--cubes: cannot read '$work/missing.bin': No such file or directory" "$bench" snapshot --cubes "$work/missing.bin"

# tickwire-replay
expect 2 "cannot read '$work/missing.twr': No such file or directory" "$replay" info "$work/missing.twr"
expect 2 "cannot read '$work/a-directory': Is a directory" "$replay" verify "$work/a-directory"
expect 2 "--port: '70000' is out of range: a port is 0..65535" "$replay" play "$work/missing.twr" --port 70000 --key "$key"
expect 2 "--speed: 'slow' is not a number" "$replay" play "$work/missing.twr" --port 0 --key "$key" --speed slow
expect 2 "--out: cannot write '$gone': No such file or directory" "$replay" render "$work/missing.twr" --out "$gone"
expect 2 "--key: cannot read key file '$missing': No such file or directory" \
  "$replay" capture --server 127.0.0.1:1 --key "$missing" --out "$work/c.twr"

# arena-server
expect 2 "--port: '70000' is out of range: a port is 0..65535" "$arena_server" --port 70000 --key "$key"
expect 2 "--port: 'abc' is not a number" "$arena_server" --port abc --key "$key"
expect 2 "--tick-rate: '1.5' is not a whole number" "$arena_server" --port 0 --key "$key" --tick-rate 1.5
expect 2 "--key: cannot read key file '$missing': No such file or directory" "$arena_server" --port 0 --key "$missing"
expect 2 "Is a directory" "$arena_server" --port 0 --key "$work/a-directory"
expect 2 "exactly 32 bytes" "$arena_server" --port 0 --key "$work/short.key"
expect 2 "--bind '127.0.0.1:5': give an address without a port" "$arena_server" --port 0 --key "$key" --bind 127.0.0.1:5
expect 2 "--record: cannot write '$gone': No such file or directory" "$arena_server" --port 0 --key "$key" --record "$gone"

# arena-client: what cannot work is refused before the run.
expect 2 "--bots: 'many' is not a number" "$arena_client" --server 127.0.0.1:1 --key "$key" --bots many
expect 2 "--server '127.0.0.1:99999': the port '99999' is out of range" "$arena_client" --server 127.0.0.1:99999 --key "$key"
expect 2 "--key: cannot read key file '$missing': No such file or directory" "$arena_client" --server 127.0.0.1:1 --key "$missing"
expect 2 "--token: cannot read token file '$work/missing.token': No such file or directory" \
  "$arena_client" --server 127.0.0.1:1 --token "$work/missing.token"
expect 2 "--screenshot: cannot write '$gone': No such file or directory" \
  "$arena_client" --server 127.0.0.1:1 --key "$key" --screenshot "$gone"
expect 2 "--view needs a display" env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER \
  "$arena_client" --server 127.0.0.1:1 --key "$key" --view

# echo-server and echo-client
expect 2 "--port: '-1' is out of range: a port is 0..65535" "$echo_server" --port -1 --key "$key"
expect 2 "--key: cannot read key file '$missing': No such file or directory" "$echo_server" --port 0 --key "$missing"
expect 2 "--bind 'nowhere.invalid': not an IPv4 address" "$echo_server" --port 0 --key "$key" --bind nowhere.invalid
expect 2 "--count: 'ten' is not a number" "$echo_client" --server 127.0.0.1:1 --token "$work/t" --count ten --size 64
expect 2 "--token: cannot read token file '$work/missing.token': No such file or directory" \
  "$echo_client" --server 127.0.0.1:1 --token "$work/missing.token" --count 1 --size 64

# echo-server on a port of the system's choosing, bound to loopback only; a client reaches it.
if server_port echo "$echo_server" --port 0 --bind 127.0.0.1 --key "$key"; then
  grep -q "^echo-server listening on 127.0.0.1:$port$" "$work/echo.out" || fail "echo-server: $(cat "$work/echo.out")"
  "$token" issue --key "$key" --player-id 1 --server "127.0.0.1:$port" --expires-in 60 --timeout 10 \
    --out "$work/echo.token" >/dev/null
  expect 0 "echoed 5 of 5" "$echo_client" --server "127.0.0.1:$port" --token "$work/echo.token" --count 5 --size 64
else
  fail "echo-server --port 0 did not name its port: $(cat "$work/echo.out" "$work/echo.err")"
fi

# arena-server on a port of the system's choosing with room for one player: of two bots one
# joins, and the summary says why the other never did (exit 1: not every bot played).
if server_port arena "$arena_server" --port 0 --bind 127.0.0.1 --key "$key" --max-players 1 --spectators 0; then
  expect 1 "never joined: 1 bots: " "$arena_client" --server "127.0.0.1:$port" --key "$key" --bots 2 --seconds 3
  grep -q "1 connected" "$work/out" || fail "arena-client: one bot should have joined: $(cat "$work/out")"
else
  fail "arena-server --port 0 did not name its port: $(cat "$work/arena.err")"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failures" >&2
  exit 1
fi
echo "command lines: ok"
