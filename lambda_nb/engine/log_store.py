"""The service's log store: every log record of every invocation, on disk (CloudWatch Logs here).

One embedded SQLite database per service, in the service's work folder (removed with it when the
service closes). A function's log group holds one log stream per execution environment
(`2026/12/01/[$LATEST]<hex>`, its format Text or JSON, its function and version); each
invocation's records are written under its request id when it ends, records outside any
invocation (a provisioned environment's INIT_START) as they come.

Why chunks: records are stored up to `CHUNK` at a time, one row holding a zlib'd `marshal` of
their timestamps, messages, sources and levels (four columns). Measured on the 2-core machine,
100,000 records cost 170-280 ms of CPU as a row each (with the two indexes), 25-45 ms as
chunks, which matters because the writer shares the interpreter with the invoke path; and the
chunks take about a tenth of the disk. Filters decode the chunks they need and test each
message in Python, as FilterLogEvents' patterns need anyway (engine/log_filter.py).

Writes are cheap on the invoke path: `add_invocation` queues the finished invocation's record
list (no copy) and a writer thread encodes and inserts it; every read first writes out what is
queued (`flush`), so a read sees every record handed over before it.

`StoredLogs` is an invocation's records read back from the store: the service swaps it in for
`Invocation.logs` once an invocation is old enough (service.py keeps the newest in memory), so
the memory an invocation history takes stays flat however much the functions log.
"""

from __future__ import annotations

import array
import contextlib
import itertools
import marshal
import re
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from lambda_nb.engine.records import LogRecord

if TYPE_CHECKING:
    import sqlite3

CHUNK = 1000  # records per stored row
# The writer gathers what ended in this long before it writes: one transaction for a burst of
# invocations, not one per invocation (a warm invoke takes well under a millisecond).
FLUSH_DELAY_S = 0.2
_SCHEMA = """
CREATE TABLE streams (
    id INTEGER PRIMARY KEY, log_group TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
    function TEXT NOT NULL, version TEXT NOT NULL, format TEXT NOT NULL, created REAL NOT NULL,
    records INTEGER NOT NULL DEFAULT 0);
CREATE TABLE invocations (
    id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, stream INTEGER NOT NULL,
    records INTEGER NOT NULL);
-- `first`: the index of the chunk's first record in its invocation; `at`: in its stream.
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, invocation INTEGER, first INTEGER NOT NULL,
    at INTEGER NOT NULL, count INTEGER NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL,
    records BLOB NOT NULL);
CREATE INDEX chunks_by_invocation ON chunks (invocation, first);
CREATE INDEX chunks_by_stream ON chunks (stream, at);
"""


@dataclass(frozen=True)
class LogEvent:
    """One event as FilterLogEvents returns it, with what lambda_nb knows besides."""

    log_stream: str
    timestamp: float  # seconds since the epoch, as LogRecord's
    message: str
    request_id: str | None  # None outside any invocation
    function: str
    version: str
    log_format: str  # Text or JSON
    source: str
    level: str | None
    event_id: int  # its place in the store: later events have larger ids within a stream

    @property
    def record(self) -> LogRecord:
        return LogRecord(self.timestamp, self.message, self.source, self.level)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """FilterLogEvents' event fields, then lambda_nb's."""
        return {
            "logStreamName": self.log_stream,
            "timestamp": int(self.timestamp * 1000),
            "message": self.message,
            "eventId": str(self.event_id),
            "requestId": self.request_id,
            "function": self.function,
            "version": self.version,
            "logFormat": self.log_format,
            "level": self.level,
        }


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(since: str | float | None, now: float | None = None) -> float | None:
    """The epoch second `since` names: a duration back from now (`10m`, `2h`, `1d`, `90s`;
    a bare number is seconds), an ISO 8601 time (`2026-12-01T10:00:00Z`), or epoch seconds as
    a number. ValueError otherwise."""
    if since is None or since == "":
        return None
    now = time.time() if now is None else now
    if isinstance(since, (int, float)) and not isinstance(since, bool):
        return float(since)
    text = str(since)
    match = _DURATION.match(text)
    if match is not None:
        return now - float(match[1]) * _UNITS[match[2] or "s"]
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r}: give a duration such as 10m, 2h or 1d, or an ISO time such as "
            "2026-12-01T10:00:00Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def _encode(records: Sequence[LogRecord]) -> bytes:
    """Columns, not a tuple per record: half the CPU (the writer shares the interpreter with
    the invoke path). The timestamps as doubles; sources and levels repeat, and marshal
    writes a repeated interned string as a reference."""
    stamps = array.array("d", [r.timestamp for r in records]).tobytes()
    columns = (stamps, [r.message for r in records], [r.source for r in records],
               [r.level for r in records])  # fmt: skip
    return zlib.compress(marshal.dumps(columns), 1)


