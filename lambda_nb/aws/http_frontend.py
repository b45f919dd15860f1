"""One front end (REST API, HTTP API or function URL) in front of one function: a request in,
a response out, through the service's synchronous Invoke (no sockets here: http_server.py
carries the bytes).

Each request is one Invoke, so it is in the function's history, it gets an execution
environment of its own when others are busy (the service makes more), and a throttle is the
service's own `TooManyRequestsException`. API Gateway never retries an invoke (triggers.md 1.5).

The gateway's integration timeout (REST 29 s, HTTP API 30 s; triggers.md 1.8) is the longest
the front end waits: after it the client gets the timeout response while the invocation runs
on to its own end, as on AWS. A function URL waits as long as the function may run.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_nb.aws import http_auth, http_errors, http_request, http_response, http_routes
from lambda_nb.aws.http_cors import Cors
from lambda_nb.aws.http_errors import ApiKind, Situation
from lambda_nb.aws.http_request import Api, HttpRequest
from lambda_nb.aws.http_response import HttpResponse, MalformedResult
from lambda_nb.aws.http_throttle import TokenBucket
from lambda_nb.events._gen import Gen

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation
    from lambda_nb.engine.service import LambdaService

API_KINDS: tuple[ApiKind, ...] = ("http", "rest", "url")
API_NAMES = {
    "http": "HTTP API (payload 2.0)",
    "rest": "REST API (payload 1.0)",
    "url": "function URL (payload 2.0)",
}
INTEGRATION_TIMEOUT_S = {"rest": 29.0, "http": 30.0}
DEFAULT_ROUTES = {"http": ("$default",), "rest": ("ANY /", "ANY /{proxy+}"), "url": ("$default",)}
DEFAULT_STAGE = {"http": "$default", "rest": "prod", "url": "$default"}
INIT_ALLOWANCE_S = 10.0  # a cold start's init may take this long before the handler runs


@dataclass
class Exchange:
    """One request and what became of it: the response, the invocation if one ran, and which
    row of the error table answered, if any (`situation`)."""

    request: HttpRequest
    response: HttpResponse
    invocation: Invocation | None = None
    situation: Situation | None = None
    detail: str = ""  # why: the malformed result's fault, the refusal's message
    started: float = field(default_factory=time.time)
    duration_ms: float = 0.0


def _lower_id(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(n))


class FrontEnd:
    """Routes, events and responses of one API kind for function `name` (and `qualifier`)."""

    def __init__(
        self,
        service: LambdaService,
        name: str,
        api: str = "http",
        *,
        qualifier: str | None = None,
        routes: list[str] | tuple[str, ...] | None = None,
        stage: str | None = None,
        binary_media_types: list[str] | tuple[str, ...] = (),
        integration_timeout: float | None = None,
        cors: Mapping[str, Any] | None = None,
        auth_type: str = "NONE",
        throttle: tuple[float, int] | None = None,
        port: int = 0,
    ) -> None:
        if api not in API_KINDS:
            raise ValueError(f"api {api!r}: expected one of {', '.join(API_KINDS)}")
        kind: ApiKind = api
        if kind == "url" and routes is not None:
            raise ValueError("a function URL has no routes: every path and method reaches it")
        if kind == "url" and integration_timeout is not None:
            raise ValueError("a function URL has no integration timeout: the function's applies")
        if kind != "rest" and binary_media_types:
            raise ValueError("binary_media_types is a REST API setting (payload 2.0 decides "
                             "base64 from the Content-Type)")  # fmt: skip
        if kind == "rest" and cors is not None:
            raise ValueError("a REST API has no CORS setting (only HTTP APIs and function URLs)")
        self.cors = Cors.parse(cors) if cors is not None else None
        if auth_type not in http_auth.AUTH_TYPES:
            raise ValueError(f"auth_type {auth_type!r}: expected NONE or AWS_IAM")
        if kind != "url" and auth_type != "NONE":
            raise ValueError("auth_type is a function URL setting")
        self.auth_type = auth_type
        if kind == "url" and throttle is not None:
            raise ValueError("a function URL has no throttle setting: reserve concurrency")
        self.throttle = TokenBucket(*throttle) if throttle is not None else None
        self.service = service
        self.name = name
        self.api: ApiKind = kind
        self.qualifier = qualifier
        self.routes = http_routes.parse_routes(list(routes or DEFAULT_ROUTES[kind]))
        if kind == "rest" and any(r.template is None for r in self.routes):
            raise ValueError("a REST API has no $default route; use 'ANY /{proxy+}'")
        if integration_timeout is None:
            integration_timeout = INTEGRATION_TIMEOUT_S.get(kind)
        elif not 0.05 <= integration_timeout <= INTEGRATION_TIMEOUT_S[kind]:
            raise ValueError(
                f"integration_timeout {integration_timeout:g} s: the {API_NAMES[kind]} allows "
                f"50 ms to {INTEGRATION_TIMEOUT_S[kind]:g} s"
            )
        self.integration_timeout = integration_timeout
        self.port = port
        api_id = _lower_id(32 if kind == "url" else 10)
        domain = (
            f"{api_id}.lambda-url.{http_request.REGION}.on.aws"
            if kind == "url"
            else f"{api_id}.execute-api.{http_request.REGION}.amazonaws.com"
        )
        self.identity = Api(
            api_id=api_id,
            domain_name=domain,
            stage=stage or DEFAULT_STAGE[kind],
            binary_media_types=tuple(binary_media_types),
            deployment_id=_lower_id(6),
            resource_ids={r.template or "/": _lower_id(6) for r in self.routes},
        )
        service.require(name, qualifier)  # a missing function is the caller's error, now

    # ------------------------------------------------------------------ requests
    def handle(self, request: HttpRequest) -> Exchange:
        """Answer one request (never raises for anything the client or the function did)."""
        start = time.monotonic()
        origin = request.header("Origin")
        if self.cors is not None and Cors.is_preflight(
            request.method, origin, request.header("Access-Control-Request-Method")
        ):  # answered by the front end itself
            exchange = Exchange(request, self.cors.preflight(origin))
            self._stamp(exchange.response, None, Gen(), None)
        else:
            exchange = self._handle(request)
            if self.cors is not None:
                self.cors.apply(exchange.response, origin)
        exchange.duration_ms = (time.monotonic() - start) * 1000
        return exchange

    def _handle(self, request: HttpRequest) -> Exchange:
        g = Gen()
        match = http_routes.choose(self.routes, request.method, request.path)
        if match is None:
            return self._error(request, "no_route", g)
        if self.throttle is not None and not self.throttle.take():
            return self._error(request, "gateway_throttled", g, detail="stage throttle")
        builders = {
            "rest": http_request.rest_event,
            "http": http_request.http_event,
            "url": http_request.url_event,
        }
        event = builders[self.api](request, match, self.identity, g)
        if self.auth_type == "AWS_IAM":
            access_key = http_auth.signer(request)
            if access_key is None:
                return self._error(request, "forbidden", g, event, detail="not signed (SigV4)")
            event["requestContext"]["accountId"] = http_request.ACCOUNT_ID
            event["requestContext"]["authorizer"] = http_auth.iam_authorizer(access_key, g)
        outcome = self._invoke(event)
        if isinstance(outcome, Exception):
            return self._refused(request, outcome, event, g)
        if outcome is None:
            return self._error(request, "timeout", g, event)
        inv = outcome
        if inv.status != "success" or inv.raw_payload is None:
            return self._error(request, "function_error", g, event, inv)
        try:
            result = http_response.parse_result(inv.raw_payload)
            if self.api == "rest":
                response = http_response.rest_response(
                    result, self.identity.binary_media_types, request.header("Accept")
                )
            else:
                response = http_response.v2_response(result)
        except MalformedResult as exc:
            return self._error(request, "malformed", g, event, inv, str(exc))
        self._stamp(response, event, g, inv)
        return Exchange(request, response, inv)

    def _invoke(self, event: dict[str, Any]) -> Invocation | Exception | None:
        """The Invoke, waited for at most the integration timeout: the Invocation, the
        refusal (an InvokeError), or None when the gateway gave up waiting."""
        from lambda_nb.engine.errors import InvokeError

        def call() -> Invocation:
            from lambda_nb.engine.records import Invocation

            inv = self.service.invoke(self.name, event, qualifier=self.qualifier)
            assert isinstance(inv, Invocation)  # RequestResponse: the finished invocation
            return inv

        limit = self.integration_timeout
        try:
            timeout = self.service.require(self.name, self.qualifier).config.timeout
        except InvokeError as exc:
            return exc
        if limit is None or timeout + INIT_ALLOWANCE_S < limit:
            try:  # the function ends (or is ended) before the gateway would give up
                return call()
            except InvokeError as exc:
                return exc
        box: dict[str, Invocation | BaseException] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["inv"] = call()
            except InvokeError as exc:
                box["inv"] = exc
            except BaseException as exc:  # reported to the waiting request
                box["inv"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name=f"lambda_nb-http-{self.name}", daemon=True).start()
        if not done.wait(limit):
            return None
        found = box["inv"]
        if isinstance(found, BaseException) and not isinstance(found, Exception):
            raise found  # a KeyboardInterrupt or SystemExit belongs to the process
        return found

    def _refused(
        self, request: HttpRequest, exc: Exception, event: dict[str, Any], g: Gen
    ) -> Exchange:
        from lambda_nb.engine.errors import (
            RequestEntityTooLargeException,
            ResourceNotFoundException,
            TooManyRequestsException,
        )

        situation: Situation = "refused"
        reason = None
        if isinstance(exc, TooManyRequestsException):
            situation, reason = "throttled", exc.reason
        elif isinstance(exc, RequestEntityTooLargeException):
            situation = "too_large"
        elif isinstance(exc, ResourceNotFoundException):
            situation = "not_found"
        elif not hasattr(exc, "error_code"):
            raise exc  # our own bug, not the client's: let the server report it
        message = str(exc.args[0]) if exc.args else ""
        response = http_errors.error_response(self.api, situation, message, reason)
        self._stamp(response, event, g, None)
        return Exchange(request, response, None, situation, message)

    def _error(
        self, request: HttpRequest, situation: Situation, g: Gen,
        event: dict[str, Any] | None = None, inv: Invocation | None = None, detail: str = "",
    ) -> Exchange:  # fmt: skip
        response = http_errors.error_response(self.api, situation)
        self._stamp(response, event, g, inv)
        if not detail and inv is not None and inv.error:
            detail = f"{inv.error.get('errorType')}: {inv.error.get('errorMessage')}"
        return Exchange(request, response, inv, situation, detail)

    def _stamp(
        self, response: HttpResponse, event: dict[str, Any] | None, g: Gen,
        inv: Invocation | None,
    ) -> None:  # fmt: skip
        """The headers each front end adds to every response: its request id (a function
        URL's is the Lambda request id, triggers.md 1.3) and the trace id."""
        context = (event or {}).get("requestContext") or {}
        if self.api == "http":
            response.headers.append(("apigw-requestid", context.get("requestId") or g.token(15)))
            return
        if self.api == "rest":
            response.headers.append(("x-amzn-RequestId", context.get("requestId") or g.uuid()))
            response.headers.append(
                ("x-amz-apigw-id", context.get("extendedRequestId") or g.token(15) + "=")
            )
        else:
            response.headers.append(
                ("x-amzn-RequestId", inv.request_id if inv is not None else g.uuid())
            )
        headers = (event or {}).get("headers") or {}
        trace = headers.get("X-Amzn-Trace-Id") or headers.get("x-amzn-trace-id")
        response.headers.append(("X-Amzn-Trace-Id", trace or g.trace_id()))

    def too_large(self, request: HttpRequest) -> Exchange:
        """A body over the gateway's quota, refused before any invoke."""
        response = http_errors.request_too_large(self.api)
        self._stamp(response, None, Gen(), None)
        return Exchange(request, response, None, "too_large", "request body over 10 MB")

    @property
    def body_limit(self) -> int | None:
        """The largest body the gateway takes (a function URL leaves it to the Invoke API)."""
        return None if self.api == "url" else http_errors.GATEWAY_MAX_BYTES
