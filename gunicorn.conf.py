"""gunicorn settings; every value can be overridden from the environment."""

import gc
import os

from plumbing.server_errors import answer_in_json

# Requests gunicorn itself refuses (over-long request lines, oversized headers, malformed HTTP)
# get the service's JSON error shape too.
answer_in_json()


def whole_number(name: str, default: int) -> int:
    """A setting of at least 1 from the environment: gunicorn takes 0 workers (it then answers
    nobody) and a timeout of 0 (it then never replaces a hung worker)."""
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Threads overlap MongoDB round-trips; processes use the cores. Measured on the real mongod with
# the load on the same 2 cores (12-lead uploads and insight reads at concurrency 8, six servers
# side by side, medians of four rounds; see the README's Performance): 2x2 gave the most uploads
# (116/s, p99 140 ms) at the least CPU per upload (9.9 ms); 4x2 115/s (p99 168), 3x4 111/s,
# 2x4 107/s, 3x2 105/s, 2x8 101/s: more threads per worker spend more CPU on the GIL, and more
# workers than cores only queue. Reads were alike (251-272/s). Scale workers with cores.
worker_class = "gthread"
workers = whole_number("WEB_CONCURRENCY", 2)
threads = whole_number("GUNICORN_THREADS", 2)
timeout = whole_number("GUNICORN_TIMEOUT", 60)
graceful_timeout = 20
# No preload: each worker builds the app, and with it its own MongoClient, after the fork.
preload_app = False
# The control socket (gunicorn 27) is unused here and its default path would be shared by
# every server on the machine.
control_socket_disable = True
# The app logs each request as one JSON line (plumbing/request_log.py); gunicorn's own access
# log would repeat it in another format.
accesslog = None
errorlog = "-"


def post_worker_init(worker):
    """Move what the worker built at start-up (about 140 000 objects: modules, models, the app)
    out of the garbage collector's reach. A full collection walked them all, stalling a worker
    for about 115 ms under load; requests' own garbage is collected as before."""
    gc.freeze()
