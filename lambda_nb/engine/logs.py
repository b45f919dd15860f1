"""Turning what an execution environment writes into CloudWatch log records.

Three channels, as on AWS:
- the telemetry log channel (`_LAMBDA_TELEMETRY_LOG_FD`): the runtime client frames each logging
  call (4-byte type 0xA55A00xx, 4-byte length, 8-byte µs timestamp, message; big-endian), so one
  logging call is one record even when it spans lines;
- stdout and stderr: raw bytes, one record per `\\n`-terminated line; empty lines make no record.

The telemetry channel and stdout may be one pipe (`merged`, what the execution environment
does): the pipe then holds `print` lines and logging frames in the order they were written, so
the records come out in the order of the calls. Read from two pipes, that order is lost: a
line's time is when it was read, a frame's when it was logged, and a reader behind a busy
handler puts a burst of frames before the lines printed between them. `MergedStream` takes the
frames out of the byte stream by their header (magic, level bits, a plausible µs timestamp),
which text cannot produce by accident (it would need NUL bytes and the current time in binary).

A reader thread moves bytes to records as they arrive; `drain()` lets the invoking thread pull
whatever is already in the pipes, so an invocation's records are complete before its END line.
Records leave in time order: a line still being written (print() writes its text and its `\n`
separately) holds back records that were framed after it began.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import os
import selectors
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from operator import attrgetter

from lambda_nb.engine.records import LogRecord, Source

FRAME_MAGIC = 0xA55A
_FRAME_HEADER = 16
# Level bits of the frame type (awslambdaric / aws-lambda-nodejs-runtime-interface-client).
_FRAME_LEVELS = {1: "TRACE", 2: "DEBUG", 3: "INFO", 4: "WARN", 5: "ERROR", 6: "FATAL"}
_READ_SIZE = 1 << 16
_GATHER_S = 0.002

Sink = Callable[[LogRecord], None]
_TS = attrgetter("timestamp")


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


_MAGIC = b"\xa5\x5a\x00"
_PLAUSIBLE_S = 5 * 365 * 86400.0  # a frame's timestamp is within years of now, text's is not


def _frame_at(buf: bytearray | bytes, pos: int, now: float) -> tuple[LogRecord, int] | None:
    """The frame starting at `pos` and its size, if a whole, plausible one is there."""
    if len(buf) - pos < _FRAME_HEADER or buf[pos + 3] > 0x1F:
        return None
    length = int.from_bytes(buf[pos + 4 : pos + 8], "big")
    micros = int.from_bytes(buf[pos + 8 : pos + 16], "big")
    if abs(micros / 1e6 - now) > _PLAUSIBLE_S or length > 1 << 30:
        return None
    if len(buf) - pos - _FRAME_HEADER < length:
        return None
    ftype = int.from_bytes(buf[pos : pos + 4], "big")
    body = bytes(buf[pos + _FRAME_HEADER : pos + _FRAME_HEADER + length]).decode("utf-8", "replace")
    level = _FRAME_LEVELS.get((ftype >> 2) & 0x7)
    return LogRecord(micros / 1e6, body, "runtime", level), _FRAME_HEADER + length


class MergedStream:
    """stdout with telemetry frames among its bytes: records in the order they were written.

    A line's place is where its first byte was; a frame logged while a line was unfinished
    (print writes its text and its `\\n` apart) waits behind that line. Timestamps follow the
    order: a line is stamped when its first byte arrived, but never later than the frame after
    it, nor earlier than the record before it.
    """

    def __init__(self) -> None:
        self.buf = bytearray()
        self._line = bytearray()
        self._line_since: float | None = None
        self._queue: collections.deque[LogRecord | None] = collections.deque()
        self._after_line = 0  # records queued behind the unfinished line (its place is None)
        self._last = 0.0

    @property
    def line_since(self) -> float | None:
        return self._line_since

    def feed(self, final: bool = False) -> list[LogRecord]:
        """Parse what `buf` holds; return the records whose turn has come."""
        now = time.time()
        buf = self.buf
        pos = 0
        while pos < len(buf):
            at = buf.find(_MAGIC, pos)
            if at < 0:
                keep = 0  # the start of a magic cut short waits for its next bytes
                if not final:
                    keep = 2 if buf.endswith(_MAGIC[:2]) else 1 if buf.endswith(_MAGIC[:1]) else 0
                    keep = min(keep, len(buf) - pos)
                self._text(buf[pos : len(buf) - keep], now)
                pos = len(buf) - keep
                break
            self._text(buf[pos:at], now)
            pos = at
            found = _frame_at(buf, at, now)
            if found is not None:
                self._queue.append(found[0])
                self._after_line += 1
                pos += found[1]
                continue
            if len(buf) - at < _FRAME_HEADER and not final:
                break  # perhaps a header still arriving (a whole header comes in one write)
            if len(buf) - at >= _FRAME_HEADER and self._body_pending(buf, at, now):
                break  # a frame still arriving
            self._text(buf[at : at + 1], now)  # not a frame: text that happens to hold A5 5A 00
            pos = at + 1
        del buf[:pos]
        if final and self._line:
            self._end_line(now)
        return self._ready()

    @staticmethod
    def _body_pending(buf: bytearray, at: int, now: float) -> bool:
        """A plausible header whose body has not all arrived yet."""
        micros = int.from_bytes(buf[at + 8 : at + 16], "big")
        length = int.from_bytes(buf[at + 4 : at + 8], "big")
        return (
            buf[at + 3] <= 0x1F and abs(micros / 1e6 - now) <= _PLAUSIBLE_S and (length <= 1 << 30)
        )

    def _text(self, data: bytes | bytearray, now: float) -> None:
        start = 0
        if self._line:  # the unfinished line first
            cut = data.find(b"\n")
            if cut < 0:
                self._line += data
                return
            self._line += data[: cut + 1]
            self._end_line(now)
            start = cut + 1
        end = data.rfind(b"\n") + 1
        if end > start:  # whole lines, decoded at once (LF cannot be part of a UTF-8 sequence)
            lines = bytes(data[start:end]).decode("utf-8", "replace").split("\n")
            self._queue.extend(LogRecord(now, line + "\n", "stdout") for line in lines if line)
            start = end
        if start < len(data):
            self._line_since = now
            self._queue.append(None)
            self._after_line = 0
            self._line += data[start:]

    def _end_line(self, now: float) -> None:
        text = bytes(self._line).decode("utf-8", "replace")
        slot = len(self._queue) - 1 - self._after_line
        self._line.clear()
        since, self._line_since = self._line_since or now, None
        if text == "\n":
            del self._queue[slot]  # an empty line makes no record (as on AWS)
            return
        message = text if text.endswith("\n") else text + "\n"
        self._queue[slot] = LogRecord(since, message, "stdout")

    def _ready(self) -> list[LogRecord]:
        out: list[LogRecord] = []
        while self._queue and self._queue[0] is not None:
            rec = self._queue.popleft()
            assert rec is not None
            ts = rec.timestamp
            after = self._queue[0] if self._queue else None
            if rec.source == "stdout" and after is not None and after.source == "runtime":
                ts = min(ts, after.timestamp)  # it was written before that frame was logged
            ts = max(ts, self._last)
            self._last = ts
            out.append(
                rec if ts == rec.timestamp else LogRecord(ts, rec.message, rec.source, rec.level)
            )
        return out


def log_pipe() -> tuple[int, int, int]:
    """One pipe for a runtime's stdout and its telemetry frames: the read end, stdout's write
    end, and the telemetry fd's, a second open file description of the same pipe. Two
    descriptions, because Node.js makes its stdout non-blocking (O_NONBLOCK belongs to the
    description) and the runtime clients' frame writes must stay blocking, as AWS's pipe is.
    The pipe is made larger (256 KiB where Linux allows, not its 1 MiB maximum: an unprivileged
    user's pipes share a 64 MiB budget, past which every new pipe of theirs gets 8 KiB) so that
    a burst of output rarely fills it: Node.js queues stdout writes to a full pipe and would
    then send frames ahead of them (so would AWS's pipes)."""
    read, write = os.pipe()
    try:
        telemetry = os.open(f"/proc/self/fd/{write}", os.O_WRONLY)  # Linux: the same pipe
    except OSError:  # macOS: a FIFO opened twice is one pipe with two descriptions
        os.close(read)
        os.close(write)
        read, write, telemetry = _fifo()
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(write, set_size, 1 << 18)
    return read, write, telemetry


def _fifo() -> tuple[int, int, int]:
    folder = tempfile.mkdtemp(prefix="lambda_nb-log-")
    path = os.path.join(folder, "stdout")
    opened: list[int] = []
    try:
        os.mkfifo(path, 0o600)
        for flags in (os.O_RDONLY | os.O_NONBLOCK, os.O_WRONLY, os.O_WRONLY):  # reader first,
            opened.append(os.open(path, flags))  # so that opening the writers does not wait
        return opened[0], opened[1], opened[2]
    except BaseException:
        for fd in opened:
            os.close(fd)
        raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.rmdir(folder)


class LogCollector:
    """Reads one runtime process's stdout, stderr and telemetry pipe into a sink.

    `telemetry=None`: the frames come on the stdout pipe, among the lines (see MergedStream).
    """

    def __init__(self, stdout: int, stderr: int, telemetry: int | None, sink: Sink) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._bufs: dict[int, bytearray] = {}
        self._kinds: dict[int, Source] = {stdout: "stdout", stderr: "stderr"}
        if telemetry is not None:
            self._kinds[telemetry] = "runtime"
        self._merged = MergedStream() if telemetry is None else None
        self._merged_fd = stdout
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
        # Records not yet released, in time order (ties: in arrival order). A sorted list, not
        # a heap: each fd's records arrive nearly sorted, which sorting takes in one C pass;
        # a push and a pop per record cost a fifth of a 100,000-line invoke's reading.
        self._pending: list[LogRecord] = []
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
                # A handler that prints writes a few bytes at a time (stdout is unbuffered, as
                # on Lambda); woken at once, this thread would read each write on its own.
                # A moment's wait lets a burst gather into one read: 100,000 prints cost the
                # host a few thousand reads instead of 200,000. (The invoking thread drains
                # at the end itself, so no record waits for this.)
                time.sleep(_GATHER_S)
                self.drain()

    def drain(self, final: bool = False) -> None:
        """Move every byte already written into records (called from any thread)."""
        with self._lock:
            for fd in list(self._open):
                self._read_fd(fd, final)
            if final:
                for fd, buf in self._bufs.items():
                    if self._kinds[fd] != "runtime" and buf and fd != self._merged_fd:
                        self._queue(split_lines(buf, self._kinds[fd], self._since(fd), final=True))
                if self._merged is not None:
                    self._queue(self._merged.feed(final=True))
                self._line_since.clear()
            pending = self._pending
            if not pending:
                return
            barrier = min(self._line_since.values(), default=None)
            cut = len(pending) if barrier is None else bisect_left(pending, barrier, key=_TS)
            if cut:
                ready = pending[:cut]
                del pending[:cut]
                sink = self._sink
                for rec in ready:
                    sink(rec)

    def flush_partial_lines(self) -> None:
        """End of an invocation: a line the function left without `\\n` becomes its own record."""
        self.drain(final=True)

    def _since(self, fd: int) -> float:
        return self._line_since.get(fd, time.time())

    def _read_fd(self, fd: int, final: bool) -> None:
        merged = self._merged if fd == self._merged_fd else None
        buf = self._bufs[fd] if merged is None else merged.buf
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
            if kind != "runtime" and not buf and merged is None:
                self._line_since[fd] = time.time()
            buf += data
            if len(data) < _READ_SIZE:
                break
        if merged is not None:
            self._queue(merged.feed())
            since = merged.line_since
            if since is None:
                self._line_since.pop(fd, None)
            else:
                self._line_since[fd] = since
            return
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
        if records:
            self._pending += records
            self._pending.sort(key=_TS)  # stable: equal times keep their arrival order

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
