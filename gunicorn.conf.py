"""Production server settings: `gunicorn wsgi:app` reads this file from the working folder.

Access logs record the method, the path WITHOUT its query string, status, size and time:
what visitors search for never reaches a log file. Both logs also go through
`webapp.web.privacy.ServerLog`, which cuts request lines in error messages to their paths.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
# One process per core, each answering with a few threads: every process holds its own copy
# of the open index, so fewer processes is less memory, and the threads keep both cores busy
# while one request waits. Measured against the alternatives in docs/performance.md
# ("Worker models"). The site is thread-safe: the development server is threaded too.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 10
keepalive = 5
preload_app = False  # each worker opens the shared index itself
# No control socket in $HOME: nothing here uses it, and two instances on one host would
# fight over the same path.
control_socket_disable = True

# No client decides where the site is mounted or what its address is: by default gunicorn
# believes SCRIPT_NAME and X-Forwarded-* headers from 127.0.0.1, so anyone who can reach the
# port directly could make every link on a page point at another host. A mount point comes
# from the SCRIPT_NAME environment variable at start-up; a proxy that sets X-Forwarded-Proto
# is named in FORWARDED_ALLOW_IPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
forwarder_headers = ""

# The longest request line a search can make: the box takes 200 characters, each at most 12
# bytes once percent-encoded, plus the path, page and version. Longer lines get gunicorn's
# own bare 414, which a front proxy should replace with a page of its own (docs/security.md).
limit_request_line = 2600


def post_worker_init(worker):
    """Open and warm the index before this worker takes its first request, so that the
    first visitors after a restart or a deploy do not wait for it."""
    from webapp.web import live

    live.warm_up(worker.wsgi)


logger_class = "webapp.web.privacy.ServerLog"
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
# %(U)s is the path alone; never %(r)s, %(q)s or %(u)s (request line, query, user).
# %(t)s brings its own brackets.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
