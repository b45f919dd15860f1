"""The Invoke request as the Lambda API takes it: what is checked before anything runs, and
what the caller gets back besides the payload.

The service (`service.LambdaService.invoke`) runs the invocation; this module holds the rules of
the request itself, so they are written once for every caller (the `Function` handle, the magic,
the CLI, and later the triggers):

- the body: JSON, at most 6 MB for a synchronous invoke and 1 MB for an asynchronous one
  (lambda-runtime.md 5.9 and 7);
- `InvocationType` `RequestResponse`, `Event` or `DryRun` (lambda-runtime.md 8: DryRun validates
  and runs nothing; the API answers 204 with an empty body);
- `LogType=Tail`: the base64 of the last 4 KB of the invocation's log, START to REPORT, without
  INIT_START, which CloudWatch has but the tail does not (lambda-runtime.md 4.1 and 8);
- the client context: a JSON object the caller sends base64-encoded in `X-Amz-Client-Context`,
  at most 3583 bytes in that form (lambda-runtime.md 1), which the runtime receives decoded in
  the `Lambda-Runtime-Client-Context` header.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from lambda_nb.engine.config import ASYNC_REQUEST_MAX_BYTES, REQUEST_MAX_BYTES
from lambda_nb.engine.errors import (
    InvalidRequestContentException,
    RequestEntityTooLargeException,
    ValidationException,
)

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation

INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")
CLIENT_CONTEXT_MAX = 3583  # bytes of the base64 text in X-Amz-Client-Context
TAIL_BYTES = 4096


def encode_event(event: Any, asynchronous: bool = False) -> bytes:
    """The Invoke request body: JSON, at most 6 MB (1 MB for InvocationType Event), as the
    Lambda API requires."""
    if isinstance(event, (bytes, bytearray)):  # the caller's own bytes: parse to check them
        body = bytes(event)
        _check_json(body)
    else:  # serialised here: one pass, with NaN and Infinity refused as they go
        try:
            body = json.dumps(event, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValueError) and "Out of range float" in str(exc):
                _check_json(json.dumps(event).encode())  # names the token (errors only)
            raise InvalidRequestContentException(
                f"Could not parse request body into json: the event is not JSON ({exc})"
            ) from None
    if asynchronous and len(body) > ASYNC_REQUEST_MAX_BYTES:
        raise RequestEntityTooLargeException(
            f"{len(body)} byte payload is too large for the Event invocation type "
            f"(limit {ASYNC_REQUEST_MAX_BYTES} bytes)"
        )
    if len(body) >= REQUEST_MAX_BYTES:  # "must be smaller than 6291456": 6291456 is refused
        raise RequestEntityTooLargeException(
            f"Request must be smaller than {REQUEST_MAX_BYTES} bytes for the InvokeFunction "
            "operation"
        )
    return body


def _check_json(body: bytes) -> None:
    """Refuse a body that is not JSON, as the service does."""
    try:
        json.loads(body, parse_constant=_not_json)
    except _NonStandardToken as exc:
        # NaN and Infinity are not JSON. The service's Jackson parser says so in these words
        # (recalled from users' reports: UNCONFIRMED in the spec).
        raise InvalidRequestContentException(
            "Could not parse request body into json: Could not parse payload into json: "
            f"Non-standard token '{exc.args[0]}': enable "
            "JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"
        ) from None
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {exc}"
        ) from None


class _NonStandardToken(ValueError):
    pass


def _not_json(token: str) -> Any:
    raise _NonStandardToken(token)


def _enum_error(value: object, member: str, allowed: tuple[str, ...]) -> ValidationException:
    # The API's request validation wording ("1 validation error detected: ..."). The exact text
    # for these two members is UNCONFIRMED in the spec; this is the form every AWS API uses.
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def check_invocation_type(invocation_type: str) -> None:
    if invocation_type not in INVOCATION_TYPES:
        raise _enum_error(invocation_type, "invocationType", INVOCATION_TYPES)


def check_log_type(log_type: str | None) -> bool:
    """Whether the caller asked for the log tail (`LogType=Tail`); None means "None"."""
    if log_type is not None and log_type not in LOG_TYPES:
        raise _enum_error(log_type, "logType", LOG_TYPES)
    return log_type == "Tail"


def client_context_header(client_context: dict[str, Any] | None) -> str | None:
    """The client context as the runtime receives it (JSON text), checked as the API checks
    the base64 form the caller sends."""
    if client_context is None:
        return None
    if not isinstance(client_context, dict):
        raise InvalidRequestContentException("Client context must be a valid JSON object.")
    try:
        text = json.dumps(client_context)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestContentException(
            f"Client context must be a valid JSON object: {exc}"
        ) from None
    if len(base64.b64encode(text.encode())) > CLIENT_CONTEXT_MAX:
        raise ValidationException(
            "1 validation error detected: Value at 'clientContext' failed to satisfy "
            f"constraint: Member must have length less than or equal to {CLIENT_CONTEXT_MAX}"
        )
    return text


def log_result(inv: Invocation) -> str:
    """`X-Amz-Log-Result`: the base64 of the last 4 KB of the invocation's log lines."""
    lines = [
        rec.message if rec.message.endswith("\n") else rec.message + "\n"
        for rec in list(inv.logs)
        if not (rec.source == "platform" and rec.message.startswith("INIT_START"))
    ]
    tail = "".join(lines).encode("utf-8")[-TAIL_BYTES:]
    return base64.b64encode(tail).decode("ascii")
