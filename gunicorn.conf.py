"""gunicorn settings; every value can be overridden from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Threads overlap MongoDB round-trips while numpy work releases the GIL; processes use the cores.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# No preload: each worker builds the app, and with it its own MongoClient, after the fork.
preload_app = False
# The control socket (gunicorn 27) is unused here and its default path would be shared by
# every server on the machine.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
