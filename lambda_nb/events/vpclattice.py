"""VPC Lattice requests to a Lambda target (event formats 1.0 and 2.0)."""

from __future__ import annotations

from typing import Any

from lambda_nb.events import _http
from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._common import Method
from lambda_nb.events._common import source_ip as pick_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event
from lambda_nb.events.apigateway import Body


def _headers(
    g: Gen, host: str, ip: str, body: Body, binary: bool, given: Multi | None
) -> dict[str, str]:
    defaults = [
        ("accept", "*/*"),
        ("host", host),
        ("user-agent", _http.USER_AGENT),
        ("x-forwarded-for", ip),
    ]
    if body not in (None, ""):
        defaults.append(("content-type", _http.content_type(body, binary)))
    return _http.joined(_http.merge(defaults, _http.pairs(given)), lower=True)


@event("vpclattice.v1", tier=3)
def v1(
    g: Gen,
    method: Method = "GET",
    path: str = "/",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: Body = None,
    binary: bool = False,
    service: str = "example-service",
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """VPC Lattice request, event format 1.0 (snake_case keys)."""
    host = f"{service}-{g.lower(13)}.{g.lower(7)}.vpc-lattice-svcs.{region}.on.aws"
    text, is_b64 = _http.body_fields(body, binary)
    ip = pick_ip(g, source_ip)
    return {
        "raw_path": path if path.startswith("/") else "/" + path,
        "method": method,
        "headers": _headers(g, host, ip, body, binary, headers),
        "query_string_parameters": _http.joined(_http.query_pairs(query)),
        "body": text or "",
        "is_base64_encoded": is_b64,
    }


@event("vpclattice.v2", tier=3)
def v2(
    g: Gen,
    method: Method = "GET",
    path: str = "/",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: Body = None,
    binary: bool = False,
    service: str = "example-service",
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """VPC Lattice request, event format 2.0 (requestContext with service and target ARNs)."""
    host = f"{service}-{g.lower(13)}.{g.lower(7)}.vpc-lattice-svcs.{region}.on.aws"
    text, is_b64 = _http.body_fields(body, binary)
    ip = pick_ip(g, source_ip)
    out: dict[str, Any] = {
        "version": "2.0",
        "path": path if path.startswith("/") else "/" + path,
        "method": method,
        "headers": _headers(g, host, ip, body, binary, headers),
    }
    q_items = _http.query_pairs(query)
    if q_items:
        out["queryStringParameters"] = _http.joined(q_items)
    if text is not None:
        out["body"] = text
    out["isBase64Encoded"] = is_b64
    out["requestContext"] = {
        "serviceNetworkArn": arn(
            "vpc-lattice", region, account_id, f"servicenetwork/sn-{g.hex(17)}"
        ),
        "serviceArn": arn("vpc-lattice", region, account_id, f"service/svc-{g.hex(17)}"),
        "targetGroupArn": arn("vpc-lattice", region, account_id, f"targetgroup/tg-{g.hex(17)}"),
        "identity": {"sourceVpcArn": arn("ec2", region, account_id, f"vpc/vpc-{g.hex(17)}")},
        "region": region,
        "timeEpoch": str(epoch_ms(g.now) * 1000 + g.rng.randint(0, 999)),
    }
    return out
