"""Invoke latency, cold start and timeout overshoot, each against a baseline measured in this run.

    python benchmarks/bench_invoke.py [--client lambda_nb|awslambdaric] [--warm N] [--cold N]

Targets (issue 2): warm p50 <= 1 ms; cold start <= 2x the interpreter's bare start-up
(`python -c pass`); timeout overshoot <= 50 ms for sleep, a pure-Python loop and a C loop.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

TRIVIAL = "def lambda_handler(event, context):\n    return {'ok': True}\n"
SLOW = """import time
def lambda_handler(event, context):
    mode = event.get("mode")
    if mode == "sleep":
        time.sleep(100)
    elif mode == "loop":
        while True:
            pass
    elif mode == "c_loop":
        sum(range(10**12))
    return "warm"
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_warm(svc: LambdaService, client: str, n: int) -> dict[str, float]:
    fn = Function.from_source(TRIVIAL, name="bench-warm", service=svc, runtime_client=client)
    fn.invoke({})  # cold start out of the way
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn.invoke({})
        samples.append((time.perf_counter() - t) * 1000)
    namespace: dict[str, object] = {}
    exec(TRIVIAL, namespace)
    handler = namespace["lambda_handler"]
    direct = []
    for _ in range(n):
        t = time.perf_counter()
        handler({}, None)  # type: ignore[operator]
        direct.append((time.perf_counter() - t) * 1000)
    fn.close()
    return {
        "p50": statistics.median(samples),
        "p99": pct(samples, 0.99),
        "direct_p50": statistics.median(direct),
    }


def bench_cold(svc: LambdaService, client: str, n: int) -> dict[str, float]:
    bare, cold = [], []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append((time.perf_counter() - t) * 1000)
    fn = Function.from_source(TRIVIAL, name="bench-cold", service=svc, runtime_client=client)
    for _ in range(n):
        fn.reset()  # a new environment each time
        t = time.perf_counter()
        inv = fn.invoke({})
        cold.append((time.perf_counter() - t) * 1000)
        assert inv.cold and inv.status == "success", inv.error
    fn.close()
    return {"cold_p50": statistics.median(cold), "bare_p50": statistics.median(bare)}


def bench_overshoot(svc: LambdaService, client: str, repeat: int) -> dict[str, float]:
    fn = Function.from_source(
        SLOW, name="bench-timeout", timeout=1, service=svc, runtime_client=client
    )
    out = {}
    for mode in ("sleep", "loop", "c_loop"):
        worst = 0.0
        for _ in range(repeat):
            fn.invoke({})  # warm: the deadline then starts at delivery, not at init
            t = time.perf_counter()
            inv = fn.invoke({"mode": mode})
            wall = time.perf_counter() - t
            assert inv.status == "timeout", inv.status
            worst = max(worst, (wall - fn.config.timeout) * 1000)
        out[mode] = worst
    fn.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="lambda_nb")
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--timeouts", type=int, default=3)
    args = parser.parse_args()
    svc = LambdaService()
    try:
        warm = bench_warm(svc, args.client, args.warm)
        cold = bench_cold(svc, args.client, args.cold)
        over = bench_overshoot(svc, args.client, args.timeouts)
    finally:
        svc.close()
    ratio = cold["cold_p50"] / cold["bare_p50"]
    print(f"runtime client: {args.client}   python: {sys.version.split()[0]}")
    print(
        f"warm invoke     p50 {warm['p50']:.3f} ms   p99 {warm['p99']:.3f} ms   "
        f"(direct call p50 {warm['direct_p50'] * 1000:.2f} us)   target p50 <= 1 ms: "
        f"{'OK' if warm['p50'] <= 1 else 'MISSED'}"
    )
    print(
        f"cold start      p50 {cold['cold_p50']:.1f} ms   bare `python -c pass` p50 "
        f"{cold['bare_p50']:.1f} ms   ratio {ratio:.2f}x   target <= 2x: "
        f"{'OK' if ratio <= 2 else 'MISSED'}"
    )
    for mode, ms in over.items():
        print(
            f"timeout overshoot ({mode:6}) worst {ms:.1f} ms past a 1 s deadline   "
            f"target <= 50 ms: {'OK' if ms <= 50 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
