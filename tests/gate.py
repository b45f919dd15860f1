"""A rendezvous between a test and its handlers over loopback TCP, in both isolation modes.

A handler cannot share files with its test in the sandbox (its /tmp is private and the host's
folders are not visible, sandbox-and-packages.md 1.1), but it shares the host's network, as a
Lambda function reaches the internet. So a handler says "started" by connecting to the gate, and
blocks until the test opens it.

Handler side (the event carries the port):

    import socket
    def handler(event, context):
        with socket.create_connection(("127.0.0.1", event["gate"])) as s:
            s.sendall(b"s"); s.recv(1)   # returns when the test calls gate.release()
"""

from __future__ import annotations

import socket
import threading
import time

# A handler body that waits at the gate; `event["gate"]` is the port.
WAIT_AT_GATE = """
import socket
def wait_at_gate(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"s")
        s.recv(1)
"""


class Gate:
    """Counts arrivals; `release()` lets every waiting (and later) handler through, as does the
    `open_at`-th arrival when given (a burst that proves it ran side by side)."""

    def __init__(self, open_at: int | None = None) -> None:
        self._open_at = open_at
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._arrived = 0
        self._open = False
        self._waiting: list[socket.socket] = []
        self._lock = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._greet, args=(conn,), daemon=True).start()

    def _greet(self, conn: socket.socket) -> None:
        try:
            conn.recv(1)
        except OSError:
            conn.close()
            return
        with self._lock:
            self._arrived += 1
            if self._open_at is not None and self._arrived >= self._open_at:
                self._open = True
                for waiting in self._waiting:
                    self._let_through(waiting)
                self._waiting = []
            if self._open:
                self._let_through(conn)
            else:
                self._waiting.append(conn)
            self._lock.notify_all()

    @staticmethod
    def _let_through(conn: socket.socket) -> None:
        try:
            conn.sendall(b"r")
        except OSError:
            pass
        conn.close()

    @property
    def arrived(self) -> int:
        with self._lock:
            return self._arrived

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Block until `count` handlers have arrived (a generous deadline: CI is noisy)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._arrived < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self._arrived} of {count} handlers reached the gate")
                self._lock.wait(left)

    def release(self) -> None:
        with self._lock:
            self._open = True
            waiting, self._waiting = self._waiting, []
        for conn in waiting:
            self._let_through(conn)

    def close(self) -> None:
        self.release()
        self._server.close()
