"""Production server settings: `gunicorn wsgi:app` reads this file from the working folder.

Access logs record the method, the path WITHOUT its query string, status, size and time:
what visitors search for never reaches a log file. Both logs also go through
`webapp.web.privacy.ServerLog`, which cuts request lines in error messages to their paths.
"""

import multiprocessing
import os
import socket
import sys

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


def on_starting(server):
    """Give each worker a listening socket of its own where that loses nothing.

    On one shared socket, a gthread worker that is awake takes a whole burst of new
    connections while the others sleep, and serves them alone on one core
    (docs/performance.md, "Memory and worker models"). With SO_REUSEPORT each worker listens
    itself and the kernel shares connections out; but the connections still queued on a
    worker's socket when it stops (a reload, a restart) are reset, unless the kernel hands
    them to the other workers (net.ipv4.tcp_migrate_req, set by deploy/sysctl). So: only then,
    or when REUSE_PORT=1 says so, and never for a unix socket, sockets from systemd or port 0.
    """
    own = own_sockets(server.cfg.bind, os.environ)
    for address in server.cfg.bind if own else ():
        if someone_listens(address):
            # Sockets that all ask for SO_REUSEPORT may share a port: a second instance
            # started on this one's address would quietly take half its visitors.
            raise RuntimeError(
                f"something is already listening at {address}: stop it, or choose another "
                "address with BIND or PORT"
            )
    server.socket_per_worker = own
    server.cfg.set("reuse_port", own)


def on_reload(server):
    """Keep the way the workers listen for the master's life: a reload (HUP) reads this file
    again, and workers of the other way would find no socket open for them, or leave the
    master's unanswered."""
    server.cfg.set("reuse_port", server.socket_per_worker)


def when_ready(server):
    """Say how the workers listen: with a socket each, gunicorn's own line names none."""
    if server.cfg.reuse_port:
        for address in server.cfg.bind:
            server.log.info("Listening at: http://%s (a socket per worker)", address)
    elif own_sockets(server.cfg.bind, {**os.environ, "REUSE_PORT": "1"}):
        server.log.info(
            "The workers share one socket, as net.ipv4.tcp_migrate_req is not 1: "
            "deploy/sysctl/90-webapp.conf sets it, and each worker then gets its own"
        )


MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def own_sockets(addresses, environ, migrate_req=MIGRATE_REQ):
    """Say whether each worker should listen on a socket of its own at these addresses."""
    wanted = environ.get("REUSE_PORT", "auto")
    if wanted == "0" or not sys.platform.startswith("linux"):
        return False
    if not hasattr(socket, "SO_REUSEPORT") or "LISTEN_FDS" in environ:
        return False
    if not addresses or not all(_port(address) for address in addresses):
        return False
    if wanted == "1":
        return True
    try:
        with open(migrate_req, encoding="ascii") as setting:
            return setting.read().strip() == "1"
    except OSError:
        return False


def someone_listens(address):
    """Say whether a server answers a connection to the address (loopback for 0.0.0.0)."""
    host = address.rpartition(":")[0].strip("[]")
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        socket.create_connection((host, _port(address)), timeout=2).close()
    except OSError:
        return False
    return True


def _port(address):
    """Return the TCP port of a bind address; 0 for port 0, a unix socket or systemd's."""
    if address.startswith(("unix:", "fd://")):
        return 0
    port = address.rpartition(":")[2]
    return int(port) if port.isdigit() else 0


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
