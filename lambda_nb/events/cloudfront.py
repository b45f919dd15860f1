"""CloudFront Lambda@Edge events: viewer/origin requests and responses."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events import _http
from lambda_nb.events._codec import b64
from lambda_nb.events._common import Method, source_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event


def _edge_headers(items: _http.Pairs) -> dict[str, list[dict[str, str]]]:
    """Lambda@Edge headers: lower-case keys, each a list of {key: original case, value}."""
    out: dict[str, list[dict[str, str]]] = {}
    for name, value in items:
        out.setdefault(name.lower(), []).append({"key": name, "value": value})
    return out


def _config(g: Gen, event_type: str, distribution_id: str | None) -> dict[str, Any]:
    return {
        "distributionDomainName": f"d{g.lower(13)}.cloudfront.net",
        "distributionId": distribution_id or g.upper(14),
        "eventType": event_type,
        "requestId": g.token(54).replace("+", "-").replace("/", "_") + "==",
    }


def _request(
    g: Gen, event_type: str, method: str, uri: str, query: Multi | str | None,
    headers: Multi | None, body: str | None, client_ip: str | None, host: str,
) -> dict[str, Any]:  # fmt: skip
    defaults = [("Host", host), ("User-Agent", _http.USER_AGENT), ("Accept", "*/*")]
    request: dict[str, Any] = {
        "clientIp": source_ip(g, client_ip),
        "headers": _edge_headers(_http.merge(defaults, _http.pairs(headers))),
        "method": method,
        "querystring": _http.raw_query(_http.query_pairs(query)),
        "uri": uri if uri.startswith("/") else "/" + uri,
    }
    if body is not None:
        request["body"] = {
            "action": "read-only",
            "data": b64(body),
            "encoding": "base64",
            "inputTruncated": False,
        }
    if event_type == "origin-request":
        request["origin"] = {
            "custom": {
                "customHeaders": {},
                "domainName": "origin.example.com",
                "keepaliveTimeout": 5,
                "path": "",
                "port": 443,
                "protocol": "https",
                "readTimeout": 30,
                "sslProtocols": ["TLSv1.2"],
            }
        }
    return request


@event("cloudfront.request", tier=3)
def request(
    g: Gen,
    event_type: Literal["viewer-request", "origin-request"] = "viewer-request",
    method: Method = "GET",
    uri: str = "/index.html",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: str | None = None,
    source_ip: str | None = None,
    host: str = "www.example.com",
    distribution_id: str | None = None,
) -> dict[str, Any]:
    """Lambda@Edge viewer or origin request; `body` (base64) only when "include body" is on."""
    cf = {
        "config": _config(g, event_type, distribution_id),
        "request": _request(g, event_type, method, uri, query, headers, body, source_ip, host),
    }
    return {"Records": [{"cf": cf}]}


@event("cloudfront.response", tier=3)
def response(
    g: Gen,
    event_type: Literal["origin-response", "viewer-response"] = "origin-response",
    status: int = 200,
    status_description: str = "OK",
    response_headers: Multi | None = None,
    method: Method = "GET",
    uri: str = "/index.html",
    source_ip: str | None = None,
    host: str = "www.example.com",
    distribution_id: str | None = None,
) -> dict[str, Any]:
    """Lambda@Edge origin or viewer response, with the request that caused it."""
    defaults = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "max-age=300"),
        ("Server", "ExampleOrigin"),
    ]
    cf = {
        "config": _config(g, event_type, distribution_id),
        "request": _request(g, event_type, method, uri, None, None, None, source_ip, host),
        "response": {
            "headers": _edge_headers(_http.merge(defaults, _http.pairs(response_headers))),
            "status": str(status),
            "statusDescription": status_description,
        },
    }
    return {"Records": [{"cf": cf}]}
