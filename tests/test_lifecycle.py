"""Lifecycle edges: the 10 s init limit, and no runtime outliving the process that owns it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest


def test_init_over_ten_seconds_is_cut_and_retried_in_the_invoke_phase(make_function):
    fn = make_function(
        "import time\ntime.sleep(60)\ndef lambda_handler(event, context):\n    return 1\n",
        timeout=2,
    )
    started = time.monotonic()
    inv = fn.invoke({})
    assert time.monotonic() - started < 10 + 2 + 10  # init limit + timeout + slack
    init_reports = [r.message for r in inv.logs if r.message.startswith("INIT_REPORT")]
    assert len(init_reports) == 2
    assert init_reports[0].startswith("INIT_REPORT Init Duration: 100")
    assert init_reports[0].endswith("\tPhase: init\tStatus: timeout\n")
    assert init_reports[1].endswith("\tPhase: invoke\tStatus: timeout\n")
    # The retry inside the invoke phase is bounded by the function timeout.
    assert inv.status == "timeout"
    assert inv.error["errorMessage"].endswith("Task timed out after 2.00 seconds")
    assert inv.report.status == "timeout" and inv.report.duration_ms == 2000


# Init code that leaves a daemon behind, out of the runtime's process group: a child in its own
# session, and a grandchild whose parent exited at once (a double fork, so it is not even below
# the runtime any more).
DAEMONS = {
    "setsid": "import subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True)\n",
    "double-fork": "import subprocess\nsubprocess.run(['sh', '-c', 'setsid sleep 300 &'])\n",
}


@pytest.mark.parametrize("backend", ["auto", "poll"])  # poll: no cgroup, as for non-root users
@pytest.mark.parametrize("daemon", list(DAEMONS))
def test_no_runtime_survives_its_owner_being_killed(processes_with_env, backend, daemon):
    code = DAEMONS[daemon] + "def lambda_handler(e, c):\n    return 1\n"
    owner = textwrap.dedent(
        f"""
        import sys, time
        from lambda_nb import Function
        fn = Function.from_source({code!r}, name="orphan-check")
        inv = fn.invoke({{}})
        print(inv.environment, flush=True)
        time.sleep(300)
        """
    )
    env = {**os.environ, "LAMBDA_NB_MEMORY_BACKEND": backend}
    proc = subprocess.Popen(
        [sys.executable, "-c", owner], stdout=subprocess.PIPE, text=True, env=env
    )
    stream = proc.stdout.readline().strip()
    assert stream, "the owner did not invoke"
    # The runtime and the daemon, alive (frozen) while their owner runs.
    assert len(processes_with_env(stream)) >= 2
    proc.kill()  # SIGKILL: no atexit hooks run
    proc.wait()
    deadline = time.monotonic() + 30  # generous: the watchdog runs on a loaded machine too
    while processes_with_env(stream) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with_env(stream) == []


def test_owner_killed_leaves_no_cgroup_or_work_dir(tmp_path):
    owner = textwrap.dedent(
        """
        import time
        from lambda_nb import Function
        fn = Function.from_source("def lambda_handler(e, c):\\n    return 1\\n", name="dirs")
        fn.invoke({})
        env = fn.service.revision("dirs").environments[0]
        print(fn.service.work_dir, getattr(env.memory, "path", ""), flush=True)
        time.sleep(300)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", owner], stdout=subprocess.PIPE, text=True)
    work_dir, _, cgroup = proc.stdout.readline().strip().partition(" ")
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    paths = [p for p in (work_dir, cgroup) if p]
    while any(os.path.exists(p) for p in paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in paths if os.path.exists(p)] == []
