"""An HTTP request as a front end receives it, and the event each front end makes of it.

Pure functions (no sockets): `rest_event` (API Gateway REST API, payload 1.0),
`http_event` (HTTP API, payload 2.0) and `url_event` (function URL, 2.0 with `$default`
everything). Field order and shapes follow the catalog's generators
(lambda_nb/events/apigateway.py, functionurl.py); the values come from the real request, as
triggers.md 1.2 and 1.3 map them:

- REST: header names as sent, `headers` = last value, `multiValueHeaders` = all; the same for the
  query (values decoded, `+` is a space); `null` for an absent query or body; the path not
  decoded; `requestContext.path` carries the stage; the body is base64 only when its
  Content-Type is one of the API's binary media types. The recorded REST event has no
  `version` key (triggers.md 1.1), so neither has this one.
- 2.0: names lower-cased, duplicates joined with `,`, cookies out of the `Cookie` header into
  `cookies`; `rawQueryString` as received without `?`; `body` absent when empty; base64 unless
  the body is ASCII and its Content-Type names text, json or xml (LocalStack's rule, which
  triggers.md 1.3 says to follow, AWS publishing none).

The front end adds what AWS's edge adds to every request: `X-Amzn-Trace-Id` and the
`X-Forwarded-For/Port/Proto` headers (here the truth: the client's address, the local port and
`http`).
"""

from __future__ import annotations

import base64
import fnmatch
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from lambda_nb.aws.http_routes import Match
from lambda_nb.events._clock import clf, epoch_ms
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Pairs, joined, last_and_all

ACCOUNT_ID = "123456789012"  # the engine's account (engine/config.py)
REGION = "us-east-1"


@dataclass
class HttpRequest:
    """What arrived: the request line's parts, the headers in order (duplicates kept, names as
    sent), the body bytes, and who sent it."""

    method: str
    path: str  # as received, not percent-decoded
    query: str = ""  # as received, without the "?"
    headers: Pairs = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    port: int = 80
    protocol: str = "HTTP/1.1"

    @classmethod
    def from_target(cls, method: str, target: str, **kwargs: Any) -> HttpRequest:
        """Split a request target `/path?query` (a `#fragment` never reaches a server)."""
        path, _, query = target.partition("?")
        return cls(method, path or "/", query, **kwargs)

    def header(self, name: str, default: str = "") -> str:
        """The last value of header `name` (case-insensitive)."""
        found = [v for n, v in self.headers if n.lower() == name.lower()]
        return found[-1] if found else default


@dataclass(frozen=True)
class Api:
    """The front end's own identity: what AWS would have named it, and its stage."""

    api_id: str
    domain_name: str
    stage: str
    binary_media_types: tuple[str, ...] = ()
    deployment_id: str = ""
    resource_ids: dict[str, str] = field(default_factory=dict)  # REST: one per resource


def forwarded(request: HttpRequest, g: Gen) -> Pairs:
    """The request's headers plus what the AWS edge adds (unless the client sent them)."""
    names = {n.lower() for n, _ in request.headers}
    added = [
        ("X-Amzn-Trace-Id", g.trace_id()),
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", str(request.port)),
        ("X-Forwarded-Proto", "http"),
    ]
    return list(request.headers) + [(n, v) for n, v in added if n.lower() not in names]


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_binary_type(content_type: str, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a Content-Type (or one Accept entry) matches the API's binaryMediaTypes, which
    may use wildcards (`image/*`, `*/*`)."""
    kind = media_type(content_type)
    return bool(kind) and any(fnmatch.fnmatchcase(kind, t.lower()) for t in binary_media_types)


def query_items(query: str) -> Pairs:
    """The query's (name, value) pairs, decoded (`%2B` is `+`, `+` is a space), blanks kept."""
    return parse_qsl(query, keep_blank_values=True)


def rest_event(request: HttpRequest, match: Match, api: Api, g: Gen) -> dict[str, Any]:
    """The REST API proxy event (payload 1.0) of `request` on the matched resource."""
    resource = match.route.template or "/"
    items = forwarded(request, g)
    single, multi = last_and_all(items)
    q_items = query_items(request.query)
    q_single, q_multi = last_and_all(q_items) if q_items else (None, None)
    if not request.body:
        body, is_b64 = None, False
    elif is_binary_type(request.header("Content-Type"), api.binary_media_types):
        body, is_b64 = base64.b64encode(request.body).decode("ascii"), True
    else:
        body, is_b64 = request.body.decode("utf-8", errors="replace"), False
    when = g.now
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": api.api_id,
        "deploymentId": api.deployment_id,
        "domainName": api.domain_name,
        "domainPrefix": api.api_id,
        "extendedRequestId": g.token(15) + "=",
        "httpMethod": request.method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": request.source_ip,
            "user": None,
            "userAgent": request.header("User-Agent"),
            "userArn": None,
        },
        "path": f"/{api.stage}{request.path}",
        "protocol": request.protocol,
        "requestId": g.uuid(),
        "requestTime": clf(when),
        "requestTimeEpoch": epoch_ms(when),
        "resourceId": api.resource_ids.get(resource, ""),
        "resourcePath": resource,
        "stage": api.stage,
    }
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": q_single,
        "multiValueQueryStringParameters": q_multi,
        "requestContext": context,
        "pathParameters": match.path_parameters,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": is_b64,
    }


def _v2_body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    kind = request.header("Content-Type").lower()
    textual = any(word in kind for word in ("text", "json", "xml"))
    if textual and request.body.isascii():
        return request.body.decode("ascii"), False
    return base64.b64encode(request.body).decode("ascii"), True


def http_event(
    request: HttpRequest, match: Match, api: Api, g: Gen, *, request_id: str | None = None
) -> dict[str, Any]:
    """The payload-2.0 event of `request` (HTTP API; `url_event` builds on it)."""
    jar: list[str] = []
    kept: Pairs = []
    for name, value in forwarded(request, g):
        if name.lower() == "cookie":
            jar.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            kept.append((name, value))
    q_items = query_items(request.query)
    body, is_b64 = _v2_body(request)
    route_key = match.route.key
    when = g.now
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": api.api_id,
        "domainName": api.domain_name,
        "domainPrefix": api.api_id,
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent"),
        },
        "requestId": request_id or (g.token(15) + "="),
        "routeKey": route_key,
        "stage": api.stage,
        "time": clf(when),
        "timeEpoch": epoch_ms(when),
    }
    out: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if jar:
        out["cookies"] = jar
    out["headers"] = joined(kept, lower=True)
    if q_items:
        out["queryStringParameters"] = joined(q_items)
    if match.path_parameters:
        out["pathParameters"] = match.path_parameters
    out["requestContext"] = context
    if body is not None:
        out["body"] = body
    out["isBase64Encoded"] = is_b64
    return out


def url_event(request: HttpRequest, match: Match, api: Api, g: Gen) -> dict[str, Any]:
    """The function URL event: payload 2.0, `$default` route and stage, a UUID request id and
    the caller's account `anonymous` (auth type NONE), as the catalog's functionurl.request."""
    out = http_event(request, match, api, g, request_id=g.uuid())
    out["requestContext"]["accountId"] = "anonymous"
    return out
