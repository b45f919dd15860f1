"""lambda_nb against python-lambda-local (PyPI), the most used Python peer, on peers.md's cases.

    python benchmarks/bench_peers.py

Installs the peer into benchmarks/.peers (git-ignored) on first run. For each case it prints what
each tool reported and its wall time, measured here in the same run:
- trivial: per-invocation wall time of the CLIs (a process per invoke) and of the Python APIs;
- sleeps / spins / cspin: a handler that outlives its 1 s timeout (sleep, pure-Python loop,
  C-level loop): does the tool stop it, and how long past the deadline?
- swallow: a handler that catches the timeout's exception and goes on;
- warm: does module state survive between invokes (a counter)?
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
GUARD_S = 20

HANDLERS = {
    "trivial": "def handler(event, context):\n    return {'ok': True}\n",
    "sleeps": "import time\ndef handler(event, context):\n    time.sleep(10)\n    return 'late'\n",
    "spins": "def handler(event, context):\n    while True:\n        pass\n",
    "cspin": "def handler(event, context):\n    return sum(range(10**10))\n",
    "swallow": (
        "import time\ndef handler(event, context):\n    try:\n        time.sleep(10)\n"
        "    except Exception:\n        pass\n    return 'swallowed'\n"
    ),
    "warm": "n = 0\ndef handler(event, context):\n    global n\n    n += 1\n    return n\n",
}


def peer_python() -> Path:
    """The peers' venv: python-lambda-local, and lambda-preflight for bench_table.py."""
    python = PEERS / "bin" / "python"
    if not (PEERS / "bin" / "python-lambda-local").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    if not list((PEERS / "lib").glob("python*/site-packages/lambda_preflight")):
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "python-lambda-local==0.1.13",
             "lambda-preflight==0.1.1", "setuptools"],
            check=True,
        )
    return python


def timed(cmd: list[str], cwd: str) -> tuple[float, str, str]:
    """Wall time, stdout and stderr of one CLI run under the guard."""
    t = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=GUARD_S)
        stdout, stderr = out.stdout, out.stderr
    except subprocess.TimeoutExpired:
        stdout, stderr = "", "killed by the 20 s guard"
    return time.perf_counter() - t, stdout, stderr


def peer_cli(case: str, workdir: str, timeout: int = 1) -> tuple[float, str]:
    wall, out, err = timed(
        [str(PEERS / "bin" / "python-lambda-local"), "-f", "handler", "-t", str(timeout),
         f"{case}.py", "event.json"],
        workdir,
    )  # fmt: skip
    lines = (out + err).splitlines()
    for i, line in enumerate(lines):
        if "RESULT:" in line and i + 1 < len(lines):
            return wall, "result " + lines[i + 1].strip()
        if "guard" in line or "Timeout" in line or "Error" in line:
            return wall, line.strip()
    return wall, (lines[-1] if lines else "").strip()


def ours_cli(case: str, workdir: str, timeout: int = 1) -> tuple[float, str]:
    exe = shutil.which("lambda-nb") or str(Path(sys.executable).parent / "lambda-nb")
    wall, out, err = timed(
        [exe, "invoke", f"{case}.py", "--handler", f"{case}.handler", "--event", "{}",
         "--timeout", str(timeout)],
        workdir,
    )  # fmt: skip
    try:
        body = json.loads(out)
    except ValueError:
        return wall, (err.strip().splitlines() or [""])[-1]
    if isinstance(body, dict) and "errorType" in body:
        return wall, f"{body['errorType']}: {body['errorMessage'][-40:]}"
    return wall, f"result {out.strip()}"


def peer_api_trivial(workdir: str, n: int = 50) -> float:
    script = textwrap.dedent(
        f"""
        import sys, time, statistics
        sys.path.insert(0, {workdir!r})
        from lambda_local.main import call
        from lambda_local.context import Context
        from trivial import handler
        ts = []
        for _ in range({n}):
            t = time.perf_counter()
            call(handler, {{}}, Context(3))
            ts.append(time.perf_counter() - t)
        print(statistics.median(ts) * 1000)
        """
    )
    python = str(PEERS / "bin" / "python")
    out = subprocess.run([python, "-c", script], capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    peer_python()
    svc = LambdaService()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for case, code in HANDLERS.items():
            Path(workdir, f"{case}.py").write_text(code)
        Path(workdir, "event.json").write_text("{}")
        for case in ("trivial", "sleeps", "spins", "cspin", "swallow"):
            pw, pres = peer_cli(case, workdir)
            ow, ores = ours_cli(case, workdir)
            rows.append((case, pw, pres, ow, ores))
        api_peer = peer_api_trivial(workdir)
        fn = Function.from_source(
            HANDLERS["trivial"], name="peer-trivial", handler="lambda_function.handler", service=svc
        )
        fn.invoke({})
        samples = []
        for _ in range(200):
            t = time.perf_counter()
            fn.invoke({})
            samples.append((time.perf_counter() - t) * 1000)
        api_ours = statistics.median(samples)
        warm = Function.from_source(
            HANDLERS["warm"], name="peer-warm", handler="lambda_function.handler", service=svc
        )
        counts = [warm.invoke({}).payload for _ in range(3)]
    svc.close()
    print(f"{'case':8} | python-lambda-local{'':33} | lambda_nb")
    for case, pw, pres, ow, ores in rows:
        print(f"{case:8} | {pw:6.2f} s  {pres[:42]:42} | {ow:6.2f} s  {ores[:70]}")
    print(
        f"API, trivial handler, per invoke: python-lambda-local {api_peer:.2f} ms (a fork each), "
        f"lambda_nb {api_ours:.3f} ms warm -> {api_peer / api_ours:.0f}x faster"
    )
    print(f"warm module state across 3 invokes: lambda_nb {counts} (python-lambda-local: 1 each)")
    figures = {"rows": rows, "api_peer_ms": api_peer, "api_ours_ms": api_ours}
    print(json.dumps(figures), file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
