"""Logs: a 100,000-line invoke, and the kernel's memory after many invokes that log.

    python benchmarks/bench_logs.py [--lines 100000] [--rounds 7] [--invokes 10000]
                                    [--per-invoke 1000] [--no-peer]

Targets (issue 13):
- 100k log lines in one invoke: not slower than before the log store; <= 1.0x
  python-lambda-local's in-process `call` (installed into benchmarks/.peers as
  bench_peers.py does; --no-peer skips it).
- Memory stays flat: `--invokes` invokes of `--per-invoke` lines each grow this process's RSS
  by <= 50 MB (every record is in the service's on-disk log store; only the newest
  invocations keep theirs in memory).
Also printed: the log store's size on disk and the time of a filter over all of it.

Exits 1 if the memory target is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

MEMORY_LIMIT_MB = 50.0

HANDLER = """
def lambda_handler(event, context):
    for i in range(event["lines"]):
        print(f"line {i} of the log benchmark")
    return event["lines"]
"""


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.0f} ms (min {min(samples):.0f}, max {max(samples):.0f})"


def many_lines(lines: int, rounds: int) -> list[float]:
    svc = LambdaService()
    fn = Function.from_source(HANDLER, name="bench-lines", service=svc)
    fn.invoke({"lines": 10})  # the cold start out of the way
    samples = []
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        inv = fn.invoke({"lines": lines})
        samples.append((time.perf_counter() - t) * 1000)
        assert inv.ok and len(inv.logs) >= lines, (inv.status, len(inv.logs))
    svc.close()
    return samples


def flat_memory(invokes: int, per_invoke: int) -> dict[str, float]:
    svc = LambdaService()
    fn = Function.from_source(HANDLER, name="bench-memory", service=svc)
    for _ in range(20):  # warm: the first invokes allocate what every later one reuses
        fn.invoke({"lines": per_invoke})
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    for _ in range(invokes):
        fn.invoke({"lines": per_invoke})
    elapsed = time.perf_counter() - t
    gc.collect()
    after = rss_mb()
    out = {"rss_before_mb": before, "rss_after_mb": after, "growth_mb": after - before,
           "seconds": elapsed}  # fmt: skip
    store = getattr(svc, "log_store", None)
    if store is not None:  # the log store (absent before issue 13)
        t = time.perf_counter()
        found = fn.logs(filter=f'"line {per_invoke - 1} "')
        out["filter_s"] = time.perf_counter() - t
        out["filter_found"] = len(found)
        out["store_mb"] = store.path.stat().st_size / 1e6 if store.path.exists() else 0.0
        first = fn.history[0].logs
        out["first_invocation_records"] = len(first)
    svc.close()
    return out


def peer_lines(lines: int, rounds: int) -> list[float] | None:
    """python-lambda-local's in-process `call` of the same handler, stdout to a pipe."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_peers import peer_python

    python = peer_python()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "lines.py").write_text(HANDLER)
        script = textwrap.dedent(
            f"""
            import sys, time, json
            sys.path.insert(0, {folder!r})
            from lambda_local.main import call
            from lambda_local.context import Context
            from lines import lambda_handler
            call(lambda_handler, {{"lines": 10}}, Context(60))
            ts = []
            for _ in range({rounds}):
                t = time.perf_counter()
                call(lambda_handler, {{"lines": {lines}}}, Context(60))
                ts.append((time.perf_counter() - t) * 1000)
            print(json.dumps(ts), file=sys.stderr)
            """
        )
        done = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    try:
        return [float(x) for x in json.loads(done.stderr.strip().splitlines()[-1])]
    except (ValueError, IndexError):
        print(f"python-lambda-local failed: {done.stderr[-300:]}", file=sys.stderr)
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--invokes", type=int, default=10_000)
    parser.add_argument("--per-invoke", type=int, default=1_000)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()

    ours = many_lines(args.lines, args.rounds)
    print(f"{args.lines:,} lines in one invoke: lambda_nb {spread(ours)}", flush=True)
    peer = None if args.no_peer else peer_lines(args.lines, args.rounds)
    if peer:
        ratio = statistics.median(ours) / statistics.median(peer)
        print(f"  python-lambda-local call(): {spread(peer)} -> {ratio:.2f}x", flush=True)
    mem = flat_memory(args.invokes, args.per_invoke)
    ok = mem["growth_mb"] <= MEMORY_LIMIT_MB
    print(
        f"{args.invokes:,} invokes x {args.per_invoke:,} lines in {mem['seconds']:.0f} s: RSS "
        f"{mem['rss_before_mb']:.1f} -> {mem['rss_after_mb']:.1f} MB "
        f"(+{mem['growth_mb']:.1f} MB, target <= {MEMORY_LIMIT_MB:.0f}) {'ok' if ok else 'MISSED'}"
    )
    if "store_mb" in mem:
        print(
            f"  log store: {mem['store_mb']:.1f} MB on disk; a filter over all of it: "
            f"{mem['filter_s']:.2f} s ({mem['filter_found']:,} events); the first "
            f"invocation's {mem['first_invocation_records']:,} records read back from it"
        )
    figures = {"lines_ms": ours, "peer_lines_ms": peer, "memory": mem}
    print(json.dumps(figures), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
