"""The view model of one invocation: what a view shows, derived from the engine's plain records.

Pure Python (no IPython, no ipywidgets), so every decision a view makes - the status label and
its tone, how a log line is classified and coloured, which stack frames are the user's and which
cell line they point at (per runtime), whether a response is an HTTP response, which sections a
finished view shows and which are open, what a million such invocations would cost - is made
once here and unit-tested without a frontend. The renderers (text in `static`, HTML in
`fragments`, the live widget in `widgets`) only draw it; tones become colours in `theme`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lambda_nb.render import cells

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord
    from lambda_nb.engine.runtime_family import FramePattern

STATUS_LABELS = {
    "running": "Running",
    "success": "Succeeded",
    "error": "Error",
    "timeout": "Timed out",
    "crash": "Crashed",
    "out_of_memory": "Out of memory",
    "aborted": "Aborted",
}
# Tones are semantic colour names; `theme` paints them.
STATUS_TONES = {"running": "warning", "success": "success", "aborted": "muted"}  # others: error
STATUS_MARKS = {"running": "…", "success": "✔", "aborted": "■"}  # others: ✘
LEVEL_TONES = {"TRACE": "muted", "DEBUG": "muted", "INFO": "info", "WARNING": "warning",
               "ERROR": "error", "CRITICAL": "error"}  # fmt: skip

# Caps keep a display cheap to send and to save; `inv.logs` and `inv.payload` keep everything.
MAX_MESSAGE_CHARS = 4_000
MAX_PAYLOAD_CHARS = 20_000
LOG_HEAD, LOG_TAIL = 100, 300  # a finished log longer than both shows its two ends
OPEN_LOG_RECORDS = 60  # a successful invocation's log is open up to this many records
RUNNING_LOG_RECORDS = 50  # a running view (re-sent on each display update) shows the newest

# ------------------------------------------------------------------------------- prices
# lambda-runtime.md section 6: US East, first tier, list price before the free tier.
REQUEST_PRICE_USD = 0.20 / 1_000_000
GB_SECOND_PRICE_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PER = 1_000_000

# ------------------------------------------------------------------------------- levels
LEVELS = ("TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SEVERITY = {level: 5 + 10 * i for i, level in enumerate(LEVELS)}
_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL", "ERR": "ERROR", "INFORMATION": "INFO"}
_LEVEL_KEYS = ("level", "levelname", "log_level", "severity", "levelName")



# ------------------------------------------------------------------------------- frames
# Each runtime family's record (engine/runtime_family.py) says how its Text-format log lines
# carry a level and what its stack frames look like; a view tries them in the families' order.
@functools.cache
def _text_levels() -> tuple[re.Pattern[str], ...]:
    from lambda_nb.engine import runtime_family

    return tuple(f.text_level for f in runtime_family.families() if f.text_level is not None)


@functools.cache
def _frame_patterns() -> tuple[FramePattern, ...]:
    from lambda_nb.engine import runtime_family

    return tuple(f.frames for f in runtime_family.families() if f.frames is not None)


def _match_frame(text: str) -> tuple[re.Match[str], FramePattern] | None:
    for frames in _frame_patterns():
        match = frames.pattern.match(text)
        if match is not None:
            return match, frames
    return None


def _runtime_frame(path: str, func: str | None, frames: FramePattern) -> bool:
    """A frame of a runtime client (hidden): its file is one of any family's runtime files
    (/var/runtime/index.mjs is not the cell), or its function one of its language's runtime's
    (a JDK reflection frame)."""
    if any(f.runtime_path.search(path) for f in _frame_patterns() if f.runtime_path):
        return True
    return bool(func and frames.runtime_function and frames.runtime_function.search(func))

LARGE_PAYLOAD_CHARS = 2_000
LARGE_PAYLOAD_LINES = 40
_HTTP_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies",
     "statusDescription"}
)  # fmt: skip


# =============================================================================== header


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "error")


def status_mark(status: str) -> str:
    return STATUS_MARKS.get(status, "✘")


def level_tone(level: str | None) -> str | None:
    return LEVEL_TONES.get(level) if level else None


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def ms(value: float) -> str:
    return f"{value:.2f} ms"


@dataclass(frozen=True)
class Header:
    """The line above everything: what ran, how it ended, and its headline figures."""

    status: str
    label: str
    tone: str
    mark: str
    function: str
    version: str
    revision: int
    start: str  # "Cold start", "Warm" or "" (not started yet)
    request_id: str
    duration: str | None
    billed: str | None
    memory: str | None  # "36 MB of 128 MB"
    init: str | None = None  # Init Duration: a cold start's Duration leaves the init out
    debug_pause: str | None = None  # a debugged invocation: time at pdb's prompt, not in Duration

    def figures(self) -> list[tuple[str, str]]:
        """The headline figures in the REPORT line's order; Init Duration on cold starts, so a
        short Duration next to a long Billed Duration reads as what it is."""
        pairs = [
            ("Duration", self.duration), ("Billed Duration", self.billed),
            ("Max Memory Used", self.memory), ("Init Duration", self.init),
            ("Debug Pause Duration", self.debug_pause),
        ]  # fmt: skip
        return [(k, v) for k, v in pairs if v]


def header(inv: Invocation) -> Header:
    rep = inv.report
    if inv.cold:
        start = "Cold start"
    elif inv.started_at or rep is not None:
        start = "Warm"
    else:
        start = ""
    return Header(
        status=inv.status,
        label=status_label(inv.status),
        tone=status_tone(inv.status),
        mark=status_mark(inv.status),
        function=inv.function_name,
        version=inv.version,
        revision=inv.revision,
        start=start,
        request_id=inv.request_id,
        duration=f"{rep.duration_ms:.2f} ms" if rep else None,
        billed=f"{rep.billed_duration_ms} ms" if rep else None,
        memory=f"{rep.max_memory_used_mb} MB of {rep.memory_size_mb} MB" if rep else None,
        init=ms(rep.init_duration_ms) if rep and rep.init_duration_ms is not None else None,
        debug_pause=ms(rep.debug_pause_ms) if rep and rep.debug_pause_ms is not None else None,
    )


def elapsed(inv: Invocation, now: float | None = None) -> tuple[float, float]:
    """(seconds the handler has run, the timeout in seconds): the progress bar's two ends."""
    if inv.report is not None:
        return inv.report.duration_ms / 1000, inv.timeout
    if not inv.started_at:
        return 0.0, inv.timeout
    now = time.time() if now is None else now
    return max(0.0, min(now - inv.started_at, inv.timeout or float("inf"))), inv.timeout


