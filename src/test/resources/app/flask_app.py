"""A tiny Flask app for the process-tree tests (run under gunicorn: a master and its workers)."""
from flask import Flask

app = Flask(__name__)


@app.route("/health")
def health():
    return "ok"
