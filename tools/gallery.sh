#!/usr/bin/env bash
# The pictures in docs/images/, made again from a short match: arena-server on a port of the
# system's choosing records it, 6 bots play it for 8 s, the first bot's client saves what its
# viewer shows (--screenshot), and tickwire-replay draws the recording (render).
#
# Usage: tools/gallery.sh [BUILD_DIR] [OUT_DIR]   (defaults: build, docs/images)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
out=${2:-$here/docs/images}
token_tool=$build/tools/tickwire-token
server_bin=$build/samples/arena/arena-server
client_bin=$build/samples/arena/arena-client
replay=$build/samples/arena/tickwire-replay
for bin in "$token_tool" "$server_bin" "$client_bin" "$replay"; do
  if [ ! -x "$bin" ]; then
    echo "gallery: $bin is missing; build first (tools/dev.sh build)" >&2
    exit 1
  fi
done
mkdir -p "$out"

work=$(mktemp -d -t tickwire-gallery.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
die() {
  echo "gallery: $*" >&2
  [ -s "$work/server.err" ] && sed 's/^/  server: /' "$work/server.err" >&2
  exit 1
}

"$token_tool" keygen --out "$work/server.key" >/dev/null
"$server_bin" --port 0 --key "$work/server.key" --record "$work/match.twr" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^arena-server listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$work/server.err")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || die "arena-server did not say which port it took"

"$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 6 --seconds 8 --ghost \
  --width 960 --height 600 --screenshot "$out/viewer.png" >"$work/client.out" 2>&1 ||
  die "arena-client failed: $(cat "$work/client.out")"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || die "arena-server exited $status after SIGTERM"

"$replay" render "$work/match.twr" --out "$out/replay.png" --width 900 --height 800 >/dev/null ||
  die "tickwire-replay render failed"
for picture in viewer.png replay.png; do
  [ "$(head -c 8 "$out/$picture" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    die "$out/$picture is not a PNG"
  echo "gallery: $out/$picture ($(wc -c <"$out/$picture") bytes)"
done