# ================================================================================= logs


def normalize_level(level: object) -> str | None:
    """'warn' -> 'WARNING', 'FATAL' -> 'CRITICAL'; None for anything that is not a level."""
    if not isinstance(level, str):
        return None
    name = level.strip().upper()
    name = _LEVEL_ALIASES.get(name, name)
    return name if name in SEVERITY else None


@dataclass(frozen=True)
class LogLine:
    """One log record as a view shows it."""

    index: int
    timestamp: float
    source: str  # platform, runtime, stdout, stderr
    level: str | None
    text: str  # the message without its final newline
    data: dict[str, Any] | None = None  # a JSON record, parsed

    @property
    def platform(self) -> bool:
        return self.source == "platform"

    @property
    def tone(self) -> str | None:
        """Platform lines muted; WARNING and up coloured by level; the rest as text."""
        if self.platform:
            return "muted"
        if self.level in ("WARNING", "ERROR", "CRITICAL"):
            return level_tone(self.level)
        return None

    @property
    def badge(self) -> bool:
        """Whether the level is shown as a label: JSON records and stderr lines carry no
        visible level of their own (a Text-format line starts with it)."""
        return self.level is not None and (self.data is not None or self.source == "stderr")

    def display_text(self) -> str:
        """JSON records pretty-printed; other records as written."""
        if self.data is not None:
            return json.dumps(self.data, indent=2, ensure_ascii=False, default=str)
        return self.text

    def matches(
        self, min_level: str | None = None, needle: str = "", platform: bool = True
    ) -> bool:
        """The Logs filter: platform lines on/off, a minimum level, a case-blind substring.

        A minimum level hides application lines without a level (plain prints), not platform
        lines: those follow the platform switch alone.
        """
        if self.platform and not platform:
            return False
        if not self.platform and min_level is not None:
            below = self.level is None or SEVERITY[self.level] < SEVERITY[min_level]
            if below:
                return False
        return not needle or needle.lower() in self.text.lower()


