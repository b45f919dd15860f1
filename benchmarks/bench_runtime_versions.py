"""Runtime versions: what getting each version costs, and its cold start against its bare start.

    python benchmarks/bench_runtime_versions.py [--download] [--cold N] [--warm N]

Per runtime (nodejs20.x/22.x/24.x and every python3.X this machine has):
- resolve: `Function.from_source` (finding the interpreter: PATH, cache, pyenv), median;
- bare: the interpreter's own start-up (`node -e 0`, `python -S -c pass`), median, the baseline;
- cold: the first invoke of a new function (process start, runtime client, init), median over N;
- init: the REPORT's Init Duration of those cold starts, median;
- warm: p50 of N warm invokes.
With --download, first fetch Node.js 22 and 24 from the npm registry into an empty temporary
cache (what a fresh machine pays once) and report size and seconds; the figures after that use
that cache. Without it, the user's cache (downloading there only if a version is missing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService
from lambda_nb.runtimes import node_binaries, registry

NODE = "export const handler = async () => process.version;\n"
PYTHON = "import sys\ndef lambda_handler(event, context):\n    return sys.version\n"


def bare(argv: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(svc: LambdaService, runtime: str, cold: int, warm: int) -> dict[str, float]:
    code = NODE if runtime.startswith("nodejs") else PYTHON
    resolve, colds, inits, warms = [], [], [], []
    fn = None
    for i in range(cold):
        started = time.perf_counter()
        fn = Function.from_source(code, service=svc, name=f"b-{runtime.replace('.', '')}-{i}",
                                  runtime=runtime)  # fmt: skip
        resolve.append(time.perf_counter() - started)
        started = time.perf_counter()
        inv = fn.invoke({})
        colds.append(time.perf_counter() - started)
        assert inv.status == "success", inv.log_text()
        if inv.report and inv.report.init_duration_ms:
            inits.append(inv.report.init_duration_ms)
        if i < cold - 1:
            fn.close()
    assert fn is not None
    for _ in range(warm):
        started = time.perf_counter()
        fn.invoke({})
        warms.append(time.perf_counter() - started)
    interpreter = fn._revision.runtime.interpreter or ""
    fn.close()
    base = [interpreter, "-e", "0"] if runtime.startswith("nodejs") else [interpreter, "-S", "-c",
                                                                           "pass"]  # fmt: skip
    return {
        "resolve_ms": statistics.median(resolve) * 1000,
        "bare_ms": bare(base),
        "cold_ms": statistics.median(colds) * 1000,
        "init_ms": statistics.median(inits) if inits else float("nan"),
        "warm_p50_ms": statistics.median(warms) * 1000,
        "interpreter": interpreter,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--download", action="store_true")
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--warm", type=int, default=50)
    args = parser.parse_args()
    if args.download:
        os.environ["LAMBDA_NB_CACHE_DIR"] = tempfile.mkdtemp(prefix="lambda_nb-bench-cache-")
        for major in (22, 24):
            steps: list[node_binaries.DownloadProgress] = []
            started = time.perf_counter()
            node_binaries.download(major, steps.append)
            done = steps[-1]
            print(f"download Node.js {done.version}: {done.total / 1e6:.1f} MB in "
                  f"{time.perf_counter() - started:.2f} s (fetch+verify+unpack "
                  f"{done.seconds:.2f} s)")  # fmt: skip
    runtimes = [*registry.NODE_RUNTIMES, *sorted(registry.pythons(), key=registry._version_key)]
    svc = LambdaService()
    try:
        print(f"{'runtime':<12} {'resolve':>8} {'bare':>7} {'cold':>7} {'init':>7} {'warm':>6}  ms")
        for runtime in runtimes:
            m = measure(svc, runtime, args.cold, args.warm)
            print(f"{runtime:<12} {m['resolve_ms']:8.1f} {m['bare_ms']:7.1f} {m['cold_ms']:7.1f} "
                  f"{m['init_ms']:7.1f} {m['warm_p50_ms']:6.2f}  {m['interpreter']}")  # fmt: skip
    finally:
        svc.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
