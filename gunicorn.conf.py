"""Production server settings: `gunicorn wsgi:app` reads this file from the working folder.

Access logs record the method, the path WITHOUT its query string, status, size and time:
what visitors search for never reaches a log file.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
keepalive = 5
preload_app = False  # each worker opens the shared index itself
# No control socket in $HOME: nothing here uses it, and two instances on one host would
# fight over the same path.
control_socket_disable = True

accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
# %(U)s is the path alone; never %(r)s, %(q)s or %(u)s (request line, query, user).
# %(t)s brings its own brackets.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
