"""Real HTTP on 127.0.0.1 in front of a function: `Function.serve()` returns a `Server`.

A `ThreadingHTTPServer` speaking HTTP/1.1 (keep-alive, chunked request bodies): each connection
has its thread, so concurrent requests are concurrent invokes, each in an execution
environment of its own (http_frontend.py does the Lambda part). `close()` stops accepting,
frees the port at once, lets the requests in flight finish and send their responses (with
`Connection: close`), and ends idle keep-alive connections. Servers end with the process.

A request the server cannot read (a malformed request line or header, a bad Content-Length or
chunk) gets a plain-text 400 that says what was wrong, and the server goes on serving.
"""

from __future__ import annotations

import atexit
import errno
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambda_nb.aws.http_frontend import API_NAMES, Exchange, FrontEnd
from lambda_nb.aws.http_request import HttpRequest
from lambda_nb.aws.http_response import HttpResponse
from lambda_nb.engine.errors import LambdaNbError

HOST = "127.0.0.1"
READ_CHUNK = 1 << 16
IDLE_TIMEOUT_S = 120.0  # a connection silent this long (between or within requests) is closed
DISCARD_MAX = 64 * 1024 * 1024  # past this an oversized body is not read: the connection closes


class ServeError(LambdaNbError):
    """The server could not start (the port is in use, or not ours to take)."""


