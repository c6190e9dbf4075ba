"""gunicorn settings; every value can be overridden from the environment."""

import os

from plumbing.server_errors import answer_in_json

# Requests gunicorn itself refuses (over-long request lines, oversized headers, malformed HTTP)
# get the service's JSON error shape too.
answer_in_json()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Threads overlap MongoDB round-trips; processes use the cores. Measured on 2 cores with the
# database and the load on the same machine (bench/benchmark.py, 12-lead uploads, concurrency 8):
# 2x2 gave the best tail (149 uploads/s, p99 82 ms); 2x4 and 2x8 queued more in each worker
# (120-141/s, p99 108-123 ms); 1x8 was GIL-bound (84/s). Scale workers with cores.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
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
