"""The asynchronous queue's schedule and records, with a manual clock and attempts that need no
runtime: retries after about 1 and 2 minutes with one request id, the event age checked before
each retry, throttles backed off and not counted, ZeroReservedConcurrency, drop on close."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from lambda_nb.engine.clock import Clock, ManualClock
from lambda_nb.engine.destinations import EventInvokeConfig, destination_record
from lambda_nb.engine.errors import TooManyRequestsException
from lambda_nb.engine.event_queue import EventQueue, QueueHooks
from lambda_nb.engine.records import AsyncRequest, Invocation

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"


class Harness:
    """A queue whose attempts follow a script: "ok", "error", "timeout" or "throttle"."""

    def __init__(self, script: list[str], config: EventInvokeConfig, reserved: int | None = None):
        self.clock = ManualClock()
        self.script = list(script)
        self.config = config
        self.reserved = reserved
        self.tried_at: list[float] = []
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self.queue = EventQueue(
            QueueHooks(
                attempt=self.attempt,
                config=lambda name: self.config,
                reserved=lambda name: self.reserved,
                deliver=lambda target, record: self.delivered.append((target, record)),
                function_arn=lambda request: ARN,
            ),
            self.clock,
        )

    def attempt(self, request: AsyncRequest) -> Invocation:
        self.tried_at.append(self.clock.now())
        what = self.script.pop(0)
        if what == "throttle":
            raise TooManyRequestsException()
        inv = Invocation(request.request_id, "f", "$LATEST", request.event)
        if what == "ok":
            inv.status, inv.raw_payload, inv.payload = "success", b'{"r": 1}', {"r": 1}
        else:
            inv.status = "timeout" if what == "timeout" else "error"
            inv.error = {"errorMessage": what, "errorType": "E"}
        return inv

    def submit(self, event: Any = None) -> AsyncRequest:
        payload = json.dumps(event).encode()
        return self.queue.submit(AsyncRequest("rid-1", "f", event, payload))

    def run_until_done(self, request: AsyncRequest, step: float = 1.0, limit: float = 30000.0):
        """Advance Lambda time step by step until the event is done."""
        while not request.done and self.clock.now() < limit:
            if self._idle() and not self._due():  # nothing runs and nothing is due: time moves
                self.clock.advance(step)
            time.sleep(0.002)
        assert request.done, f"not done at t={self.clock.now()}: {request}"
        return request

    def _idle(self) -> bool:
        return not self.queue._running

    def _due(self) -> bool:
        """An event is due but the scheduler has not taken it yet."""
        with self.queue._cv:
            heap = self.queue._heap
            return bool(heap) and heap[0].at <= self.clock.now()


def test_success_goes_to_the_on_success_destination():
    h = Harness(["ok"], EventInvokeConfig(on_success="dest"))
    req = h.run_until_done(h.submit({"k": "v"}))
    assert (req.status, req.condition, len(req.attempts)) == ("succeeded", "Success", 1)
    [(target, record)] = h.delivered
    assert target == "dest"
    assert list(record) == [
        "version", "timestamp", "requestContext", "requestPayload", "responseContext",
        "responsePayload",
    ]  # fmt: skip
    assert record["requestContext"] == {
        "requestId": "rid-1", "functionArn": ARN, "condition": "Success",
        "approximateInvokeCount": 1,
    }  # fmt: skip
    assert record["requestPayload"] == {"k": "v"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"r": 1}


def test_errors_are_retried_after_about_one_then_two_minutes_with_one_request_id():
    h = Harness(["error", "timeout", "error"], EventInvokeConfig(on_failure="dlq"))
    req = h.run_until_done(h.submit())
    assert (req.status, req.condition) == ("failed", "RetriesExhausted")
    assert [inv.request_id for inv in req.attempts] == ["rid-1"] * 3
    first, second, third = h.tried_at
    assert 60 <= second - first < 62 and 120 <= third - second < 122
    [(target, record)] = h.delivered
    assert target == "dlq"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"] == {
        "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled",
    }  # fmt: skip
    assert record["responsePayload"] == {"errorMessage": "error", "errorType": "E"}


@pytest.mark.parametrize(("retries", "tries"), [(0, 1), (1, 2)])
def test_fewer_retries(retries: int, tries: int):
    h = Harness(["error"] * 3, EventInvokeConfig(maximum_retry_attempts=retries))
    req = h.run_until_done(h.submit())
    assert (req.status, len(req.attempts)) == ("failed", tries)
    assert h.delivered == []  # no destination configured


def test_a_success_on_retry_ends_the_event():
    h = Harness(["error", "ok"], EventInvokeConfig(on_success="s", on_failure="f"))
    req = h.run_until_done(h.submit())
    assert (req.status, len(req.attempts)) == ("succeeded", 2)
    assert [t for t, _ in h.delivered] == ["s"]
    assert h.delivered[0][1]["requestContext"]["approximateInvokeCount"] == 2


def test_an_event_too_old_for_its_next_retry_expires_at_once():
    # Age 90 s: the first retry (at ~60 s) fits, the second (at ~180 s) does not.
    h = Harness(["error", "error", "ok"], EventInvokeConfig(maximum_event_age=90, on_failure="f"))
    req = h.run_until_done(h.submit())
    assert (req.status, req.condition, len(req.attempts)) == ("expired", "EventAgeExceeded", 2)
    assert h.clock.now() < 125  # gave up right after the second attempt
    record = h.delivered[0][1]
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorMessage"] == "error"  # the last response is kept


def test_throttles_back_off_exponentially_and_do_not_count_as_attempts():
    h = Harness(["throttle", "throttle", "throttle", "ok"], EventInvokeConfig())
    req = h.run_until_done(h.submit(), step=0.25)
    assert (req.status, len(req.attempts), req.throttles) == ("succeeded", 1, 3)
    gaps = [b - a for a, b in zip(h.tried_at, h.tried_at[1:], strict=False)]
    assert [round(g) for g in gaps] == [1, 2, 4]


def test_throttled_until_too_old_expires_without_a_response():
    h = Harness(["throttle"] * 20, EventInvokeConfig(maximum_event_age=60, on_failure="f"))
    req = h.run_until_done(h.submit(), step=0.5)
    assert (req.status, req.condition, req.attempts) == ("expired", "EventAgeExceeded", [])
    record = h.delivered[0][1]
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record


def test_zero_reserved_concurrency_fails_at_once_without_running():
    h = Harness([], EventInvokeConfig(on_failure="f"), reserved=0)
    req = h.submit({"a": 1}).wait(30)  # ended by the queue's own thread: no recursion
    assert req.done and (req.status, req.condition) == ("failed", "ZeroReservedConcurrency")
    record = h.delivered[0][1]
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"a": 1}
    assert "responseContext" not in record and h.tried_at == []


def test_close_drops_what_is_queued():
    h = Harness(["error"], EventInvokeConfig())
    req = h.submit()
    while not req.attempts:  # the first attempt runs; its retry waits a minute
        time.sleep(0.002)
    while h.queue._running:
        time.sleep(0.002)
    assert req.status == "retrying"
    assert h.queue.close() == [req]
    assert req.done and req.status == "dropped"
    late = h.submit()
    assert late.status == "dropped"


def test_the_clock_scale_rebases_without_jumps():
    clock = Clock()
    before = clock.now()
    clock.set_factor(1000)
    time.sleep(0.01)
    assert 5 <= clock.now() - before < 60
    assert clock.real_seconds(60) == pytest.approx(0.06)
    with pytest.raises(ValueError):
        clock.set_factor(0)


def test_record_timestamp_format():
    record = destination_record("r", ARN, "Success", 1, b"{}", ("$LATEST", b"1", False))
    stamp = record["timestamp"]
    assert len(stamp) == 24 and stamp[10] == "T" and stamp.endswith("Z")


def test_a_waiter_wakes_when_the_event_is_done():
    h = Harness(["ok"], EventInvokeConfig())
    req = h.submit()
    woke = threading.Event()
    threading.Thread(target=lambda: (req.wait(), woke.set()), daemon=True).start()
    h.run_until_done(req)
    assert woke.wait(10)


def test_an_attempt_the_service_cannot_run_ends_the_event():
    h = Harness([], EventInvokeConfig(on_failure="f"))
    h.attempt = lambda request: (_ for _ in ()).throw(OSError("no file descriptors"))  # type: ignore[method-assign]
    h.queue.hooks.attempt = h.attempt
    req = h.submit().wait(30)
    assert req.done and (req.status, req.condition) == ("failed", "RetriesExhausted")
    assert h.delivered[0][1]["requestContext"]["approximateInvokeCount"] == 0


def test_a_record_that_cannot_be_delivered_still_ends_the_event():
    h = Harness(["ok"], EventInvokeConfig(on_success="s"))

    def refuse(target: str, record: dict[str, Any]) -> None:
        raise RuntimeError("the destination refused it")

    h.queue.hooks.deliver = refuse
    req = h.run_until_done(h.submit())
    assert req.status == "succeeded" and req.record is not None


def test_a_dropped_functions_retry_is_not_queued_again():
    h = Harness(["error", "ok"], EventInvokeConfig())
    gate = threading.Event()
    attempt = h.attempt

    def slow(request: AsyncRequest) -> Invocation:
        gate.wait(30)  # hold the first attempt while the function is deleted
        return attempt(request)

    h.queue.hooks.attempt = slow
    req = h.submit()
    while not h.queue._running:
        time.sleep(0.002)
    h.queue.drop("f")  # the function is deleted while its attempt runs
    gate.set()
    req.wait(30)
    assert req.status == "dropped" and len(req.attempts) == 1
