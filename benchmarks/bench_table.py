"""One table of every speed figure (issue 13): lambda_nb, sandbox on and off, beside each peer
and the floor, all measured in this run.

    python benchmarks/bench_table.py [--rounds 5] [--timeouts 10] [--markdown]

Peers are installed on first use into benchmarks/.peers (git-ignored): python-lambda-local and
lambda-preflight (PyPI, for this interpreter), lambdarunner (PyPI; it needs Python >= 3.12,
looked for with pyenv, else left out), lambda-local (npm). The floor is two loopback round trips
between two processes (a ping-pong): what any isolated invoke must at least cost.

Each round measures every figure once, modes and tools in turn, so a machine that gets busier
during the run weighs on all alike; the table gives the median over rounds and the spread
(lowest-highest). Timeouts and resets are counted once, not per round: the worst of
`--timeouts` per kind (sleep, Python loop, C loop), quiet and again with both cores busy.
On a shared machine the figures move from run to run; the ratios within a run are the result.
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_invoke import SLOW
from bench_peers import HANDLERS, PEERS, ours_cli, peer_cli, peer_python
from bench_sandbox import TRIVIAL

import lambda_nb
from lambda_nb import Function
from lambda_nb.engine import sandbox
from lambda_nb.engine.service import LambdaService

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"
NODE = "nodejs20.x"
Figures = dict[str, dict[str, list[float]]]  # metric -> column -> one value per round


# ------------------------------------------------------------------------------ the floor
def ping_pong(n: int = 3000) -> tuple[float, float]:
    """Two loopback round trips between two processes: (p50 µs, CPU µs of both sides)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    pid = os.fork()
    if pid == 0:  # the other side: echo until closed
        peer = socket.create_connection(listener.getsockname())
        peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := peer.recv(65536):
            peer.sendall(data)
        os._exit(0)
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(n):
        t = time.perf_counter()
        for _ in range(2):
            conn.sendall(b"x" * 200)
            conn.recv(65536)
        samples.append(time.perf_counter() - t)
    after = resource.getrusage(resource.RUSAGE_SELF)
    conn.close()
    listener.close()
    _, _, child = os.wait4(pid, 0)
    own = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return statistics.median(samples) * 1e6, (own + child.ru_utime + child.ru_stime) / n * 1e6


