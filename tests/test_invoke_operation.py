"""The Invoke operation of the service: request checks, DryRun, LogType=Tail, the client context,
and the history that the service (not the Function handle) keeps."""

from __future__ import annotations

import base64

import pytest

from lambda_nb.engine.errors import (
    InvalidRequestContentException,
    RequestEntityTooLargeException,
    ResourceNotFoundException,
    ValidationException,
)
from lambda_nb.engine.invoke import CLIENT_CONTEXT_MAX, TAIL_BYTES
from lambda_nb.engine.records import AsyncRequest

ECHO_CONTEXT = """
def lambda_handler(event, context):
    cc = context.client_context
    if cc is None:
        return None
    client = cc.client
    return {"custom": cc.custom, "env": cc.env,
            "app_title": None if client is None else client.app_title}
"""
CHATTY = """
def lambda_handler(event, context):
    for i in range(event["lines"]):
        print(f"line {i:05d} " + "x" * 60)
    return "done"
"""


def test_dry_run_checks_the_request_and_runs_nothing(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return 1\n")
    assert fn.invoke({"a": 1}, invocation_type="DryRun") is None
    assert fn.history == [] and fn.environments == []
    with pytest.raises(InvalidRequestContentException):
        fn.invoke(b"{not json", invocation_type="DryRun")
    assert fn.history == []


def test_refused_requests_run_nothing_and_are_not_recorded(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return 1\n")
    with pytest.raises(ValidationException) as bad_type:
        fn.invoke({}, invocation_type="Later")
    assert str(bad_type.value) == (
        "ValidationException: 1 validation error detected: Value 'Later' at 'invocationType' "
        "failed to satisfy constraint: Member must satisfy enum value set: "
        "[Event, RequestResponse, DryRun]"
    )
    with pytest.raises(ValidationException, match="'logType'"):
        fn.invoke({}, log_type="Head")
    with pytest.raises(ResourceNotFoundException) as missing:
        fn.invoke({}, qualifier="7")
    assert str(missing.value).endswith(f"Function not found: {fn.config.function_arn}:7")
    with pytest.raises(RequestEntityTooLargeException):
        fn.invoke("x" * 6_291_456)
    with pytest.raises(InvalidRequestContentException):
        fn.invoke({}, client_context={"custom": {1, 2}})  # a set is not JSON
    assert fn.history == [] and fn.environments == []


def test_invoke_of_a_deleted_function_is_resource_not_found(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return 1\n")
    inv = fn.invoke({})
    fn.close()
    with pytest.raises(ResourceNotFoundException, match=r"Function not found: arn:aws:lambda:"):
        fn.invoke({})
    assert fn.history == [inv]  # the handle's history stays readable


def test_history_lives_in_the_service(make_function, service):
    fn = make_function("def lambda_handler(e, c):\n    return e\n")
    first, second = fn.invoke(1), fn.invoke(2)
    assert service.history(fn.name) is fn.history
    assert [inv.payload for inv in fn.history] == [1, 2] == [first.payload, second.payload]
    direct = service.invoke(fn.name, 3)
    assert fn.history[-1] is direct and direct.payload == 3


def test_log_tail_is_the_last_4_kb_without_init_start(make_function):
    fn = make_function(CHATTY)
    inv = fn.invoke({"lines": 3}, log_type="Tail")
    tail = base64.b64decode(inv.log_result).decode()
    assert tail.startswith("START RequestId: " + inv.request_id)
    assert "INIT_START" not in tail and "INIT_START" in inv.log_text()
    assert tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId: " + inv.request_id)
    assert "line 00002" in tail
    assert fn.invoke({"lines": 1}).log_result is None  # only when asked for

    long = fn.invoke({"lines": 200}, log_type="Tail")
    tail = base64.b64decode(long.log_result)
    assert len(tail) == TAIL_BYTES
    assert long.log_text().encode().endswith(tail)


def test_client_context_reaches_the_context_object(make_function):
    fn = make_function(ECHO_CONTEXT)
    assert fn.invoke({}).payload is None
    context = {"custom": {"k": "v"}, "env": {"platform": "notebook"}, "client": {"app_title": "t"}}
    assert fn.invoke({}, client_context=context).payload == {
        "custom": {"k": "v"}, "env": {"platform": "notebook"}, "app_title": "t",
    }  # fmt: skip


def test_client_context_over_its_limit_is_refused(make_function):
    fn = make_function(ECHO_CONTEXT)
    # Base64 comes in groups of 4: at most 3580 characters, which encode 2685 bytes of JSON.
    fits = {"custom": {"k": "x" * (2685 - len('{"custom": {"k": ""}}'))}}
    assert fn.invoke({}, client_context=fits).payload["custom"] == fits["custom"]
    over = {"custom": {"k": "x" * (2686 - len('{"custom": {"k": ""}}'))}}
    with pytest.raises(ValidationException, match=f"less than or equal to {CLIENT_CONTEXT_MAX}"):
        fn.invoke({}, client_context=over)


def test_response_headers_as_properties(make_function):
    ok = make_function("def lambda_handler(e, c):\n    return 1\n").invoke({})
    assert (ok.executed_version, ok.function_error) == ("$LATEST", None)
    failed = make_function("def lambda_handler(e, c):\n    raise ValueError('x')\n").invoke({})
    assert failed.function_error == "Unhandled"


def test_invocation_type_event_queues_the_event(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return e\n")
    req = fn.invoke({"k": 1}, invocation_type="Event")
    assert isinstance(req, AsyncRequest)
    assert req.wait(60).status == "succeeded" and req.attempts[0].payload == {"k": 1}


def test_events_that_are_not_json_are_refused(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return 1\n")
    for event in ({"x": float("nan")}, {"x": float("inf")}, b'{"x": NaN}'):
        with pytest.raises(InvalidRequestContentException, match="Could not parse request body"):
            fn.invoke(event)
    assert fn.history == []


def test_a_request_of_exactly_6291456_bytes_is_refused(make_function):
    """"Request must be smaller than 6291456 bytes": the limit itself is too large."""
    fn = make_function("def lambda_handler(e, c):\n    return len(e)\n")
    with pytest.raises(RequestEntityTooLargeException):
        fn.invoke(b'"' + b"x" * (6_291_456 - 2) + b'"')
    assert fn.invoke(b'"' + b"x" * (6_291_455 - 2) + b'"').payload == 6_291_453
