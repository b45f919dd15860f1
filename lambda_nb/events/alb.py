"""Application Load Balancer requests to a Lambda target, in single- or multi-value mode."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lambda_nb.events import _http
from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, dns_suffix
from lambda_nb.events._common import Method, source_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event
from lambda_nb.events.apigateway import Body


def _request(
    g: Gen,
    *,
    multi_value: bool,
    method: str,
    path: str,
    query: Multi | str | None,
    headers: Multi | None,
    body: Body,
    binary: bool,
    target_group: str,
    client_ip: str | None,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    ip = source_ip(g, client_ip)
    host = f"{target_group}-{g.digits(9)}.{region}.elb.{dns_suffix(region)}"
    defaults = _http.client_headers(g, host, ip, body, binary)
    items = _http.merge(defaults, _http.pairs(headers))
    # ALB passes query values through as the client sent them, without URL-decoding.
    q_items = [(quote(k, safe=""), quote(v, safe="")) for k, v in _http.query_pairs(query)]
    text, is_b64 = _http.body_fields(body, binary)
    group_arn = arn(
        "elasticloadbalancing", region, account_id, f"targetgroup/{target_group}/{g.hex(16)}"
    )
    out: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": group_arn}},
        "httpMethod": method,
        "path": path if path.startswith("/") else "/" + path,
    }
    single, multi = _http.last_and_all(items, lower=True)
    q_single, q_multi = _http.last_and_all(q_items)
    if multi_value:
        out["multiValueQueryStringParameters"] = q_multi
        out["multiValueHeaders"] = multi
    else:
        out["queryStringParameters"] = q_single
        out["headers"] = single
    out["body"] = text or ""
    out["isBase64Encoded"] = is_b64
    return out


@event("alb.request", tier=2)
def request(
    g: Gen,
    method: Method = "GET",
    path: str = "/lambda",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: Body = None,
    binary: bool = False,
    multi_value: bool = False,
    target_group: str = "lambda-target",
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """ALB request to a Lambda target; headers lower-case, query values left URL-encoded."""
    return _request(
        g, multi_value=multi_value, method=method, path=path, query=query, headers=headers,
        body=body, binary=binary, target_group=target_group, client_ip=source_ip,
        region=region, account_id=account_id,
    )  # fmt: skip


@event("alb.multi_value", tier=2)
def multi_value(
    g: Gen,
    method: Method = "GET",
    path: str = "/lambda",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: Body = None,
    binary: bool = False,
    target_group: str = "lambda-target",
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """ALB request, multi-value headers on: multiValueHeaders, multiValueQueryStringParameters."""
    return _request(
        g, multi_value=True, method=method, path=path, query=query, headers=headers,
        body=body, binary=binary, target_group=target_group, client_ip=source_ip,
        region=region, account_id=account_id,
    )  # fmt: skip
