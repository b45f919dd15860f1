"""The Lambda Runtime API (2018-06-01), served to one execution environment.

Every runtime (ours, AWS's awslambdaric, Node.js, a custom `bootstrap`) talks to the platform
through this one protocol, as on AWS, so each environment gets its own endpoint: a socket on
127.0.0.1 with a free port, given to the runtime as `AWS_LAMBDA_RUNTIME_API`.

The server only speaks HTTP; what a request means is decided by the environment behind it
(`RuntimeAPIHandler`). `GET .../invocation/next` is parked: the environment answers it later
with `Connection.send`, from the thread that starts the invocation, so delivering an event costs
no thread hop. HTTP/1.1 keep-alive, TCP_NODELAY, Content-Length or chunked request bodies.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import struct
import threading
from collections.abc import Callable
from typing import Protocol

PREFIX = "/2018-06-01/runtime/"
_REASONS = {
    200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 413: "Request Entity Too Large", 500: "Internal Server Error",
}  # fmt: skip
MAX_BODY = 64 * 1024 * 1024  # refuse anything absurd before reading it
DEBUG_PREFIX = "/lambda-nb/debug/"  # engine/debugger.py; not a path of AWS's Runtime API
LOCALS_PREFIX = "/lambda-nb/locals/"  # runtimes/python/_lnb_locals.py; neither is this


class Connection:
    """One keep-alive connection from the runtime."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""
        self._send_lock = threading.Lock()
        self.on_close: Callable[[], None] | None = None  # the server forgets the connection
        # The request said `Connection: close`: close once it is answered, which for a parked
        # /next is when the next event is delivered (urllib's clients always say it).
        self.close_after_reply = False

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
        head.append(f"Content-Type: {content_type}")
        for key, value in (headers or {}).items():
            head.append(f"{key}: {value}")
        head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass  # the runtime is gone; its exit is noticed elsewhere
        if self.close_after_reply:
            self.close()

    def send_json(self, status: int, obj: object) -> None:
        self.send(status, json.dumps(obj, separators=(",", ":")).encode())

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buf:
            if len(self._buf) > 65536:
                raise ConnectionError("header too large")
            self._buf += self._recv()
        head, _, self._buf = self._buf.partition(marker)
        return head

    def _read_exact(self, n: int) -> bytes:
        chunks = [self._buf[:n]]
        got = len(chunks[0])
        self._buf = self._buf[n:]
        while got < n:
            data = self._recv()
            need = n - got
            chunks.append(data[:need])
            self._buf = data[need:]
            got += min(len(data), need)
        return b"".join(chunks)

    def read_request(self) -> tuple[str, str, dict[str, str], bytes]:
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            # curl waits a second for this before sending a large body; Go's net/http (RAPID)
            # sends it at once.
            with self._send_lock:
                self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            length = int(headers.get("content-length") or 0)
            if length > MAX_BODY:
                raise ConnectionError("body too large")
            body = self._read_exact(length)
        return method, path, headers, body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                self._read_until(b"\r\n")  # trailers end with an empty line
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ConnectionError("body too large")
            parts.append(self._read_exact(size))
            self._read_exact(2)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if self.on_close is not None:
            self.on_close()


class RuntimeAPIHandler(Protocol):
    """What the environment behind the endpoint does with each Runtime API call."""

    def on_next(self, conn: Connection) -> None: ...

    def on_response(
        self, request_id: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, object]: ...

    def on_error(
        self, request_id: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, object]: ...

    def on_init_error(self, body: bytes, headers: dict[str, str]) -> tuple[int, object]: ...


