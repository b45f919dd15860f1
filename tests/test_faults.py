"""The fault suite: handlers that go wrong in every way we know, each checked against what real
Lambda does (lambda-runtime.md sections 4.1, 5): the caller's errorType and message, the REPORT
status, whether the next invoke is cold or warm, and that no process is left behind (the
`make_function` fixture checks that after every test).

Each case runs under our runtime client and under AWS's own awslambdaric.
"""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass

import pytest

RID = r"[0-9a-f-]{36}"
CLIENTS = ["lambda_nb"]
if importlib.util.find_spec("awslambdaric") is not None:
    CLIENTS.append("awslambdaric")


@pytest.fixture(params=CLIENTS)
def client(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Fault:
    code: str
    error_type: str
    message: str  # a regex, fully matched; RID stands for the request id
    report_status: str | None
    report_error_type: str | None
    next_cold: bool
    status: str = "error"
    # Generous unless the timeout is the fault: a crash or a failed init is followed by a re-init
    # inside the invoke phase, which must fit in the timeout even on a loaded machine.
    timeout: float = 10
    memory: int = 128
    handler: str = "lambda_function.lambda_handler"


FAULTS = {
    "raise": Fault(
        "def lambda_handler(event, context):\n    raise ValueError('boom')\n",
        "ValueError",
        "boom",
        None,
        None,
        next_cold=False,
    ),
    "raise_during_init": Fault(
        "raise RuntimeError('no config')\ndef lambda_handler(event, context):\n    return 1\n",
        "RuntimeError",
        "no config",
        "error",
        "Runtime.Unknown",
        next_cold=True,
    ),
    "syntax_error": Fault(
        "def lambda_handler(event, context)\n    return 1\n",
        "Runtime.UserCodeSyntaxError",
        r"Syntax error in module 'lambda_function': .*\(lambda_function\.py, line 1\)",
        "error",
        "Runtime.UserCodeSyntaxError",
        next_cold=True,
    ),
    "missing_handler": Fault(
        "def handler(event, context):\n    return 1\n",
        "Runtime.HandlerNotFound",
        "Handler 'lambda_handler' missing on module 'lambda_function'",
        "error",
        "Runtime.HandlerNotFound",
        next_cold=True,
    ),
    "malformed_handler_name": Fault(
        "def lambda_handler(event, context):\n    return 1\n",
        "Runtime.MalformedHandlerName",
        re.escape("Bad handler 'lambda_function': not enough values to unpack (expected 2, got 1)"),
        "error",
        "Runtime.MalformedHandlerName",
        next_cold=True,
        handler="lambda_function",
    ),
    "import_error": Fault(
        "import no_such_module_xyz\ndef lambda_handler(event, context):\n    return 1\n",
        "Runtime.ImportModuleError",
        "Unable to import module 'lambda_function': No module named 'no_such_module_xyz'",
        "error",
        "Runtime.ImportModuleError",
        next_cold=True,
    ),
    "non_json_return": Fault(
        "import datetime\ndef lambda_handler(event, context):\n"
        "    return {'when': datetime.datetime(2024, 1, 1)}\n",
        "Runtime.MarshalError",
        "Unable to marshal response: Object of type datetime is not JSON serializable",
        None,
        None,
        next_cold=False,
    ),
    "generator_return": Fault(
        "def lambda_handler(event, context):\n    return (i for i in range(3))\n",
        "Runtime.MarshalError",
        "Unable to marshal response: Object of type generator is not JSON serializable",
        None,
        None,
        next_cold=False,
    ),
    "response_over_6mb": Fault(
        "def lambda_handler(event, context):\n    return 'x' * (7 * 1024 * 1024)\n",
        "Function.ResponseSizeTooLarge",
        re.escape("Response payload size exceeded maximum allowed payload size (6291556 bytes)."),
        # The Runtime API refuses the body with 413; awslambdaric then exits, so the next is cold.
        "error",
        "Function.ResponseSizeTooLarge",
        next_cold=True,
        timeout=10,
    ),
    "sys_exit_0": Fault(
        "import sys\ndef lambda_handler(event, context):\n    sys.exit(0)\n",
        "Runtime.ExitError",
        f"RequestId: {RID} Error: Runtime exited without providing a reason",
        "error",
        "Runtime.ExitError",
        next_cold=True,
        status="crash",
    ),
    "sys_exit_3": Fault(
        "import sys\ndef lambda_handler(event, context):\n    sys.exit(3)\n",
        "Runtime.ExitError",
        f"RequestId: {RID} Error: Runtime exited with error: exit status 3",
        "error",
        "Runtime.ExitError",
        next_cold=True,
        status="crash",
    ),
    "os_exit_1": Fault(
        "import os\ndef lambda_handler(event, context):\n    os._exit(1)\n",
        "Runtime.ExitError",
        f"RequestId: {RID} Error: Runtime exited with error: exit status 1",
        "error",
        "Runtime.ExitError",
        next_cold=True,
        status="crash",
    ),
    "segfault": Fault(
        "import ctypes\ndef lambda_handler(event, context):\n    ctypes.string_at(0)\n",
        "Runtime.ExitError",
        f"RequestId: {RID} Error: Runtime exited with error: signal: segmentation fault",
        "error",
        "Runtime.ExitError",
        next_cold=True,
        status="crash",
    ),
    "infinite_loop": Fault(
        "def lambda_handler(event, context):\n    while True:\n        pass\n",
        "Sandbox.Timedout",
        f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
        "timeout",
        None,
        next_cold=True,
        status="timeout",
        timeout=1,
    ),
    "c_level_loop": Fault(
        "def lambda_handler(event, context):\n    return sum(range(10**12))\n",
        "Sandbox.Timedout",
        f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
        "timeout",
        None,
        next_cold=True,
        status="timeout",
        timeout=1,
    ),
    "sleep_past_timeout": Fault(
        "import time\ndef lambda_handler(event, context):\n    time.sleep(30)\n",
        "Sandbox.Timedout",
        f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
        "timeout",
        None,
        next_cold=True,
        status="timeout",
        timeout=1,
    ),
    "catch_base_exception": Fault(
        "import time\ndef lambda_handler(event, context):\n"
        "    while True:\n        try:\n            time.sleep(30)\n"
        "        except BaseException:\n            pass\n",
        "Sandbox.Timedout",
        f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
        "timeout",
        None,
        next_cold=True,
        status="timeout",
        timeout=1,
    ),
    "sigterm_ignored": Fault(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "def lambda_handler(event, context):\n    time.sleep(30)\n",
        "Sandbox.Timedout",
        f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
        "timeout",
        None,
        next_cold=True,
        status="timeout",
        timeout=1,
    ),
    "memory_hog": Fault(
        "def lambda_handler(event, context):\n"
        "    hog = []\n    while True:\n        hog.append(bytearray(8 * 1024 * 1024))\n",
        "Runtime.OutOfMemory",
        f"RequestId: {RID} Error: Runtime exited with error: signal: killed",
        "error",
        "Runtime.OutOfMemory",
        next_cold=True,
        status="out_of_memory",
        timeout=20,
    ),
}


@pytest.mark.parametrize("case", list(FAULTS), ids=list(FAULTS))
def test_fault(case: str, client: str, make_function, assert_report_line) -> None:
    fault = FAULTS[case]
    fn = make_function(
        fault.code, timeout=fault.timeout, memory=fault.memory, handler=fault.handler,
        runtime_client=client,
    )  # fmt: skip
    started = time.monotonic()
    inv = fn.invoke({"case": case})
    elapsed = time.monotonic() - started
    assert inv.status == fault.status, inv.log_text()
    assert inv.error is not None
    assert inv.error["errorType"] == fault.error_type, inv.error
    message = fault.message.replace(RID, re.escape(inv.request_id))
    assert re.fullmatch(message, inv.error["errorMessage"]), inv.error["errorMessage"]
    assert_report_line(inv, fault.report_status, fault.report_error_type)
    if fault.status == "timeout":
        assert inv.report.duration_ms == fault.timeout * 1000
        # The kill is prompt even for C code and caught signals. `elapsed` includes the cold
        # start, and the machine may be loaded: only a kill that is far off fails here (the
        # overshoot itself is measured in benchmarks/bench_invoke.py).
        assert elapsed < fault.timeout + 10
        assert any("Task timed out after" in r.message for r in inv.logs)
    nxt = fn.invoke({"case": case, "again": True})
    assert nxt.cold is fault.next_cold
    # Only a new environment's first invoke shows Init Duration; a re-init after a reset or a
    # failed init runs inside the invoke phase and counts in Duration instead.
    assert nxt.report is not None and nxt.report.init_duration_ms is None


def test_init_error_sequence_matches_cloudwatch(make_function, client: str) -> None:
    """INIT_START, init error, INIT_REPORT (init), retried error, INIT_REPORT (invoke), START..."""
    # A generous timeout: the retry runs inside the invoke phase, within the function's timeout.
    fn = make_function("def handler(e, c):\n    return 1\n", timeout=30, runtime_client=client)
    inv = fn.invoke({})
    platform = [r.message.split(" ")[0].split("\t")[0] for r in inv.logs if r.source == "platform"]
    assert platform == ["INIT_START", "INIT_REPORT", "INIT_REPORT", "START", "END", "REPORT"]
    reports = [r.message for r in inv.logs if r.message.startswith("INIT_REPORT")]
    assert "\tPhase: init\tStatus: error\tError Type: Runtime.HandlerNotFound\n" in reports[0]
    assert "\tPhase: invoke\tStatus: error\tError Type: Runtime.HandlerNotFound\n" in reports[1]
    errors = [r.message for r in inv.logs if r.message.startswith("[ERROR]")]
    assert len(errors) == 2  # the error is logged by both attempts
    assert inv.report is not None and inv.report.init_duration_ms is None


def test_fifty_megabytes_of_print(make_function, client: str) -> None:
    code = (
        "import sys\ndef lambda_handler(event, context):\n"
        "    line = 'x' * 99 + '\\n'\n"
        "    for _ in range(500_000):\n        sys.stdout.write(line)\n    return 'done'\n"
    )
    fn = make_function(code, timeout=120, runtime_client=client)  # ~5 s on an idle machine
    inv = fn.invoke({})
    assert inv.status == "success" and inv.payload == "done"
    lines = [r for r in inv.logs if r.source == "stdout"]
    assert len(lines) == 500_000
    assert fn.invoke({}).cold is False


def test_threads_are_frozen_between_invokes(make_function, client: str) -> None:
    # A thread ticks every 10 ms and keeps the longest pause it saw between two ticks. Frozen
    # between invokes, it sees a pause at least as long as the test's sleep; running, ~10 ms.
    # (Counting ticks instead would depend on how fast a loaded machine lets it tick.)
    code = (
        "import threading, time\nseen = {'ticks': 0, 'pause': 0.0}\n"
        "def spin():\n    last = time.monotonic()\n    while True:\n        time.sleep(0.01)\n"
        "        now = time.monotonic()\n        seen['pause'] = max(seen['pause'], now - last)\n"
        "        seen['ticks'] += 1\n        last = now\n"
        "def lambda_handler(event, context):\n"
        "    if event.get('start'):\n        threading.Thread(target=spin, daemon=True).start()\n"
        "    ticks = seen['ticks']\n"
        "    while seen['ticks'] < ticks + 2:  # the thread has run in this invoke too\n"
        "        time.sleep(0.005)\n"
        "    return seen['pause']\n"
    )
    fn = make_function(code, timeout=30, runtime_client=client)
    first = fn.invoke({"start": True})
    assert first.status == "success", first.log_text()
    time.sleep(1.0)  # the environment is frozen meanwhile: the thread cannot tick
    after = fn.invoke({})
    assert after.status == "success", after.log_text()
    assert after.payload >= 0.9, after.payload  # no tick during the whole second


def test_child_process_left_running_is_frozen_and_ended(make_function, client: str) -> None:
    code = (
        "import subprocess\nchild = None\n"
        "def lambda_handler(event, context):\n    global child\n"
        "    if child is None:\n"
        "        child = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "    return child.pid\n"
    )
    fn = make_function(code, runtime_client=client)
    inv = fn.invoke({})
    assert inv.status == "success"
    assert fn.invoke({}).payload == inv.payload  # warm: the same child
    # The fixture asserts that the child, which left the process group, is gone after close().


def test_interrupt_aborts_and_next_invoke_works(make_function, client: str) -> None:
    code = "import time\ndef lambda_handler(event, context):\n    time.sleep(event['s'])\n"
    fn = make_function(code + "    return 1\n", timeout=30, runtime_client=client)

    def interrupt(inv):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fn.invoke({"s": 10}, on_progress=interrupt)
    aborted = fn.history[-1]
    assert aborted.status == "aborted" and aborted.done
    after = fn.invoke({"s": 0})
    assert after.status == "success" and after.cold
