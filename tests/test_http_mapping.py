"""The HTTP front end's pure parts, without sockets: route choice, the events' shapes against
the catalog's generators, and the response rules' edges (triggers.md 1.2-1.6)."""

from __future__ import annotations

import pytest

from lambda_nb import events
from lambda_nb.aws import http_errors
from lambda_nb.aws.http_request import Api, HttpRequest, http_event, rest_event, url_event
from lambda_nb.aws.http_response import MalformedResult, rest_response, v2_response
from lambda_nb.aws.http_routes import choose, parse_routes
from lambda_nb.events._gen import Gen

API = Api("abcdefghij", "abcdefghij.execute-api.us-east-1.amazonaws.com", "prod")


def request(**kw: object) -> HttpRequest:
    return HttpRequest.from_target(
        str(kw.pop("method", "POST")), str(kw.pop("target", "/items/42?a=1")),
        headers=[("Cookie", "a=1"), ("Content-Type", "application/json")],
        body=b'{"k": 1}', **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_route_choice_most_specific_wins() -> None:
    routes = parse_routes(
        ["ANY /{proxy+}", "GET /pets/{id}", "GET /pets/dog", "ANY /pets/{id}", "$default"]
    )
    assert choose(routes, "GET", "/pets/dog").route.key == "GET /pets/dog"  # type: ignore[union-attr]
    found = choose(routes, "GET", "/pets/7")
    assert found is not None and found.route.key == "GET /pets/{id}"
    assert found.path_parameters == {"id": "7"}
    found = choose(routes, "PUT", "/pets/7")
    assert found is not None and found.route.key == "ANY /pets/{id}"
    found = choose(routes, "GET", "/a/b/c")
    assert found is not None and found.route.key == "ANY /{proxy+}"
    assert found.path_parameters == {"proxy": "a/b/c"}
    found = choose(parse_routes(["GET /x", "$default"]), "POST", "/x")
    assert found is not None and found.route.key == "$default" and found.path_parameters is None
    assert choose(parse_routes(["GET /x"]), "GET", "/y") is None
    with pytest.raises(ValueError, match="METHOD /path"):
        parse_routes(["FETCH /x"])


@pytest.mark.parametrize(
    ("name", "build", "drop"),
    [
        ("apigateway.http", http_event, ()),
        ("functionurl.request", url_event, ()),
        # the recorded REST event has no `version` (triggers.md 1.1)
        ("apigateway.rest", rest_event, ("version",)),
    ],
)
def test_events_keep_the_catalogs_field_order(name: str, build: object, drop: tuple) -> None:
    route = "$default" if name != "apigateway.rest" else "ANY /{proxy+}"
    match = choose(parse_routes([route]), "POST", "/items/42")
    assert match is not None
    ours = build(request(), match, API, Gen())  # type: ignore[operator]
    sample = events.build(name, method="POST", query="a=1", body="x", cookies=["a=1"]) if (
        name != "apigateway.rest"
    ) else events.build(name, method="POST", query="a=1", body="x")  # fmt: skip
    expected = [k for k in sample if k not in drop and (k != "pathParameters" or k in ours)]
    assert list(ours) == expected
    context = list(ours["requestContext"])
    if name == "apigateway.rest":  # the recorded context also has deploymentId
        assert context == sorted([*sample["requestContext"], "deploymentId"])
    else:
        assert context == list(sample["requestContext"])


def test_v2_response_edges() -> None:
    assert v2_response(None).body == b"null"
    response = v2_response({"statusCode": 200, "isBase64Encoded": True, "body": "aGk="})
    assert response.body == b"hi"
    response = v2_response({"statusCode": 302, "headers": {"Location": "/x", "X-N": 3}})
    assert response.headers[:2] == [("location", "/x"), ("x-n", "3")]
    for bad in ({"statusCode": True}, {"statusCode": 99}, {"statusCode": 200, "headers": 1}):
        with pytest.raises(MalformedResult):
            v2_response(bad)


def test_rest_response_binary_rules() -> None:
    result = {"statusCode": 200, "isBase64Encoded": True, "body": "aGk=",
              "headers": {"Content-Type": "image/png"}}  # fmt: skip
    assert rest_response(result).body == b"aGk="  # no binary media types: sent as it is
    assert rest_response(result, ("image/*",)).body == b"hi"  # the response's type matches
    result["headers"] = {"Content-Type": "application/json"}
    assert rest_response(result, ("image/png",), "image/png").body == b"hi"  # Accept matches
    both = {"base64Encoded": True, "isBase64Encoded": False, "body": "aGk="}
    assert rest_response(both, ("*/*",), "*/*").body == b"hi"  # base64Encoded is read first


def test_error_table_bodies() -> None:
    """Spacing and case differ between the kinds, as recorded (triggers.md 1.9)."""
    rest = http_errors.error_response("rest", "function_error")
    assert (rest.status, rest.body) == (502, b'{"message": "Internal server error"}')
    http = http_errors.error_response("http", "malformed")
    assert (http.status, http.body) == (500, b'{"message":"Internal Server Error"}')
    url = http_errors.error_response("url", "function_error")
    assert (url.status, url.body) == (502, b"Internal Server Error")
    assert http_errors.error_response("rest", "timeout").status == 504
    assert http_errors.error_response("http", "timeout").status == 503
    assert http_errors.error_response("http", "no_route").body == b'{"message":"Not Found"}'
