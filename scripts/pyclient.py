"""The benchmark's fallback load client, in Python, for a machine without wrk.

It opens a new connection per request and shares the CPU with the server, so every fast
route tends towards the constant route's rate: its rows are labelled as coming from it.
Several client processes of a few threads each follow one wall-clock schedule, loading the
routes in turn in short slices.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from multiprocessing import get_context

SLICE = 0.5
CLIENT_PROCESSES = 2
CLIENT_THREADS = 2


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    """Make one GET on a new connection; return (status, headers dict, body bytes)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    first, *rest = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in rest:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if fields.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(first.split()[1]), fields, body


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _client(port: int, routes: list[tuple[list[str], dict[str, str]]], slices: list[int],
            begin: float, seed: int, results) -> None:  # fmt: skip
    """Request routes slice by slice from CLIENT_THREADS threads; report latencies per route.

    Every client process follows the same wall-clock schedule, so all of them load the same
    route at the same time, and routes alternate in short slices: a change in the machine's
    background load then touches every route alike instead of favouring one.
    """
    latencies: list[list[float]] = [[] for _ in routes]
    errors = [0] * len(routes)
    lock = threading.Lock()

    def run(offset: int) -> None:
        rng = random.Random(seed * 100 + offset)
        orders = [rng.sample(paths, len(paths)) for paths, _ in routes]
        counts = [0] * len(routes)
        mine = [[] for _ in routes]
        bad = [0] * len(routes)
        for number, route in enumerate(slices):
            start, stop = begin + number * SLICE, begin + (number + 1) * SLICE
            while (now := time.perf_counter()) < start:
                time.sleep(start - now)
            paths, headers = routes[route]
            order = orders[route]
            while (now := time.perf_counter()) < stop:
                try:
                    status, _, _ = http_get(port, order[counts[route] % len(order)], headers)
                    if status != 200:
                        bad[route] += 1
                except OSError:
                    bad[route] += 1
                mine[route].append(time.perf_counter() - now)
                counts[route] += 1
        with lock:
            for route in range(len(routes)):
                latencies[route].extend(mine[route])
                errors[route] += bad[route]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors))


def load(port: int, routes: list[tuple[list[str], dict[str, str]]], seconds: float) -> list[dict]:
    """Load the routes in alternating slices for `seconds` each; return one dict per route."""
    rounds = max(1, round(seconds / SLICE))
    slices = [route for _ in range(rounds) for route in range(len(routes))]
    context = get_context("spawn")
    results = context.Queue()
    begin = time.perf_counter() + 3.0  # time for the client processes to start
    clients = [
        context.Process(target=_client, args=(port, routes, slices, begin, n, results))
        for n in range(CLIENT_PROCESSES)
    ]
    for client in clients:
        client.start()
    gathered = [results.get(timeout=len(slices) * SLICE + 60) for _ in clients]
    for client in clients:
        client.join(timeout=30)
    found = []
    for route in range(len(routes)):
        latencies = [x for lat, _ in gathered for x in lat[route]]
        found.append({
            "rps": len(latencies) / (rounds * SLICE),
            "p50": percentile(latencies, 0.5) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "max": max(latencies) * 1000,
            "requests": len(latencies),
            "errors": sum(err[route] for _, err in gathered),
        })  # fmt: skip
    return found
