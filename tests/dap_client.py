"""A minimal Debug Adapter Protocol client: what VS Code speaks to debugpy when it attaches.

Imported by the tests as `from dap_client import DapClient` (tests/ is on sys.path, as for
`waiting`). Messages are `Content-Length: N` headers and a JSON body; requests are answered by
responses with the same `request_seq`; events arrive whenever they happen.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any


class DapClient:
    def __init__(self, port: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:  # the environment starts listening once the invocation reaches it
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.seq = 0
        self.unread: list[dict[str, Any]] = []

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        message = {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        data = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        return self.seq

    def _read(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the debug adapter closed the connection")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(rest) < length:
            rest += self.sock.recv(65536)
        body, self.buf = rest[:length], rest[length:]
        message: dict[str, Any] = json.loads(body)
        return message

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for message in self.unread:
            if wanted(message):
                self.unread.remove(message)
                return message
        while True:
            message = self._read()
            if wanted(message):
                return message
            self.unread.append(message)

    def response(self, seq: int) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)

    def event(self, name: str) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("type") == "event" and m.get("event") == name)

    def close(self) -> None:
        try:
            self.send("disconnect")
        except OSError:
            pass
        self.sock.close()
