"""AppSync direct Lambda resolver invocations."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_REGION
from lambda_nb.events._common import source_ip as pick_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("appsync.resolver", tier=3)
def resolver(
    g: Gen,
    type_name: str = "Query",
    field_name: str = "getPost",
    arguments: dict | None = None,
    selection: list[str] | None = None,
    source: dict | None = None,
    user: str = "jane.doe",
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """AppSync direct Lambda resolver: field, arguments, Cognito identity, selection set."""
    fields = list(selection) if selection is not None else ["id", "title"]
    api_host = f"{g.lower(26)}.appsync-api.{region}.amazonaws.com"
    sub = g.uuid()
    ip = pick_ip(g, source_ip)
    return {
        "arguments": dict(arguments) if arguments is not None else {"id": "1"},
        "identity": {
            "claims": {"sub": sub, "cognito:username": user, "token_use": "id"},
            "defaultAuthStrategy": "ALLOW",
            "groups": None,
            "issuer": f"https://cognito-idp.{region}.amazonaws.com/{region}_{g.chars(9)}",
            "sourceIp": [ip],
            "sub": sub,
            "username": user,
        },
        "source": source,
        "request": {
            "headers": {
                "host": api_host,
                "content-type": "application/json",
                "x-forwarded-for": ip,
                "user-agent": "Mozilla/5.0",
            },
            "domainName": None,
        },
        "prev": None,
        "info": {
            "selectionSetList": fields,
            "selectionSetGraphQL": "{\n  " + "\n  ".join(fields) + "\n}",
            "parentTypeName": type_name,
            "fieldName": field_name,
            "variables": {},
        },
        "stash": {},
    }
