"""Run the site's server on a loopback port the kernel picks, for as long as a `with` block.

Shared by `make bench`, `make loadtest` and the privacy test, which all need the real server:
start it on a loopback port no other program can take, read the port from its own log, wait
until a worker answers `/healthz`, and stop it afterwards, whatever happened meanwhile.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import runpy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Production: gunicorn.conf.py. It logs "Listening at: http://…:port".
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
# Flask's threaded development server. It logs "Running on http://…:port".
DEV = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", "0"]
# The writer's preview (development server, drafts shown); PORT=0 lets the kernel pick.
PREVIEW = [sys.executable, "-m", "flask", "--app", "wsgi", "content", "preview"]
LISTENING = re.compile(r"(?:Listening at:|Running on) http://127\.0\.0\.1:(\d+)")


@contextlib.contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, timeout: float = 60
) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run `command` with `env` (gunicorn also gets BIND), its output going to `log`; yield
    (port, process) once a worker answers, and terminate it at the end."""
    with contextlib.ExitStack() as stack:
        port = 0  # the kernel picks one, and the server's log says which
        if command[: len(GUNICORN)] == GUNICORN and _own_sockets(env):
            port = stack.enter_context(held_port())
        with log.open("wb") as output:
            server = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + timeout
            while not (found := LISTENING.search(log.read_text(errors="replace"))):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start:\n" + log.read_text())
                time.sleep(0.05)
            port = int(found.group(1))
            while healthz(port) != 200:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("no worker answered /healthz:\n" + log.read_text())
                time.sleep(0.05)
            yield port, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _own_sockets(env: dict[str, str]) -> bool:
    # gunicorn.conf.py's own rule: whether its workers will each listen on the port.
    rule = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["own_sockets"]
    return rule(["127.0.0.1:1"], env)


@contextlib.contextmanager
def held_port() -> Iterator[int]:
    """Yield a free loopback port that no other program can take until the block ends.

    gunicorn.conf.py gives each worker a listening socket of its own, which needs a real port
    (on port 0 each would get a different one). A socket bound with SO_REUSEPORT, as the
    workers' are, that never listens keeps the port for them and takes none of its
    connections: no other program can bind it between choosing and starting.
    """
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def healthz(port: int) -> int:
    """Return the status of GET /healthz, or 0 when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()
