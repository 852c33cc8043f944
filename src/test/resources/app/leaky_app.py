"""A small leaky HTTP app for Vigil's supervisor tests (standard library only).

Port: $PORT, or --port N. Paths:
  /health      200 "ok" (503 when NEVER_HEALTHY=1)
  /leak?mb=N   keeps N more MiB (touched, so it is resident) and answers the total
  /info        JSON: pid, PORT, argv, held MiB, slow requests in progress
  /crash?code=N  exits at once with code N (default 3)
  /slow?ms=N   answers after N ms (GET and POST; a POST body is read first)
Environment: IGNORE_TERM=1 ignores SIGTERM; EXIT_AT_START=N exits with N before listening.
"""
import http.server
import json
import os
import signal
import sys
import time
import urllib.parse

if os.environ.get("EXIT_AT_START"):
    sys.exit(int(os.environ["EXIT_AT_START"]))
if os.environ.get("IGNORE_TERM") == "1":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

port = int(os.environ["PORT"])
if "--port" in sys.argv:
    port = int(sys.argv[sys.argv.index("--port") + 1])
held = []
slow_now = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/health":
            self.answer(503 if os.environ.get("NEVER_HEALTHY") == "1" else 200, "ok")
        elif url.path == "/leak":
            mb = int(q.get("mb", ["1"])[0])
            for _ in range(mb):
                held.append(bytearray(b"x" * (1 << 20)))
            self.answer(200, str(len(held)))
        elif url.path == "/info":
            self.answer(200, json.dumps({"pid": os.getpid(), "PORT": os.environ.get("PORT"),
                                         "argv": sys.argv[1:], "held_mib": len(held),
                                         "slow_in_progress": slow_now[0]}))
        elif url.path == "/crash":
            os._exit(int(q.get("code", ["3"])[0]))
        elif url.path == "/slow":
            slow_now[0] += 1
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000.0)
            slow_now[0] -= 1
            self.answer(200, "slow " + str(os.getpid()))
        else:
            self.answer(200, "hello " + str(os.getpid()))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.do_GET()


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
