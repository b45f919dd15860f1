"""What happens to an asynchronous event's result: the event-invoke config (retries, event age,
destinations) and the destination record, as Lambda writes them.

Facts: lambda-runtime.md 8 (retries 0-2, default 2; event age 60-21600 s, default 6 h; the
record's fields and order), triggers.md 5 (same request id on every attempt; approximateInvokeCount
counts the runs; the age is checked before each retry) and 5.1 (the config API's errors).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_nb.engine.config import ACCOUNT_ID, REGION
from lambda_nb.engine.errors import InvalidParameterValueException, ValidationException

RETRIES_MAX, RETRIES_DEFAULT = 2, 2
EVENT_AGE_MIN, EVENT_AGE_MAX = 60, 21600
RETRY_DELAYS = (60.0, 120.0)  # "about 1 and 2 minutes" before the first and second retry
_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"


@dataclass(frozen=True)
class EventInvokeConfig:
    """PutFunctionEventInvokeConfig's settings. Destinations are function names here (a Lambda
    destination receives the record as its event); queues, topics and buses come with the local
    AWS."""

    maximum_retry_attempts: int = RETRIES_DEFAULT
    maximum_event_age: int = EVENT_AGE_MAX
    on_success: str | None = None
    on_failure: str | None = None


def _range_error(member: str, value: object, bound: str, limit: int) -> ValidationException:
    # triggers.md 5.1: recorded for the upper bounds; the lower-bound text follows the same form
    # (UNCONFIRMED: boto3 refuses those before sending).
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must have value {bound} than or equal to {limit}"
    )


@dataclass(frozen=True)
class ServiceDestinations:
    """Destinations outside Lambda (SQS queues, SNS topics, EventBridge buses), delivered by
    whoever provides those services: `lambda_nb.aws` registers itself when the local AWS
    starts. The engine only asks: `accepts(arn)` (such a destination exists there) and
    `deliver(arn, record)`."""

    accepts: Callable[[str], bool]
    deliver: Callable[[str, dict[str, Any]], None]
    # A dead-letter queue or topic: (arn, the event as sent, message attributes as
    # {name: (data type, value)}) (lambda-runtime.md 8: RequestID, ErrorCode, ErrorMessage).
    dead_letter: Callable[[str, bytes, dict[str, tuple[str, str]]], None] | None = None


SERVICE_DESTINATIONS: list[ServiceDestinations] = []


def service_destination(target: str) -> ServiceDestinations | None:
    """Who delivers to `target`, an ARN of a queue, topic or bus, if anyone here does."""
    if not target.startswith("arn:") or target.startswith(_FUNCTION_ARN):
        return None
    return next((s for s in list(SERVICE_DESTINATIONS) if s.accepts(target)), None)


def destination_name(target: str, function_name: str, exists: Any) -> str:
    """The function a destination names (a name or a Lambda function ARN), or the ARN of a
    queue, topic or bus a `ServiceDestinations` accepts, checked as the config API checks it;
    `exists(name)` says whether such a function is there."""
    name = target[len(_FUNCTION_ARN) :] if target.startswith(_FUNCTION_ARN) else target
    name = name.split(":", 1)[0]
    if target.startswith("arn:") and not target.startswith(_FUNCTION_ARN):
        if service_destination(target) is not None:
            return target
        raise InvalidParameterValueException(
            f"The provided destination config DestinationConfig(destination={target}) is "
            "invalid. (Queues, topics and event buses are those of the local AWS: "
            "lambda_nb.aws.start(), then create them.)"
        )
    if name == function_name:
        raise InvalidParameterValueException(
            "You can't specify the function as a destination for itself."
        )
    if not exists(name):
        raise InvalidParameterValueException(
            f"The destination ARN {_FUNCTION_ARN}{name} is invalid."
        )
    return name


def event_invoke_config(
    function_name: str,
    exists: Any,
    maximum_retry_attempts: int = RETRIES_DEFAULT,
    maximum_event_age: int = EVENT_AGE_MAX,
    on_success: str | None = None,
    on_failure: str | None = None,
) -> EventInvokeConfig:
    """A checked config: out-of-range values get the API's validation error."""
    retries, age = maximum_retry_attempts, maximum_event_age
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise ValidationException(f"maximumRetryAttempts must be a whole number, not {retries!r}")
    if isinstance(age, bool) or not isinstance(age, int):
        raise ValidationException(f"maximumEventAgeInSeconds must be a whole number, not {age!r}")
    if retries > RETRIES_MAX:
        raise _range_error("maximumRetryAttempts", retries, "less", RETRIES_MAX)
    if retries < 0:
        raise _range_error("maximumRetryAttempts", retries, "greater", 0)
    if age > EVENT_AGE_MAX:
        raise _range_error("maximumEventAgeInSeconds", age, "less", EVENT_AGE_MAX)
    if age < EVENT_AGE_MIN:
        raise _range_error("maximumEventAgeInSeconds", age, "greater", EVENT_AGE_MIN)
    return EventInvokeConfig(
        retries,
        age,
        None if on_success is None else destination_name(on_success, function_name, exists),
        None if on_failure is None else destination_name(on_failure, function_name, exists),
    )


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def destination_record(
    request_id: str,
    function_arn: str,
    condition: str,
    invoke_count: int,
    request_payload: bytes,
    response: tuple[str, bytes | None, bool] | None,
) -> dict[str, Any]:
    """The record a destination receives (lambda-runtime.md 8), keys in AWS's order.

    `function_arn` is qualified (`...:$LATEST`). `response` is (executed version, the response
    or error body as sent, whether it was a function error), or None when the function never
    ran (`ZeroReservedConcurrency`, or an event that aged out while throttled): then the record
    has no responseContext and no responsePayload.
    """
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": _timestamp(time.time()),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json(request_payload),
    }
    if response is not None:
        version, body, failed = response
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
        if failed:
            context["functionError"] = "Unhandled"
        record["responseContext"] = context
        record["responsePayload"] = None if body is None else _json(body)
    return record


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")


def dead_letter_attributes(
    request_id: str, error: dict[str, Any] | None
) -> dict[str, tuple[str, str]]:
    """The message attributes of a dead-letter message (lambda-runtime.md 8): the request id,
    the HTTP status the invoke had (200 for a function error) and the first KB of the error."""
    message = "" if error is None else str(error.get("errorMessage") or error.get("errorType"))
    return {
        "RequestID": ("String", request_id),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", message.encode()[:1024].decode("utf-8", "ignore") or "-"),
    }
