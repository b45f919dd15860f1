"""The Lambda Runtime API (2018-06-01), served to one execution environment.

Every runtime (ours, AWS's awslambdaric, Node.js, a custom `bootstrap`) talks to the platform
through this one protocol, as on AWS, so each environment gets its own endpoint: a socket on
127.0.0.1 with a free port, given to the runtime as `AWS_LAMBDA_RUNTIME_API`.

The server only speaks HTTP; what a request means is decided by the environment behind it
(`RuntimeAPIHandler`). `GET .../invocation/next` is parked: the environment holds that
connection (`Connection.held`), and the thread that starts the invocation writes the event to
it, then reads the runtime's response and its next `GET .../next` from it itself
(`RuntimeAPIServer.handle`). So a warm invoke's critical path has no thread hop; the server's
threads serve the rest (init, other connections, lambda_nb's own paths).
HTTP/1.1 keep-alive, TCP_NODELAY, Content-Length or chunked request bodies.
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
        self._buf = bytearray()
        self._continued = False  # `100 Continue` sent for the request being read
        self._send_lock = threading.Lock()
        # Held by the environment (a parked /next, then the invocation it delivers): no thread
        # of the server reads it; the invoking thread does, until it hands it back (`serve`).
        self.held = False
        self.closed = False
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

    def fill(self) -> None:
        """Read what the socket has (blocks until something comes); ConnectionError at EOF."""
        data = self.sock.recv(65536)  # more would allocate (and page in) a bigger buffer each time
        if not data:
            raise ConnectionError("closed")
        self._buf += data

    def read_request(self) -> tuple[str, str, dict[str, str], bytes]:
        """The next request, waiting for it."""
        while (request := self.next_request()) is None:
            self.fill()
        return request

    def next_request(self) -> tuple[str, str, dict[str, str], bytes] | None:
        """The next request if it has been read whole already, else None (nothing consumed)."""
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > 65536:
                raise ConnectionError("header too large")
            return None
        request_line, *header_lines = buf[:end].decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue" and not self._continued:
            # curl waits a second for this before sending a large body; Go's net/http (RAPID)
            # sends it at once.
            self._continued = True
            with self._send_lock:
                self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            found = _chunked_body(buf, end + 4)
            if found is None:
                return None
            body, used = found
        else:
            length = int(headers.get("content-length") or 0)
            if length > MAX_BODY:
                raise ConnectionError("body too large")
            used = end + 4 + length
            if len(buf) < used:
                return None
            body = bytes(buf[end + 4 : used])
        del buf[:used]
        self._continued = False
        return method, path, headers, body

    def close(self) -> None:
        self.closed = True
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

    def _serve(self, conn: Connection, checked: bool = False) -> None:
        if not checked and self.members is not None and not self._peer_allowed(conn.sock):
            conn.close()  # not one of ours: no event, no answer
            return
        try:
            while not self._closed:
                self.handle(conn, conn.read_request())
                if conn.held or conn.close_after_reply:
                    # Held: the environment reads it from now on. Close after reply: send()
                    # closes it (it did already, or will answer a parked /next).
                    return
        except (ConnectionError, OSError, ValueError):
            pass
        conn.close()

    def serve(self, conn: Connection) -> None:
        """A connection the environment held and gives back: a thread serves it again."""
        conn.held = False
        threading.Thread(
            target=self._serve, args=(conn, True), name="lambda_nb-rapi-conn", daemon=True
        ).start()

    def handle(self, conn: Connection, request: tuple[str, str, dict[str, str], bytes]) -> None:
        """Answer one request (on whichever thread read it)."""
        method, path, headers, body = request
        conn.close_after_reply = headers.get("connection", "").lower() == "close"
        self._dispatch(conn, method, path, headers, body)

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


def _chunked_body(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """A chunked body starting at `pos` and where it ends, or None if not all read yet."""
    parts: list[bytes] = []
    total = 0
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            eol = buf.find(b"\r\n", pos)  # trailers end with an empty line
            return None if eol < 0 else (b"".join(parts), eol + 2)
        total += size
        if total > MAX_BODY:
            raise ConnectionError("body too large")
        if len(buf) < pos + size + 2:
            return None
        parts.append(bytes(buf[pos : pos + size]))
        pos += size + 2


def _tcp_hex(addr: tuple[str, int]) -> str:
    """An IPv4 address as /proc/net/tcp writes it (host byte order, upper-case hex)."""
    packed = struct.unpack("=I", socket.inet_aton(addr[0]))[0]
    return f"{packed:08X}:{addr[1]:04X}"


def peer_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """The inode of the socket bound to `local` and connected to `remote` (Linux), if any.

    Asked of the kernel for that one socket (sock_diag), in tens of microseconds; reading
    /proc/net/tcp walks every TCP socket of the machine (6-10 ms here, for each connection a
    runtime opens), so it is only the fallback."""
    try:
        return _diag_inode(local, remote)
    except (OSError, AttributeError, struct.error):  # no netlink (not Linux), or refused
        pass
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


_SOCK_DIAG_BY_FAMILY = 20  # linux/sock_diag.h; NETLINK_SOCK_DIAG is netlink family 4


def _diag_inode(local: tuple[str, int], remote: tuple[str, int]) -> int | None:
    """One exact inet_diag lookup (linux/inet_diag.h: inet_diag_req_v2, then inet_diag_msg)."""
    ids = struct.pack("!HH", local[1], remote[1])
    ids += socket.inet_aton(local[0]) + bytes(12) + socket.inet_aton(remote[0]) + bytes(12)
    no_cookie = struct.pack("=III", 0, 0xFFFFFFFF, 0xFFFFFFFF)  # interface, INET_DIAG_NOCOOKIE
    request = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
    request += ids + no_cookie
    header = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, 1, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4) as netlink:
        netlink.sendto(header + request, (0, 0))
        answer = netlink.recv(65536)
    if struct.unpack_from("=H", answer, 4)[0] != _SOCK_DIAG_BY_FAMILY:
        return None  # NLMSG_ERROR: no such socket
    return int(struct.unpack_from("=I", answer, 16 + 4 + 48 + 16)[0])


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