def start_up(argv: list[str], n: int = 10) -> float:
    """Median wall time of a command (ms), e.g. `python -c pass`."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


# ------------------------------------------------------------------------------ lambda_nb
def set_mode(mode: str) -> None:
    os.environ[sandbox.ISOLATION_VARIABLE] = mode


def function(svc: LambdaService, mode: str, runtime: str, name: str, code: str = "",
             **options: object) -> Function:  # fmt: skip
    set_mode(mode)
    family = "nodejs" if runtime.startswith("nodejs") else "python"
    fn = Function.from_source(code or TRIVIAL[family], name=f"{name}-{mode}", service=svc,
                              runtime=runtime, **options)  # type: ignore[arg-type]  # fmt: skip
    assert fn.isolation == mode, fn.isolation_reason
    return fn


def warm(fn: Function, n: int) -> tuple[float, float]:
    """Warm invoke: (p50 µs, host CPU µs per invoke, every thread of this process)."""
    for _ in range(50):
        fn.invoke({})
    samples = []
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(n):
        t = time.perf_counter()
        fn.invoke({})
        samples.append(time.perf_counter() - t)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return statistics.median(samples) * 1e6, cpu / n * 1e6


def throughput(fns: list[Function], seconds: float = 1.0) -> float:
    """Invokes per second with one caller thread per function."""
    counts = [0] * len(fns)
    stop = time.monotonic() + seconds

    def caller(i: int) -> None:
        while time.monotonic() < stop:
            fns[i].invoke({})
            counts[i] += 1

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(len(fns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def cold(fn: Function, n: int = 5) -> float:
    """New environment to first response (ms), median of `n`."""
    out = []
    for _ in range(n):
        fn.reset()
        t = time.perf_counter()
        inv = fn.invoke({})
        out.append((time.perf_counter() - t) * 1000)
        assert inv.cold and inv.status == "success", inv.error
    return statistics.median(out)


def wall_ms(action: Callable[[], object]) -> float:
    t = time.perf_counter()
    action()
    return (time.perf_counter() - t) * 1000


def worst_overshoot(fn: Function, per_kind: int) -> tuple[float, float]:
    """The worst timeout overshoot and the worst reset (ms) over `per_kind` of each kind."""
    over = reset = 0.0
    for mode in ("sleep", "loop", "c_loop") * per_kind:
        fn.invoke({})  # warm: the deadline starts at delivery
        t = time.perf_counter()
        inv = fn.invoke({"mode": mode})
        assert inv.status == "timeout", inv.status
        over = max(over, (time.perf_counter() - t - fn.config.timeout) * 1000)
    for _ in range(per_kind):
        fn.invoke({})
        reset = max(reset, wall_ms(fn.reset))
    return over, reset


class BusyCores:
    """Both cores busy (two spinning processes) while in the block."""

    def __enter__(self) -> BusyCores:
        spin = [sys.executable, "-c", "while True: pass"]
        self.procs = [subprocess.Popen(spin) for _ in range(os.cpu_count() or 2)]
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def import_ms(statement: str, python: str = sys.executable) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = [float(subprocess.run([python, "-c", code], capture_output=True, text=True,
                                check=True).stdout) for _ in range(5)]  # fmt: skip
    return statistics.median(out) * 1000


# ------------------------------------------------------------------------------ the peers
def peer_python312() -> Path | None:
    """A venv with lambdarunner (Python >= 3.12), or None where no such Python is found."""
    python = PEERS / "py312" / "bin" / "python"
    if python.exists():
        return python
    pyenv = Path.home() / ".pyenv" / "versions"
    found = sorted(pyenv.glob("3.1[2-9].*/bin/python3")) if pyenv.is_dir() else []
    base = str(found[0]) if found else shutil.which("python3.12") or shutil.which("python3.13")
    if base is None:
        return None
    subprocess.run([base, "-m", "venv", str(PEERS / "py312")], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "lambdarunner==0.6.1"], check=True)
    return python


def peer_node() -> Path | None:
    folder = PEERS / "node"
    if not (folder / "node_modules" / "lambda-local").is_dir():
        if shutil.which("npm") is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                        "lambda-local@2.2.0"], cwd=folder, check=True)  # fmt: skip
    return folder


def peer_figures(python: Path, workdir: str, n: int) -> dict[str, float]:
    """In the peers' own interpreter: lambda-preflight's and python-lambda-local's in-process
    invoke (p50 µs), lambda-preflight's throughput with 1 and 2 threads, python-lambda-local's
    100k log lines and 5 MB round trip (ms)."""
    script = textwrap.dedent(f"""
        import io, json, statistics, sys, threading, time, contextlib, logging
        sys.path.insert(0, {workdir!r})
        logging.disable(logging.CRITICAL)
        from lambda_preflight import LambdaHarness
        from lambda_local.main import call
        from lambda_local.context import Context
        import trivial, lines, echo
        def p50(f, n):
            out = []
            for _ in range(n):
                t = time.perf_counter(); f(); out.append(time.perf_counter() - t)
            return statistics.median(out) * 1e6
        h = LambdaHarness("trivial.handler", timeout=3)
        h.invoke({{}})
        res = {{"preflight": p50(lambda: h.invoke({{}}), {n}),
               "pll": p50(lambda: call(trivial.handler, {{}}, Context(3)), 30)}}
        for threads in (1, 2):
            harnesses = [LambdaHarness("trivial.handler", timeout=3) for _ in range(threads)]
            count, stop = [0] * threads, time.monotonic() + 1.0
            def run(i):
                while time.monotonic() < stop:
                    harnesses[i].invoke({{}}); count[i] += 1
            ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
            [t.start() for t in ts]; [t.join() for t in ts]
            res[f"preflight_tp{{threads}}"] = sum(count)
        with contextlib.redirect_stdout(io.StringIO()):
            t = time.perf_counter(); call(lines.handler, {{}}, Context(30))
            res["pll_lines"] = (time.perf_counter() - t) * 1000
            big = {{"data": "x" * (5 * 1024 * 1024)}}
            t = time.perf_counter(); call(echo.handler, big, Context(30))
            res["pll_5mb"] = (time.perf_counter() - t) * 1000
        print(json.dumps(res))
    """)
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def lambdarunner_overshoot(python: Path, workdir: str, per_kind: int) -> float:
    """lambdarunner's worst timeout overshoot (ms) through its Python API."""
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {workdir!r})
        from lambdarunner.runner import invoke
        invoke("trivial.handler", {{}}, timeout=1)  # its first-use costs out of the way
        worst = 0.0
        for mode in ("sleep", "loop", "c_loop") * {per_kind}:
            t = time.perf_counter()
            try:
                invoke("slow.handler", {{"mode": mode}}, timeout=1)
            except Exception:
                pass
            worst = max(worst, (time.perf_counter() - t - 1) * 1000)
        print(worst)
    """)
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


def lambda_local_warm(folder: Path, workdir: str, n: int) -> float:
    """lambda-local's in-process `execute` of a trivial async handler (p50 µs)."""
    script = textwrap.dedent(f"""
        const lambdaLocal = require("lambda-local");
        const quiet = () => {{}};
        lambdaLocal.setLogger({{log: quiet, info: quiet, warn: quiet, error: quiet}});
        const path = {json.dumps(workdir + "/index.js")};
        (async () => {{
          const out = [];
          for (let i = 0; i < {n} + 50; i++) {{
            const t = process.hrtime.bigint();
            await lambdaLocal.execute({{event: {{}}, lambdaPath: path, timeoutMs: 3000,
                                        verboseLevel: 0}});
            if (i >= 50) out.push(Number(process.hrtime.bigint() - t) / 1000);
          }}
          out.sort((a, b) => a - b);
          console.log(out[Math.floor(out.length / 2)]);
        }})();
    """)
    out = subprocess.run(["node", "-e", script], cwd=folder, capture_output=True, text=True)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


