"""The HTTP front end (`Function.serve`): real HTTP, real clients (urllib, http.client, curl),
real execution environments behind it.

Facts checked are triggers.md 1.2-1.9: request -> event for the REST API (1.0), the HTTP API
(2.0) and function URLs; result -> response (2.0 inference, 1.0 validation); the front-end
error table, row by row, for each kind and with each client.
"""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gate import Gate

from lambda_nb import Function
from lambda_nb.aws.http_server import ServeError, Server, servers

APIS = ("http", "rest", "url")
CLIENTS = ("urllib", "curl")
CURL = shutil.which("curl")

# Returns the event, or (with an `X-Result` header) the JSON result the test asks for, or
# misbehaves as asked: every response of the tables comes from one handler.
ECHO = """
import base64, json, os, time

def lambda_handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    what = headers.get("x-do", "echo")
    if what == "raise":
        raise RuntimeError("boom")
    if what == "exit":
        os._exit(3)
    if what == "sleep":
        time.sleep(float(headers.get("x-seconds", "3")))
    if what == "big":
        return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    if what == "result":
        return json.loads(base64.b64decode(headers["x-result"]))
    if what == "bytes":
        raw = event["body"]
        data = base64.b64decode(raw) if event["isBase64Encoded"] else raw.encode()
        return {"statusCode": 200, "isBase64Encoded": True,
                "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(data[::-1]).decode()}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json",
            "X-Env": context.log_stream_name, "X-Request-Id": context.aws_request_id},
            "body": json.dumps(event)}
"""


class Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        found = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(found) if found else None

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.body[:200]!r}>"


def call_urllib(
    url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
) -> Reply:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, response.headers.items(), response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.headers.items(), exc.read())


def call_curl(
    url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None,
    extra: tuple[str, ...] = (),
) -> Reply:  # fmt: skip
    assert CURL is not None
    with tempfile.TemporaryDirectory() as tmp:
        out, head, data = Path(tmp, "body"), Path(tmp, "head"), Path(tmp, "data")
        argv = [CURL, "-sS", "--noproxy", "*", "-X", method, "-o", str(out), "-D", str(head),
                "--max-time", "60", *extra]  # fmt: skip
        for name, value in (headers or {}).items():
            argv += ["-H", f"{name}: {value}"]
        if body is not None:
            data.write_bytes(body)
            argv += ["--data-binary", f"@{data}"]
        subprocess.run([*argv, url], check=True, timeout=90)
        lines = head.read_bytes().decode("latin-1").split("\r\n")
        finals = [i for i, line in enumerate(lines) if line.startswith("HTTP/")]
        start = finals[-1]  # after a `100 Continue`, the final response
        status = int(lines[start].split()[1])
        pairs = []
        for line in lines[start + 1 :]:
            if not line:
                break
            name, _, value = line.partition(":")
            pairs.append((name, value.strip()))
        return Reply(status, pairs, out.read_bytes())