def _rows(raw: bytes) -> Iterator[tuple[float, str, str, str | None]]:
    """A chunk's records as (timestamp, message, source, level), from its decompressed bytes."""
    stamps, messages, sources, levels = marshal.loads(raw)
    times = array.array("d")
    times.frombytes(stamps)
    return zip(times, messages, sources, levels, strict=True)


def _decode(blob: bytes) -> list[LogRecord]:
    return [LogRecord(*t) for t in _rows(zlib.decompress(blob))]  # type: ignore[arg-type]


class LogStore:
    """The log groups of one service, in `folder`/logs.sqlite3 (opened on first use: sqlite3
    costs an import that `import lambda_nb` should not pay)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "logs.sqlite3"
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Condition()  # the queue
        self._db_lock = threading.RLock()  # the connection (one writer or reader at a time)
        self._pending: list[tuple[Any, ...]] = []
        self._streams: dict[str, tuple[int, str, str, str]] = {}  # name -> id, fn, version, fmt
        self._stream_names: dict[int, str] = {}
        self._stream_records: dict[int, int] = {}  # records written per stream (for `at`)
        self._keys = itertools.count(1)
        self._stream_ids = itertools.count(1)
        self._writer: threading.Thread | None = None
        self._closed = False

    # ---------------------------------------------------------------- writing
    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            import sqlite3

            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # A scratch database that dies with the service: no fsync, and the journal in
            # memory (not OFF: a write that fails half way, on a full disk, must roll back,
            # or the file is corrupt and every later read fails).
            db.execute("PRAGMA journal_mode=MEMORY")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def add_stream(
        self, log_group: str, name: str, function: str, version: str, log_format: str
    ) -> None:
        """A new log stream (an execution environment's). Queued like the records: an
        environment's start touches no file (the database opens on the first write)."""
        with self._lock:
            if self._closed or name in self._streams:
                return
            sid = next(self._stream_ids)
            self._streams[name] = (sid, function, version, log_format)
            self._stream_names[sid] = name
            self._stream_records[sid] = 0
        self._queue(("stream", sid, log_group, name, function, version, log_format, time.time()))

    def add_invocation(self, request_id: str, stream: str, records: Sequence[LogRecord]) -> int:
        """Queue an ended invocation's records (the list itself: nothing appends to it any
        more); returns its key for `StoredLogs`."""
        key = next(self._keys)
        self._queue(("invocation", key, request_id, stream, records))
        return key

    def add_record(self, stream: str, record: LogRecord) -> None:
        """Queue a record written outside any invocation."""
        self._queue(("record", stream, record))

    def _queue(self, item: tuple[Any, ...]) -> None:
        with self._lock:
            if self._closed:
                return
            self._pending.append(item)
            if len(self._pending) > 1:
                return  # the writer knows already
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_loop, name="lambda_nb-log-store", daemon=True
                )
                self._writer.start()
            self._lock.notify()

    def _write_loop(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closed:
                    self._lock.wait()
                if not self._closed:
                    self._lock.wait(FLUSH_DELAY_S)  # close() cuts it short
                if self._closed:
                    return
            try:
                self.flush()
            except Exception:  # a full disk must not end the writer: what comes later is written
                time.sleep(0.5)

    def flush(self) -> None:
        """Write out everything queued (any thread; reads call it first)."""
        with self._db_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch or self._closed:
                return
            counts = dict(self._stream_records)
            try:
                self._write(batch)
            except Exception:
                # Nothing is lost: the batch goes back to the front of the queue, to be written
                # when it can be (the writer tries again; a read says why it cannot).
                self._stream_records.update(counts)
                if self._db is not None and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                with self._lock:
                    self._pending[:0] = batch
                raise

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        """Write one batch in one transaction (flush holds the locks)."""
        rows: list[tuple[Any, ...]] = []
        invocations: list[tuple[Any, ...]] = []
        strays: dict[str, list[LogRecord]] = {}
        streams = [item[1:] for item in batch if item[0] == "stream"]
        for item in batch:
            if item[0] == "stream":
                continue
            if item[0] == "record":
                strays.setdefault(item[1], []).append(item[2])
                continue
            _, key, request_id, stream, records = item
            for name, recs in strays.items():  # in their order within the stream
                rows += self._chunks(name, None, recs)
            strays = {}
            records = list(records)
            if stream not in self._streams:
                continue
            invocations.append((key, request_id, self._streams[stream][0], len(records)))
            rows += self._chunks(stream, key, records)
        for name, recs in strays.items():
            rows += self._chunks(name, None, recs)
        db = self._connect()
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO streams (id, log_group, name, function, version, format, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            streams,
        )
        db.executemany(
            "INSERT INTO invocations (id, request_id, stream, records) VALUES (?, ?, ?, ?)",
            invocations,
        )
        db.executemany(
            "INSERT INTO chunks (stream, invocation, first, at, count, first_ts, last_ts, "
            "records) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        for sid in {row[0] for row in rows}:
            db.execute(
                "UPDATE streams SET records = ? WHERE id = ?", (self._stream_records[sid], sid)
            )
        db.execute("COMMIT")

    def _chunks(
        self, stream: str, key: int | None, records: list[LogRecord]
    ) -> list[tuple[Any, ...]]:
        if stream not in self._streams:  # its stream was never registered: nowhere to go
            return []
        sid = self._streams[stream][0]
        out = []
        for first in range(0, len(records), CHUNK):
            part = records[first : first + CHUNK]
            at = self._stream_records[sid]
            self._stream_records[sid] = at + len(part)
            out.append(
                (sid, key, first, at, len(part), part[0].timestamp, part[-1].timestamp,
                 _encode(part))
            )  # fmt: skip
        return out

    # ---------------------------------------------------------------- reading
    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._db_lock:
            if self._closed:
                return []
            self.flush()
            return self._connect().execute(sql, args).fetchall()

    def count(self, *, invocation: int | None = None, stream: str | None = None) -> int:
        """How many records an invocation (its key) or a stream has."""
        if invocation is not None:
            rows = self._read("SELECT records FROM invocations WHERE id = ?", (invocation,))
        else:
            sid = self._streams.get(stream or "", (0,))[0]
            rows = self._read("SELECT records FROM streams WHERE id = ?", (sid,))
        return int(rows[0][0]) if rows else 0

    def records(
        self, *, invocation: int | None = None, stream: str | None = None, start: int = 0,
        stop: int | None = None,
    ) -> list[LogRecord]:  # fmt: skip
        """Records `start` to `stop` (0-based, stop excluded) of an invocation or a stream."""
        stop = self.count(invocation=invocation, stream=stream) if stop is None else stop
        if stop <= start:
            return []
        if invocation is not None:
            column, where, value = "first", "invocation = ?", invocation
        else:
            column, where = "at", "stream = ?"
            value = self._streams.get(stream or "", (0,))[0]
        rows = self._read(
            f"SELECT {column}, records FROM chunks WHERE {where} AND {column} < ? "
            f"AND {column} + count > ? ORDER BY {column}",
            (value, stop, start),
        )
        out: list[LogRecord] = []
        for begin, blob in rows:
            part = _decode(blob)
            out += part[max(start - begin, 0) : max(stop - begin, 0)]
        return out

    def streams(self, log_group: str) -> list[str]:
        """The log group's streams, oldest first."""
        rows = self._read("SELECT name FROM streams WHERE log_group = ? ORDER BY id", (log_group,))
        return [name for (name,) in rows]

    def filter(
        self, log_group: str, pattern: str | None = None, since: float | None = None,
        until: float | None = None, streams: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[LogEvent]:  # fmt: skip
        """FilterLogEvents over a log group: the events that match `pattern` (CloudWatch's
        filter-pattern syntax), at or after `since` and before `until` (epoch seconds), in
        the `streams` named (a stream's full name or its [version]hex tail, or a prefix of
        it), in time order; at most `limit`."""
        from lambda_nb.engine.log_filter import compile_pattern, required_terms

        matches = compile_pattern(pattern)  # a bad pattern fails before anything is read
        # marshal spells each message out in UTF-8 (at least its first time in a chunk): a
        # chunk whose bytes lack a required term has no match, and is not unmarshalled.
        needles = [term.encode() for term in required_terms(pattern)]
        with self._db_lock:
            if self._closed:
                return []
            self.flush()
            db = self._connect()
            chosen = self._pick_streams(db, log_group, streams)
            if not chosen:
                return []
            marks = ",".join("?" * len(chosen))
            sql = (
                "SELECT chunks.id, chunks.stream, chunks.records, invocations.request_id "
                f"FROM chunks LEFT JOIN invocations ON invocations.id = chunks.invocation "
                f"WHERE chunks.stream IN ({marks})"
            )
            args: list[Any] = list(chosen)
            if since is not None:
                sql += " AND chunks.last_ts >= ?"
                args.append(since)
            if until is not None:
                sql += " AND chunks.first_ts < ?"
                args.append(until)
            rows = db.execute(sql + " ORDER BY chunks.id", args).fetchall()
        found: list[LogEvent] = []
        for chunk_id, sid, blob, request_id in rows:
            name = self._stream_names[sid]
            _, function, version, log_format = self._streams[name]
            raw = zlib.decompress(blob)
            if needles and not all(needle in raw for needle in needles):
                continue
            # Plain tuples: only a match becomes an object.
            for i, (ts, message, source, level) in enumerate(_rows(raw)):
                if (since is not None and ts < since) or (until is not None and ts >= until):
                    continue
                if matches(message):
                    found.append(LogEvent(
                        name, ts, message, request_id, function, version, log_format, source,
                        level, chunk_id * CHUNK + i,
                    ))  # fmt: skip
        found.sort(key=lambda e: (e.timestamp, e.event_id))
        return found if limit is None else found[:limit]

    def _pick_streams(
        self, db: sqlite3.Connection, log_group: str, wanted: Sequence[str] | None
    ) -> list[int]:
        rows = db.execute(
            "SELECT id, name FROM streams WHERE log_group = ? ORDER BY id", (log_group,)
        ).fetchall()
        if not wanted:
            return [sid for sid, _ in rows]
        out = []
        for sid, name in rows:
            tail = name.rsplit("/", 1)[-1]  # [$LATEST]<hex>
            hex_id = tail.split("]", 1)[-1]
            if any(name.startswith(w) or tail.startswith(w) or hex_id.startswith(w)
                   for w in wanted):  # fmt: skip
                out.append(sid)
        return out

    def close(self) -> None:
        """Stop the writer and close the database (the service removes its folder)."""
        with self._lock:
            self._closed = True
            self._pending = []
            self._lock.notify_all()
        writer = self._writer
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout=5)
        with self._db_lock:
            if self._db is not None:
                with contextlib.suppress(Exception):
                    self._db.close()
                self._db = None


class _Stored(Sequence[LogRecord]):
    """Records read from the store when asked for, by slices (one query each)."""

    _store: LogStore

    def _read(self, start: int, stop: int) -> list[LogRecord]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> LogRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogRecord]: ...

    def __getitem__(self, index: int | slice) -> LogRecord | list[LogRecord]:
        count = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(count)
            if step != 1:
                return self._read(0, count)[index]
            return self._read(start, stop)
        i = index + count if index < 0 else index
        if not 0 <= i < count:
            raise IndexError("log record index out of range")
        return self._read(i, i + 1)[0]

    def __iter__(self) -> Iterator[LogRecord]:
        count = len(self)
        for start in range(0, count, 10 * CHUNK):
            yield from self._read(start, min(start + 10 * CHUNK, count))


class StoredLogs(_Stored):
    """An ended invocation's records: what `Invocation.logs` becomes once the invocation
    leaves the in-memory window. After the service closed, it is empty (the store went with
    the service's folder)."""

    def __init__(self, store: LogStore, key: int, count: int) -> None:
        self._store = store
        self._key = key
        self._count = count

    def __len__(self) -> int:
        return 0 if self._store._closed else self._count

    def _read(self, start: int, stop: int) -> list[LogRecord]:
        return self._store.records(invocation=self._key, start=start, stop=stop)

    def __repr__(self) -> str:
        return f"<StoredLogs: {len(self)} records in the log store>"


class StreamLogs(_Stored):
    """A log stream's records (`Function.log_group`)."""

    def __init__(self, store: LogStore, name: str) -> None:
        self._store = store
        self.name = name

    def __len__(self) -> int:
        return self._store.count(stream=self.name)

    def _read(self, start: int, stop: int) -> list[LogRecord]:
        return self._store.records(stream=self.name, start=start, stop=stop)

    def __repr__(self) -> str:
        return f"<StreamLogs {self.name}: {len(self)} records>"
