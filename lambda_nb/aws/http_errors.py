"""The front ends' own error responses: triggers.md 1.9, row by row, byte for byte.

- function error: REST 502 `{"message": "Internal server error"}`; HTTP API 500
  `{"message":"Internal Server Error"}`; function URL 502, plain `Internal Server Error`.
- malformed result: the same three (a function URL's is UNCONFIRMED; 502 expected).
- invoke refused (throttle, too large for Lambda, no function): REST 500 as above; HTTP API 500
  (UNCONFIRMED); function URL: throttle 429, too large 413, no function 403 `{"Message":null}`.
- gateway timeout: REST 504 `{"message": "Endpoint request timed out"}`; HTTP API 503
  `{"message":"Service Unavailable"}`; a function URL has none.
- request over the gateway's 10 MB: REST 413 `{"message":"Request Too Long"}`; HTTP API 413
  `HTTP content length exceeded 10485760 bytes.` (both UNCONFIRMED).
- no route: REST 403 `{"message":"Missing Authentication Token"}`; HTTP API 404
  `{"message":"Not Found"}`; a function URL routes everything.
- gateway throttle (a stage's rate and burst limits): 429 `{"message":"Too Many Requests"}`
  for both (UNCONFIRMED bodies).
- auth failure: a function URL with auth type AWS_IAM and an unsigned request: 403, the
  recorded `{"Message":"Forbidden. ..."}` (http_auth.py; the gateways' authorizers are not
  emulated).

"Function error" covers a handler that raised, a runtime that crashed, a function that timed
out or ran out of memory, and a response over Lambda's 6 MB (Function.ResponseSizeTooLarge).
The spacing differs between the REST and HTTP API bodies on purpose: that is what each sends.
Where the spec marks a body UNCONFIRMED the choice is noted at its constant. A function URL's
refusals use the Lambda API's error shape (`Type`, `message`, `Reason`; the code in
`x-amzn-ErrorType`), as the Invoke API sends them (lambda-runtime.md 5.9, triggers.md 4).
"""

from __future__ import annotations

import json
from typing import Literal

from lambda_nb.aws.http_response import HttpResponse

ApiKind = Literal["rest", "http", "url"]
Situation = Literal[
    "function_error", "malformed", "refused", "throttled", "not_found", "too_large",
    "timeout", "no_route", "forbidden", "gateway_throttled",
]  # fmt: skip

GATEWAY_MAX_BYTES = 10 * 1024 * 1024  # REST and HTTP API payload quota (triggers.md 1.8)
JSON = "application/json"

# REST API gateway responses: `{"message": ...}` with a space, and the error type header.
_REST_500 = b'{"message": "Internal server error"}'
_REST = {
    "function_error": (502, _REST_500, "InternalServerErrorException"),
    "malformed": (502, _REST_500, "InternalServerErrorException"),
    "refused": (500, _REST_500, "InternalServerErrorException"),
    "throttled": (500, _REST_500, "InternalServerErrorException"),
    "not_found": (500, _REST_500, "InternalServerErrorException"),
    "too_large": (500, _REST_500, "InternalServerErrorException"),  # Lambda refused the event
    "timeout": (504, b'{"message": "Endpoint request timed out"}', None),
    "no_route": (403, b'{"message":"Missing Authentication Token"}',
                 "MissingAuthenticationTokenException"),
    # THROTTLED; the body and the error type are UNCONFIRMED (triggers.md 1.9)
    "gateway_throttled": (429, b'{"message":"Too Many Requests"}', "TooManyRequestsException"),
}  # fmt: skip
REST_REQUEST_TOO_LARGE = (413, b'{"message":"Request Too Long"}')  # body UNCONFIRMED (I-413)

# HTTP API: compact JSON, no error type header.
_HTTP_500 = b'{"message":"Internal Server Error"}'
_HTTP = {
    "function_error": (500, _HTTP_500),
    "malformed": (500, _HTTP_500),
    "refused": (500, _HTTP_500),
    "throttled": (500, _HTTP_500),
    "not_found": (500, _HTTP_500),
    "too_large": (500, _HTTP_500),
    "timeout": (503, b'{"message":"Service Unavailable"}'),  # body UNCONFIRMED (I-503)
    "no_route": (404, b'{"message":"Not Found"}'),
    "gateway_throttled": (429, b'{"message":"Too Many Requests"}'),  # body UNCONFIRMED
}
HTTP_REQUEST_TOO_LARGE = (413, b"HTTP content length exceeded 10485760 bytes.")  # UNCONFIRMED

_URL_FUNCTION_ERROR = (502, b"Internal Server Error")


def _lambda_error(status: int, code: str, message: str, reason: str | None) -> HttpResponse:
    body: dict[str, str] = {"Type": "User", "message": message}
    if reason is not None:
        body["Reason"] = reason
    headers = [("Content-Type", JSON), ("x-amzn-ErrorType", code)]
    return HttpResponse(status, headers, json.dumps(body).encode())


def error_response(
    api: ApiKind, situation: Situation, message: str = "", reason: str | None = None
) -> HttpResponse:
    """The response `api` sends in `situation`. `message`/`reason` are the Lambda API's, used
    where a function URL passes the Invoke API's refusal on."""
    if api == "rest":
        status, body, error_type = _REST[situation]
        headers = [("Content-Type", JSON)]
        if error_type is not None:
            headers.append(("x-amzn-ErrorType", error_type))
        return HttpResponse(status, headers, body)
    if api == "http":
        status, body = _HTTP[situation]
        return HttpResponse(status, [("Content-Type", JSON)], body)
    if situation == "forbidden":
        return url_forbidden()
    if situation == "throttled":  # triggers.md 4: a function URL answers 429; body UNCONFIRMED
        return _lambda_error(
            429, "TooManyRequestsException", message or "Rate Exceeded.",
            reason or "ReservedFunctionConcurrentInvocationLimitExceeded",
        )  # fmt: skip
    if situation == "too_large":  # the Invoke API's 413, passed on (UNCONFIRMED for URLs)
        return _lambda_error(413, "RequestEntityTooLargeException", message, None)
    if situation == "not_found":  # no function behind the URL: the recorded 403 (1.7)
        headers = [("Content-Type", JSON), ("x-amzn-ErrorType", "AccessDeniedException")]
        return HttpResponse(403, headers, b'{"Message":null}')
    status, body = _URL_FUNCTION_ERROR
    return HttpResponse(status, [("Content-Type", "text/plain; charset=utf-8")], body)


URL_FORBIDDEN = (  # the recorded body (triggers.md 1.7)
    b'{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: '
    b'https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}'
)


def url_forbidden() -> HttpResponse:
    """A function URL with auth type AWS_IAM refusing a request that is not signed."""
    headers = [("Content-Type", JSON), ("x-amzn-ErrorType", "AccessDeniedException")]
    return HttpResponse(403, headers, URL_FORBIDDEN)


def request_too_large(api: ApiKind) -> HttpResponse:
    """A body over the gateway's 10 MB quota, refused before any invoke (REST and HTTP API; a
    function URL has no gateway quota: the Invoke API's 6 MB limit answers instead)."""
    if api == "rest":
        status, body = REST_REQUEST_TOO_LARGE
        return HttpResponse(status, [("Content-Type", JSON)], body)
    status, body = HTTP_REQUEST_TOO_LARGE
    return HttpResponse(status, [("Content-Type", "text/plain; charset=utf-8")], body)
