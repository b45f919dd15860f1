"""A function's result as the HTTP response a front end sends (pure; no sockets).

- Payload 2.0 (HTTP API, function URL), triggers.md 1.4: a result without `statusCode` is
  inferred to be the body of a 200 `application/json` response (a string is sent as it is, with
  no quotes; anything else as compact JSON); with `statusCode`, `headers` (names lower-cased,
  values as strings), `cookies` (one `set-cookie` each), `body` (a string, or an object sent as
  JSON) and `isBase64Encoded` (the body is decoded before it is sent). Unknown keys are ignored;
  `multiValueHeaders` does not exist in 2.0.
- Payload 1.0 (REST API), triggers.md 1.5: only `statusCode, body, headers,
  multiValueHeaders, isBase64Encoded` (and `base64Encoded`) are allowed; `statusCode` may be
  a numeric string and defaults to 200; header values are stringified (booleans as
  `true`/`false`); multi-value headers come first, with their own casing; a base64 body is
  decoded only when the request's Accept or the response's Content-Type is a binary media type.

A result these rules refuse raises `MalformedResult`; the front end answers with its error
(http_errors.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from lambda_nb.aws.http_request import is_binary_type

REST_KEYS = frozenset(
    {"statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded", "base64Encoded"}
)
DEFAULT_CONTENT_TYPE = "application/json"


class MalformedResult(ValueError):
    """The function's result is not a response this front end can send (the execution log's
    `Malformed Lambda proxy response`)."""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        found = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(found) if found else None


def parse_result(raw: bytes) -> Any:
    """The result as JSON; a runtime that posted something else gave a malformed result."""
    try:
        return json.loads(raw)
    except ValueError:
        raise MalformedResult("the result is not JSON") from None


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResult(f"statusCode {value!r} is not a number")
    if isinstance(value, int):
        code = value
    elif isinstance(value, str) and value.strip().isdigit():
        code = int(value)
    else:
        raise MalformedResult(f"statusCode {value!r} is not a number")
    if not 100 <= code <= 599:
        raise MalformedResult(f"statusCode {code} is not an HTTP status")
    return code


def _text(value: Any) -> str:
    """A header value as API Gateway sends it: strings as they are, JSON scalars as JSON."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    raise MalformedResult(f"header value {value!r} is not a string")


def _headers(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedResult(f"{what} is not an object")
    return value


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _with_content_type(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for name, value in headers:  # a line break would end the header and start another
        if any(c in name + value for c in "\r\n\0") or not name or ":" in name:
            raise MalformedResult(f"header {name!r} cannot be sent")
    if not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("content-type", DEFAULT_CONTENT_TYPE))
    return headers


def v2_response(result: Any) -> HttpResponse:
    """Payload format 2.0: the response of an HTTP API or a function URL."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result.encode("utf-8") if isinstance(result, str) else _compact(result)
        return HttpResponse(200, [("content-type", DEFAULT_CONTENT_TYPE)], body)
    status = _status(result["statusCode"])
    headers = [
        (str(name).lower(), _text(value))
        for name, value in _headers(result.get("headers"), "headers").items()
    ]
    cookies = result.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise MalformedResult("cookies is not a list of strings")
        headers.extend(("set-cookie", c) for c in cookies)
    raw = result.get("body")
    if raw is None:
        body = b""
    elif isinstance(raw, str):
        body = raw.encode("utf-8")
    else:
        body = _compact(raw)
    if result.get("isBase64Encoded") is True:
        body = _b64decode(body)
    return HttpResponse(status, _with_content_type(headers), body)


def rest_response(
    result: Any, binary_media_types: tuple[str, ...] = (), accept: str = ""
) -> HttpResponse:
    """Payload format 1.0: the response of a REST API proxy integration."""
    if not isinstance(result, dict):
        raise MalformedResult("the result is not an object")
    unknown = sorted(set(result) - REST_KEYS)
    if unknown:
        raise MalformedResult(f"unknown key(s): {', '.join(unknown)}")
    status = _status(result["statusCode"]) if "statusCode" in result else 200
    headers: list[tuple[str, str]] = []
    multi = _headers(result.get("multiValueHeaders"), "multiValueHeaders")
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResult(f"multiValueHeaders[{name!r}] is not a list")
        headers.extend((str(name), _text(v)) for v in values)
    for name, value in _headers(result.get("headers"), "headers").items():
        cased = next((n for n in multi if n.lower() == str(name).lower()), str(name))
        headers.append((cased, _text(value)))
    raw = result.get("body")
    if raw is not None and not isinstance(raw, str):
        raise MalformedResult("body is not a string")
    body = (raw or "").encode("utf-8")
    encoded = result.get("base64Encoded", result.get("isBase64Encoded"))
    if encoded is True:
        content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
        wanted = [a for a in accept.split(",") if a.strip()]
        if is_binary_type(content_type, binary_media_types) or any(
            is_binary_type(a, binary_media_types) for a in wanted
        ):
            body = _b64decode(body)
    return HttpResponse(status, _with_content_type(headers), body)


def _b64decode(body: bytes) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResult("isBase64Encoded is true but the body is not base64") from None
