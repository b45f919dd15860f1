"""Lambda Function URL requests: payload format 2.0 without API Gateway's routes and stages."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, global_arn
from lambda_nb.events._common import Method
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event
from lambda_nb.events.apigateway import Body, http_request


@event("functionurl.request", tier=2)
def request(
    g: Gen,
    method: Method = "GET",
    path: str = "/",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    cookies: list[str] | None = None,
    body: Body = None,
    binary: bool = False,
    auth_type: Literal["NONE", "AWS_IAM"] = "NONE",
    source_ip: str | None = None,
    url_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Lambda Function URL request (payload 2.0; routeKey and stage are `$default`)."""
    url_id = url_id or g.lower(32)
    authorizer = None
    if auth_type == "AWS_IAM":
        user_id = "AIDA" + g.upper(17)
        authorizer = {
            "iam": {
                "accessKey": "AKIA" + g.upper(16),
                "accountId": account_id,
                "callerId": user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": global_arn("iam", region, account_id, "user/caller"),
                "userId": user_id,
            }
        }
    out = http_request(
        g, method=method, path=path, route_key="$default", path_parameters=None, query=query,
        headers=headers, cookies=cookies, body=body, binary=binary, stage="$default",
        stage_variables=None, authorizer=authorizer, client_ip=source_ip, api_id=url_id,
        host=f"{url_id}.lambda-url.{region}.on.aws", region=region, account_id=account_id,
        where="functionurl.request",
    )  # fmt: skip
    context = out["requestContext"]
    context["requestId"] = g.uuid()
    # Function URLs without IAM auth report the caller's account as "anonymous".
    context["accountId"] = account_id if auth_type == "AWS_IAM" else "anonymous"
    return out
