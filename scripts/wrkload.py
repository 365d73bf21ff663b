"""Load a served route with wrk, the compiled load generator, for the benchmark's served rows.

wrk keeps its connections open (HTTP/1.1 keep-alive; gunicorn's sync workers still close
theirs after each response, and wrk then reconnects, as a browser would) and uses one thread,
pinned with `taskset` to the last core: on a two-core machine it cannot leave the server both
cores, but it stays off the other one and takes far less CPU than a Python client. A small Lua
script cycles through the route's URLs, continuing where the previous run of that route
stopped, and writes the counts and latency percentiles to a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CONNECTIONS = 16
INSTALL = "apt-get install -y --no-install-recommends wrk"

LUA = r"""
-- Cycle through the URLs in BENCH_PATHS from line BENCH_START; write the results to BENCH_OUT.
local counter = tonumber(os.getenv("BENCH_START") or "0")
local paths = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
end

function request()
  local path = paths[(counter % #paths) + 1]
  counter = counter + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  local e = summary.errors
  out:write(string.format("requests %d\nduration_us %d\n", summary.requests, summary.duration))
  out:write(string.format("errors %d\n", e.connect + e.read + e.write + e.status + e.timeout))
  for _, p in ipairs({50, 95, 99}) do
    out:write(string.format("p%d_us %d\n", p, latency:percentile(p)))
  end
  out:write(string.format("max_us %d\n", latency.max))
  out:close()
end
"""


def available() -> bool:
    """Say whether wrk is on PATH."""
    return shutil.which("wrk") is not None


def pinned(command: list[str]) -> list[str]:
    """Return `command` run on the last core only, when taskset and a second core exist."""
    cores = os.cpu_count() or 1
    if cores < 2 or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", str(cores - 1), *command]


class Route:
    """One served route: its URLs, its request headers, and how far wrk has cycled through."""

    def __init__(self, paths: list[str], headers: dict[str, str]):
        self.paths = paths
        self.headers = headers
        self.sent = 0  # requests made so far: the next run starts at the URL after them


def run(port: int, route: Route, seconds: float) -> dict:
    """Load `route` for `seconds`; return req/s, p50/p95/p99/max in ms, requests, errors."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script, paths, out = (Path(folder) / name for name in ("cycle.lua", "paths", "out"))
        script.write_text(LUA, encoding="utf-8")
        paths.write_text("\n".join(route.paths) + "\n", encoding="utf-8")
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "10s",
                   "-s", str(script)]  # fmt: skip
        for name, value in route.headers.items():
            command += ["-H", f"{name}: {value}"]
        env = {**os.environ, "BENCH_PATHS": str(paths), "BENCH_OUT": str(out),
               "BENCH_START": str(route.sent)}  # fmt: skip
        subprocess.run([*pinned(command), f"http://127.0.0.1:{port}/"], env=env, check=True,
                       capture_output=True, text=True)  # fmt: skip
        found = parse(out.read_text(encoding="utf-8"))
    route.sent += found["requests"]
    return found


def parse(text: str) -> dict:
    """Turn the Lua script's `name value` lines into the benchmark's figures (ms, req/s)."""
    raw = {name: int(value) for name, value in (line.split() for line in text.splitlines())}
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000,
        "p95": raw["p95_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "max": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "errors": raw["errors"],
    }