def log_line(index: int, rec: LogRecord) -> LogLine:
    """Classify one record: its level from the runtime, a Text-format prefix or a JSON field."""
    text = rec.message[:-1] if rec.message.endswith("\n") else rec.message
    text = clip(text, MAX_MESSAGE_CHARS)
    level = normalize_level(rec.level)
    data = None
    if rec.source != "platform":
        stripped = text.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                data = parsed
                if level is None:
                    level = next(
                        (normalize_level(parsed[k]) for k in _LEVEL_KEYS if k in parsed), None
                    )
        if level is None:
            match = next((m for p in _text_levels() if (m := p.match(text))), None)
            if match:
                level = normalize_level(match["level"])
    return LogLine(index, rec.timestamp, rec.source, level, text, data)


def log_lines(
    records: Sequence[LogRecord], start: int = 0, stop: int | None = None
) -> list[LogLine]:
    """Log lines for `records[start:stop]` (numbered from `start`), e.g. those new since a tick."""
    return [log_line(i, rec) for i, rec in enumerate(records[start:stop], start)]


def filter_lines(
    lines: Iterable[LogLine], min_level: str | None = None, needle: str = "", platform: bool = True
) -> list[LogLine]:
    return [line for line in lines if line.matches(min_level, needle, platform)]


def head_and_tail(count: int, head: int, tail: int) -> tuple[range, range]:
    """Which indices a truncated log shows: the first `head` and the last `tail` of `count`."""
    if count <= head + tail:
        return range(count), range(count, count)
    return range(head), range(count - tail, count)


@dataclass(frozen=True)
class LogExcerpt:
    """What a finished view shows of a log: its head, a gap of `hidden` records, its tail."""

    head: list[LogLine]
    tail: list[LogLine]
    hidden: int
    total: int


def log_excerpt(
    records: Sequence[LogRecord], head: int = LOG_HEAD, tail: int = LOG_TAIL
) -> LogExcerpt:
    """Slices, not one record at a time: `records` may be read from the log store
    (engine/log_store.py's StoredLogs and StreamLogs), where each access is a query."""
    count = len(records)
    first, last = head_and_tail(count, head, tail)
    lines = log_lines(records, first.start, first.stop)
    ends = log_lines(records, last.start, last.stop) if len(last) else []
    return LogExcerpt(lines, ends, count - len(lines) - len(ends), count)


# ============================================================================== response


