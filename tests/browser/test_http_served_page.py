"""A page served by a function (`Function.serve`), opened in Debian's chromium.

The handler is a small web app: an HTML page, a PNG sent base64 (`isBase64Encoded`), a cookie
(`cookies` in 2.0, `multiValueHeaders` Set-Cookie in 1.0) and a JSON API the page calls with
fetch(). The browser must show the image decoded, keep the cookie, and show the API's answers;
each of its requests is an invocation in the function's history. Screenshots:
test-artifacts/browser/http-served-<api>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_harness import chromium

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

pytestmark = pytest.mark.browser

APP = r'''
import base64, json, struct, zlib

def png(w=24, h=24):
    raw = b"".join(b"\x00" + bytes([230, 90, 30]) * w for _ in range(h))
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Served by Lambda</title>
<style>body{font:16px sans-serif;margin:2em;background:#fafafa}
#api{font-family:monospace;background:#fff;border:1px solid #ccc;padding:.5em}</style></head>
<body><h1><img id="logo" src="logo.png" width="48" height="48" alt="logo"> Served by a Lambda
function</h1><p>Front end: <b id="kind">KIND</b></p>
<button id="go">Call the API</button><p id="api">no call yet</p>
<script>
let n = 0;
document.getElementById("go").onclick = async () => {
  n += 1;
  const r = await fetch("api/count", {method: "POST", body: JSON.stringify({n})});
  const j = await r.json();
  document.getElementById("api").textContent = j.message;
};
</script></body></html>"""

def lambda_handler(event, context):
    v2 = event.get("version") == "2.0"
    path = event["rawPath"] if v2 else event["path"]
    if path == "/logo.png":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "isBase64Encoded": True, "body": base64.b64encode(png()).decode()}
    if path == "/api/count":
        body = event.get("body") or "{}"
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        n = json.loads(body)["n"]
        message = f"call {n} answered by {context.aws_request_id}"
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"message": message})}
    if path != "/":
        return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "no"}
    kind = "payload 2.0" if v2 else "REST API, payload 1.0"
    response = {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"},
                "body": PAGE.replace("KIND", kind)}
    if v2:
        response["cookies"] = ["visited=yes; Path=/"]
    else:
        response["multiValueHeaders"] = {"Set-Cookie": ["visited=yes; Path=/"]}
    return response
'''


@pytest.fixture(scope="module")
def service() -> Iterator[LambdaService]:
    svc = LambdaService()
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def browser_page(browser_ready: None) -> Iterator[Any]:
    with chromium(viewport=(900, 520)) as page:
        page.set_default_timeout(60_000)
        yield page


@pytest.mark.parametrize("api", ["http", "rest", "url"])
def test_served_page_in_chromium(
    service: LambdaService, browser_page: Any, artifacts: Path, api: str
) -> None:
    fn = Function.from_source(APP, name=f"web-{api}", service=service)
    binary = ["image/png"] if api == "rest" else []  # the REST API's binaryMediaTypes
    with fn.serve(api=api, binary_media_types=binary) as server:
        page = browser_page
        page.goto(server.url)
        page.wait_for_function(
            "() => { const i = document.getElementById('logo');"
            " return i.complete && i.naturalWidth === 24 && i.naturalHeight === 24; }"
        )
        assert "visited=yes" in page.evaluate("document.cookie")
        for n in (1, 2):
            page.click("#go")
            page.wait_for_function(
                f"() => document.getElementById('api').textContent.startsWith('call {n} ')"
            )
        text = page.text_content("#api") or ""
        request_id = text.rsplit(" ", 1)[1]
        page.screenshot(path=str(artifacts / f"http-served-{api}.png"))
        # every request the browser made is an invocation; the API's answer names its own
        paths = [inv.event.get("rawPath") or inv.event.get("path") for inv in list(fn.history)]
        assert paths.count("/") == 1 and paths.count("/logo.png") == 1
        assert paths.count("/api/count") == 2
        assert request_id in {inv.request_id for inv in fn.history}
        assert all(inv.status == "success" for inv in fn.history)
    fn.close()
