"""Shared fixtures: real functions in a real local service; nothing may outlive them."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gate import Gate

from lambda_nb import Function
from lambda_nb.engine.records import Invocation
from lambda_nb.engine.service import LambdaService, default_service

_names = itertools.count(1)
# Which runtime client tests use unless they choose (AWS's awslambdaric is the oracle).
DEFAULT_CLIENT = os.environ.get("LAMBDA_NB_TEST_CLIENT", "lambda_nb")


def processes_with_env(marker: str, *also: str) -> list[int]:
    """PIDs of live processes whose environment contains `marker` (e.g. a log stream name) and
    every string in `also`; Linux only, elsewhere nothing is found."""
    if not sys.platform.startswith("linux"):
        return []
    found = []
    needles = [m.encode() for m in (marker, *also)]
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        if all(n in environ for n in needles) and b") Z " not in state:  # zombies are dead
            found.append(int(entry))
    return found


def _sandbox_own(pid: int) -> bool:
    """Is `pid` the sandbox itself (bwrap, or its keeper `sleep infinity` below bwrap), which
    outlives a reset as the environment's /tmp does (engine/sandbox.py)?"""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        parent = int(Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])
        parent_argv = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, IndexError):
        return False
    if os.path.basename(argv[0]) == b"bwrap":
        return True
    return argv[:2] == [b"sleep", b"infinity"] and os.path.basename(parent_argv[0]) == b"bwrap"


def runtime_processes(marker: str) -> list[int]:
    """The processes of an environment's runtime (what a reset kills), without the sandbox."""
    return [pid for pid in processes_with_env(marker) if not _sandbox_own(pid)]


@pytest.fixture
def process_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run this test's environments as host processes: it shares files with its handler, which
    the sandbox (rightly) does not allow."""
    monkeypatch.setenv("LAMBDA_NB_ISOLATION", "process")


@pytest.fixture
def gate() -> Iterator[Gate]:
    """A loopback rendezvous with handlers, which share no files with the test in the sandbox."""
    opened = Gate()
    yield opened
    opened.close()


@pytest.fixture(name="processes_with_env")
def processes_with_env_fixture() -> Callable[[str], list[int]]:
    return processes_with_env


@pytest.fixture(name="runtime_processes")
def runtime_processes_fixture() -> Callable[[str], list[int]]:
    return runtime_processes


@pytest.fixture(scope="module")
def service() -> Iterator[LambdaService]:
    svc = LambdaService()
    yield svc
    svc.close()


@pytest.fixture
def make_function(service: LambdaService) -> Iterator[Callable[..., Function]]:
    """Create functions with unique names; afterwards, assert none of their processes is left."""
    made: list[Function] = []

    def make(code: str, **options: object) -> Function:
        options.setdefault("name", f"fn-{os.getpid()}-{next(_names)}")
        options.setdefault("runtime_client", DEFAULT_CLIENT)
        fn = Function.from_source(code, service=service, **options)  # type: ignore[arg-type]
        made.append(fn)
        return fn

    yield make
    streams = [s for fn in made for s in fn.log_group]
    for fn in made:
        fn.close()
    if sys.platform == "linux":
        leftovers = {s: processes_with_env(s) for s in streams}
        assert not any(leftovers.values()), f"processes left behind: {leftovers}"


def assert_report_line(inv: Invocation, status: str | None, error_type: str | None) -> None:
    """The REPORT line ends as CloudWatch shows it: `Status`/`Error Type`, or a TAB on success."""
    assert inv.report is not None
    assert (inv.report.status, inv.report.error_type) == (status, error_type)
    line = [r.message for r in inv.logs if r.message.startswith("REPORT")][-1]
    if status:
        tail = f"Status: {status}" + (f"\tError Type: {error_type}" if error_type else "")
        assert line.endswith(tail + "\n"), line
    else:
        assert line.endswith("\t\n") and "Status" not in line, line


@pytest.fixture(name="assert_report_line")
def assert_report_line_fixture() -> Callable[[Invocation, str | None, str | None], None]:
    return assert_report_line


# ------------------------------------------------------------- IPython's test shell, in-process
@pytest.fixture(scope="module")
def session_ip() -> Any:
    from IPython.testing import globalipapp

    globalipapp.start_ipython()  # once per process; a second call returns None
    return globalipapp.get_ipython()  # which the first call replaced by the real shell's


@pytest.fixture
def ip(session_ip: Any) -> Iterator[Any]:
    """The shell with lambda_nb loaded; afterwards unloaded, its config and new names gone."""
    before = set(session_ip.user_ns)
    session_ip.run_line_magic("load_ext", "lambda_nb")
    yield session_ip
    session_ip.run_line_magic("unload_ext", "lambda_nb")
    session_ip.config.pop("LambdaMagics", None)  # %config persists across %reload_ext
    for key in set(session_ip.user_ns) - before:  # cheaper than %reset -f (two gc passes)
        del session_ip.user_ns[key]


@pytest.fixture
def name(request: pytest.FixtureRequest) -> Iterator[str]:
    """A function name of this test's own; afterwards it is deleted and nothing of it runs."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    fn_name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.originalname)[:50] + "-" + digest
    yield fn_name
    service = default_service()
    fn = service.functions.get(fn_name)
    if fn is not None:
        fn.close()
    # Only this process's functions (their task roots are in its service's work dir): another
    # test run on the same machine may use the same name at the same moment.
    assert not processes_with_env(f"AWS_LAMBDA_FUNCTION_NAME={fn_name}\0", str(service.work_dir))