@dataclass(frozen=True)
class HttpResponse:
    """An API Gateway / function URL style response: what a browser would receive."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[str, ...]
    body: str
    body_is_json: bool
    base64_encoded: bool


@dataclass(frozen=True)
class Response:
    text: str  # the payload as pretty JSON (or as returned, when it is not JSON)
    large: bool  # collapse it by default
    http: HttpResponse | None


def http_response(payload: Any) -> HttpResponse | None:
    """The payload read as a proxy-integration response, if it is shaped like one."""
    if not isinstance(payload, dict) or not payload or not set(payload) <= _HTTP_KEYS:
        return None
    code = payload.get("statusCode")
    if isinstance(code, bool) or not isinstance(code, int):
        return None
    headers: list[tuple[str, str]] = []
    for key in ("headers", "multiValueHeaders"):
        value = payload.get(key)
        if isinstance(value, Mapping):
            for name, item in value.items():
                items = item if isinstance(item, list) else [item]
                headers.extend((str(name), str(v)) for v in items)
    cookies = payload.get("cookies")
    body = payload.get("body")
    encoded = bool(payload.get("isBase64Encoded"))
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    if encoded and text:
        text = _decode_base64(text)
    is_json = False
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        is_json = True
    except ValueError:
        pass
    return HttpResponse(
        status_code=code,
        headers=tuple(headers),
        cookies=tuple(str(c) for c in cookies) if isinstance(cookies, list) else (),
        body=clip(text, MAX_PAYLOAD_CHARS),  # a saved notebook keeps a view, not the payload
        body_is_json=is_json,
        base64_encoded=encoded,
    )


def _decode_base64(text: str) -> str:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(raw)} bytes of binary data>"


def payload_text(inv: Invocation) -> str:
    """The response pretty-printed as JSON (bytes and non-JSON payloads shown as they are)."""
    payload = inv.payload
    if payload is None and inv.raw_payload is not None:
        payload = inv.raw_payload
    if isinstance(payload, bytes):
        try:
            return clip(payload.decode("utf-8"), MAX_PAYLOAD_CHARS)
        except UnicodeDecodeError:
            return clip(repr(payload), MAX_PAYLOAD_CHARS)
    try:
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(payload)
    return clip(text, MAX_PAYLOAD_CHARS)


def response(inv: Invocation) -> Response | None:
    if inv.status != "success":
        return None
    text = payload_text(inv)
    large = len(text) > LARGE_PAYLOAD_CHARS or text.count("\n") >= LARGE_PAYLOAD_LINES
    return Response(text=text, large=large, http=http_response(inv.payload))


# ================================================================================= error


@dataclass(frozen=True)
class Frame:
    """One stack-trace entry, located in the cell where it is the cell's code."""

    text: str  # the entry as the runtime wrote it
    path: str | None
    line: int | None
    function: str | None
    code: str | None  # the source line the runtime quoted
    runtime: bool  # a frame of the runtime client itself (hidden)
    cell_line: int | None = None
    cell_text: str | None = None  # the cell's own line, from the published source
    cell_file: str | None = None  # set when the line is in a file cell (`--file helpers.py`)
    locals: tuple[tuple[str, str], ...] = ()  # (name, short repr) when it raised


@dataclass(frozen=True)
class ErrorView:
    error_type: str
    message: str
    frames: tuple[Frame, ...]  # the user's frames, in the runtime's order
    hidden_frames: int  # runtime frames left out
    cell_line: int | None  # the innermost cell line (or a syntax error's line)
    cell_text: str | None
    innermost_first: bool = False  # Node.js lists the most recent call first, Python last

    @property
    def heading(self) -> str:
        if self.innermost_first:
            return "Stack trace (most recent call first)"
        return "Traceback (most recent call last)"

    @property
    def summary(self) -> str:
        """`Type: message (cell line N)`: the one line a terminal or a table shows."""
        text = f"{self.error_type}: {self.message}" if self.error_type and self.message else (
            self.error_type or self.message
        )
        return f"{text} (cell line {self.cell_line})" if self.cell_line is not None else text


def parse_frame(entry: str, module_file: str | None, source: str | None) -> Frame | None:
    """A stack-trace entry (Python, Node.js or Java) as a Frame; None for a non-frame line."""
    text = entry.rstrip("\n")
    found = _match_frame(text)
    if found is None:
        return None
    match, frames = found
    path = match["path"]
    if path.startswith("file://"):
        path = path[len("file://") :]
    func = match["func"]
    code = match.groupdict().get("code")
    line = int(match["line"]) if match["line"] else None  # Java: (Native Method)
    runtime = _runtime_frame(path, func, frames)
    cell_line = None
    if module_file and not runtime and line is not None and _basename(path) == module_file:
        cell_line = line
    return Frame(
        text=text,
        path=path,
        line=line,
        function=func.strip() if func else None,
        code=code.strip() if code else None,
        runtime=runtime,
        cell_line=cell_line,
        cell_text=source_line(source, cell_line),
    )


