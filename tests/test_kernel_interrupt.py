"""Kernel > Interrupt during an invocation, in a real IPython kernel: the invocation is aborted,
the kernel stays alive, nothing keeps running, and the next invoke works."""

from __future__ import annotations

import json
import time

import pytest
from gate import Gate

jupyter_client = pytest.importorskip("jupyter_client")

# The handler connects to the gate whose port is event["started"]: it runs (tests/gate.py).
CELL = """%%lambda interrupted --timeout 60 -o first --event '{event}'
import time
def lambda_handler(event, context):
    if "started" in event:
        __import__("socket").create_connection(("127.0.0.1", event["started"])).close()
    time.sleep(event.get("s", 60))
    return "finished"
"""


def run(kc, code: str, timeout: float = 60) -> list[dict]:
    """Execute `code` and collect its iopub messages until the kernel is idle again."""
    msg_id = kc.execute(code)
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
    raise TimeoutError(code)


def text_of(messages: list[dict]) -> str:
    out = []
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            out.append(content["text"])
        elif msg["msg_type"] in ("execute_result", "display_data", "update_display_data"):
            out.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            out.append(f"{content['ename']}: {content['evalue']}")
    return "\n".join(out)


def test_interrupt_aborts_the_invocation_and_the_kernel_lives(
    runtime_processes, gate: Gate
):
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        run(kc, "%load_ext lambda_nb")
        msg_id = kc.execute(CELL.format(event=json.dumps({"started": gate.port})))
        gate.wait_for(1, timeout=60)
        km.interrupt_kernel()
        messages = []
        while True:
            msg = kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert "KeyboardInterrupt" in text_of(messages)
        # Only the Aborted view and one line: no traceback of the magic's frames.
        (error,) = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert error["ename"] == "KeyboardInterrupt"
        assert error["traceback"] == [
            "KeyboardInterrupt: interrupted: the invocation was aborted and its environment reset"
        ]
        final = [m for m in messages if m["msg_type"] == "update_display_data"][-1]
        assert "Aborted" in final["content"]["data"]["text/plain"]
        status = text_of(run(kc, "print(first.status, first.done)"))
        assert "aborted True" in status
        stream = text_of(run(kc, "print(first.environment)")).strip()
        assert runtime_processes(stream) == []  # the environment was reset
        again = text_of(run(kc, '%lambda invoke interrupted --event \'{"s": 0}\' -o second\nprint(second.status, second.cold)'))
        assert "success True" in again
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
