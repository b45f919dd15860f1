#!/usr/bin/env python3
"""Project tasks with nothing but Python 3: `python3 tasks.py lab` and `python3 tasks.py test`.

Each creates (or refreshes, when pyproject.toml changed) its own virtual environment with
lambda_nb installed in editable mode, so a fresh clone needs no other set-up step: `lab` the
small `.venv-lab` (JupyterLab and a kernel: the `lab` extra), `test` the full `.venv` (the `test`
extra: every tool the suite and the checks use).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


VENV = ROOT / ".venv"
BIN = _bin(VENV)
PYTHON = BIN / "python"
EXTRAS = "test"  # includes lab, jupyter and ric
LAB_VENV = ROOT / ".venv-lab"
LAB_EXTRAS = "lab"
TOUR = "notebooks/01-quickstart.ipynb"
# Debian packages the tests use, by the executable they provide: the browser tests' chromium,
# node for the Node.js runtimes, curl and Go for the custom-runtime tests, and what building AWS's
# Node.js runtime client (npm aws-lambda-ric, a native addon with its own curl) needs.
SYSTEM_PACKAGES = [
    ("chromium", "chromium"), ("node", "nodejs"), ("npm", "npm"), ("curl", "curl"),
    ("go", "golang-go"), ("bwrap", "bubblewrap"), ("make", "make"), ("cmake", "cmake"),
    ("g++", "g++"),
    ("autoreconf", "autoconf"), ("automake", "automake"), ("libtoolize", "libtool"),
    ("unzip", "unzip"),  # tests/test_deploy.py unzips a package as Lambda does, modes and all
    ("wrk", "wrk"),  # benchmarks/bench_http.py's load generator
    ("javac", "openjdk-17-jdk-headless"),  # java17 (tests/test_java.py); 21/25 when found
]  # fmt: skip
# AWS's Node.js runtime client for the differential test: 3.x runs nodejs20.x/22.x, 4.x 24.x.
AWS_NODE_RIC = VENV / "aws-lambda-ric"
AWS_NODE_RIC_PACKAGES = (
    "aws-lambda-ric-3@npm:aws-lambda-ric@3.3.0", "aws-lambda-ric-4@npm:aws-lambda-ric@4.0.2",
)  # fmt: skip


def _run(*cmd: str | Path, **kw: object) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    kw.setdefault("cwd", ROOT)
    subprocess.run([str(c) for c in cmd], check=True, **kw)  # type: ignore[call-overload]


def _have_system_packages(root_needed: list[tuple[str, str]]) -> None:
    """Install the Debian packages the tests need (SYSTEM_PACKAGES) when root and missing."""
    missing = [pkg for exe, pkg in root_needed if shutil.which(exe) is None]
    if not missing or os.name == "nt" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run("apt-get", "update", "-qq", env=env)
    _run("apt-get", "install", "-y", "-qq", *missing, env=env)



def _venv(venv: Path, extras: str) -> None:
    """Create or refresh `venv` with lambda_nb[extras] installed in editable mode; a stamp of
    pyproject.toml's hash and the extras skips it when unchanged."""
    python = _bin(venv) / "python"
    stamp = venv / ".lambda_nb-stamp"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return
    if not python.exists():
        _run(sys.executable, "-m", "venv", venv)
    _run(python, "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(python, "-m", "pip", "install", "-q", "-e", f".[{extras}]")
    stamp.write_text(want)


def venv() -> None:
    """Create or refresh .venv, the test command's environment (every extra)."""
    _venv(VENV, EXTRAS)


def _have_aws_node_ric() -> None:
    """npm-install AWS's Node.js runtime clients into .venv (once; it compiles for minutes)."""
    stamp = AWS_NODE_RIC / ".lambda_nb-stamp"
    want = " ".join(AWS_NODE_RIC_PACKAGES)
    npm = shutil.which("npm")
    if npm is None or (stamp.exists() and stamp.read_text() == want):
        return
    AWS_NODE_RIC.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    node = shutil.which("node")
    prefix = Path(node).resolve().parent.parent if node else None
    if prefix is not None and (prefix / "include" / "node" / "common.gypi").exists():
        # node-gyp builds the addon against the headers the node package ships; without this
        # it downloads them from nodejs.org, which these machines cannot reach.
        env.setdefault("npm_config_nodedir", str(prefix))
    try:
        _run(npm, "install", "--prefix", AWS_NODE_RIC, "--no-audit", "--no-fund",
             *AWS_NODE_RIC_PACKAGES, env=env)  # fmt: skip
    except subprocess.CalledProcessError:
        print("aws-lambda-ric did not build: the Node.js differential test will be skipped")
        return
    stamp.write_text(want)


def _have_runtime_sdk() -> None:
    """Install the Python runtime's bundled boto3 into lambda_nb's user cache before the suite
    (once per machine; seconds), so no test pays for it in the middle of a run. Offline it is
    left out: functions then run without boto3, as lambda_nb says in their first view."""
    script = (
        "import sys; from lambda_nb.engine import runtime_site; "
        "v = f'python{sys.version_info[0]}.{sys.version_info[1]}'; "
        "print('boto3 runtime layer:', runtime_site.for_runtime('python', v, 'x86_64'))"
    )
    subprocess.run([str(PYTHON), "-c", script], check=False)


def lab(*jupyter_args: str) -> None:
    """JupyterLab on the tour, with lambda_nb installed (as root, e.g. in a container, too).

    Its own .venv-lab holds only what JupyterLab needs, not the test toolchain."""
    _venv(LAB_VENV, LAB_EXTRAS)
    argv = [str(_bin(LAB_VENV) / "jupyter"), "lab", TOUR, *jupyter_args]
    if os.name != "nt" and os.geteuid() == 0:
        argv.append("--allow-root")
    os.execv(argv[0], argv)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def test(*pytest_args: str) -> None:
    """Ruff, mypy and the whole suite; `--stress N [pytest args]` runs the suite N times under
    load."""
    args = list(pytest_args)
    stress_runs = 0
    if args[:1] == ["--stress"]:
        if len(args) < 2 or not args[1].isdigit() or int(args[1]) < 1:
            sys.exit("usage: python3 tasks.py test --stress N [pytest args]")
        stress_runs, args = int(args[1]), args[2:]
    _have_system_packages(SYSTEM_PACKAGES)
    if _in_ci() and shutil.which("chromium") is None:
        # tests/browser/ fail on their own then; say why before spending time on the rest.
        sys.exit("CI: Debian's chromium is needed by tests/browser/ and could not be installed")
    venv()
    _have_aws_node_ric()
    _have_runtime_sdk()
    _run(BIN / "ruff", "check", "lambda_nb", "tests", "benchmarks", "tasks.py")
    _run(BIN / "mypy")  # what and how strictly: [tool.mypy] in pyproject.toml
    if stress_runs:
        sys.exit(stress(stress_runs, args))
    _run(PYTHON, "-m", "pytest", *args)


# A burner keeps one core busy; it stops by itself when its parent goes (however it went) or
# after its time limit, so a stress run can never leave load behind.
_BURNER = """
import os, sys, time
parent, until = os.getppid(), time.monotonic() + float(sys.argv[1])
while os.getppid() == parent and time.monotonic() < until:
    for _ in range(200000):
        pass
"""


def stress(runs: int, pytest_args: list[str]) -> int:
    """Run the suite `runs` times while every core is kept busy; report each failure by test id.

    Each run's pytest output and JUnit XML go to test-artifacts/stress/<time>/ (git-ignored); the
    logs of runs that passed are removed, those of failed runs kept. Returns the exit status.
    """
    out = ROOT / "test-artifacts" / "stress" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    # The cores this process may use (a container's share), not the host's count.
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity else os.cpu_count() or 1
    limit = str(runs * 3600)  # an hour a run at the very most
    burners = [subprocess.Popen([sys.executable, "-c", _BURNER, limit]) for _ in range(cores)]
    print(f"stress: {runs} runs of the suite with {cores} burner(s) busy; logs in {out}")
    failures: dict[str, list[int]] = {}
    failed_runs = 0
    try:
        for k in range(1, runs + 1):
            log, junit = out / f"run-{k}.log", out / f"run-{k}.xml"
            started = time.monotonic()
            with open(log, "wb") as f:
                code = subprocess.call(
                    [str(PYTHON), "-m", "pytest", f"--junitxml={junit}", *pytest_args],
                    cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                )  # fmt: skip
            failed = _junit_failures(junit)
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
            print(f"stress run {k}/{runs}: exit {code} in {time.monotonic() - started:.0f} s: "
                  f"{tail[0].strip('= ')}", flush=True)  # fmt: skip
            for test_id in failed:
                print(f"    FAILED {test_id}")
                failures.setdefault(test_id, []).append(k)
            if code == 0 and not failed:
                log.unlink()
            else:
                failed_runs += 1
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    summary = [f"{runs - failed_runs} of {runs} runs passed"]
    summary += [f"{test_id}: failed in run(s) {runs_}" for test_id, runs_ in failures.items()]
    (out / "summary.txt").write_text("\n".join(summary) + "\n")
    print("stress: " + "\n    ".join(summary))
    return 1 if failed_runs else 0


def _junit_failures(junit: Path) -> list[str]:
    """Test ids (tests/x.py::test_y[param]) of the failures and errors in a JUnit XML report."""
    if not junit.exists():
        return ["(no report: pytest did not finish)"]
    ids = []
    try:
        cases = list(ElementTree.parse(junit).iter("testcase"))
    except ElementTree.ParseError:
        return ["(unreadable report: pytest was cut off)"]
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            # classname is "tests.test_x" or, inside a class, "tests.test_x.TestY"
            parts = case.get("classname", "").split(".")
            classes = [p for p in parts if p[:1].isupper()]
            module = "/".join(p for p in parts if p not in classes)
            ids.append("::".join([f"{module}.py", *classes, case.get("name", "")]))
    return ids


# The fast suite a normal user runs in CI (the sandbox's unprivileged mode, files owned by
# someone else, no pyenv): everything but the browser tests and the install matrix.
NORMAL_USER = "lambda-nb-ci"
FAST_SUITE = ["-m", "not browser", "--ignore=tests/test_install.py"]


def test_as_user(*pytest_args: str) -> None:
    """As root: run the fast suite as a normal user created for the purpose, from a copy of
    this working tree in that user's home, with Debian's python3 (root's pyenv is not theirs).

    Root and a normal user see different machines: user namespaces without privilege, no
    cgroup to write, other people's files. CI runs this after the whole suite as root.
    """
    if os.name == "nt" or os.geteuid() != 0:
        sys.exit("test-as-user creates a user: run it as root (a normal user runs `test`)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    python3 = "/usr/bin/python3"
    if subprocess.call([python3, "-m", "ensurepip", "--version"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL) != 0:  # fmt: skip
        _run("apt-get", "update", "-qq", env=env)
        _run("apt-get", "install", "-y", "-qq", "python3-venv", env=env)
    if subprocess.call(["id", "-u", NORMAL_USER], stdout=subprocess.DEVNULL) != 0:
        _run("useradd", "--create-home", "--shell", "/bin/bash", NORMAL_USER)
    home = Path("/home") / NORMAL_USER
    copy = home / "lambda_nb"
    if copy.is_dir():  # a copy from an earlier run: its files go, its venvs stay (they are slow)
        for old in copy.iterdir():
            if old.name.startswith(".venv"):
                continue
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout  # fmt: skip
    for rel in filter(None, listed.decode().split("\0")):
        src, dst = ROOT / rel, copy / rel
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    _run("chown", "-R", f"{NORMAL_USER}:{NORMAL_USER}", copy)
    # The machine's own settings (proxy, CA bundles, pip and npm options) pass through; what
    # names root or root's interpreters does not.
    own = {"HOME", "USER", "LOGNAME", "PATH", "SHELL", "MAIL", "PWD", "OLDPWD", "VIRTUAL_ENV"}
    user_env = {k: v for k, v in os.environ.items() if k not in own and "PYENV" not in k}
    user_env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"  # where runuser is
    argv = ["runuser", "-u", NORMAL_USER, "--", "env", f"HOME={home}", f"USER={NORMAL_USER}",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            python3, "tasks.py", "test", *(pytest_args or FAST_SUITE)]  # fmt: skip
    print(f"test-as-user: the fast suite as {NORMAL_USER!r} in {copy}", flush=True)
    subprocess.run(argv, cwd=copy, env=user_env, check=True)


def bench(*args: str) -> None:
    """The one table of every speed figure beside the peers and the floor
    (benchmarks/bench_table.py, its options after `bench`); `bench all` runs every script."""
    venv()
    if args[:1] == ("all",):
        for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
            _run(PYTHON, script)
        return
    _run(PYTHON, ROOT / "benchmarks" / "bench_table.py", *args)


TASKS = {
    "venv": venv, "lab": lab, "test": test, "test-as-user": test_as_user, "bench": bench,
}  # fmt: skip

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [pytest or jupyter lab args]")
    try:
        TASKS[sys.argv[1]](*sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