def source_line(source: str | None, line: int | None) -> str | None:
    """Line `line` (1-based) of `source`, without its newline."""
    if source is None or line is None:
        return None
    lines = source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _in_file_cell(frame: Frame, others: Mapping[str, str]) -> Frame:
    """A frame in one of the function's file cells points at that cell's line."""
    if frame.runtime or frame.cell_line is not None or frame.path is None or frame.line is None:
        return frame
    for name, text in others.items():
        if frame.path.replace("\\", "/").endswith("/" + name):
            return replace(
                frame, cell_line=frame.line, cell_text=source_line(text, frame.line),
                cell_file=name,
            )  # fmt: skip
    return frame


def error_view(
    inv: Invocation,
    module_file: str | None,
    source: str | None,
    others: Mapping[str, str] | None = None,
) -> ErrorView | None:
    if inv.error is None:
        return None
    error = inv.error
    etype = str(error.get("errorType", "") or "")
    message = str(error.get("errorMessage", "") or "")
    trace = error.get("stackTrace", error.get("trace", []))
    entries = [str(e) for e in trace] if isinstance(trace, list) else [str(trace)]
    frames: list[Frame] = []
    hidden = 0
    for entry in entries:
        frame = parse_frame(entry, module_file, source)
        if frame is None:
            if entry.strip() and not entry.strip().startswith(etype or "\0"):
                frames.append(Frame(entry.rstrip("\n"), None, None, None, None, False))
        elif frame.runtime:
            hidden += 1
        else:
            frames.append(_in_file_cell(frame, others or {}))
    # Node.js's `trace` (and any `at ...` stack) and Java's lists the most recent call first;
    # Python's stackTrace lists it last. The innermost frame in the cell is the line the error
    # is at.
    innermost_first = ("trace" in error and "stackTrace" not in error) or any(
        found[1].innermost_first
        for f in frames
        if f.path is not None and (found := _match_frame(f.text)) is not None
    )
    if inv.frame_locals:
        frames = _with_locals(frames, inv.frame_locals)
    in_cell = [f.cell_line for f in frames if f.cell_line is not None and f.cell_file is None]
    line = (in_cell[0] if innermost_first else in_cell[-1]) if in_cell else None
    if line is None and module_file:
        line = syntax_error_line(message, module_file)
    return ErrorView(
        etype, message, tuple(frames), hidden, line, source_line(source, line), innermost_first
    )


def _with_locals(frames: list[Frame], captured: list[dict[str, Any]]) -> list[Frame]:
    """Each frame with the locals the runtime client captured for it (matched by file, line and
    function, in order: the same function may be on the stack twice)."""
    pending = list(captured)
    out = []
    for frame in frames:
        for i, cap in enumerate(pending):
            same = (
                frame.path is not None
                and _basename(str(cap.get("file", ""))) == _basename(frame.path)
                and cap.get("line") == frame.line
                and cap.get("function") == frame.function
            )
            if same:
                pairs = cap.get("locals") or []
                names = tuple((str(p[0]), str(p[1])) for p in pairs if len(p) == 2)
                frame = dataclasses.replace(frame, locals=names)
                del pending[i]
                break
        out.append(frame)
    return out


_SYNTAX_MESSAGE = re.compile(r"\((?P<file>[^,()]+), line (?P<line>\d+)\)")


