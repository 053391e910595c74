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
replay=$build/tools/tickwire-replay
# shellcheck source=../tests/integration/lib.sh
source "$here/tests/integration/lib.sh"
require_programs gallery "$token_tool" "$server_bin" "$client_bin" "$replay"
mkdir -p "$out"

lib_init gallery
fail_prefix="gallery: "
fail_logs=(server.err)
fail_lines=0

"$token_tool" keygen --out "$work/server.key" >/dev/null
start_server server "listening on " "$server_bin" --port 0 --key "$work/server.key" --record "$work/match.twr"

"$client_bin" --server "127.0.0.1:$port" --key "$work/server.key" --bots 6 --seconds 8 --ghost \
  --width 960 --height 600 --screenshot "$out/viewer.png" >"$work/client.out" 2>&1 ||
  fail "arena-client failed: $(cat "$work/client.out")"
status=0
stop_process "$server_pid" TERM 30 || status=$?
[ "$status" -eq 0 ] || fail "arena-server exited $status after SIGTERM"

"$replay" render "$work/match.twr" --out "$out/replay.png" --width 900 --height 800 >/dev/null ||
  fail "tickwire-replay render failed"
for picture in viewer.png replay.png; do
  [ "$(head -c 8 "$out/$picture" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "$out/$picture is not a PNG"
  echo "gallery: $out/$picture ($(wc -c <"$out/$picture") bytes)"
done