LINES = (
    "def lambda_handler(event, context):\n    for i in range(100000):\n        print('line', i)\n"
)
ECHO = "def lambda_handler(event, context):\n    return event\n"


# ------------------------------------------------------------------------------ one round
def one_round(svc: LambdaService, fig: Figures, modes: list[str], workdir: str,
              peers: dict[str, Path | None], n: int) -> None:  # fmt: skip
    def put(metric: str, column: str, value: float) -> None:
        fig.setdefault(metric, {}).setdefault(column, []).append(value)

    floor_us, floor_cpu = ping_pong()
    put("py_warm", "floor", floor_us)
    put("cpu", "floor", floor_cpu)
    put("py_cold", "floor", start_up([sys.executable, "-c", "pass"]))
    put("node_cold", "floor", start_up(["node", "-e", "0"]))
    put("cli", "floor", start_up([sys.executable, "-c", "pass"], 5))
    for mode in modes:
        col = f"lambda_nb {mode}"
        fn = function(svc, mode, PY, "t-py")
        p50, cpu = warm(fn, n)
        put("py_warm", col, p50)
        put("cpu", col, cpu)
        put("py_cold", col, cold(fn))
        other = function(svc, mode, PY, "t-py2")
        put("tp1", col, throughput([fn]))
        put("tp2", col, throughput([fn, other]))
        lines = function(svc, mode, PY, "t-lines", LINES, timeout=30)
        put("lines", col, wall_ms(functools.partial(lines.invoke, {})))
        echo = function(svc, mode, PY, "t-echo", ECHO, timeout=30)
        big = {"data": "x" * (5 * 1024 * 1024)}
        echo.invoke({})
        put("mb5", col, wall_ms(functools.partial(echo.invoke, big)))
        node = function(svc, mode, NODE, "t-node")
        put("node_warm", col, warm(node, n // 2)[0])
        put("node_cold", col, cold(node))
        for made in (fn, other, lines, echo, node):
            made.close()
        set_mode(mode)
        put("cli", col, statistics.median(ours_cli("trivial", workdir)[0] * 1000
                                          for _ in range(3)))  # fmt: skip
    put("import", "lambda_nb", import_ms("import lambda_nb"))
    put("import_fn", "lambda_nb", import_ms("from lambda_nb import Function"))
    python = peers["python"]
    if python is not None:
        got = peer_figures(python, workdir, n)
        put("py_warm", "lambda-preflight", got["preflight"])
        put("py_warm", "python-lambda-local", got["pll"])
        put("tp1", "lambda-preflight", got["preflight_tp1"])
        put("tp2", "lambda-preflight", got["preflight_tp2"])
        put("lines", "python-lambda-local", got["pll_lines"])
        put("mb5", "python-lambda-local", got["pll_5mb"])
        put(
            "cli",
            "python-lambda-local",
            statistics.median(peer_cli("trivial", workdir)[0] * 1000 for _ in range(3)),
        )
    node_peer = peers["node"]
    if node_peer is not None:
        put("node_warm", "lambda-local", lambda_local_warm(node_peer, workdir, n // 2))


# ------------------------------------------------------------------------------ the table
ROWS = [  # metric, label, unit, the target as (column it compares with, ratio), or None
    ("py_warm", "Python warm invoke p50", "µs", ("lambda-preflight", 0.9)),
    ("cpu", "Host CPU per warm invoke", "µs", None),
    ("node_warm", "Node.js warm invoke p50", "µs", ("lambda-local", 0.9)),
    ("tp1", "Throughput, 1 caller", "/s", None),
    ("tp2", "Throughput, 2 callers", "/s", None),
    ("py_cold", "Python cold start (vs python -c pass)", "ms", ("floor", 1.0)),
    ("node_cold", "Node.js cold start (vs node -e 0)", "ms", ("floor", 0.6)),
    ("lines", "100k log lines in one invoke", "ms", ("python-lambda-local", 1.0)),
    ("mb5", "5 MB payload round trip", "ms", ("python-lambda-local", 0.5)),
    ("cli", "CLI invoke end to end (vs python -c pass)", "ms", ("python-lambda-local", 0.5)),
    ("import", "import lambda_nb", "ms", None),
    ("import_fn", "from lambda_nb import Function", "ms", None),
    ("overshoot", "Timeout overshoot, worst", "ms", None),
    ("overshoot_busy", "  the same, both cores busy", "ms", None),
    ("reset", "Reset, worst", "ms", None),
    ("reset_busy", "  the same, both cores busy", "ms", None),
]
FIXED = {"cpu": 40.0, "import": 10.0, "import_fn": 10.0, "overshoot": 20.0,
         "overshoot_busy": 20.0, "reset": 20.0, "reset_busy": 20.0}  # fmt: skip


def cell(values: list[float] | None) -> str:
    if not values:
        return "—"
    med = statistics.median(values)
    fmt = (lambda v: f"{v:.0f}") if med >= 100 else (lambda v: f"{v:.1f}")
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def verdict(metric: str, target: tuple[str, float] | None, row: dict[str, list[float]],
            ours: str) -> str:  # fmt: skip
    """The target, and whether lambda_nb's default mode meets it in this run."""
    mine = row.get(ours)
    if not mine:
        return ""
    value = statistics.median(mine)
    if metric == "tp2" and row.get(ours) and "tp1" in FIGURES and FIGURES["tp1"].get(ours):
        one = statistics.median(FIGURES["tp1"][ours])
        return f"≥ 1.6× 1 caller: {value / one:.2f}× {'met' if value >= 1.6 * one else 'not met'}"
    if metric in FIXED:
        limit = FIXED[metric]
        return f"≤ {limit:g} {'met' if value <= limit else 'not met'}"
    if target is None or not row.get(target[0]):
        return ""
    other = statistics.median(row[target[0]])
    ratio = value / other
    met = "met" if ratio <= target[1] else "not met"
    return f"≤ {target[1]}× {target[0]}: {ratio:.2f}× {met}"


FIGURES: Figures = {}


def table(fig: Figures, modes: list[str], markdown: bool) -> str:
    peers = ["lambda-preflight", "python-lambda-local", "lambda-local", "lambdarunner"]
    columns = [f"lambda_nb {m}" for m in modes] + ["lambda_nb"] + peers + ["floor"]
    used = [c for c in columns if any(c in row for row in fig.values())]
    ours = f"lambda_nb {modes[0]}"
    head = ["metric", "unit", *used, "target (lambda_nb " + modes[0] + ")"]
    rows = []
    for metric, label, unit, target in ROWS:
        row = fig.get(metric, {})
        if not row:
            continue
        mine = ours if ours in row else "lambda_nb"
        rows.append([label, unit, *(cell(row.get(c)) for c in used),
                     verdict(metric, target, row, mine)])  # fmt: skip
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [head, *rows])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}, Node.js {node}, "
            f"load average {os.getloadavg()[0]:.2f} at start")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=1000, help="warm invokes per round")
    parser.add_argument("--timeouts", type=int, default=10, help="timeouts per kind")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    set_mode("sandbox")
    modes = ["sandbox", "process"] if sandbox.isolation().mode == "sandbox" else ["process"]
    print(f"machine: {machine()}", flush=True)
    # What a user's install has: bytecode (PYTHONDONTWRITEBYTECODE would time the compiler).
    compileall.compile_dir(Path(lambda_nb.__file__).parent, quiet=1)
    peers: dict[str, Path | None] = {"python": peer_python(), "python312": peer_python312(),
                                     "node": peer_node()}  # fmt: skip
    svc = LambdaService()
    with tempfile.TemporaryDirectory() as workdir:
        for case, code in {**HANDLERS, "lines": LINES, "echo": ECHO, "slow": SLOW}.items():
            Path(workdir, f"{case}.py").write_text(code.replace("lambda_handler", "handler"))
        Path(workdir, "event.json").write_text("{}")
        Path(workdir, "index.js").write_text("exports.handler = async () => ({ ok: true });\n")
        try:
            for i in range(args.rounds):
                print(f"round {i + 1} of {args.rounds}", flush=True)
                one_round(svc, FIGURES, modes, workdir, peers, args.warm)
            for mode in modes:
                slow = function(svc, mode, PY, "t-slow", SLOW, timeout=1)
                over, reset = worst_overshoot(slow, args.timeouts)
                with BusyCores():
                    over_busy, reset_busy = worst_overshoot(slow, args.timeouts)
                slow.close()
                for metric, value in (
                    ("overshoot", over),
                    ("reset", reset),
                    ("overshoot_busy", over_busy),
                    ("reset_busy", reset_busy),
                ):
                    FIGURES.setdefault(metric, {})[f"lambda_nb {mode}"] = [value]  # fmt: skip
            if peers["python312"] is not None:
                worst = lambdarunner_overshoot(peers["python312"], workdir, args.timeouts)
                FIGURES["overshoot"]["lambdarunner"] = [worst]
        finally:
            svc.close()
    print(
        f"\n{args.rounds} rounds, {args.warm} warm invokes each; timeouts: worst of "
        f"{3 * args.timeouts} (sleep, loop, C loop). Median (lowest–highest) over rounds."
    )
    print(table(FIGURES, modes, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
