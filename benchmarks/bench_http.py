"""Requests per second through the HTTP front end (`Function.serve`), against plain servers.

    python benchmarks/bench_http.py [--seconds 5] [--connections 1,4] [--client auto|wrk|python]

For a trivial handler (returns `{"statusCode": 200, "body": "ok"}`) it measures, for each
number of concurrent keep-alive connections:
- `http.server`: the standard library's ThreadingHTTPServer (HTTP/1.1, keep-alive) answering
  "ok" itself: the ceiling of the server lambda_nb is built on, measured in the same run;
- `wsgiref`: a plain WSGI app on the standard library's reference WSGI server (one thread,
  HTTP/1.0, a new connection per request), the usual "plain WSGI" baseline;
- `serve api=http|rest|url`: the function behind each front end: each request is an event,
  a synchronous invoke in an execution environment, a response mapped back;
- `fn.invoke (no HTTP)`: the same function invoked in a loop by one caller (its p50 column is
  the mean time per invoke): the difference to `serve` at one connection is the front end's.

The load comes from `wrk` (Debian package `wrk`) when it is installed, else from a Python
client in a separate process (threads with persistent http.client connections; it is itself
slower, so its figures are a lower bound). Each measurement is preceded by a one-second
warm-up, so the environments exist (cold starts are not what this measures; see
bench_invoke.py). Reported: requests/s, the median and 99th-percentile latency, and for the
front ends the number of execution environments the run used (one per concurrent connection;
one more when a warm-up request, cut off by wrk, still runs as the measured run starts).

No targets are fixed. On a 2-core machine shared with other work, figures move by tens of
percent between runs; compare the rows of one run, not runs. `sam local start-api` publishes
no throughput figures; it starts a container per request unless `--warm-containers` is given.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

HANDLER = 'def lambda_handler(event, context):\n    return {"statusCode": 200, "body": "ok"}\n'

PY_CLIENT = r"""
import http.client, statistics, sys, threading, time
host, port, conns, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
lat = [[] for _ in range(conns)]
end = time.monotonic() + seconds
def run(i):
    c = http.client.HTTPConnection(host, port, timeout=60)
    while time.monotonic() < end:
        t = time.monotonic()
        c.request("GET", "/bench")
        r = c.getresponse(); r.read()
        if r.getheader("Connection", "").lower() == "close" or r.version == 10:
            c.close(); c = http.client.HTTPConnection(host, port, timeout=60)
        lat[i].append(time.monotonic() - t)
ts = [threading.Thread(target=run, args=(i,)) for i in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
every = sorted(x for xs in lat for x in xs)
q = lambda f: 1000 * every[min(int(f * len(every)), len(every) - 1)]
print(len(every) / seconds, q(0.5), q(0.99))
"""


class _Plain(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        # one write, as lambda_nb's server does (two would meet Nagle and delayed ACKs)
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
        )

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietWSGI(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # wrk resets its connections at the end of a run


@contextmanager
def plain_server() -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bench"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def wsgi_server() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _wsgi_app, handler_class=_QuietWSGI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bench"
    finally:
        server.shutdown()
        server.server_close()


def load(url: str, connections: int, seconds: float, client: str) -> tuple[float, float, float]:
    """(requests per second, median and 99th-percentile latency in ms) of `connections`
    clients for `seconds`."""
    if client == "wrk":
        out = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency", url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise RuntimeError(f"{url}: {errors.group(1)} error responses under load")
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        assert found is not None, out
        return float(found.group(1)), _wrk_ms(out, "50%"), _wrk_ms(out, "99%")
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(PY_CLIENT)
    try:
        out = subprocess.run(
            [sys.executable, script.name, host, port, str(connections), str(seconds)],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        Path(script.name).unlink()
    rps, p50, p99 = (float(x) for x in out.split())
    return rps, p50, p99


def _wrk_ms(out: str, percentile: str) -> float:
    """A latency of wrk's --latency distribution, in ms (wrk's average is skewed by its
    sampling; the percentiles are what it measures well)."""
    found = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", out)
    assert found is not None, out
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def measure(url: str, connections: int, seconds: float, client: str) -> tuple[float, ...]:
    load(url, connections, 1.0, client)  # warm-up: environments made, caches filled
    return load(url, connections, seconds, client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", default="1,4")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    levels = [int(c) for c in args.connections.split(",")]
    print(f"load: {client}, {args.seconds:g} s per row after a 1 s warm-up")
    print(f"{'server':<20} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'envs':>5}")
    service = LambdaService()
    try:  # the same invoke without HTTP: what the front end adds is the difference
        fn = Function.from_source(HANDLER, name="bench-direct", service=service)
        fn.invoke({})
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            fn.invoke({"rawPath": "/bench"})
            count += 1
        rate = count / (time.perf_counter() - start)
        print(f"{'fn.invoke (no HTTP)':<20} {1:>5} {rate:>9.0f} {1000 / rate:>8.2f}", flush=True)
    finally:
        service.close()
    for conns in levels:
        for label, server in (("http.server", plain_server), ("wsgiref (WSGI)", wsgi_server)):
            with server() as url:
                rps, p50, p99 = measure(url, conns, args.seconds, client)
            print(f"{label:<20} {conns:>5} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
        for api in ("http", "rest", "url"):
            service = LambdaService()
            try:
                fn = Function.from_source(HANDLER, name=f"bench-{api}", service=service)
                with fn.serve(api=api) as served:
                    rps, p50, p99 = measure(served.url + "bench", conns, args.seconds, client)
                envs = len({inv.environment for inv in fn.history})
                label = f"serve api={api}"
                print(
                    f"{label:<20} {conns:>5} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {envs:>5}",
                    flush=True,
                )
            finally:
                service.close()


if __name__ == "__main__":
    main()
