"""What an invocation leaves behind: its log records, its REPORT figures, its outcome.

These are plain data. The engine fills an `Invocation` while the handler runs (log records are
appended from reader threads, so a viewer on another thread can poll `logs[seen:]`); once `done`
is set nothing changes any more. Renderers (text, HTML, widgets) read only these objects; the
engine imports nothing from them (the notebook display is `lambda_nb.function.Invocation`'s).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["running", "success", "error", "timeout", "crash", "out_of_memory", "aborted"]
AsyncStatus = Literal[
    "queued", "running", "retrying", "succeeded", "failed", "expired", "dropped"
]  # fmt: skip
Source = Literal["platform", "runtime", "stdout", "stderr"]


@dataclass(frozen=True, slots=True)  # slots: a record is small, and there are millions
class LogRecord:
    """One CloudWatch log event.

    `source` says where it came from: "platform" for START/END/REPORT/INIT_* and timeout lines,
    "runtime" for a record the runtime client framed on the telemetry log channel (one logging
    call = one record), "stdout"/"stderr" for a raw line the function wrote.
    `level` is the record's level where the runtime said so (DEBUG, INFO, WARNING/WARN, ERROR, ...).
    """

    timestamp: float  # seconds since the epoch
    message: str
    source: Source = "stdout"
    level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": int(self.timestamp * 1000),
            "message": self.message,
            "source": self.source,
            "level": self.level,
        }


@dataclass(frozen=True)
class Report:
    """The figures of a REPORT line (`platform.report`)."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None  # None on success; "timeout" or "error"
    error_type: str | None = None
    # lambda_nb's own: time stopped at a debugger prompt, left out of Duration (debugger.py)
    debug_pause_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Invocation:
    """One call of a function version, as the caller and CloudWatch see it."""

    request_id: str
    function_name: str
    version: str  # AWS_LAMBDA_FUNCTION_VERSION: "$LATEST" for an unqualified invoke
    event: Any
    revision: int = 1  # which publication of the code (each re-run of a %%lambda cell is one)
    environment: str = ""  # the execution environment's log stream name
    invoked_function_arn: str = ""
    deadline_ms: int = 0
    timeout: float = 0.0
    memory_size: int = 0
    started_at: float = 0.0  # epoch seconds when START was logged
    status: Status = "running"
    payload: Any = None  # the decoded response (None on error)
    raw_payload: bytes | None = None  # the response body as the runtime posted it
    error: dict[str, Any] | None = None  # the error body as the caller receives it
    # Once ended and out of the service's in-memory window, a read-only `StoredLogs` sequence
    # that reads the records back from the log store (engine/log_store.py).
    logs: list[LogRecord] = field(default_factory=list)
    report: Report | None = None
    cold: bool = False
    log_result: str | None = None  # X-Amz-Log-Result, when the caller asked for LogType=Tail
    # What lambda_nb (not Lambda) has to say about this run, e.g. why boto3 is missing here.
    notes: list[str] = field(default_factory=list)
    # lambda_nb's own, for the error view: the function's frames when it raised, outermost
    # first, each {file, line, function, locals: [[name, short repr], ...]} (Python only)
    frame_locals: list[dict[str, Any]] | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def executed_version(self) -> str:
        """X-Amz-Executed-Version: the version that ran (`$LATEST` or a number)."""
        return self.version

    @property
    def function_error(self) -> str | None:
        """X-Amz-Function-Error: `Unhandled` for any function error (today's runtimes no longer
        report `Handled`), None on success."""
        return None if self.status in ("success", "running") else "Unhandled"

    @property
    def error_type(self) -> str | None:
        if self.error is not None:
            return self.error.get("errorType")
        return None

    def log_text(self, sources: tuple[Source, ...] | None = None) -> str:
        """The log as CloudWatch shows it, one record per line (records keep their own newlines)."""
        parts = []
        for rec in list(self.logs):
            if sources is None or rec.source in sources:
                parts.append(rec.message if rec.message.endswith("\n") else rec.message + "\n")
        return "".join(parts)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "function_name": self.function_name,
            "version": self.version,
            "revision": self.revision,
            "status": self.status,
            "cold": self.cold,
            "environment": self.environment,
            "event": self.event,
            "payload": self.payload,
            "error": self.error,
            "logs": [r.to_dict() for r in list(self.logs)],
            "report": self.report.to_dict() if self.report else None,
        }

    def __repr__(self) -> str:
        return (
            f"<Invocation {self.function_name} rev {self.revision} {self.request_id} "
            f"{self.status}{' cold' if self.cold else ''}>"
        )


@dataclass
class AsyncRequest:
    """One asynchronous event (InvocationType Event), from the 202 answer to its end.

    Every attempt runs with the same request id (triggers.md 5). `status` moves queued ->
    running -> succeeded, or -> retrying -> running ... -> failed; an event too old for its next
    try is "expired"; one still queued when its function or the service closes is "dropped".
    `condition` is the destination record's (Success, RetriesExhausted, EventAgeExceeded,
    ZeroReservedConcurrency) once the event is done. "running" means an environment has it.
    """

    request_id: str
    function_name: str
    event: Any
    payload: bytes = field(repr=False, default=b"")
    qualifier: str | None = None
    status: AsyncStatus = "queued"
    attempts: list[Invocation] = field(default_factory=list)
    condition: str | None = None
    # The destination record (lambda-runtime.md 8), made when the event is done, with or
    # without a destination; and the delivery to a Lambda destination, itself asynchronous.
    record: dict[str, Any] | None = None
    delivery: AsyncRequest | None = None
    throttles: int = 0  # times the event found the function throttled and was queued again
    enqueued_at: float = 0.0  # Lambda time (engine.clock), for the event's age
    generation: int = 0  # which life of the function it belongs to (the queue's bookkeeping)
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> AsyncRequest:
        """Block until the event is done (or `timeout` real seconds passed); returns self."""
        self._done.wait(timeout)
        return self

    def __repr__(self) -> str:
        return (
            f"<AsyncRequest {self.function_name} {self.request_id} {self.status} "
            f"attempts={len(self.attempts)}>"
        )


def payload_json(inv: Invocation) -> str:
    """The response or error body as JSON text, as `lambda-nb invoke` prints it."""
    if inv.error is not None:
        return json.dumps(inv.error)
    if inv.raw_payload is not None:
        try:
            return inv.raw_payload.decode("utf-8")
        except UnicodeDecodeError:
            return json.dumps(inv.raw_payload.decode("latin-1"))
    return json.dumps(inv.payload)