class RuntimeAPIServer:
    """Listens on 127.0.0.1:<free port>; a thread per connection.

    The port is on the host's loopback (functions share the host's network, as they reach the
    internet on Lambda), so any local process could connect, read an event and post a forged
    result. `members` closes that: each accepted connection's peer socket is looked up in
    /proc/net/tcp and must be held by one of the environment's processes, which `members` lists
    (sandbox-and-packages.md 5.8, option 3); anything else is closed unanswered.
    """

    def __init__(
        self, handler: RuntimeAPIHandler, members: Callable[[], list[int]] | None = None
    ) -> None:
        self.handler = handler
        self.members = members
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._conns: set[Connection] = set()
        self._closed = False
        threading.Thread(target=self._accept, name="lambda_nb-rapi", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock)
            conn.on_close = functools.partial(self._conns.discard, conn)
            self._conns.add(conn)
            threading.Thread(
                target=self._serve, args=(conn,), name="lambda_nb-rapi-conn", daemon=True
            ).start()

    def _peer_allowed(self, sock: socket.socket) -> bool:
        """Is the other end held by a process of the environment? Asked a few times over
        0.2 s: a runtime that has just been started can connect before its launcher is known."""
        assert self.members is not None
        try:
            peer, local = sock.getpeername()[:2], sock.getsockname()[:2]
        except OSError:
            return False
        inode = peer_inode(peer, local)
        if inode is None:
            return False
        for attempt in range(5):
            if socket_holders(inode, self.members()):
                return True
            threading.Event().wait(0.01 * (attempt + 1))
        return False

    def _serve(self, conn: Connection) -> None:
        if self.members is not None and not self._peer_allowed(conn.sock):
            conn.close()  # not one of ours: no event, no answer
            return
        try:
            while not self._closed:
                method, path, headers, body = conn.read_request()
                conn.close_after_reply = headers.get("connection", "").lower() == "close"
                self._dispatch(conn, method, path, headers, body)
                if conn.close_after_reply:
                    return  # send() closes it: it did already, or will answer a parked /next
        except (ConnectionError, OSError, ValueError):
            pass
        conn.close()

    def _dispatch(
        self, conn: Connection, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> None:
        path = path.split("?", 1)[0]
        if path.startswith(DEBUG_PREFIX):  # lambda_nb's own: pdb's channel (engine/debugger.py)
            on_debug = getattr(self.handler, "on_debug", None)
            if method == "POST" and on_debug is not None:
                on_debug(conn, path[len(DEBUG_PREFIX) :], body)
                return
        if path.startswith(LOCALS_PREFIX):  # lambda_nb's own: a failed frame's locals
            on_locals = getattr(self.handler, "on_frame_locals", None)
            if method == "POST" and on_locals is not None:
                conn.send_json(*on_locals(path[len(LOCALS_PREFIX) :], body))
                return
        parts = path[len(PREFIX) :].split("/") if path.startswith(PREFIX) else []
        if parts == ["invocation", "next"]:
            route = "GET"
        elif parts == ["init", "error"] or (
            len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error")
        ):
            route = "POST"
        else:  # what RAPID's router (go-chi) answers for an unknown path or a wrong method
            conn.send(404, b"404 page not found\n", content_type="text/plain; charset=utf-8")
            return
        if method != route:
            conn.send(405, b"", content_type="text/plain; charset=utf-8")
            return
        if route == "GET":
            self.handler.on_next(conn)  # answered when the next invocation starts
            return
        if parts[0] == "init":
            status, reply = self.handler.on_init_error(body, headers)
        elif parts[2] == "response":
            status, reply = self.handler.on_response(parts[1], body, headers)
        else:
            status, reply = self.handler.on_error(parts[1], body, headers)
        conn.send_json(status, reply)

    def close(self) -> None:
        self._closed = True
        try:  # close() alone does not wake a thread blocked in accept() on Linux
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self._listener.close()
        except OSError:
            pass
        for conn in list(self._conns):
            conn.close()


def _tcp_hex(addr: tuple[str, int]) -> str:
    """An IPv4 address as /proc/net/tcp writes it (host byte order, upper-case hex)."""
    packed = struct.unpack("=I", socket.inet_aton(addr[0]))[0]
    return f"{packed:08X}:{addr[1]:04X}"


def peer_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The inode of the socket bound to `local` and connected to `remote` (Linux), if any."""
    want = (_tcp_hex(local), _tcp_hex(remote))
    try:
        with open("/proc/net/tcp", "rb") as f:
            lines = f.read().decode("ascii", "replace").splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 9 and (fields[1], fields[2]) == want:
            return int(fields[9])
    return None


def socket_holders(inode: int, candidates: list[int] | None = None) -> list[int]:
    """Processes holding `socket:[inode]` among `candidates` (default: every process)."""
    target = f"socket:[{inode}]"
    if candidates is None:
        try:
            candidates = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return []
    found = []
    for pid in candidates:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    found.append(pid)
                    break
            except OSError:
                continue
    return found
