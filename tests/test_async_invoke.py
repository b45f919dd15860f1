"""Asynchronous invocation, destinations, reserved concurrency and bursts, with real execution
environments. `time_scale` makes Lambda's minute-long retry delays pass in a tenth of a second."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from gate import Gate
from waiting import interrupt_main_when, wait_until

import lambda_nb
from lambda_nb import TooManyRequestsException
from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    RequestEntityTooLargeException,
    ValidationException,
)

RECORDER = "def lambda_handler(event, context):\n    return event\n"
FAILS = "def lambda_handler(event, context):\n    raise ValueError('no ' + str(event['n']))\n"
# Waits at the gate whose port the event names (tests/gate.py): an invocation the test holds.
HELD = """
import socket
def lambda_handler(event, context):
    with socket.create_connection(("127.0.0.1", event["gate"])) as gate:
        gate.sendall(b"s")
        gate.recv(1)
    return "released"
"""


@pytest.fixture(autouse=True)
def fast_lambda_time():
    previous = lambda_nb.time_scale(600)  # a minute of retry delay passes in 0.1 s
    yield
    lambda_nb.time_scale(previous)


def received(dest, count=1):
    """The records a destination function has received (it returns its event)."""
    wait_until(lambda: len([i for i in dest.history if i.done]) >= count, timeout=60)
    return [inv.payload for inv in dest.history]


def test_the_caller_gets_the_request_id_at_once_and_success_reaches_on_success(
    make_function, gate
):
    dest = make_function(RECORDER)
    fn = make_function(HELD)
    fn.configure_async(on_success=dest)
    event = {"gate": gate.port}
    req = fn.invoke_async(event)
    assert req.status in ("queued", "running") and not req.done  # answered before it ran
    gate.wait_for(1)
    gate.release()
    assert req.wait(60).status == "succeeded" and req.condition == "Success"
    assert [inv.request_id for inv in req.attempts] == [req.request_id]
    assert req.delivery is not None and req.delivery.wait(60).status == "succeeded"
    [record] = received(dest)
    assert record == req.record  # what the destination got is the request's own record
    assert record["requestContext"] == {
        "requestId": req.request_id,
        "functionArn": f"{fn.config.function_arn}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == event
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == "released"


def test_errors_and_timeouts_are_retried_then_reach_on_failure(make_function):
    dest = make_function(RECORDER)
    fn = make_function(FAILS)
    fn.configure_async(maximum_retry_attempts=1, on_failure=dest.config.function_arn)
    req = fn.invoke_async({"n": 7}).wait(60)
    assert (req.status, req.condition) == ("failed", "RetriesExhausted")
    assert [inv.status for inv in req.attempts] == ["error", "error"]
    assert {inv.request_id for inv in req.attempts} == {req.request_id}  # one id for every try
    [record] = received(dest)
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "no 7"
    assert record["responsePayload"]["errorType"] == "ValueError"

    sleeper = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(5)\n", timeout=1)
    sleeper.configure_async(maximum_retry_attempts=1, on_failure=dest)
    timed_out = sleeper.invoke_async({}).wait(60)
    assert [inv.status for inv in timed_out.attempts] == ["timeout", "timeout"]
    record = received(dest, 2)[1]
    assert record["responsePayload"]["errorType"] == "Sandbox.Timedout"


def test_retries_are_spaced_by_about_one_minute_of_lambda_time(make_function):
    fn = make_function(FAILS)
    req = fn.invoke_async({"n": 1}).wait(60)
    assert len(req.attempts) == 3  # the default: two retries
    assert req.record["requestContext"]["condition"] == "RetriesExhausted"  # no destination
    assert req.delivery is None
    starts = [inv.started_at for inv in req.attempts]
    # ~60 and ~120 s of Lambda time at 600x: 0.1 and 0.2 s, plus a warm invoke each.
    assert starts[1] - starts[0] >= 0.09 and starts[2] - starts[1] >= 0.19


def test_async_config_is_checked_as_the_api_checks_it(make_function):
    fn = make_function(RECORDER)
    with pytest.raises(ValidationException) as retries:
        fn.configure_async(maximum_retry_attempts=5)
    assert str(retries.value) == (
        "ValidationException: 1 validation error detected: Value '5' at 'maximumRetryAttempts' "
        "failed to satisfy constraint: Member must have value less than or equal to 2"
    )
    with pytest.raises(ValidationException, match="Value '44444' at 'maximumEventAgeInSeconds'"):
        fn.configure_async(maximum_event_age=44444)
    with pytest.raises(ValidationException, match="greater than or equal to 60"):
        fn.configure_async(maximum_event_age=59)
    with pytest.raises(InvalidParameterValueException, match="destination for itself"):
        fn.configure_async(on_failure=fn)
    with pytest.raises(InvalidParameterValueException) as missing:
        fn.configure_async(on_success="doesnotexist")
    assert str(missing.value).endswith(
        "The destination ARN arn:aws:lambda:us-east-1:123456789012:function:doesnotexist is "
        "invalid."
    )
    with pytest.raises(RequestEntityTooLargeException) as big:
        fn.invoke_async("x" * 1_048_576)
    assert str(big.value).endswith(
        "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


def test_a_sync_invoke_over_reserved_concurrency_is_throttled(make_function, gate):
    fn = make_function(HELD)
    fn.configure(reserved_concurrency=1)
    event = {"gate": gate.port}
    first: list[object] = []
    holder = threading.Thread(target=lambda: first.append(fn.invoke(event)))
    holder.start()
    gate.wait_for(1)
    with pytest.raises(TooManyRequestsException) as throttled:
        fn.invoke(event)
    assert throttled.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert throttled.value.status_code == 429
    assert str(throttled.value) == "TooManyRequestsException: Rate Exceeded."
    gate.release()
    holder.join(60)
    assert first[0].payload == "released"
    assert len(fn.history) == 1  # a throttled invoke leaves no invocation
    fn.configure(reserved_concurrency=None)
    assert fn.invoke(event).payload == "released"


def test_zero_reserved_concurrency_throttles_everything(make_function):
    dest = make_function(RECORDER)
    fn = make_function(RECORDER)
    fn.configure_async(on_failure=dest)
    fn.configure(reserved_concurrency=0)
    with pytest.raises(TooManyRequestsException):
        fn.invoke({"sync": True})
    req = fn.invoke_async({"async": True}).wait(60)  # 202, then ended without a run
    assert req.done and (req.status, req.condition) == ("failed", "ZeroReservedConcurrency")
    [record] = received(dest)
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"async": True}
    assert "responseContext" not in record
    assert fn.history == []


def test_reserved_concurrency_limits(make_function):
    fn = make_function(RECORDER)
    with pytest.raises(ValidationException, match="greater than or equal to 0"):
        fn.configure(reserved_concurrency=-1)
    with pytest.raises(InvalidParameterValueException) as floor:
        fn.configure(reserved_concurrency=901)
    assert str(floor.value).endswith(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )
    fn.configure(reserved_concurrency=900)


def test_an_async_event_throttled_by_reserved_concurrency_waits_its_turn(make_function, gate):
    fn = make_function(HELD)
    fn.configure(reserved_concurrency=1)
    first = fn.invoke_async({"gate": gate.port})
    gate.wait_for(1)
    second = fn.invoke_async({"gate": gate.port})
    wait_until(lambda: second.throttles >= 1)  # requeued with backoff while the first runs
    assert gate.arrived == 1  # the second has not run
    gate.release()
    assert first.wait(60).status == "succeeded"
    assert second.wait(60).status == "succeeded" and len(second.attempts) == 1


def test_a_burst_scales_out_to_more_environments(make_function):
    # Each invocation waits at a gate that opens when three have arrived: only three
    # environments at once can finish, so the burst proves it scaled out (and fails, not
    # hangs, if it did not: the handler gives up after 30 s).
    code = """
