"""A tiny Flask app for the process-tree and recycle tests (run under gunicorn: a master and its workers)."""
from flask import Flask, request

app = Flask(__name__)
kept = []


@app.route("/health")
def health():
    return "ok"


@app.route("/leak")
def leak():
    """Keeps mb MiB in this worker for good (zero-filled, so resident)."""
    kept.append(bytearray(int(request.args.get("mb", "1")) << 20))
    return "kept %d\n" % len(kept)
