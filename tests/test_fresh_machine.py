"""The README's two commands on a machine without chromium, Java, npm or nginx.

Each test runs `make` with a PATH of its own, a folder holding only the tools the step may
use, so whatever else this machine has installed is out of sight. `apt-get` and `id` there
are stand-ins: apt-get records what it was asked and "installs" a stub of each program, so
no test ever installs anything for real.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

ALL_MISSING = (
    "install -y --no-install-recommends chromium fonts-dejavu-core default-jre-headless npm nginx"
)
SERVE_TIMEOUT = 90


def real_tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"these tests need {name} on PATH"
    return path


def write_script(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


def tools_folder(tmp_path: Path, *names: str) -> Path:
    """Return a folder of links to just these real tools, to be a whole PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(real_tool(name))
    return folder


class Machine:
    """A PATH with make and sh, a stand-in `id`, and optionally a stand-in `apt-get`."""

    def __init__(self, tmp_path: Path, *, uid: int = 0, apt: bool = True, apt_works=True):
        self.bin = tools_folder(tmp_path, "make", "sh")
        self.apt_log = tmp_path / "apt-get.log"
        write_script(self.bin / "id", f"#!/bin/sh\necho {uid}\n")
        if apt:
            write_script(self.bin / "apt-get", self._apt_get(installs=apt_works))

    def _apt_get(self, *, installs: bool) -> str:
        chmod = real_tool("chmod")
        stub = f'printf "#!/bin/sh\\n" > "{self.bin}/$1"; {chmod} +x "{self.bin}/$1"'
        lines = [
            "#!/bin/sh",
            f'echo "$DEBIAN_FRONTEND $*" >> "{self.apt_log}"',
            f"give() {{ {stub}; }}",
            'for word in "$@"; do case "$word" in',
            "  chromium) give chromium;; default-jre-headless) give java;;",
            "  npm) give npm;; nginx) give nginx;;",
            "esac; done",
        ]
        return "\n".join(lines if installs else lines[:2]) + "\n"

    def has(self, *programs: str) -> None:
        for program in programs:
            write_script(self.bin / program, "#!/bin/sh\n")

    def make(self, *targets: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / "make"), "--no-print-directory", *targets],
            cwd=ROOT,
            env={"PATH": str(self.bin)},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def apt_calls(self) -> list[str]:
        if not self.apt_log.exists():
            return []
        return self.apt_log.read_text(encoding="utf-8").splitlines()


def test_make_deps_as_root_on_debian_installs_chromium_java_and_npm(tmp_path):
    machine = Machine(tmp_path)

    result = machine.make("deps")

    assert result.returncode == 0, result.stderr
    assert machine.apt_calls() == ["noninteractive update", f"noninteractive {ALL_MISSING}"]
    assert "make test needs chromium java npm nginx" in result.stdout


def test_make_deps_installs_only_what_is_missing(tmp_path):
    machine = Machine(tmp_path)
    machine.has("chromium", "npm", "nginx")

    result = machine.make("deps")

    assert result.returncode == 0, result.stderr
    assert machine.apt_calls() == [
        "noninteractive update",
        "noninteractive install -y --no-install-recommends default-jre-headless",
    ]


def test_make_deps_does_nothing_when_all_are_there(tmp_path):
    machine = Machine(tmp_path)
    machine.has("chromium", "java", "npm", "nginx")

    result = machine.make("deps")

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert machine.apt_calls() == []


def test_make_deps_not_as_root_stops_with_the_command_to_run(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    machine.has("chromium")

    result = machine.make("deps")

    assert result.returncode != 0
    assert machine.apt_calls() == []
    assert "make test needs java npm nginx, which this machine lacks" in result.stderr
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        "default-jre-headless npm nginx"
    ) in result.stderr


def test_make_deps_without_apt_get_names_what_to_install(tmp_path):
    machine = Machine(tmp_path, apt=False)

    result = machine.make("deps")

    assert result.returncode != 0
    assert "make test needs chromium java npm nginx, which this machine lacks" in result.stderr
    assert "Java 17 or newer" in result.stderr


def test_make_deps_says_so_when_apt_get_did_not_bring_a_program(tmp_path):
    machine = Machine(tmp_path, apt_works=False)

    result = machine.make("deps")

    assert result.returncode != 0
    assert "chromium is still not on PATH" in result.stderr


def test_make_test_runs_deps_first(tmp_path):
    machine = Machine(tmp_path, uid=1000)

    result = machine.make("test")

    assert result.returncode != 0
    assert "sudo apt-get update" in result.stderr
    assert "pytest" not in result.stdout


def site_copy(tmp_path: Path) -> Path:
    """Return a copy of what `make run` reads, with a virtualenv `make` takes as installed.

    The virtualenv's programs are this test run's own, so nothing is downloaded.
    """
    site = tmp_path / "site"
    site.mkdir()
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json", "wsgi.py"):
        shutil.copy2(ROOT / name, site / name)
    skip = shutil.ignore_patterns("__pycache__")
    for name in ("webapp", "content"):
        shutil.copytree(ROOT / name, site / name, ignore=skip)
    venv = site / ".venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.prefix) / "bin")
    (venv / ".installed").touch()
    return site


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_page(url: str, server: subprocess.Popen, log: Path) -> bytes:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"make run stopped:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"make run served nothing within {SERVE_TIMEOUT} s:\n{log.read_text('utf-8')}")


def stop(server: subprocess.Popen) -> None:
    """End make and the server it started (its whole process group)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass  # make stopped by itself, and the server with it
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_make_run_serves_the_site_with_only_python(tmp_path):
    site = site_copy(tmp_path)
    path = tools_folder(tmp_path, "make", "sh")
    port = free_port()
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(path / "make"), "run", f"PORT={port}"],
            cwd=site,
            env={"PATH": str(path), "LANG": "C.UTF-8"},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        home = wait_for_page(f"http://127.0.0.1:{port}/", server, log).decode()
        htmx = (site / "webapp" / "static" / "vendor" / "htmx.min.js").read_bytes()
        fingerprint = hashlib.sha256(htmx).hexdigest()[:12]
        assert f"/static/vendor/htmx.min.js?v={fingerprint}" in home
        served = wait_for_page(
            f"http://127.0.0.1:{port}/static/vendor/htmx.min.js?v={fingerprint}", server, log
        )
        assert served == htmx
    finally:
        stop(server)
    assert not (site / "node_modules").exists()
