#!/bin/sh
# Container entrypoint of arena-server under Agones. Players' connect tokens must name the
# address they reach this server at: the node's address and the host port Agones gave the
# "game" port, which only the SDK sidecar knows. Ask it (GET /gameserver, retried while
# the sidecar starts), then run arena-server with that address and --agones.
# Extra arguments are passed on to arena-server.
set -eu
sdk_port=${AGONES_SDK_HTTP_PORT:-9358}
container_port=${ARENA_CONTAINER_PORT:-7777}
server_bin=${ARENA_SERVER:-/opt/tickwire/samples/arena/arena-server}
key_file=${ARENA_KEY:-/etc/tickwire/fleet.key}
address="" host_port=""
for _ in $(seq 60); do
  if gameserver=$(curl -sf --max-time 2 "http://127.0.0.1:$sdk_port/gameserver"); then
    address=$(printf '%s' "$gameserver" | jq -r '.status.address // empty')
    host_port=$(printf '%s' "$gameserver" | jq -r '[.status.ports[]? | select(.name == "game") | .port][0] // empty')
    [ -n "$address" ] && [ -n "$host_port" ] && break
  fi
  sleep 1
done
if [ -z "$address" ] || [ -z "$host_port" ]; then
  echo "arena-entrypoint: the SDK sidecar at 127.0.0.1:$sdk_port did not give this game server's address and port" >&2
  exit 1
fi
echo "arena-entrypoint: players reach this server at $address:$host_port" >&2
exec "$server_bin" --port "$container_port" --public "$address:$host_port" --key "$key_file" --agones "$@"