def syntax_error_line(message: str, module_file: str) -> int | None:
    """A syntax error's line from its message: "invalid syntax (lambda_function.py, line 3)"."""
    match = _SYNTAX_MESSAGE.search(message)
    if match and _basename(match["file"].strip()) == module_file:
        return int(match["line"])
    return None


# =============================================================================== context


def context_fields(inv: Invocation) -> list[tuple[str, str]]:
    """What the handler's `context` held, as (attribute, value) pairs."""
    name = inv.function_name
    fields = [
        ("aws_request_id", inv.request_id),
        ("function_name", name),
        ("function_version", inv.version),
        ("invoked_function_arn", inv.invoked_function_arn),
        ("memory_limit_in_mb", str(inv.memory_size) if inv.memory_size else ""),
        ("log_group_name", f"/aws/lambda/{name}"),
        ("log_stream_name", inv.environment),
    ]
    remaining = remaining_at_start_ms(inv)
    if remaining is not None:
        fields.append(("get_remaining_time_in_millis() at start", f"{remaining} ms"))
    if inv.timeout:
        fields.append(("timeout", f"{inv.timeout:g} s"))
    return [(k, v) for k, v in fields if v]


def remaining_at_start_ms(inv: Invocation) -> int | None:
    """The deadline less the START time: what `get_remaining_time_in_millis()` gave at first."""
    if not inv.deadline_ms or not inv.started_at:
        return None
    return max(0, int(inv.deadline_ms - inv.started_at * 1000))


# ================================================================================ report


@dataclass(frozen=True)
class Cost:
    """What `PER` invocations like this one cost at list price (requests + duration)."""

    architecture: str
    gb_seconds: float  # of one invocation
    requests_usd: float  # per PER invocations
    duration_usd: float
    total_usd: float


def cost_per_million(memory_mb: int, billed_ms: int, architecture: str = "x86_64") -> Cost:
    gb_seconds = memory_mb / 1024 * billed_ms / 1000
    duration = gb_seconds * GB_SECOND_PRICE_USD[architecture] * PER
    requests = REQUEST_PRICE_USD * PER
    return Cost(architecture, gb_seconds, requests, duration, requests + duration)


def usd(value: float) -> str:
    """Dollars with enough digits to tell $0.2000 from $0.2083."""
    if value >= 100:
        return f"${value:,.2f}"
    return f"${value:.4f}"


@dataclass(frozen=True)
class ReportView:
    figures: list[tuple[str, str]]  # the REPORT line's figures, in its order
    costs: list[Cost]  # x86_64 first, then arm64


def report(inv: Invocation) -> ReportView | None:
    rep = inv.report
    if rep is None:
        return None
    costs = [
        cost_per_million(rep.memory_size_mb, rep.billed_duration_ms, arch)
        for arch in GB_SECOND_PRICE_USD
    ]
    return ReportView(report_figures(inv), costs)


def report_figures(inv: Invocation) -> list[tuple[str, str]]:
    """The REPORT line's figures as (label, value) pairs, in the REPORT line's order."""
    rep = inv.report
    if rep is None:
        return []
    figures = [
        ("Duration", ms(rep.duration_ms)),
        ("Billed Duration", f"{rep.billed_duration_ms} ms"),
        ("Memory Size", f"{rep.memory_size_mb} MB"),
        ("Max Memory Used", f"{rep.max_memory_used_mb} MB"),
    ]
    if rep.init_duration_ms is not None:
        figures.append(("Init Duration", ms(rep.init_duration_ms)))
    if rep.debug_pause_ms is not None:  # lambda_nb's own field (engine/debugger.py)
        figures.append(("Debug Pause Duration", ms(rep.debug_pause_ms)))
    if rep.status:
        figures.append(("Status", rep.status))
    if rep.error_type:
        figures.append(("Error Type", rep.error_type))
    return figures


# ================================================================================== whole


@dataclass(frozen=True)
class Section:
    """One part of a finished view, in order: the static HTML draws each as a <details>."""

    key: str  # response, error, logs, event, context, report
    title: str
    open: bool