def call(client: str, *args: Any, **kwargs: Any) -> Reply:
    if client == "curl":
        if CURL is None:
            pytest.skip("curl is not installed (tasks.py installs it)")
        return call_curl(*args, **kwargs)
    return call_urllib(*args, **kwargs)


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start servers; afterwards every one is closed and its port free."""
    started: list[Server] = []

    def start(fn: Function, **kwargs: Any) -> Server:
        server = fn.serve(**kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close(timeout=30)
        with socket.socket() as sock:  # the port is free again
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", server.port))
        assert server not in servers()


@pytest.fixture(scope="module")
def echo(service: Any) -> Iterator[Function]:
    fn = Function.from_source(ECHO, name="http-echo", service=service, timeout=10)
    yield fn
    fn.close()


def result_header(result: Any) -> dict[str, str]:
    return {"X-Do": "result", "X-Result": base64.b64encode(json.dumps(result).encode()).decode()}


# ------------------------------------------------------------------ request -> event
@pytest.mark.parametrize("client", CLIENTS)
def test_http_api_event(echo: Function, serve: Callable[..., Server], client: str) -> None:
    server = serve(echo, api="http")
    before = len(echo.history)
    url = server.url + "pa2%Fth/1?multi=foo&multi=%2Fbar&plus=a+b&empty="
    reply = call(client, url, headers={"Cookie": "Cookie_1=Value_1; c2=v2",
                                       "Extra-Headers": "With WeiRd CapS"})  # fmt: skip
    assert reply.status == 200, reply
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default" == event["requestContext"]["routeKey"]
    assert event["rawPath"] == "/pa2%Fth/1" == event["requestContext"]["http"]["path"]
    assert event["rawQueryString"] == "multi=foo&multi=%2Fbar&plus=a+b&empty="
    assert event["queryStringParameters"] == {"multi": "foo,/bar", "plus": "a b", "empty": ""}
    assert event["cookies"] == ["Cookie_1=Value_1", "c2=v2"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert "cookie" not in headers
    assert headers["extra-headers"] == "With WeiRd CapS"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-amzn-trace-id"].startswith("Root=1-")
    assert "body" not in event and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "$default"
    assert context["http"]["method"] == "GET"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["accountId"] == "123456789012"
    assert reply.header("apigw-requestid") == context["requestId"]
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "cookies",
                           "headers", "queryStringParameters", "requestContext",
                           "isBase64Encoded"]  # fmt: skip
    # the request is in the history, with the event the handler saw
    assert len(echo.history) == before + 1
    assert echo.history[-1].event == event
    assert echo.history[-1].request_id == reply.header("x-request-id")


@pytest.mark.parametrize("client", CLIENTS)
def test_function_url_event(echo: Function, serve: Callable[..., Server], client: str) -> None:
    server = serve(echo, api="url")
    reply = call(client, server.url + "any/path?a=1&a=2", method="DELETE",
                 headers={"Cookie": "k=v"})  # fmt: skip
    assert reply.status == 200, reply
    event = reply.json()
    context = event["requestContext"]
    assert event["routeKey"] == "$default" and context["stage"] == "$default"
    assert context["accountId"] == "anonymous"
    assert context["domainName"] == f"{context['apiId']}.lambda-url.us-east-1.on.aws"
    assert len(context["apiId"]) == 32 and context["domainPrefix"] == context["apiId"]
    assert context["http"]["method"] == "DELETE"
    assert event["queryStringParameters"] == {"a": "1,2"} and event["cookies"] == ["k=v"]
    # x-amzn-RequestId is the Lambda request id (triggers.md 1.3)
    assert reply.header("x-amzn-RequestId") == reply.header("x-request-id")
    assert reply.header("x-amzn-RequestId") == echo.history[-1].request_id


@pytest.mark.parametrize("client", CLIENTS)
def test_rest_api_event(echo: Function, serve: Callable[..., Server], client: str) -> None:
    server = serve(echo, api="rest")
    url = (server.url + "user/test%2Balias@gmail.com/plus/?email=test%2Balias@gmail.com"
           "&plus=test+alias@gmail.com&price=10&price=20&price=30")  # fmt: skip
    reply = call(client, url, headers={"tEsT-HEADeR": "aValue", "Cookie": "a=1"})
    assert reply.status == 200, reply
    event = reply.json()
    assert "version" not in event  # the recorded REST event has none (triggers.md 1.1)
    assert event["path"] == "/user/test%2Balias@gmail.com/plus/"
    assert event["resource"] == "/{proxy+}" == event["requestContext"]["resourcePath"]
    assert event["pathParameters"] == {"proxy": "user/test%2Balias@gmail.com/plus/"}
    assert event["requestContext"]["path"] == "/prod/user/test%2Balias@gmail.com/plus/"
    assert event["requestContext"]["stage"] == "prod"
    assert event["httpMethod"] == "GET" == event["requestContext"]["httpMethod"]
    assert event["queryStringParameters"]["email"] == "test+alias@gmail.com"
    assert event["queryStringParameters"]["plus"] == "test alias@gmail.com"
    assert event["queryStringParameters"]["price"] == "30"
    assert event["multiValueQueryStringParameters"]["price"] == ["10", "20", "30"]
    sent = "tEsT-HEADeR" if client == "curl" else "Test-Header"  # urllib recases names
    assert event["headers"][sent] == "aValue"  # the name as sent
    assert event["multiValueHeaders"][sent] == ["aValue"]
    assert event["headers"]["Cookie"] == "a=1"  # left in the header
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    identity = event["requestContext"]["identity"]
    assert identity["sourceIp"] == "127.0.0.1" and identity["accessKey"] is None
    assert reply.header("x-amzn-RequestId") == event["requestContext"]["requestId"]
    assert reply.header("x-amzn-ErrorType") is None
    # no query: both query fields null; the root resource is literal: no path parameters
    event = call(client, server.url).json()
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["resource"] == "/" and event["pathParameters"] is None


def test_duplicate_headers(echo: Function, serve: Callable[..., Server]) -> None:
    """2.0 joins duplicates with a comma; 1.0 keeps them all (http.client can repeat one)."""
    for api in APIS:
        server = serve(echo, api=api)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.putrequest("GET", "/dup")
        conn.putheader("X-Dup", "a")
        conn.putheader("X-Dup", "b")
        conn.endheaders()
        event = json.loads(conn.getresponse().read())
        conn.close()
        if api == "rest":
            assert event["multiValueHeaders"]["X-Dup"] == ["a", "b"]
            assert event["headers"]["X-Dup"] == "b"
        else:
            assert event["headers"]["x-dup"] == "a,b"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", APIS)
def test_binary_body_round_trip(
    echo: Function, serve: Callable[..., Server], api: str, client: str
) -> None:
    """Bytes in, base64 in the event, base64 out of the handler, bytes back to the client."""
    binary = ["application/octet-stream"] if api == "rest" else []
    server = serve(echo, api=api, binary_media_types=binary)
    data = bytes(range(256)) * 4
    reply = call(client, server.url + "bin", method="POST", body=data,
                 headers={"X-Do": "bytes", "Content-Type": "application/octet-stream",
                          "Accept": "application/octet-stream"})  # fmt: skip
    assert reply.status == 200, reply
    assert reply.body == data[::-1]
    event = echo.history[-1].event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


@pytest.mark.parametrize("api", APIS)
def test_text_bodies(echo: Function, serve: Callable[..., Server], api: str) -> None:
    server = serve(echo, api=api)
    reply = call_urllib(server.url, "POST", {"Content-Type": "application/json"}, b'{"k": 1}')
    event = reply.json()
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    # not ASCII: 2.0 sends it base64 (LocalStack's rule, triggers.md 1.3); REST as text
    text = '{"name": "Zoë"}'.encode()
    event = call_urllib(server.url, "POST", {"Content-Type": "application/json"}, text).json()
    if api == "rest":
        assert event["body"] == text.decode() and event["isBase64Encoded"] is False
    else:
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == text
    # REST without binary media types: a base64 result is sent as it is (triggers.md 1.5)
    if api == "rest":
        result = {"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": True}
        assert call_urllib(server.url, headers=result_header(result)).body == b"dGVzdC1kYXRh"


def test_chunked_request_body(echo: Function, serve: Callable[..., Server]) -> None:
    server = serve(echo, api="http")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/", body=iter([b"hello ", b"world"]),
                 headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"},
                 encode_chunked=True)  # fmt: skip
    event = json.loads(conn.getresponse().read())
    conn.close()
    assert event["body"] == "hello world"


# ------------------------------------------------------------------ result -> response
V2_CASES = [  # triggers.md 1.4, the recorded function URL cases
    ({"hello": "world"}, 200, b'{"hello":"world"}', "application/json"),
    (["hello", 3, True], 200, b'["hello",3,true]', "application/json"),
    ("hello", 200, b"hello", "application/json"),
    (3, 200, b"3", "application/json"),
    (3.1, 200, b"3.1", "application/json"),
    (True, 200, b"true", "application/json"),
    ({"statusCode": 200, "body": "body123"}, 200, b"body123", "application/json"),
    ({"statusCode": 200, "body": '{"hello": "world"}'}, 200, b'{"hello": "world"}', None),
    ({"statusCode": "418", "body": "i'm a teapot"}, 418, b"i'm a teapot", None),
    ({"statusCode": 200, "headers": {"Content-Type": "text/html"}, "body": {"k": "v"}}, 200,
     b'{"k":"v"}', "text/html"),
    ({"statusCode": 204, "unknownKey": 1}, 204, b"", None),
]  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", ["http", "url"])
def test_v2_responses(echo: Function, serve: Callable[..., Server], api: str, client: str) -> None:
    server = serve(echo, api=api)
    for result, status, body, content_type in V2_CASES:
        reply = call(client, server.url, headers=result_header(result))
        assert (reply.status, reply.body) == (status, body), result
        if content_type is not None:
            assert reply.header("Content-Type") == content_type
    result = {"statusCode": 201, "headers": {"My-Custom-Header": "Custom Value"},
              "cookies": ["a=1; Path=/", "b=2"], "body": "made"}  # fmt: skip
    reply = call(client, server.url, headers=result_header(result))
    assert reply.status == 201
    assert ("my-custom-header", "Custom Value") in reply.headers
    assert reply.all("set-cookie") == ["a=1; Path=/", "b=2"]


REST_CASES = [  # triggers.md 1.5, recorded
    ({"statusCode": 200}, 200, b""),
    ({"statusCode": 200, "headers": {"test-header": "value", "header-bool": True}}, 200, b""),
    ({"statusCode": 200, "headers": None}, 200, b""),
    ({"headers": {"test-header": "value"}}, 200, b""),
    ({"statusCode": "201"}, 201, b""),
    ({"statusCode": 200, "body": "text"}, 200, b"text"),
]


@pytest.mark.parametrize("client", CLIENTS)
def test_rest_responses(echo: Function, serve: Callable[..., Server], client: str) -> None:
    server = serve(echo, api="rest")
    for result, status, body in REST_CASES:
        reply = call(client, server.url, headers=result_header(result))
        assert (reply.status, reply.body) == (status, body), result
        assert reply.header("Content-Type") == "application/json"
    reply = call(client, server.url, headers=result_header(REST_CASES[1][0]))
    assert reply.header("header-bool") == "true"
    result = {"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]},
              "headers": {"test-multi": "value-solo"}}  # fmt: skip
    reply = call(client, server.url, headers=result_header(result))
    assert reply.all("tesT-Multi") == ["value-multi", "value-solo"]
    assert [n for n, _ in reply.headers if n.lower() == "test-multi"] == ["tesT-Multi"] * 2
    result = {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}
    assert call(client, server.url, headers=result_header(result)).all("Set-Cookie") == [
        "a=1", "b=2"
    ]  # fmt: skip


# ------------------------------------------------------------------ the error table
REST_500 = b'{"message": "Internal server error"}'
HTTP_500 = b'{"message":"Internal Server Error"}'
FUNCTION_ERROR = {
    "rest": (502, REST_500, "InternalServerErrorException"),
    "http": (500, HTTP_500, None),
    "url": (502, b"Internal Server Error", None),
}


def assert_row(reply: Reply, status: int, body: bytes, error_type: str | None) -> None:
    assert (reply.status, reply.body) == (status, body), reply
    assert reply.header("x-amzn-ErrorType") == error_type


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", APIS)
def test_function_error_rows(
    echo: Function, serve: Callable[..., Server], api: str, client: str
) -> None:
    """A handler that raises, a runtime that exits, a result over 6 MB, malformed results."""
    server = serve(echo, api=api)
    row = FUNCTION_ERROR[api]
    reply = call(client, server.url, headers={"X-Do": "raise"})
    assert_row(reply, *row)
    assert echo.history[-1].status == "error" and echo.history[-1].error_type == "RuntimeError"
    reply = call(client, server.url, headers={"X-Do": "exit"})  # the runtime dies
    assert_row(reply, *row)
    assert echo.history[-1].error_type == "Runtime.ExitError"
    reply = call(client, server.url, headers={"X-Do": "big"})
    assert_row(reply, *row)
    assert echo.history[-1].error_type == "Function.ResponseSizeTooLarge"
    malformed = (
        ["justAString", {"statusCode": "test"}, {"statusCode": 200, "wrongValue": "value"},
         {"statusCode": 200, "multiValueHeaders": {"x": "value1"}}, {"statusCode": 200,
         "body": {"not": "a string"}}]
        if api == "rest"
        else [{"statusCode": "test"}, {"statusCode": 200, "headers": ["not", "an object"]},
              {"statusCode": 200, "cookies": "a=1"},
              {"statusCode": 200, "isBase64Encoded": True, "body": "not base64!"},
              {"statusCode": 200, "headers": {"x": "a\r\nSet-Cookie: injected=1"}}]
    )  # fmt: skip
    for result in malformed:
        reply = call(client, server.url, headers=result_header(result))
        assert_row(reply, *row)
        assert str(echo.history[-1].status) == "success"  # the function was fine; its result not


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", APIS)
def test_function_timeout_row(
    make_function: Callable[..., Function], serve: Callable[..., Server], api: str, client: str
) -> None:
    fn = make_function(ECHO, timeout=1)
    server = serve(fn, api=api)
    reply = call(client, server.url, headers={"X-Do": "sleep", "X-Seconds": "5"})
    assert_row(reply, *FUNCTION_ERROR[api])
    assert fn.history[-1].status == "timeout"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", ["rest", "http"])
def test_gateway_timeout_row(
    make_function: Callable[..., Function], serve: Callable[..., Server], api: str, client: str
) -> None:
    """The gateway stops waiting; the invocation runs on to its end, in the history."""
    fn = make_function(ECHO, timeout=6)
    server = serve(fn, api=api, integration_timeout=1)
    reply = call(client, server.url, headers={"X-Do": "sleep", "X-Seconds": "3"})
    if api == "rest":
        assert_row(reply, 504, b'{"message": "Endpoint request timed out"}', None)
    else:
        assert_row(reply, 503, b'{"message":"Service Unavailable"}', None)
    deadline = time.monotonic() + 60
    while not (fn.history and fn.history[-1].done) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fn.history[-1].status == "success"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", APIS)
def test_throttle_row(
    make_function: Callable[..., Function], serve: Callable[..., Server], api: str, client: str
) -> None:
    fn = make_function(ECHO)
    fn.configure(reserved_concurrency=0)
    server = serve(fn, api=api)
    reply = call(client, server.url)
    if api == "url":
        assert reply.status == 429
        assert reply.header("x-amzn-ErrorType") == "TooManyRequestsException"
        assert reply.json() == {
            "Type": "User",
            "message": "Rate Exceeded.",
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        }
    elif api == "rest":
        assert_row(reply, 500, REST_500, "InternalServerErrorException")
    else:
        assert_row(reply, 500, HTTP_500, None)
    assert fn.history == []  # refused: nothing ran


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", APIS)
def test_payload_too_large_rows(
    echo: Function, serve: Callable[..., Server], api: str, client: str
) -> None:
    """Over the gateway's 10 MB: its 413. Under it but over Lambda's 6 MB: the invoke is
    refused (REST/HTTP API 500; a function URL passes the Invoke API's 413 on)."""
    server = serve(echo, api=api)
    before = len(echo.history)
    text = {"Content-Type": "text/plain"}
    reply = call(client, server.url, "POST", text, b"x" * (7 * 1024 * 1024))
    if api == "url":
        assert reply.status == 413
        assert reply.header("x-amzn-ErrorType") == "RequestEntityTooLargeException"
        assert reply.json()["message"] == (
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
        )
    elif api == "rest":
        assert_row(reply, 500, REST_500, "InternalServerErrorException")
    else:
        assert_row(reply, 500, HTTP_500, None)
    if api != "url":
        reply = call(client, server.url, "POST", text, b"x" * (10 * 1024 * 1024 + 1))
        if api == "rest":
            assert_row(reply, 413, b'{"message":"Request Too Long"}', None)
        else:
            assert_row(reply, 413, b"HTTP content length exceeded 10485760 bytes.", None)
    assert len(echo.history) == before  # nothing ran
    assert call(client, server.url).status == 200  # and the server goes on


@pytest.mark.parametrize("client", CLIENTS)
def test_routes_and_no_route_rows(
    echo: Function, serve: Callable[..., Server], client: str
) -> None:
    http_api = serve(echo, api="http", routes=["GET /pets/{petID}", "ANY /pets/{proxy+}"])
    event = call(client, http_api.url + "pets/6").json()
    assert event["routeKey"] == "GET /pets/{petID}"
    assert event["pathParameters"] == {"petID": "6"}
    event = call(client, http_api.url + "pets/6", method="POST").json()
    assert event["routeKey"] == "ANY /pets/{proxy+}"
    assert event["pathParameters"] == {"proxy": "6"}
    assert_row(call(client, http_api.url + "cats"), 404, b'{"message":"Not Found"}', None)
    rest = serve(echo, api="rest", routes=["GET /items/{id}"])
    event = call(client, rest.url + "items/42").json()
    assert event["resource"] == "/items/{id}" and event["pathParameters"] == {"id": "42"}
    reply = call(client, rest.url + "items/42", method="POST")
    assert_row(reply, 403, b'{"message":"Missing Authentication Token"}',
               "MissingAuthenticationTokenException")  # fmt: skip


@pytest.mark.parametrize("client", CLIENTS)
def test_function_url_of_a_deleted_function(
    make_function: Callable[..., Function], serve: Callable[..., Server], client: str
) -> None:
    fn = make_function(ECHO)
    server = serve(fn, api="url")
    assert call(client, server.url).status == 200
    fn.close()
    reply = call(client, server.url)
    assert_row(reply, 403, b'{"Message":null}', "AccessDeniedException")


# ------------------------------------------------------------------ serving
BARRIER = """
import json, os, socket
def lambda_handler(event, context):
    # every request waits at a gate that opens when N have arrived (tests/gate.py): only
    # concurrent environments pass; after 60 s it gives up and says so
    port = int(os.environ["BARRIER_PORT"])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as gate:
        gate.sendall(b"s")
        try:
            met = gate.recv(1) == b"r"
        except OSError:
            met = False
    return {"statusCode": 200, "body": json.dumps({"env": context.log_stream_name, "met": met})}
"""


@pytest.mark.parametrize("api", APIS)
def test_concurrent_requests_use_concurrent_environments(
    make_function: Callable[..., Function], serve: Callable[..., Server], api: str,
) -> None:  # fmt: skip
    n = 4
    gate = Gate(open_at=n)
    fn = make_function(BARRIER, timeout=90, environment={"BARRIER_PORT": str(gate.port)})
    server = serve(fn, api=api)
    replies: list[Reply] = []

    def one() -> None:
        replies.append(call_urllib(server.url))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    gate.close()
    assert len(replies) == n and all(r.status == 200 for r in replies), replies
    bodies = [r.json() for r in replies]
    streams = {inv.environment for inv in fn.history}
    assert len(fn.history) == n and len(streams) == n  # one environment each
    assert all(inv.status == "success" for inv in fn.history)
    assert all(b["met"] for b in bodies) and {b["env"] for b in bodies} == streams


def test_keep_alive_and_head(echo: Function, serve: Callable[..., Server]) -> None:
    server = serve(echo, api="http")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    for i in range(3):  # one connection, several requests
        conn.request("GET", f"/n/{i}")
        response = conn.getresponse()
        assert json.loads(response.read())["rawPath"] == f"/n/{i}"
        assert response.getheader("Connection") is None
    conn.request("HEAD", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    assert int(response.getheader("Content-Length") or 0) > 0
    conn.close()


def test_close_with_requests_in_flight(
    make_function: Callable[..., Function], serve: Callable[..., Server]
) -> None:
    fn = make_function(ECHO, timeout=10)
    server = serve(fn, api="url")
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    idle.request("GET", "/warm")  # a keep-alive connection left idle: close() must end it
    assert idle.getresponse().read()
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(
            call_urllib(server.url, headers={"X-Do": "sleep", "X-Seconds": "4"})))
        for _ in range(3)
    ]  # fmt: skip
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while server.in_flight < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.in_flight == 3
    server.close()
    for t in threads:
        t.join(60)
    assert [r.status for r in replies] == [200, 200, 200]  # they finished cleanly
    assert all(r.header("Connection") == "close" for r in replies)
    assert server.closed and server not in servers() and server not in fn.servers
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, OSError)):
        idle.request("GET", "/again")
        idle.getresponse()
    idle.close()
    with socket.socket() as sock:  # the port is free for a server to take again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", server.port))


