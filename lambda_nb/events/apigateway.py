"""API Gateway: REST API proxy (payload 1.0), HTTP API (payload 2.0) and Lambda authorizers."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events import _http
from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, dns_suffix, global_arn
from lambda_nb.events._clock import clf, epoch_ms
from lambda_nb.events._common import Method, source_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._http import Multi
from lambda_nb.events._registry import event

Body = str | dict | list | None
Auth = Literal["none", "jwt", "lambda", "iam"]


def _slash(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _host(api_id: str, region: str) -> str:
    return f"{api_id}.execute-api.{region}.{dns_suffix(region)}"


def rest_request(
    g: Gen,
    *,
    method: str,
    path: str,
    resource: str | None,
    path_parameters: dict[str, str] | None,
    query: Multi | str | None,
    headers: Multi | None,
    body: Body,
    binary: bool,
    stage: str,
    stage_variables: dict[str, str] | None,
    authorizer: dict | None,
    client_ip: str | None,
    api_id: str | None,
    region: str,
    account_id: str,
    where: str,
) -> dict[str, Any]:
    """A payload-1.0 request; shared by the proxy event and the REQUEST authorizer."""
    path = _slash(path)
    resource = resource if resource is not None else ("/" if path == "/" else "/{proxy+}")
    params = _http.path_parameters(resource, path, path_parameters, where)
    api_id = api_id or g.lower(10)
    ip = source_ip(g, client_ip)
    host = _host(api_id, region)
    items = _http.merge(_http.client_headers(g, host, ip, body, binary), _http.pairs(headers))
    single, multi = _http.last_and_all(items)
    q_items = _http.query_pairs(query)
    q_single, q_multi = _http.last_and_all(q_items) if q_items else (None, None)
    text, is_b64 = _http.body_fields(body, binary)
    when = g.now
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": api_id,
        "extendedRequestId": g.token(15) + "=",
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": ip,
            "user": None,
            "userAgent": _http.header_value(items, "User-Agent", _http.USER_AGENT),
            "userArn": None,
        },
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": g.uuid(),
        "requestTime": clf(when),
        "requestTimeEpoch": epoch_ms(when),
        "resourceId": g.lower(6),
        "resourcePath": resource,
        "stage": stage,
    }
    if authorizer is not None:
        context["authorizer"] = dict(authorizer)
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": q_single,
        "multiValueQueryStringParameters": q_multi,
        "requestContext": context,
        "pathParameters": params,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "body": text,
        "isBase64Encoded": is_b64,
    }


@event("apigateway.rest", tier=1)
def rest(
    g: Gen,
    method: Method = "GET",
    path: str = "/items/42",
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: Multi | str | None = None,
    headers: Multi | None = None,
    body: Body = None,
    binary: bool = False,
    stage: str = "prod",
    stage_variables: dict[str, str] | None = None,
    authorizer: dict | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """API Gateway REST API proxy request (payload 1.0); path parameters follow `resource`."""
    return rest_request(
        g, method=method, path=path, resource=resource, path_parameters=path_parameters,
        query=query, headers=headers, body=body, binary=binary, stage=stage,
        stage_variables=stage_variables, authorizer=authorizer, client_ip=source_ip,
        api_id=api_id, region=region, account_id=account_id, where="apigateway.rest",
    )  # fmt: skip


def _authorizer_v2(
    g: Gen, auth: str, claims: dict | None, region: str, account: str
) -> dict | None:
    if auth == "none":
        return None
    if auth == "jwt":
        now = epoch_ms(g.now) // 1000
        default = {
            "sub": g.uuid(),
            "iss": f"https://cognito-idp.{region}.amazonaws.com/{region}_{g.chars(9)}",
            "client_id": g.lower(26),
            "token_use": "access",
            "scope": "openid",
            "auth_time": str(now),
            "iat": str(now),
            "exp": str(now + 3600),
        }
        return {"jwt": {"claims": dict(claims) if claims is not None else default, "scopes": None}}
    if auth == "lambda":
        return {"lambda": dict(claims) if claims is not None else {"userId": g.uuid()}}
    role_id = "AROA" + g.upper(17)
    return {
        "iam": {
            "accessKey": "ASIA" + g.upper(16),
            "accountId": account,
            "callerId": f"{role_id}:session",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": global_arn("sts", region, account, "assumed-role/caller/session"),
            "userId": f"{role_id}:session",
        }
    }


def http_request(
    g: Gen,
    *,
    method: str,
    path: str,
    route_key: str,
    path_parameters: dict[str, str] | None,
    query: Multi | str | None,
    headers: Multi | None,
    cookies: list[str] | None,
    body: Body,
    binary: bool,
    stage: str,
    stage_variables: dict[str, str] | None,
    authorizer: dict | None,
    client_ip: str | None,
    api_id: str,
    host: str,
    region: str,
    account_id: str,
    where: str,
) -> dict[str, Any]:
    """A payload-2.0 request: lower-case headers, comma-joined duplicates, cookies on their own."""
    path = _slash(path)
    ip = source_ip(g, client_ip)
    items = _http.merge(_http.client_headers(g, host, ip, body, binary), _http.pairs(headers))
    jar = list(cookies or [])
    kept = []
    for name, value in items:
        if name.lower() == "cookie":
            jar.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            kept.append((name, value))
    q_items = _http.query_pairs(query)
    text, is_b64 = _http.body_fields(body, binary)
    template = route_key.split(" ", 1)[1] if " " in route_key else None
    params = (
        _http.path_parameters(template, path, path_parameters, where)
        if template is not None
        else ((dict(path_parameters) or None) if path_parameters is not None else None)
    )
    when = g.now
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": ip,
            "userAgent": _http.header_value(kept, "user-agent", _http.USER_AGENT),
        },
        "requestId": g.token(15) + "=",
        "routeKey": route_key,
        "stage": stage,
        "time": clf(when),
        "timeEpoch": epoch_ms(when),
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    out: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": _http.raw_query(q_items),
    }
    if jar:
        out["cookies"] = jar
    out["headers"] = _http.joined(kept, lower=True)
    if q_items:
        out["queryStringParameters"] = _http.joined(q_items)
    if params:
        out["pathParameters"] = params
    out["requestContext"] = context
    if stage_variables:
        out["stageVariables"] = dict(stage_variables)
    if text is not None:
        out["body"] = text
    out["isBase64Encoded"] = is_b64
    return out


@event("apigateway.http", tier=1)
def http(
    g: Gen,
    method: Method = "GET",
    path: str = "/items/42",
    route_key: str = "$default",
    path_parameters: dict[str, str] | None = None,
    query: Multi | str | None = None,
    headers: Multi | None = None,
    cookies: list[str] | None = None,
    body: Body = None,
    binary: bool = False,
    stage: str = "$default",
    stage_variables: dict[str, str] | None = None,
    auth: Auth = "none",
    claims: dict | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """API Gateway HTTP API request (payload format 2.0); route_key like "GET /items/{id}"."""
    api_id = api_id or g.lower(10)
    return http_request(
        g, method=method, path=path, route_key=route_key, path_parameters=path_parameters,
        query=query, headers=headers, cookies=cookies, body=body, binary=binary, stage=stage,
        stage_variables=stage_variables,
        authorizer=_authorizer_v2(g, auth, claims, region, account_id), client_ip=source_ip,
        api_id=api_id, host=_host(api_id, region), region=region, account_id=account_id,
        where="apigateway.http",
    )  # fmt: skip


def _with_token(headers: Multi | None, name: str, token: str) -> Multi:
    """The headers plus the token as `Authorization`, unless the user set that header already."""
    given = dict(headers or {})
    if not any(k.lower() == "authorization" for k in given):
        given = {name: token, **given}
    return given


def _execute_arn(api_id: str, stage: str, method: str, path: str, region: str, account: str) -> str:
    return arn("execute-api", region, account, f"{api_id}/{stage}/{method}/{path.lstrip('/')}")


@event("apigateway.authorizer_token", tier=2)
def authorizer_token(
    g: Gen,
    token: str = "allow",
    method: Method = "GET",
    path: str = "/items/42",
    stage: str = "prod",
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """API Gateway TOKEN authorizer request: the bearer token and the method ARN."""
    api_id = api_id or g.lower(10)
    return {
        "type": "TOKEN",
        "authorizationToken": token,
        "methodArn": _execute_arn(api_id, stage, method, _slash(path), region, account_id),
    }


@event("apigateway.authorizer_request", tier=2)
def authorizer_request(
    g: Gen,
    token: str = "allow",
    method: Method = "GET",
    path: str = "/items/42",
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: Multi | str | None = None,
    headers: Multi | None = None,
    stage: str = "prod",
    stage_variables: dict[str, str] | None = None,
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """API Gateway REQUEST authorizer (REST API): the request with `Authorization: token`."""
    api_id = api_id or g.lower(10)
    given = _with_token(headers, "Authorization", token)
    request = rest_request(
        g, method=method, path=path, resource=resource, path_parameters=path_parameters,
        query=query, headers=given, body=None, binary=False, stage=stage,
        stage_variables=stage_variables, authorizer=None, client_ip=source_ip,
        api_id=api_id, region=region, account_id=account_id,
        where="apigateway.authorizer_request",
    )  # fmt: skip
    del request["body"], request["isBase64Encoded"]
    method_arn = _execute_arn(api_id, stage, method, request["path"], region, account_id)
    return {"type": "REQUEST", "methodArn": method_arn, **request}


@event("apigateway.authorizer_http", tier=2)
def authorizer_http(
    g: Gen,
    token: str = "allow",
    method: Method = "GET",
    path: str = "/items/42",
    route_key: str = "$default",
    query: Multi | str | None = None,
    headers: Multi | None = None,
    cookies: list[str] | None = None,
    stage: str = "$default",
    source_ip: str | None = None,
    api_id: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """API Gateway HTTP API Lambda authorizer (payload 2.0): identity source = the token."""
    api_id = api_id or g.lower(10)
    given = _with_token(headers, "authorization", token)
    request = http_request(
        g, method=method, path=path, route_key=route_key, path_parameters=None, query=query,
        headers=given, cookies=cookies, body=None, binary=False, stage=stage,
        stage_variables=None, authorizer=None, client_ip=source_ip, api_id=api_id,
        host=_host(api_id, region), region=region, account_id=account_id,
        where="apigateway.authorizer_http",
    )  # fmt: skip
    del request["isBase64Encoded"]
    route_arn = _execute_arn(api_id, stage, method, request["rawPath"], region, account_id)
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": [token],
        **{k: v for k, v in request.items() if k != "version"},
    }