@dataclass(frozen=True)
class InvocationModel:
    header: Header
    response: Response | None
    error: ErrorView | None
    logs: LogExcerpt
    event_text: str
    context: list[tuple[str, str]]
    report: ReportView | None
    sections: tuple[Section, ...] = ()
    # lambda_nb's own advice, never part of what Lambda returned: why boto3 is missing here,
    # which --requirements a missing module needs.
    hints: tuple[str, ...] = ()


def sections(
    status: str, response: Response | None, error: ErrorView | None, logs: LogExcerpt,
    report: ReportView | None,
) -> tuple[Section, ...]:
    """Which parts a finished view shows, and which are open: the outcome (the response, or
    the error) first and open; the log open when it is short or the invocation failed."""
    parts = []
    if error is not None:
        parts.append(Section("error", "Error", True))
    elif response is not None:
        parts.append(Section("response", "Response", not response.large))
    failed = status != "success"
    parts.append(
        Section("logs", f"Logs ({logs.total:,} records)", failed or logs.total <= OPEN_LOG_RECORDS)
    )
    parts += [Section("event", "Event", False), Section("context", "Context", False)]
    if report is not None:
        parts.append(Section("report", "Report", False))
    return tuple(parts)


def event_text(event: Any) -> str:
    try:
        text = json.dumps(event, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(event)
    return clip(text, MAX_PAYLOAD_CHARS)


def cell_of(inv: Invocation) -> tuple[str | None, str | None]:
    """(module file, source) of the cell that defined this invocation's revision, if any."""
    found = cells.lookup(inv.function_name, inv.revision)
    if found is not None:
        return found
    return cells.cell_module(inv.function_name), None


def build(
    inv: Invocation, module_file: str | None = None, source: str | None = None
) -> InvocationModel:
    """The whole view model; the cell's module and source default to what the magic recorded."""
    if module_file is None and source is None:
        module_file, source = cell_of(inv)
    others = cells.revision_files(inv.function_name, inv.revision)
    resp, err, rep = response(inv), error_view(inv, module_file, source, others), report(inv)
    # An ended invocation's log no longer changes, and may be in the log store: only the
    # excerpt is read. A running one's is copied (records are still being appended).
    records = inv.logs if inv.done else list(inv.logs)
    running = inv.status == "running"
    logs = log_excerpt(records, 0, RUNNING_LOG_RECORDS) if running else log_excerpt(records)
    return InvocationModel(
        header=header(inv),
        response=resp,
        error=err,
        logs=logs,
        event_text=event_text(inv.event),
        context=context_fields(inv),
        report=rep,
        sections=sections(inv.status, resp, err, logs, rep),
        hints=hints(inv),
    )


# ================================================================================= hints
_MISSING_MODULE = re.compile(r"No module named '([^'.]+)")


def hints(inv: Invocation) -> tuple[str, ...]:
    """Notes the engine attached, and for a module the function cannot import but the
    notebook can, the requirement that would fix it (the body stays exactly AWS's)."""
    out = list(getattr(inv, "notes", ()))
    message = str((inv.error or {}).get("errorMessage", "") or "")
    match = _MISSING_MODULE.search(message)
    if match is not None:
        requirement = notebook_requirement(match[1])
        if requirement is not None:
            out.append(
                f"`{match[1]}` is installed in this notebook but not in the function: "
                f"add `--requirements {requirement}`"
            )
    return tuple(out)


@functools.cache
def notebook_requirement(module: str) -> str | None:
    """The distribution that provides top-level `module` in the notebook's environment (the
    module's name if no distribution claims it), or None if the notebook cannot import it
    either."""
    import importlib.metadata
    import importlib.util

    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):
        return None
    dists = importlib.metadata.packages_distributions().get(module) or [module]
    return dists[0].lower() if dists[0] != "IPython" else "ipython"