def test_port_in_use(echo: Function, serve: Callable[..., Server]) -> None:
    first = serve(echo, api="http")
    before = servers()
    with pytest.raises(ServeError, match=f"port {first.port} on 127.0.0.1 is in use"):
        echo.serve(port=first.port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        with pytest.raises(ServeError, match="in use"):
            echo.serve(port=taken, api="rest")
    assert servers() == before  # nothing left behind
    assert call_urllib(first.url).status == 200


def test_malformed_http_requests(echo: Function, serve: Callable[..., Server]) -> None:
    server = serve(echo, api="rest")
    for raw, words in [
        (b"GARBAGE\r\n\r\n", b"Bad request syntax"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", b"Content-Length 'ten'"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"bad chunk size"),
        (b"GET / HTTP/9.9\r\n\r\n", b"Invalid HTTP version (9.9)"),
    ]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(raw)
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split(b" ")[1] in (b"400", b"505"), answer
        assert b"Content-Type: text/plain" in head and words in body, answer
    assert call_urllib(server.url).status == 200  # still serving
    assert len(server.errors) == 4


def test_bad_serve_arguments(echo: Function) -> None:
    with pytest.raises(ValueError, match="expected one of http, rest, url"):
        echo.serve(api="graphql")
    with pytest.raises(ValueError, match="METHOD /path"):
        echo.serve(routes=["pets"])
    with pytest.raises(ValueError, match="50 ms to 29 s"):
        echo.serve(api="rest", integration_timeout=60)
    with pytest.raises(ValueError, match="no routes"):
        echo.serve(api="url", routes=["$default"])
    assert servers(echo.name) == []


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", ["http", "url"])
def test_cors(echo: Function, serve: Callable[..., Server], api: str, client: str) -> None:
    """Configured CORS headers replace the function's; a preflight is answered without an
    invoke (triggers.md 1.6)."""
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom"], "ExposeHeaders": ["x-env"], "MaxAge": 60}  # fmt: skip
    server = serve(echo, api=api, cors=cors)
    before = len(echo.history)
    reply = call(client, server.url, method="OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})  # fmt: skip
    assert reply.status == 200 and reply.body == b""
    assert reply.header("Access-Control-Allow-Origin") == "https://app.example"
    assert reply.header("Access-Control-Allow-Methods") == "GET,POST"
    assert reply.header("Access-Control-Allow-Headers") == "x-custom"
    assert reply.header("Access-Control-Max-Age") == "60"
    assert len(echo.history) == before  # not invoked
    result = {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "x"}
    headers = {"Origin": "https://app.example", **result_header(result)}
    reply = call(client, server.url, headers=headers)
    assert reply.all("Access-Control-Allow-Origin") == ["https://app.example"]
    assert reply.header("Access-Control-Expose-Headers") == "x-env"
    headers["Origin"] = "https://evil.example"
    reply = call(client, server.url, headers=headers)
    assert reply.header("Access-Control-Allow-Origin") is None  # the function's is dropped too
    with pytest.raises(ValueError, match="REST API has no CORS"):
        echo.serve(api="rest", cors=cors)
    with pytest.raises(ValueError, match="unknown key"):
        echo.serve(api="url", cors={"AllowOrigin": ["*"]})


@pytest.mark.parametrize("client", CLIENTS)
def test_function_url_aws_iam_auth(
    echo: Function, serve: Callable[..., Server], client: str
) -> None:
    """AWS_IAM: unsigned requests get the recorded 403; a SigV4-signed one reaches the
    function with the caller in requestContext.authorizer.iam (triggers.md 1.7)."""
    server = serve(echo, api="url", auth_type="AWS_IAM")
    before = len(echo.history)
    reply = call(client, server.url)
    assert_row(reply, 403, (
        b'{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: '
        b'https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}'
    ), "AccessDeniedException")  # fmt: skip
    signed_for_s3 = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/s3/"
                     "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "a" * 64)  # fmt: skip
    assert call(client, server.url, headers={"Authorization": signed_for_s3}).status == 403
    assert len(echo.history) == before  # refused before any invoke
    signed = signed_for_s3.replace("/s3/", "/lambda/")
    reply = call(client, server.url, headers={"Authorization": signed, "X-Amz-Date": "x"})
    assert reply.status == 200, reply
    context = reply.json()["requestContext"]
    assert context["accountId"] == "123456789012"
    iam = context["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIAIOSFODNN7EXAMPLE" and iam["cognitoIdentity"] is None
    with pytest.raises(ValueError, match="function URL setting"):
        echo.serve(api="http", auth_type="AWS_IAM")


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("api", ["rest", "http"])
def test_gateway_throttle_row(
    echo: Function, serve: Callable[..., Server], api: str, client: str
) -> None:
    """A stage limited to a burst of 2 and a slow refill: the third request at once gets the
    gateway's 429, and no invoke (triggers.md 1.9)."""
    server = serve(echo, api=api, throttle=(0.01, 2))
    before = len(echo.history)
    statuses = [call(client, server.url).status for _ in range(2)]
    reply = call(client, server.url)
    assert statuses == [200, 200]
    error_type = "TooManyRequestsException" if api == "rest" else None
    assert_row(reply, 429, b'{"message":"Too Many Requests"}', error_type)
    assert len(echo.history) == before + 2
    with pytest.raises(ValueError, match="no throttle setting"):
        echo.serve(api="url", throttle=(1, 1))
    with pytest.raises(ValueError, match="burst >= 1"):
        echo.serve(api="http", throttle=(1, 0))
