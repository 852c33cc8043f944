"""A Flask app that leaks per request, for the attribution tests (run under gunicorn, one worker).

  POST /api/chat       keeps CHAT_KIB KiB (default 512) for good, like a chat engine keeping
                       every conversation
  POST /api/upload     keeps half of that
  GET  /api/items/<n>  keeps nothing
  GET  /api/health     keeps nothing
  GET  /api/memory-status  {"process": {"rss_mb": resident MiB from /proc/self/status}}
"""
import os

from flask import Flask, jsonify

app = Flask(__name__)
CHAT_BYTES = int(os.environ.get("CHAT_KIB", "512")) * 1024
kept = []


def keep(n):
    kept.append(bytearray(n))  # zero-filled with memset, so resident; no temporary copy to free


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


@app.post("/api/chat")
def chat():
    keep(CHAT_BYTES)
    return "ok"


@app.post("/api/upload")
def upload():
    keep(CHAT_BYTES // 2)
    return "ok"


@app.get("/api/items/<int:n>")
def items(n):
    return jsonify({"id": n, "name": "item %d" % n})


@app.get("/api/health")
def health():
    return "ok"


@app.get("/api/memory-status")
def memory_status():
    return jsonify({"process": {"rss_mb": rss_mib(), "kept": len(kept)}})
