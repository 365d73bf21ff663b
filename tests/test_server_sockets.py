"""How the production server's workers listen (gunicorn.conf.py): a socket each where the
kernel hands on what is queued on a stopping worker's, one shared socket otherwise."""

from __future__ import annotations

import http.client
import os
import runpy
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, SAMPLE_CONTENT

sys.path.insert(0, str(ROOT / "scripts"))
from serving import GUNICORN, serving

CONFIG = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
own_sockets = CONFIG["own_sockets"]


@pytest.fixture
def migrate_req(tmp_path):
    """Return a stand-in for /proc/sys/net/ipv4/tcp_migrate_req, holding what it is given."""

    def setting(value: str):
        path = tmp_path / "tcp_migrate_req"
        path.write_text(value + "\n", encoding="ascii")
        return str(path)

    return setting


def test_workers_listen_each_on_their_own_only_where_the_kernel_hands_queued_connections_on(
    migrate_req,
):
    address = ["127.0.0.1:8001"]
    assert own_sockets(address, {}, migrate_req("1"))
    # Without it, a stopping worker's socket would reset the connections queued on it.
    assert not own_sockets(address, {}, migrate_req("0"))
    assert not own_sockets(address, {}, "/no/such/setting")
    assert own_sockets(address, {"REUSE_PORT": "1"}, migrate_req("0"))
    assert not own_sockets(address, {"REUSE_PORT": "0"}, migrate_req("1"))


@pytest.mark.parametrize(
    "address", ["unix:/run/webapp.sock", "fd://3", "127.0.0.1:0", "127.0.0.1", "[::1]"]
)
def test_unix_sockets_handed_over_sockets_and_port_0_are_always_shared(migrate_req, address):
    assert not own_sockets([address], {"REUSE_PORT": "1"}, migrate_req("1"))


def test_sockets_from_systemd_are_always_shared(migrate_req):
    assert not own_sockets(["127.0.0.1:8001"], {"LISTEN_FDS": "1"}, migrate_req("1"))
    assert own_sockets(["[::1]:8001", "0.0.0.0:8002"], {}, migrate_req("1"))


def listening_sockets(port: int) -> int:
    """Count the sockets listening on a loopback TCP port, from the kernel's own table."""
    local = f"0100007F:{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[1] == local and row[3] == "0A")


def answers(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def environment(tmp_path, sample_index):
    return {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "ACCESS_LOG": str(tmp_path / "access.log"),
        "FLASK_CONTENT_DIR": str(SAMPLE_CONTENT),
        "FLASK_INDEX_DIR": str(sample_index),
    }


def test_with_a_socket_per_worker_both_listen_and_a_second_server_is_refused(environment, tmp_path):
    env = {**environment, "REUSE_PORT": "1"}
    with serving([*GUNICORN, "wsgi:app"], env, tmp_path / "server.log") as (port, _):
        log = (tmp_path / "server.log").read_text()
        assert f"Listening at: http://127.0.0.1:{port} (a socket per worker)" in log
        for _ in range(60):  # the second worker may still be opening the index
            if listening_sockets(port) == 2:
                break
            answers(port)
        assert listening_sockets(port) == 2
        assert all(answers(port) == 200 for _ in range(20))
        second = subprocess.run(
            [*GUNICORN, "wsgi:app"],
            env={**env, "BIND": f"127.0.0.1:{port}"},
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"something is already listening at 127.0.0.1:{port}" in second.stderr


def test_with_one_shared_socket_the_workers_take_turns_on_it(environment, tmp_path):
    env = {**environment, "REUSE_PORT": "0"}
    with serving([*GUNICORN, "wsgi:app"], env, tmp_path / "server.log") as (port, _):
        assert listening_sockets(port) == 1
        assert all(answers(port) == 200 for _ in range(20))


@pytest.mark.parametrize(("reuse_port", "sockets"), [("1", 2), ("0", 1)])
def test_a_reload_keeps_the_workers_listening_as_before(environment, tmp_path, reuse_port, sockets):
    # systemd's `reload` sends HUP: gunicorn reads its config again and starts new workers.
    env = {**environment, "REUSE_PORT": reuse_port}
    log = tmp_path / "server.log"
    with serving([*GUNICORN, "wsgi:app"], env, log) as (port, server):
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while log.read_text().count("Worker exiting") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.read_text().count("Booting worker") == 4
        assert listening_sockets(port) == sockets
        assert all(answers(port) == 200 for _ in range(20))
