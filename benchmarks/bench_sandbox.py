"""What the sandbox costs: cold start and warm invoke, sandbox on against off, in one run.

    python benchmarks/bench_sandbox.py [--cold N] [--warm N] [--runtime python3.11|nodejs20.x]

Modes alternate run by run (sandbox, process, sandbox, ...) so a machine that gets busier during
the run weighs on both alike. Cold start = the first invoke of a new function (environment,
runtime start, init); warm = the invoke of a frozen, initialised environment. Also shown: the
sandbox's own start (bwrap building the namespaces, once per environment), and the Runtime API's
peer check (sandbox-and-packages.md 5.8 option 3), which both modes pay per connection.
Targets (issue 2): warm p50 <= 1 ms. Expected: the sandbox adds ≈3-5 ms to a start
(sandbox-and-packages.md 5.4).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import time

from lambda_nb import Function
from lambda_nb.engine import sandbox
from lambda_nb.engine.runtime_api import peer_inode, socket_holders
from lambda_nb.engine.service import LambdaService

TRIVIAL = {
    "python": "def lambda_handler(event, context):\n    return {'ok': True}\n",
    "nodejs": "export const handler = async () => ({ ok: true });\n",
}
MODES = ("sandbox", "process")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _set_mode(mode: str) -> None:
    if mode == "process":
        os.environ[sandbox.ISOLATION_VARIABLE] = "process"
    else:
        os.environ.pop(sandbox.ISOLATION_VARIABLE, None)


def one_cold(svc: LambdaService, mode: str, runtime: str, i: int) -> float:
    _set_mode(mode)
    family = "nodejs" if runtime.startswith("nodejs") else "python"
    fn = Function.from_source(
        TRIVIAL[family], name=f"bench-cold-{mode}-{i}", service=svc, runtime=runtime
    )
    assert fn.isolation == mode, fn.isolation_reason
    t = time.perf_counter()
    inv = fn.invoke({})
    elapsed = (time.perf_counter() - t) * 1000
    assert inv.status == "success" and inv.cold, inv.error
    fn.close()
    return elapsed


def warm(svc: LambdaService, mode: str, runtime: str, n: int) -> list[float]:
    _set_mode(mode)
    family = "nodejs" if runtime.startswith("nodejs") else "python"
    fn = Function.from_source(TRIVIAL[family], name=f"bench-warm-{mode}", service=svc,
                              runtime=runtime)  # fmt: skip
    assert fn.isolation == mode
    fn.invoke({})
    for _ in range(20):  # settle
        fn.invoke({})
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn.invoke({})
        samples.append((time.perf_counter() - t) * 1000)
    fn.close()
    return samples


def sandbox_start(n: int) -> list[float]:
    """bwrap building one environment's namespaces, alone."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    out = []
    with TemporaryDirectory() as tmp:
        task = Path(tmp) / "task"
        task.mkdir()
        layout = sandbox.plan("provided", ["bootstrap"], task, None)
        for _ in range(n):
            box = sandbox.Sandbox(layout, 512, Path(tmp))
            t = time.perf_counter()
            box.start()
            out.append((time.perf_counter() - t) * 1000)
            box.stop()
    return out


def peer_check(n: int) -> list[float]:
    """One /proc/net/tcp lookup and fd scan of this process, as the Runtime API does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        inode = peer_inode(conn.getpeername()[:2], conn.getsockname()[:2])
        assert inode is not None and socket_holders(inode, [os.getpid()])
        out.append((time.perf_counter() - t) * 1000)
    for s in (conn, client, server):
        s.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--runtime", default=None)
    args = parser.parse_args()
    print(f"isolation here: {sandbox.isolation()}")
    if sandbox.isolation().mode != "sandbox":
        raise SystemExit("no sandbox on this machine: nothing to compare")
    import sys

    runtime = args.runtime or f"python{sys.version_info[0]}.{sys.version_info[1]}"
    svc = LambdaService()
    try:
        cold: dict[str, list[float]] = {m: [] for m in MODES}
        one_cold(svc, "sandbox", runtime, -1)  # first-use costs (imports, probe) out of the way
        for i in range(args.cold):
            for mode in MODES if i % 2 == 0 else MODES[::-1]:
                cold[mode].append(one_cold(svc, mode, runtime, i))
        warm_ms = {m: warm(svc, m, runtime, args.warm) for m in MODES}
    finally:
        svc.close()
    starts = sandbox_start(args.cold)
    checks = peer_check(200)
    print(f"runtime {runtime}, {args.cold} cold starts and {args.warm} warm invokes per mode")
    print(f"{'':22}{'sandbox':>10}{'process':>10}{'added':>10}")
    for label, data in (("cold start p50 (ms)", cold), ("warm invoke p50 (ms)", warm_ms)):
        on, off = statistics.median(data["sandbox"]), statistics.median(data["process"])
        print(f"{label:22}{on:10.2f}{off:10.2f}{on - off:10.2f}")
    on, off = pct(warm_ms["sandbox"], 0.99), pct(warm_ms["process"], 0.99)
    print(f"{'warm invoke p99 (ms)':22}{on:10.2f}{off:10.2f}{on - off:10.2f}")
    start = statistics.median(starts)
    print(f"sandbox start alone (bwrap namespaces + keeper) p50: {start:.2f} ms")
    print(f"Runtime API peer check p50: {statistics.median(checks):.3f} ms per connection")


if __name__ == "__main__":
    main()
