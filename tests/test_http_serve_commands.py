"""`%lambda serve` and `lambda-nb serve`: the HTTP front end from the magic and the shell."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from lambda_nb.engine.service import default_service

ROOT = Path(__file__).resolve().parents[1]
APP = "def lambda_handler(event, context):\n    return {'path': event['rawPath']}\n"
REST_APP = (
    "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': event['path']}\n"
)


def line(ip: Any, text: str) -> str:
    with capture_output() as cap:
        ip.run_line_magic("lambda", text)
    return cap.stdout


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_magic_serve_list_and_stop(ip: Any, name: str) -> None:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", APP)
    fn = default_service().functions[name]
    try:
        out = line(ip, f"serve {name}")
        assert out.startswith(f"Serving {name}: HTTP API (payload 2.0) at http://127.0.0.1:")
        assert f"stop with %lambda serve {name} --stop" in out
        (server,) = fn.servers
        assert get(server.url + "a/b") == (200, b'{"path":"/a/b"}')
        assert fn.history[-1].event["rawPath"] == "/a/b"
        with capture_output() as cap:
            ip.run_line_magic("lambda", "list")
        text = "".join(o.data.get("text/plain", "") for o in cap.outputs)
        assert server.url in text and "HTTP API (payload 2.0)" in text
        # a second one, on a port of our choosing, as a REST API
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with capture_output():
            ip.run_cell_magic("lambda", f"{name} --no-invoke", REST_APP)
        out = line(ip, f"serve {name} --port {port} --api rest -o srv")
        assert f"REST API (payload 1.0) at http://127.0.0.1:{port}/" in out
        assert ip.user_ns["srv"].url == f"http://127.0.0.1:{port}/"
        assert get(f"http://127.0.0.1:{port}/x") == (200, b"/x")
        # the port is taken now: a clear error, and nothing more is started
        with pytest.raises(UsageError, match=f"port {port} on 127.0.0.1 is in use"):
            ip.run_line_magic("lambda", f"serve {name} --port {port}")
        with pytest.raises(UsageError, match="api 'soap': expected one of http, rest, url"):
            ip.run_line_magic("lambda", f"serve {name} --api soap")
        assert len(fn.servers) == 2
        out = line(ip, f"serve {name} --stop")
        assert out.count("Stopped ") == 2 and fn.servers == []
        assert line(ip, f"serve {name} --stop").strip() == f"{name} is not being served"
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(server.url, timeout=10)
    finally:
        for server in fn.servers:
            server.close()


def test_magic_serve_unknown_function(ip: Any) -> None:
    with pytest.raises(UsageError, match="no function named 'nope'"):
        ip.run_line_magic("lambda", "serve nope")
    assert "--api API" in line(ip, "help serve")


def test_cli_serve_until_interrupted(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "def lambda_handler(event, context):\n"
        "    print('handling', event['rawPath'])\n"
        "    return {'statusCode': 201, 'body': event['rawPath']}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambda_nb", "serve", str(app), "--port", "0", "--api", "url",
         "--timeout", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(url + "hi?x=1") == (201, b"/hi")
        curl = subprocess.run(
            ["curl", "-sS", "--noproxy", "*", "-o", "-", "-w", " %{http_code}", url + "c"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert curl.stdout == "/c 201"
        host, port_text = url[len("http://") :].strip("/").split(":")
        with socket.create_connection((host, int(port_text)), timeout=30) as sock:
            sock.sendall(b"NONSENSE\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 400 ")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Serving my-function: function URL (payload 2.0) at " + url in err
    assert "handling /hi" in err and "REPORT RequestId:" in err
    assert "GET /hi?x=1 201 " in err and "GET /c 201 " in err
    assert "malformed request: 400 Bad request syntax ('NONSENSE')" in err
    assert "lambda-nb: stopping" in err
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.socket() as sock:  # freed
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_cli_serve_port_in_use(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "lambda_nb", "serve", str(app), "--port", str(port)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"lambda-nb: error: port {port} on 127.0.0.1 is in use" in done.stderr
    assert done.stdout == ""  # no URL: nothing is served


def test_serve_completes(ip: Any, name: str) -> None:
    from IPython.core.completer import provisionalcompleter

    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", APP)

    def words(text: str) -> list[str]:
        with provisionalcompleter():
            found = list(ip.Completer.completions(text, len(text)))
        return [(text[: c.start] + c.text).rsplit(" ", 1)[-1] for c in found]

    assert "serve" in words("%lambda se")
    assert name in words("%lambda serve ")
    assert words(f"%lambda serve {name} --api ") == ["http", "rest", "url"]
    assert {"--port", "--api", "--stop"} <= set(words(f"%lambda serve {name} --"))


def test_magic_serve_a_version(ip: Any, name: str) -> None:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", APP)
    fn = default_service().functions[name]
    line(ip, f"publish {name}")
    line(ip, f"alias {name} prod 1")
    try:
        line(ip, f"serve {name} --qualifier prod -o srv")
        assert get(ip.user_ns["srv"].url + "v") == (200, b'{"path":"/v"}')
        assert fn.history[-1].version == "1"
    finally:
        line(ip, f"serve {name} --stop")
