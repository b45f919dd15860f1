"""The warm invoke's path and the ends of an invocation: what the speed work (issue 13) relies
on, tested for its structure, never for its timing (the figures are in benchmarks/).

- No thread hop: the thread that invokes answers the runtime itself (its response, then its
  next /next), on the connection the event went out on.
- A runtime that opens a connection per request (curl) still works, and leaks nothing.
- A timeout and a reset end promptly: no stall of a second anywhere on their path.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from lambda_nb.engine.environment import ExecutionEnvironment

TRIVIAL = "def lambda_handler(event, context):\n    return {'n': event.get('n')}\n"


def test_the_invoking_thread_answers_the_runtime_itself(make_function, monkeypatch):
    """The response and the next /next of a warm invoke are read and answered by the thread
    that called invoke(): no Runtime API thread, no condition variable in between."""
    seen: list[tuple[str, int]] = []
    for name in ("on_response", "on_next"):
        original = getattr(ExecutionEnvironment, name)

        def spy(self, *args, _original=original, _name=name):  # type: ignore[no-untyped-def]
            seen.append((_name, threading.get_ident()))
            return _original(self, *args)

        monkeypatch.setattr(ExecutionEnvironment, name, spy)
    fn = make_function(TRIVIAL)
    assert fn.invoke({"n": 0}).status == "success"  # cold: init's /next comes on a server thread
    seen.clear()
    for n in range(1, 6):
        inv = fn.invoke({"n": n})
        assert inv.status == "success" and inv.payload == {"n": n}
    me = threading.get_ident()
    assert [name for name, _ in seen] == ["on_response", "on_next"] * 5
    assert {ident for _, ident in seen} == {me}


def test_a_large_event_reaches_a_frozen_runtime(make_function):
    """A warm invoke's event goes out to a frozen runtime: one larger than the socket's
    buffers must not wait for a reader that is stopped."""
    fn = make_function("def lambda_handler(event, context):\n    return len(event['data'])\n")
    for size in (10, 100_000, 5 * 1024 * 1024):
        done: list[object] = []
        event = {"data": "x" * size}
        caller = threading.Thread(target=lambda d=done, e=event: d.append(fn.invoke(e)))
        caller.start()
        caller.join(60)  # stuck in sendall to a stopped runtime, it would never return
        assert done, f"a warm invoke with a {size}-byte event did not return"
        inv = done[0]
        assert inv.status == "success" and inv.payload == size  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_a_connection_per_request_runtime_leaks_no_connection(make_function):
    """curl opens a connection per call: the one the event went out on is handed back to a
    server thread, which sees it close; nothing accumulates over many invokes."""
    bootstrap = (
        "#!/bin/sh\nset -eu\nAPI=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\n"
        "while true; do\n"
        '  RID=$(curl -sS -D - -o /dev/null "$API/invocation/next" | '
        "tr -d '\\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')\n"
        '  curl -sS -o /dev/null "$API/invocation/$RID/response" -d \'"ok"\'\n'
        "done\n"
    )
    fn = make_function(bootstrap, runtime="provided.al2023", timeout=30)
    for _ in range(3):
        assert fn.invoke({}).payload == "ok"
    env = fn.service.resolve(fn.name, None)[0].environments[0]
    fds_before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    for _ in range(25):
        assert fn.invoke({}).payload == "ok"
    deadline = time.monotonic() + 30
    while len(env.server._conns) > 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the handed-back connections see curl's close on their own thread
    assert len(env.server._conns) <= 3
    if fds_before:
        assert len(os.listdir("/proc/self/fd")) <= fds_before + 3


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


def test_timeouts_and_resets_end_without_a_stall(make_function):
    """Timeouts of a sleeping, a looping and a C-looping handler end soon after the deadline,
    and a reset soon after it is asked, every time (a stall waited out a 1 s poll)."""
    fn = make_function(SLOW, timeout=1)
    worst = 0.0
    for mode in ("sleep", "loop", "c_loop") * 5:
        assert fn.invoke({}).payload == "warm"  # warm: the deadline starts at delivery
        started = time.monotonic()
        inv = fn.invoke({"mode": mode})
        assert inv.status == "timeout"
        worst = max(worst, time.monotonic() - started - 1.0)
    for _ in range(10):
        assert fn.invoke({}).payload == "warm"
        started = time.monotonic()
        fn.reset()
        worst = max(worst, time.monotonic() - started)
    assert worst < 1.0, f"an invocation's end stalled {worst:.2f} s"