import socket
def lambda_handler(event, context):
    with socket.create_connection(("127.0.0.1", event["gate"]), timeout=30) as gate:
        gate.sendall(b"s")
        return len(gate.recv(1))
"""
    gate = Gate(open_at=3)
    fn = make_function(code)
    try:
        results = fn.invoke_many([{"gate": gate.port}] * 3, concurrency=3)
        again = fn.invoke_many([{"gate": gate.port}] * 3, concurrency=3)  # now open
    finally:
        gate.close()
    assert [r.payload for r in results] == [1, 1, 1]
    assert len({r.environment for r in results}) == 3
    assert all(r.cold for r in results)
    assert not any(r.cold for r in again)  # the environments are reused


def test_a_burst_over_reserved_concurrency_reports_throttles(make_function):
    fn = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(0.3)\n    return 1\n")
    fn.configure(reserved_concurrency=1)
    results = fn.invoke_many(list(range(4)), concurrency=4)
    assert len(results) == 4
    ran = [r for r in results if not isinstance(r, TooManyRequestsException)]
    assert ran and all(r.payload == 1 for r in ran)
    assert len({r.environment for r in ran}) == 1  # never more than one at once


def test_bad_bursts(make_function):
    fn = make_function(RECORDER)
    with pytest.raises(ValueError, match="at least one event"):
        fn.invoke_many([])
    with pytest.raises(ValueError, match="concurrency"):
        fn.invoke_many([1], concurrency=0)


def test_interrupting_a_burst_aborts_it_and_leaves_nothing(make_function, gate):
    fn = make_function(HELD, timeout=60)
    events = [{"gate": gate.port}] * 2
    with pytest.raises(KeyboardInterrupt), interrupt_main_when(lambda: gate.arrived >= 2):
        fn.invoke_many(events, concurrency=2)
    assert [inv.status for inv in fn.history] == ["aborted", "aborted"]
    # make_function's teardown asserts that no process of the function is left.


def test_close_drops_queued_events(make_function):
    fn = make_function(FAILS)
    lambda_nb.time_scale(1)  # the retry waits a real minute: still queued when we close
    req = fn.invoke_async({"n": 1})
    wait_until(lambda: req.status == "retrying", timeout=60)
    fn.close()
    assert req.done and req.status == "dropped"
    assert len(req.attempts) == 1


def test_the_service_ends_with_nothing_queued(tmp_path):
    from lambda_nb import Function
    from lambda_nb.engine.service import LambdaService

    service = LambdaService()
    fn = Function.from_source(FAILS, name="closing", service=service)
    lambda_nb.time_scale(1)
    req = fn.invoke_async({"n": 1})
    wait_until(lambda: req.status == "retrying", timeout=60)
    service.close()
    assert req.status == "dropped" and service.events.pending == 0
    assert not Path(service.work_dir).exists()


def test_a_failed_environment_start_gives_its_concurrency_back(make_function, monkeypatch):
    from lambda_nb.engine import service as service_module

    fn = make_function(RECORDER)
    fn.configure(reserved_concurrency=1)

    def no_descriptors(*args, **kwargs):
        raise OSError(24, "Too many open files")

    with monkeypatch.context() as patched:
        patched.setattr(service_module, "ExecutionEnvironment", no_descriptors)
        with pytest.raises(OSError):
            fn.invoke({})
    assert fn.service.concurrency.running(fn.name) == 0
    assert fn.invoke({"after": 1}).payload == {"after": 1}  # not throttled by a leaked slot


def test_a_record_over_the_event_limit_is_lost_but_the_event_ends(make_function):
    dest = make_function(RECORDER)
    fn = make_function(RECORDER)
    fn.configure_async(on_success=dest)
    req = fn.invoke_async("x" * 600_000).wait(60)  # the record holds it twice: over 1 MB
    assert req.done and req.status == "succeeded" and req.delivery is None
    assert len(req.record["requestPayload"]) == 600_000


def test_a_refused_event_in_a_burst_is_that_events_result(make_function):
    fn = make_function(RECORDER)
    results = fn.invoke_many([1, {2, 3}, 4], concurrency=1)  # a set is not JSON
    assert [r.payload for r in (results[0], results[2])] == [1, 4]
    assert type(results[1]).__name__ == "InvalidRequestContentException"


def test_a_burst_over_reserved_concurrency_is_throttled(make_function):
    fn = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(0.5)\n    return 1\n")
    fn.configure(reserved_concurrency=1)
    results = fn.invoke_many(list(range(4)), concurrency=4)
    assert any(isinstance(r, TooManyRequestsException) for r in results)
