"""API Gateway WebSocket API events: $connect, $disconnect and route messages."""

from __future__ import annotations

from typing import Any

from lambda_nb.events import _http
from lambda_nb.events._aws import DEFAULT_REGION, dns_suffix
from lambda_nb.events._clock import clf, epoch_ms
from lambda_nb.events._common import source_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event
from lambda_nb.events.apigateway import Body


def _context(
    g: Gen,
    *,
    route_key: str,
    event_type: str,
    stage: str,
    connection_id: str | None,
    connected_ms_ago: int,
    client_ip: str | None,
    api_id: str | None,
    region: str,
) -> dict[str, Any]:
    api_id = api_id or g.lower(10)
    request_id = g.token(15) + "="
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": clf(g.now),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": epoch_ms(g.at(-connected_ms_ago)),
        "requestTimeEpoch": epoch_ms(g.now),
        "identity": {"sourceIp": source_ip(g, client_ip), "userAgent": _http.USER_AGENT},
        "requestId": request_id,
        "domainName": f"{api_id}.execute-api.{region}.{dns_suffix(region)}",
        "connectionId": connection_id or g.token(15) + "=",
        "apiId": api_id,
    }


@event("websocket.connect", tier=2)
def connect(
    g: Gen,
    headers: Multi | None = None,
    query: Multi | str | None = None,
    stage: str = "prod",
    connection_id: str | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """WebSocket `$connect`: the upgrade request's headers and query string."""
    ctx = _context(
        g, route_key="$connect", event_type="CONNECT", stage=stage, connection_id=connection_id,
        connected_ms_ago=0, client_ip=source_ip, api_id=api_id, region=region,
    )  # fmt: skip
    defaults = [
        ("Host", ctx["domainName"]),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
        ("Sec-WebSocket-Key", g.token(22) + "=="),
        ("Sec-WebSocket-Version", "13"),
        ("X-Amzn-Trace-Id", g.trace_id()),
        ("X-Forwarded-For", ctx["identity"]["sourceIp"]),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    single, multi = _http.last_and_all(_http.merge(defaults, _http.pairs(headers)))
    out: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
    q_items = _http.query_pairs(query)
    if q_items:
        q_single, q_multi = _http.last_and_all(q_items)
        out["queryStringParameters"] = q_single
        out["multiValueQueryStringParameters"] = q_multi
    out["requestContext"] = ctx
    out["isBase64Encoded"] = False
    return out


@event("websocket.disconnect", tier=2)
def disconnect(
    g: Gen,
    status_code: int = 1000,
    reason: str = "",
    stage: str = "prod",
    connection_id: str | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """WebSocket `$disconnect`: close status code and reason."""
    ctx = _context(
        g, route_key="$disconnect", event_type="DISCONNECT", stage=stage,
        connection_id=connection_id, connected_ms_ago=g.rng.randint(5_000, 600_000),
        client_ip=source_ip, api_id=api_id, region=region,
    )  # fmt: skip
    ctx["disconnectStatusCode"] = status_code
    ctx["disconnectReason"] = reason
    defaults = [("Host", ctx["domainName"]), ("x-api-key", ""), ("X-Forwarded-For", "")]
    single, multi = _http.last_and_all(defaults)
    return {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": ctx,
        "isBase64Encoded": False,
    }


@event("websocket.message", tier=2)
def message(
    g: Gen,
    body: Body = None,
    route_key: str = "sendMessage",
    binary: bool = False,
    stage: str = "prod",
    connection_id: str | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """WebSocket message on a route (selected by the body's `action` in the usual set-up)."""
    ctx = _context(
        g, route_key=route_key, event_type="MESSAGE", stage=stage, connection_id=connection_id,
        connected_ms_ago=g.rng.randint(1_000, 60_000), client_ip=source_ip, api_id=api_id,
        region=region,
    )  # fmt: skip
    ctx["messageId"] = g.token(15) + "="
    if body is None:
        body = {"action": route_key, "message": "hello"}
    text, is_b64 = _http.body_fields(body, binary)
    out: dict[str, Any] = {"requestContext": ctx}
    if text is not None:
        out["body"] = text
    out["isBase64Encoded"] = is_b64
    return out
