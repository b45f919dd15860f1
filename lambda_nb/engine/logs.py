"""Turning what an execution environment writes into CloudWatch log records.

Three channels, as on AWS:
- the telemetry log channel (`_LAMBDA_TELEMETRY_LOG_FD`): the runtime client frames each logging
  call (4-byte type 0xA55A00xx, 4-byte length, 8-byte µs timestamp, message; big-endian), so one
  logging call is one record even when it spans lines;
- stdout and stderr: raw bytes, one record per `\\n`-terminated line; empty lines make no record.

A reader thread moves bytes to records as they arrive; `drain()` lets the invoking thread pull
whatever is already in the pipes, so an invocation's records are complete before its END line.
Records leave in time order: a line still being written (print() writes its text and its `\n`
separately) holds back records that were framed after it began.
"""

from __future__ import annotations

import heapq
import itertools
import os
import selectors
import threading
import time
from collections.abc import Callable

from lambda_nb.engine.records import LogRecord, Source

FRAME_MAGIC = 0xA55A
_FRAME_HEADER = 16
# Level bits of the frame type (awslambdaric / aws-lambda-nodejs-runtime-interface-client).
_FRAME_LEVELS = {1: "TRACE", 2: "DEBUG", 3: "INFO", 4: "WARN", 5: "ERROR", 6: "FATAL"}
_READ_SIZE = 1 << 16

Sink = Callable[[LogRecord], None]


def decode_frames(buf: bytearray) -> list[LogRecord]:
    """Take every complete frame off the front of `buf` (in place)."""
    out = []
    pos = 0
    while len(buf) - pos >= _FRAME_HEADER:
        ftype = int.from_bytes(buf[pos : pos + 4], "big")
        length = int.from_bytes(buf[pos + 4 : pos + 8], "big")
        if len(buf) - pos - _FRAME_HEADER < length:
            break
        micros = int.from_bytes(buf[pos + 8 : pos + 16], "big")
        body = bytes(buf[pos + 16 : pos + 16 + length]).decode("utf-8", "replace")
        level = _FRAME_LEVELS.get((ftype >> 2) & 0x7) if ftype >> 16 == FRAME_MAGIC else None
        out.append(LogRecord(micros / 1e6, body, "runtime", level))
        pos += _FRAME_HEADER + length
    del buf[:pos]
    return out


def split_lines(
    buf: bytearray, source: Source, first_ts: float, final: bool = False
) -> list[LogRecord]:
    """Take every complete line off the front of `buf`; with `final`, the partial tail too.

    The first line is stamped `first_ts` (when its first byte arrived), the others now.
    """
    end = buf.rfind(b"\n")
    if end < 0 and not (final and buf):
        return []
    cut = len(buf) if final else end + 1
    chunk = bytes(buf[:cut])
    del buf[:cut]
    now = time.time()
    out: list[LogRecord] = []
    text = chunk.decode("utf-8", "replace")
    for line in text.split("\n"):  # only LF ends a record; CR stays inside (as on AWS)
        if line:
            out.append(LogRecord(first_ts if not out else now, line + "\n", source))
    return out


class LogCollector:
    """Reads one runtime process's stdout, stderr and telemetry pipe into a sink."""

    def __init__(self, stdout: int, stderr: int, telemetry: int, sink: Sink) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._bufs: dict[int, bytearray] = {}
        self._kinds: dict[int, Source] = {stdout: "stdout", stderr: "stderr", telemetry: "runtime"}
        self._sel = selectors.DefaultSelector()
        for fd in self._kinds:
            os.set_blocking(fd, False)
            self._bufs[fd] = bytearray()
            self._sel.register(fd, selectors.EVENT_READ)
        self._open = set(self._kinds)
        # close() wakes the reader through this pipe: closing the watched pipes does not wake
        # a thread blocked in select, which then slept out its timeout (a 1 s stall per reset).
        self._wake_r, self._wake_w = os.pipe()
        self._sel.register(self._wake_r, selectors.EVENT_READ)
        self._closed = False
        self._line_since: dict[int, float] = {}  # fd -> when its unfinished line began
        self._pending: list[tuple[float, int, LogRecord]] = []  # heap by timestamp
        self._seq = itertools.count()
        self._thread = threading.Thread(target=self._run, name="lambda_nb-logs", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._open:
            try:
                ready = self._sel.select(timeout=1.0)
            except (OSError, ValueError):
                return
            if any(key.fd == self._wake_r for key, _ in ready):
                return
            if ready:
                self.drain()

    def drain(self, final: bool = False) -> None:
        """Move every byte already written into records (called from any thread)."""
        with self._lock:
            for fd in list(self._open):
                self._read_fd(fd, final)
            if final:
                for fd, buf in self._bufs.items():
                    if self._kinds[fd] != "runtime" and buf:
                        self._queue(split_lines(buf, self._kinds[fd], self._since(fd), final=True))
                self._line_since.clear()
            barrier = min(self._line_since.values(), default=float("inf"))
            while self._pending and self._pending[0][0] < barrier:
                self._sink(heapq.heappop(self._pending)[2])

    def flush_partial_lines(self) -> None:
        """End of an invocation: a line the function left without `\\n` becomes its own record."""
        self.drain(final=True)

    def _since(self, fd: int) -> float:
        return self._line_since.get(fd, time.time())

    def _read_fd(self, fd: int, final: bool) -> None:
        buf = self._bufs[fd]
        kind = self._kinds[fd]
        while True:
            try:
                data = os.read(fd, _READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self._close_fd(fd)
                break
            if kind != "runtime" and not buf:
                self._line_since[fd] = time.time()
            buf += data
            if len(data) < _READ_SIZE:
                break
        if kind == "runtime":
            self._queue(decode_frames(buf))
            return
        if b"\n" in buf:
            records = split_lines(buf, kind, self._since(fd))
            self._queue(records)
            if buf:  # the unfinished tail arrived in this read
                self._line_since[fd] = time.time()
        if not buf:
            self._line_since.pop(fd, None)

    def _queue(self, records: list[LogRecord]) -> None:
        for rec in records:
            heapq.heappush(self._pending, (rec.timestamp, next(self._seq), rec))

    def _close_fd(self, fd: int) -> None:
        self._open.discard(fd)
        try:
            self._sel.unregister(fd)
        except (KeyError, ValueError):
            pass
        os.close(fd)

    def close(self) -> None:
        """Read what is left and release the pipes (the process is gone). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.drain(final=True)
        with self._lock:
            for fd in list(self._open):
                self._close_fd(fd)
        os.write(self._wake_w, b"x")
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._sel.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
