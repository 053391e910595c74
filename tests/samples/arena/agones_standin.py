#!/usr/bin/env python3
"""A stand-in for the Agones SDK sidecar's REST interface, for tests.

Implements the endpoints a game server calls (POST /ready, /health, /shutdown, /allocate,
/alpha/player/connect, /alpha/player/disconnect; GET /gameserver) as documented at
https://agones.dev/site/docs/guides/client-sdks/rest/, and appends one line per call to a
log file: "<monotonic seconds> <METHOD> <path> <body>". POST /allocate plays the part of the
allocator: from then on GET /gameserver reports the state Allocated.

Usage: agones_standin.py PORT_FILE CALL_LOG [--hold] [PORT [GAME_PORT]]
Listens on 127.0.0.1:PORT (0 or absent: a port the system picks) and writes the port to
PORT_FILE once listening. GET /gameserver names 127.0.0.1 as the address and, with
GAME_PORT, a port "game" with that number.

With --hold, the port is bound and written to PORT_FILE but not listened on until the
process receives SIGUSR1: until then a connection is refused as if no sidecar were there,
and no other program can take the port meanwhile.
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
hold = "--hold" in args
if hold:
    args.remove("--hold")
port_file, call_log = args[0], args[1]
port = int(args[2]) if len(args) > 2 else 0
game_port = int(args[3]) if len(args) > 3 else 0
lock = threading.Lock()
state = {"state": "Scheduled", "players": set()}


def record(method, path, body):
    with lock, open(call_log, "a") as f:
        f.write("%.3f %s %s %s\n" % (time.monotonic(), method, path, body.replace("\n", " ")))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        record("POST", self.path, body)
        with lock:
            if self.path == "/ready":
                state["state"] = "Ready"
            elif self.path == "/allocate":
                state["state"] = "Allocated"
            elif self.path == "/shutdown":
                state["state"] = "Shutdown"
            elif self.path in ("/alpha/player/connect", "/alpha/player/disconnect"):
                try:
                    player = json.loads(body)["playerID"]
                except (ValueError, KeyError, TypeError):
                    return self.reply(400, {"error": "expected {\"playerID\": ...}"})
                known = player in state["players"]
                if self.path.endswith("connect") and not self.path.endswith("disconnect"):
                    state["players"].add(player)
                    return self.reply(200, {"bool": not known})
                state["players"].discard(player)
                return self.reply(200, {"bool": known})
            elif self.path != "/health":
                return self.reply(404, {"error": "no such endpoint"})
        self.reply(200, {})

    def do_GET(self):
        record("GET", self.path, "")
        if self.path != "/gameserver":
            return self.reply(404, {"error": "no such endpoint"})
        with lock:
            self.reply(200, {"object_meta": {"name": "arena-standin", "namespace": "default"},
                             "status": {"state": state["state"], "address": "127.0.0.1",
                                        "ports": [{"name": "game", "port": game_port}] if game_port else []}})


if hold:
    # Blocked before it can arrive, so a SIGUSR1 sent as soon as the port file exists waits.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
server = ThreadingHTTPServer(("127.0.0.1", port), Handler, bind_and_activate=False)
server.server_bind()
if not hold:
    server.server_activate()
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
if hold:
    signal.sigwait({signal.SIGUSR1})
    server.server_activate()
server.serve_forever()
