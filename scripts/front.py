"""Run the site as deployed, on loopback: nginx with the shipped configuration in front of
two gunicorn instances on one index, for as long as a `with` block.

Shared by the deployment test and `make loadtest --through-proxy`. nginx runs in the
foreground from a top-level configuration written into a temporary folder (pid, logs,
cache and temporary files all there) that includes deploy/nginx/webapp-http.conf and
deploy/nginx/webapp-locations.conf as they are shipped; only the listening address, the
upstream ports and the folders differ from deploy/nginx/webapp.conf.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from serving import GUNICORN, serving

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_program() -> str:
    """Return the path of nginx; Debian installs it in /usr/sbin, outside most users' PATH."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise RuntimeError("nginx is not installed: `make deps` installs it (Debian's nginx)")
    return found


def nginx_config(folder: Path, port: int, upstream_ports: list[int], workers: int = 1) -> str:
    """Return a top-level nginx.conf serving the shipped locations on 127.0.0.1:port."""
    servers = "".join(f"        server 127.0.0.1:{p};\n" for p in upstream_ports)
    temp = "".join(f"    {name}_temp_path {folder / name};\n" for name in TEMP_PATHS)
    # As root, workers would otherwise switch to "nobody", who cannot enter a test's
    # private temporary folder; as anyone else the directive does not apply.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} error;
events {{
    worker_connections 512;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}    include {NGINX_DIR / "webapp-http.conf"};
    upstream webapp {{
{servers}    }}
    proxy_cache_path {folder / "cache"} levels=1:2 keys_zone=webapp:1m max_size=64m
                     use_temp_path=off;
    access_log {folder / "access.log"} webapp_private;
    server {{
        listen 127.0.0.1:{port};
        set $webapp_root {ROOT};
        include {NGINX_DIR / "webapp-locations.conf"};
    }}
}}
"""


def free_port() -> int:
    """Return a loopback port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def nginx(
    folder: Path, upstream_ports: list[int], workers: int = 1, timeout: float = 30
) -> Iterator[int]:
    """Run nginx in the foreground with the shipped locations; yield its port, stop it after."""
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(5):
        port = free_port()
        config = folder / "nginx.conf"
        config.write_text(nginx_config(folder, port, upstream_ports, workers), "utf-8")
        output = folder / "nginx.out"
        with output.open("wb") as log:
            command = [nginx_program(), "-p", str(folder), "-c", str(config), "-g", "daemon off;"]
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            if _answers(port, server, timeout):
                yield port
                return
            problem = output.read_text(errors="replace") + _read(folder / "error.log")
            if "Address already in use" not in problem or attempt == 4:
                raise RuntimeError("nginx did not start:\n" + problem)
        finally:
            server.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _answers(port: int, server: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def instances(env: dict[str, str], folder: Path, count: int = 2) -> Iterator[list[tuple]]:
    """Run `count` gunicorn instances (gunicorn.conf.py) on one index, each with its own
    logs in `folder`; yield [(port, process), ...] once all answer."""
    with contextlib.ExitStack() as stack:
        started = []
        for number in range(1, count + 1):
            own = {**env, "ACCESS_LOG": str(folder / f"access-{number}.log")}
            log = folder / f"gunicorn-{number}.log"
            started.append(stack.enter_context(serving([*GUNICORN, "wsgi:app"], own, log)))
        yield started


def get(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> http.client.HTTPResponse:
    """Send one request to 127.0.0.1:port; return the response with its body read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()
        return response
    finally:
        connection.close()