class _BadRequest(Exception):
    pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # an idle keep-alive connection must not hold the interpreter up
    block_on_close = False  # Server.close() joins the request threads itself
    allow_reuse_address = True  # a closed server's port can be taken again at once

    def __init__(self, owner: Server, address: tuple[str, int]) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self.owner._track(threading.current_thread(), True)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner._track(threading.current_thread(), False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.owner.closed:  # a connection reset by the client is no news
            exc = sys.exc_info()[1]
            if not isinstance(exc, (ConnectionError, TimeoutError)):
                super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    busy = False
    timeout = IDLE_TIMEOUT_S  # the socket's: an idle keep-alive connection ends after it

    # -------------------------------------------------------- connection state
    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._connections_add(self)

    def finish(self) -> None:
        self.server.owner._connections_remove(self)
        try:
            super().finish()
        except OSError:
            pass

    def handle_one_request(self) -> None:
        """The base class's loop step, with the connection marked busy from the moment a
        request line arrives, so close() ends only idle connections."""
        owner = self.server.owner
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (OSError, ValueError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not owner._start_request(self):
            self.close_connection = True
            return
        try:
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414, "Request-URI Too Long", "the request line is over 64 KB")
                return
            if not self.parse_request():  # it sent its own 400 (bad request line or headers)
                return
            self._serve()
            self.wfile.flush()
        except (ConnectionError, TimeoutError, ValueError):
            self.close_connection = True
        finally:
            owner._end_request(self)

    # ------------------------------------------------------------------ requests
    def _serve(self) -> None:
        owner = self.server.owner
        front = owner.frontend
        try:
            body = self._read_body(front.body_limit)
        except _BadRequest as exc:
            self.send_error(400, "Bad Request", str(exc))
            return
        request = HttpRequest.from_target(
            self.command,
            self.path,
            headers=list(self.headers.items()),
            body=body or b"",
            source_ip=self.client_address[0],
            port=owner.port,
            protocol=self.request_version,
        )
        try:
            exchange = front.too_large(request) if body is None else front.handle(request)
        except Exception as exc:  # a fault of lambda_nb's, not the client's or the function's
            traceback.print_exc()
            self.send_error(500, "Internal Server Error", f"lambda_nb's front end failed: {exc!r}")
            return
        self._send(exchange.response, head=self.command == "HEAD")
        owner._record(exchange)

    def _read_body(self, limit: int | None) -> bytes | None:
        """The body (Content-Length or chunked); None when it is over `limit` (then it is
        read and dropped, up to DISCARD_MAX, so the client can read the 413)."""
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if chunked:
            data = self._read_chunked(limit)
        else:
            text = self.headers.get("Content-Length")
            if text is None:
                return b""
            if not text.strip().isdigit():
                raise _BadRequest(f"Content-Length {text!r} is not a number of bytes")
            length = int(text)
            if limit is not None and length > limit:
                self._discard(length)
                return None
            data = self._read_exact(length)
        return data

    def _read_exact(self, length: int) -> bytes:
        data = self.rfile.read(length)
        if len(data) != length:
            raise ConnectionError("the client closed the connection mid-body")
        return data

    def _discard(self, length: int) -> None:
        if length > DISCARD_MAX:
            self.close_connection = True
            return
        while length > 0:
            got = self.rfile.read(min(READ_CHUNK, length))
            if not got:
                raise ConnectionError("the client closed the connection mid-body")
            length -= len(got)

    def _read_chunked(self, limit: int | None) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadRequest(f"bad chunk size line {line[:40]!r}") from None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                break
            chunk = self._read_exact(size)
            self.rfile.readline(4)  # the CRLF after the chunk
            total += size
            if limit is None or total <= limit:
                parts.append(chunk)
            elif total > DISCARD_MAX:
                self.close_connection = True
                return None
        if limit is not None and total > limit:
            return None
        return b"".join(parts)

    def _send(self, response: HttpResponse, head: bool = False) -> None:
        """The response in one write: headers and body written apart meet Nagle's algorithm
        and the client's delayed ACK, and each keep-alive response would wait ~40 ms."""
        owner = self.server.owner
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}"]
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date"):
                lines.append(f"{name}: {value}")
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.append(f"Content-Length: {len(response.body)}")
        if owner.closing or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        self.wfile.write(head_bytes if head else head_bytes + response.body)
        self.log_request(response.status)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request the server cannot read: plain text that says why, then the connection
        closes (what follows on it cannot be trusted)."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unreadable request line: answer in 1.1
            self.request_version = "HTTP/1.1"
        text = f"{code} {message or self.responses.get(code, ('',))[0]}"
        if explain:
            text += f": {explain}"
        body = (text + "\n").encode("utf-8", errors="replace")
        try:
            self.send_response_only(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Date", formatdate(usegmt=True))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass
        self.server.owner._record_error(code, text)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # exchanges are reported through Server.on_exchange instead


class Server:
    """A front end serving one function over HTTP on 127.0.0.1 until `close()`.

    `url` is where it listens; `api` its kind ("http", "rest" or "url"); `exchanges` counts the
    requests answered; `errors` keeps the last malformed-request messages. `on_exchange`, if
    given, is called (on the request's thread) after each response is sent, `on_error` with
    the message sent back for a request that could not be read.
    """

    def __init__(
        self,
        frontend: FrontEnd,
        port: int = 0,
        host: str = HOST,
        on_exchange: Callable[[Exchange], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.frontend = frontend
        self.on_exchange = on_exchange
        self.on_error = on_error
        self.exchanges = 0
        self.errors: list[str] = []
        self.closing = False
        self.closed = False
        self._lock = threading.Lock()
        self._connections: set[_Handler] = set()
        self._threads: set[threading.Thread] = set()
        self._idle = threading.Condition(self._lock)
        try:
            self._httpd = _HTTPServer(self, (host, port))
        except OSError as exc:
            raise ServeError(_bind_message(exc, host, port)) from None
        self.host = host
        self.port = int(self._httpd.server_address[1])
        frontend.port = self.port
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"lambda_nb-serve-{frontend.name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        _register(self)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def api(self) -> str:
        return self.frontend.api

    @property
    def function_name(self) -> str:
        return self.frontend.name

    @property
    def in_flight(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections if c.busy)

    def close(self, timeout: float | None = None) -> None:
        """Stop: no new connections, the port freed now; requests in flight finish and get
        their responses (at most `timeout` seconds are waited for them, by default as long as
        the gateway or the function may take); idle connections are closed."""
        with self._lock:
            if self.closing:
                already = True
            else:
                already, self.closing = False, True
        if already:
            self._join(timeout)
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._shut_idle()
        self._join(timeout)
        self.closed = True
        _unregister(self)

    def _join(self, timeout: float | None) -> None:
        if timeout is None:
            front = self.frontend
            limit = front.integration_timeout
            if limit is None:
                try:
                    limit = front.service.require(front.name, front.qualifier).config.timeout
                except LambdaNbError:
                    limit = 0.0
                limit += 10.0  # a cold start's init
            timeout = limit + 5.0
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(deadline - time.monotonic(), 0))
        self._shut_idle(force=True)

    def _shut_idle(self, force: bool = False) -> None:
        with self._lock:
            targets = [c for c in self._connections if force or not c.busy]
            for conn in targets:
                try:
                    conn.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "serving"
        return (
            f"<Server {self.function_name} {API_NAMES[self.api]} at {self.url} {state}, "
            f"{self.exchanges} requests>"
        )

    # ------------------------------------------------------- handler callbacks
    def _track(self, thread: threading.Thread, alive: bool) -> None:
        with self._lock:
            (self._threads.add if alive else self._threads.discard)(thread)

    def _connections_add(self, handler: _Handler) -> None:
        with self._lock:
            self._connections.add(handler)
            closing = self.closing
        if closing:  # accepted just before the listener closed: not served
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _connections_remove(self, handler: _Handler) -> None:
        with self._lock:
            self._connections.discard(handler)

    def _start_request(self, handler: _Handler) -> bool:
        with self._lock:
            handler.busy = True
            return True

    def _end_request(self, handler: _Handler) -> None:
        with self._lock:
            handler.busy = False

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges += 1
        if self.on_exchange is not None:
            try:
                self.on_exchange(exchange)
            except Exception:  # a reporting hook must not break serving
                pass

    def _record_error(self, code: int, text: str) -> None:
        with self._lock:
            self.errors = [*self.errors[-9:], text]
        if self.on_error is not None:
            try:
                self.on_error(text)
            except Exception:  # a reporting hook must not break serving
                pass


def _bind_message(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use (another server, or another program); choose "
            "another port, or 0 for a free one"
        )
    if exc.errno == errno.EACCES:
        return f"port {port} on {host}: permission denied (ports below 1024 need root)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


# ------------------------------------------------------------- the servers running
_servers: list[Server] = []
_servers_lock = threading.Lock()
_atexit_registered = False


def _register(server: Server) -> None:
    global _atexit_registered
    with _servers_lock:
        _servers.append(server)
        if not _atexit_registered:
            atexit.register(close_all)
            _atexit_registered = True


def _unregister(server: Server) -> None:
    with _servers_lock:
        if server in _servers:
            _servers.remove(server)


def servers(function_name: str | None = None) -> list[Server]:
    """The servers running now, of one function or of all."""
    with _servers_lock:
        return [s for s in _servers if function_name in (None, s.function_name)]


def close_all(timeout: float = 5.0) -> None:
    for server in servers():
        server.close(timeout)
