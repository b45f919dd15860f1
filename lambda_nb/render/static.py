"""Static views of invocations: text/plain and self-contained text/html.

These are the fallbacks every frontend can show (JupyterLab, an untrusted notebook, nbconvert,
GitHub, a terminal), so the HTML is plain `<div>/<pre>/<details>` with inline styles, no script,
and every piece of user data escaped. Nothing here imports IPython or the engine: views read the
plain records of `lambda_nb.engine.records` (and duck-typed functions for the listing).

Handler code written in a `%%lambda` cell is saved as the function's handler module, so a frame
in that module *is* a cell line; `mark_cell_module` tells the renderer which module that is, and
tracebacks then say "cell line N".
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord

# Caps keep a display cheap to send and to re-send while logs stream; `inv.logs` keeps everything.
MAX_LOG_RECORDS = 400
HEAD_LOG_RECORDS = 100
MAX_MESSAGE_CHARS = 4_000
MAX_PAYLOAD_CHARS = 20_000

STATUS_LABEL = {
    "running": "running…",
    "success": "succeeded",
    "error": "failed",
    "timeout": "timed out",
    "crash": "crashed",
    "out_of_memory": "out of memory",
    "aborted": "aborted",
}
STATUS_MARK = {"running": "…", "success": "✔", "aborted": "■"}
STATUS_COLOR = {"running": "#9a6700", "success": "#1a7f37", "aborted": "#6e7781"}
ERROR_COLOR = "#cf222e"
MUTED = "var(--jp-ui-font-color2, #6e7781)"
LEVEL_COLOR = {
    "ERROR": ERROR_COLOR,
    "CRITICAL": ERROR_COLOR,
    "FATAL": ERROR_COLOR,
    "WARNING": "#9a6700",
    "WARN": "#9a6700",
}

# function name -> file name of the module that holds the cell's code ("lambda_function.py")
_CELL_MODULES: dict[str, str] = {}

# '  File "/x/lambda_function.py", line 6, in h' and the syntax-error form '  File "/x" Line 3'
_FRAME = re.compile(r'File "(?P<path>[^"]+)",? [Ll]ine (?P<line>\d+)')
_SYNTAX_MESSAGE = re.compile(r"\((?P<file>[^,()]+), line (?P<line>\d+)\)")


def mark_cell_module(function_name: str, filename: str = "lambda_function.py") -> None:
    """Record that `function_name`'s code came from a cell saved as `filename`."""
    _CELL_MODULES[function_name] = filename


def cell_module(function_name: str) -> str | None:
    return _CELL_MODULES.get(function_name)


# ---------------------------------------------------------------------------- pure helpers


def status_label(status: str) -> str:
    return STATUS_LABEL.get(status, status)


def status_mark(status: str) -> str:
    return STATUS_MARK.get(status, "✘")


def status_color(status: str) -> str:
    return STATUS_COLOR.get(status, ERROR_COLOR)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def payload_text(inv: Invocation) -> str:
    """The response pretty-printed as JSON (bytes and non-JSON payloads shown as they are)."""
    payload = inv.payload
    if payload is None and inv.raw_payload is not None:
        payload = inv.raw_payload
    if isinstance(payload, bytes):
        try:
            return _clip(payload.decode("utf-8"), MAX_PAYLOAD_CHARS)
        except UnicodeDecodeError:
            return _clip(repr(payload), MAX_PAYLOAD_CHARS)
    try:
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(payload)
    return _clip(text, MAX_PAYLOAD_CHARS)


def frame_cell_line(frame: str, module_file: str | None) -> int | None:
    """The cell line a stack-trace entry points at, if it is in the cell's module."""
    if not module_file:
        return None
    match = _FRAME.search(frame)
    if match and _basename(match["path"]) == module_file:
        return int(match["line"])
    return None


def error_cell_line(inv: Invocation, module_file: str | None = None) -> int | None:
    """The innermost cell line of an error: its last frame in the cell, or a syntax error's."""
    module_file = module_file or cell_module(inv.function_name)
    if not module_file or not inv.error:
        return None
    line = None
    for frame in _frames(inv.error):
        found = frame_cell_line(frame, module_file)
        if found is not None:
            line = found
    if line is None:
        match = _SYNTAX_MESSAGE.search(str(inv.error.get("errorMessage", "")))
        if match and _basename(match["file"].strip()) == module_file:
            line = int(match["line"])
    return line


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _trace_heading(error: Mapping[str, Any]) -> str:
    """Python's stackTrace lists the innermost frame last; Node.js's `trace` lists it first."""
    if "stackTrace" not in error and "trace" in error:
        return "Stack trace (most recent call first):"
    return "Traceback (most recent call last):"


def _frames(error: Mapping[str, Any]) -> list[str]:
    trace = error.get("stackTrace", error.get("trace", []))
    if not isinstance(trace, list):
        return [str(trace)]
    return [str(entry) for entry in trace]


def _visible_logs(records: Sequence[LogRecord]) -> tuple[list[LogRecord], int, int]:
    """(records to show, index where a gap goes, records left out): head and tail of long logs."""
    if len(records) <= MAX_LOG_RECORDS:
        return list(records), len(records), 0
    tail = MAX_LOG_RECORDS - HEAD_LOG_RECORDS
    hidden = len(records) - MAX_LOG_RECORDS
    return [*records[:HEAD_LOG_RECORDS], *records[-tail:]], HEAD_LOG_RECORDS, hidden


def _message(rec: LogRecord) -> str:
    return _clip(rec.message.rstrip("\n"), MAX_MESSAGE_CHARS)


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def report_figures(inv: Invocation) -> list[tuple[str, str]]:
    """The REPORT line's figures as (label, value) pairs, in the REPORT line's order."""
    rep = inv.report
    if rep is None:
        return []
    figures = [
        ("Duration", _ms(rep.duration_ms)),
        ("Billed Duration", f"{rep.billed_duration_ms} ms"),
        ("Memory Size", f"{rep.memory_size_mb} MB"),
        ("Max Memory Used", f"{rep.max_memory_used_mb} MB"),
    ]
    if rep.init_duration_ms is not None:
        figures.append(("Init Duration", _ms(rep.init_duration_ms)))
    if rep.status:
        figures.append(("Status", rep.status))
    if rep.error_type:
        figures.append(("Error Type", rep.error_type))
    return figures


def _headline(inv: Invocation) -> str:
    start = "cold start" if inv.cold else "warm"
    return f"{inv.function_name} · rev {inv.revision} · {status_label(inv.status)} · {start}"


def _error_summary(inv: Invocation, module_file: str | None) -> str:
    error = inv.error or {}
    etype = str(error.get("errorType", "") or "")
    message = str(error.get("errorMessage", "") or "")
    summary = f"{etype}: {message}" if etype and message else etype or message
    line = error_cell_line(inv, module_file)
    return f"{summary} (cell line {line})" if line is not None else summary


# ---------------------------------------------------------------------------- text/plain


def to_text(inv: Invocation, module_file: str | None = None) -> str:
    """A terminal-friendly view: headline, ids, response or error, logs, REPORT figures."""
    module_file = module_file or cell_module(inv.function_name)
    out = [f"{status_mark(inv.status)} {_headline(inv)}"]
    ids = f"  RequestId: {inv.request_id}  Version: {inv.version}"
    if inv.environment:
        ids += f"  Log stream: {inv.environment}"
    out.append(ids)
    if inv.error is not None:
        out.append("Error")
        out.append("  " + _error_summary(inv, module_file))
        frames = _frames(inv.error)
        if frames:
            out.append("  " + _trace_heading(inv.error))
            for frame in frames:
                out.extend(_indent(_annotated_frame(frame, module_file), "  "))
    elif inv.status == "success":
        out.append("Response")
        out.extend(_indent(payload_text(inv), "  "))
    if inv.logs:
        shown, gap, hidden = _visible_logs(list(inv.logs))
        out.append(f"Logs ({len(inv.logs)} records)")
        for i, rec in enumerate(shown):
            if i == gap and hidden:
                out.append(f"  … {hidden} records not shown (all are in .logs) …")
            # Platform lines sit flush left; what the function wrote is indented under them.
            out.extend(_indent(_message(rec), "  " if rec.source == "platform" else "    "))
    figures = report_figures(inv)
    if figures:
        out.append("Report")
        out.append("  " + " · ".join(f"{k}: {v}" for k, v in figures))
    return "\n".join(out)


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.split("\n")]


def _annotated_frame(frame: str, module_file: str | None) -> str:
    text = frame.rstrip("\n")
    line = frame_cell_line(frame, module_file)
    if line is None:
        return text
    first, _, rest = text.partition("\n")
    return f"{first}   ← cell line {line}" + (f"\n{rest}" if rest else "")


# ---------------------------------------------------------------------------- text/html

_BOX = (
    "font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px);"
    " line-height: 1.4; border-left: 3px solid {color}; padding: 2px 0 2px 8px; margin: 2px 0;"
)
_PRE = "margin: 2px 0; padding: 0; white-space: pre-wrap; word-break: break-word; background: none;"
_LABEL = f"color: {MUTED}; font-size: 0.9em;"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def to_html(inv: Invocation, module_file: str | None = None) -> str:
    """A compact HTML view; every value from the function is escaped."""
    module_file = module_file or cell_module(inv.function_name)
    color = status_color(inv.status)
    parts = [
        f'<div class="lnb-invocation lnb-status-{_e(inv.status)}"'
        f' style="{_BOX.format(color=color)}">',
        '<div class="lnb-header">'
        f'<b style="color: {color}">{_e(status_mark(inv.status))}'
        f" {_e(status_label(inv.status))}</b>"
        f" <b>{_e(inv.function_name)}</b> rev {_e(inv.revision)}"
        f" · {'cold start' if inv.cold else 'warm'}"
        f' <span style="{_LABEL}">RequestId {_e(inv.request_id)}</span></div>',
    ]
    figures = report_figures(inv)
    if figures:
        parts.append(
            f'<div class="lnb-report" style="{_LABEL}">'
            + " · ".join(f"{_e(k)} <b>{_e(v)}</b>" for k, v in figures)
            + "</div>"
        )
    if inv.error is not None:
        parts.append(_error_html(inv, module_file))
    elif inv.status == "success":
        parts.append(
            f'<div class="lnb-response"><span style="{_LABEL}">Response</span>'
            f'<pre style="{_PRE}">{_e(payload_text(inv))}</pre></div>'
        )
    if inv.logs:
        parts.append(_logs_html(inv))
    parts.append("</div>")
    return "".join(parts)


def _error_html(inv: Invocation, module_file: str | None) -> str:
    error = inv.error or {}
    etype = str(error.get("errorType", "") or "")
    message = str(error.get("errorMessage", "") or "")
    line = error_cell_line(inv, module_file)
    where = f' <i style="{_LABEL}">(cell line {line})</i>' if line is not None else ""
    head = f'<b style="color: {ERROR_COLOR}">{_e(etype)}</b>' + (": " if etype and message else "")
    frames = _frames(error)
    trace = ""
    if frames:
        rows = "".join(_frame_html(frame, module_file) for frame in frames)
        trace = f'<pre style="{_PRE}">{_trace_heading(error)}\n{rows}</pre>'
    return f'<div class="lnb-error">{head}{_e(message)}{where}{trace}</div>'


def _frame_html(frame: str, module_file: str | None) -> str:
    text = _e(frame.rstrip("\n")) + "\n"
    line = frame_cell_line(frame, module_file)
    if line is None:
        return text
    first, _, rest = text.partition("\n")
    return f'{first}  <b style="color: {ERROR_COLOR}">← cell line {line}</b>\n{rest}'


def _record_html(rec: LogRecord) -> str:
    text = _e(_message(rec))
    if rec.source == "platform":
        return f'<span class="lnb-platform" style="color: {MUTED}">{text}</span>\n'
    color = LEVEL_COLOR.get((rec.level or "").upper())
    if color:
        return f'<span class="lnb-{_e(rec.source)}" style="color: {color}">{text}</span>\n'
    return f'<span class="lnb-{_e(rec.source)}">{text}</span>\n'


def _logs_html(inv: Invocation) -> str:
    records = list(inv.logs)
    shown, gap, hidden = _visible_logs(records)
    rows = []
    for i, rec in enumerate(shown):
        if i == gap and hidden:
            rows.append(
                f'<i style="{_LABEL}">… {hidden} records not shown (all are in .logs) …</i>\n'
            )
        rows.append(_record_html(rec))
    opened = " open" if len(records) <= 60 or inv.status != "success" else ""
    return (
        f'<details class="lnb-logs"{opened}><summary style="{_LABEL}">Logs ({len(records)} records)'
        f'</summary><pre style="{_PRE}">{"".join(rows)}</pre></details>'
    )


def mimebundle(inv: Invocation) -> dict[str, str]:
    """The display bundle of an Invocation: text/plain and text/html."""
    return {"text/plain": to_text(inv), "text/html": to_html(inv)}


# ---------------------------------------------------------------------------- collections


def _when(epoch: float) -> str:
    if not epoch:
        return ""
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def _duration(inv: Invocation) -> str:
    return _ms(inv.report.duration_ms) if inv.report else ""


def history_rows(invocations: Iterable[Invocation]) -> list[list[str]]:
    rows = []
    for i, inv in enumerate(invocations, 1):
        rep = inv.report
        rows.append(
            [
                str(i),
                _when(inv.started_at),
                inv.request_id,
                str(inv.revision),
                inv.status,
                "cold" if inv.cold else "warm",
                _duration(inv),
                f"{rep.billed_duration_ms} ms" if rep else "",
                f"{rep.max_memory_used_mb} MB" if rep else "",
                inv.error_type or "",
            ]
        )
    return rows


HISTORY_HEADER = [
    "#",
    "time",
    "request id",
    "rev",
    "status",
    "start",
    "duration",
    "billed",
    "max memory",
    "error",
]


def table_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table_html(header: Sequence[str], rows: Sequence[Sequence[str]], css_class: str) -> str:
    cell = "padding: 1px 8px; text-align: left; white-space: nowrap;"
    head = "".join(f'<th style="{cell}">{_e(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{_e(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    return (
        f'<table class="{_e(css_class)}" style="border-collapse: collapse; font-family:'
        f' var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px);">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class HistoryView:
    """The invocations of one function, one row each."""

    def __init__(self, name: str, invocations: Iterable[Invocation]) -> None:
        self.name = name
        self.rows = history_rows(invocations)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if not self.rows:
            text = f"{self.name}: no invocations yet"
            return {"text/plain": text, "text/html": f"<i>{_e(text)}</i>"}
        title = f"{self.name}: {len(self.rows)} invocations"
        return {
            "text/plain": f"{title}\n{table_text(HISTORY_HEADER, self.rows)}",
            "text/html": f"<div><b>{_e(title)}</b>"
            f"{table_html(HISTORY_HEADER, self.rows, 'lnb-history')}</div>",
        }


FUNCTIONS_HEADER = ["name", "rev", "handler", "runtime", "timeout", "memory", "invokes", "last"]


class FunctionsView:
    """The functions of the service (duck-typed: name, revision, config, history)."""

    def __init__(self, functions: Iterable[Any]) -> None:
        self.rows = []
        for fn in functions:
            cfg = fn.config
            history = list(fn.history)
            last = history[-1].status if history else ""
            self.rows.append(
                [
                    fn.name,
                    str(fn.revision),
                    cfg.handler,
                    str(getattr(fn, "runtime", None) or cfg.runtime or ""),  # resolved: python3.X
                    f"{cfg.timeout:g} s",
                    f"{cfg.memory} MB",
                    str(len(history)),
                    last,
                ]
            )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if not self.rows:
            text = "No functions yet: define one with %%lambda NAME"
            return {"text/plain": text, "text/html": f"<i>{_e(text)}</i>"}
        return {
            "text/plain": table_text(FUNCTIONS_HEADER, self.rows),
            "text/html": table_html(FUNCTIONS_HEADER, self.rows, "lnb-functions"),
        }


class LogGroupView:
    """A log group as CloudWatch shows it: one section per log stream, its records in order."""

    def __init__(self, name: str, streams: Mapping[str, Sequence[LogRecord]]) -> None:
        self.name = name
        self.streams = {stream: list(records) for stream, records in streams.items()}

    @property
    def group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def to_text(self) -> str:
        if not self.streams:
            return f"{self.group}: no log streams yet"
        out = [f"{self.group}: {len(self.streams)} log streams"]
        for stream, records in self.streams.items():
            out.append(f"== {stream} ({len(records)} records)")
            shown, gap, hidden = _visible_logs(records)
            for i, rec in enumerate(shown):
                if i == gap and hidden:
                    out.append(f"  … {hidden} records not shown …")
                out.extend(_indent(_message(rec), "  " if rec.source == "platform" else "    "))
        return "\n".join(out)

    def to_html(self) -> str:
        if not self.streams:
            return f"<i>{_e(self.group)}: no log streams yet</i>"
        parts = [
            f'<div class="lnb-log-group"><b>{_e(self.group)}</b>'
            f' <span style="{_LABEL}">{len(self.streams)} log streams</span>'
        ]
        for stream, records in self.streams.items():
            shown, gap, hidden = _visible_logs(records)
            rows = []
            for i, rec in enumerate(shown):
                if i == gap and hidden:
                    rows.append(f'<i style="{_LABEL}">… {hidden} records not shown …</i>\n')
                rows.append(_record_html(rec))
            parts.append(
                f'<details class="lnb-log-stream" open><summary style="{_LABEL}">{_e(stream)}'
                f" ({len(records)} records)</summary>"
                f'<pre style="{_PRE}">{"".join(rows)}</pre></details>'
            )
        parts.append("</div>")
        return "".join(parts)


class TableView:
    """Any small table (the events catalog, for one) as text and HTML."""

    def __init__(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        css_class: str,
        empty: str = "nothing to show",
    ) -> None:
        self.header = list(header)
        self.rows = [[str(c) for c in row] for row in rows]
        self.css_class = css_class
        self.empty = empty

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if not self.rows:
            return {"text/plain": self.empty, "text/html": f"<i>{_e(self.empty)}</i>"}
        return {
            "text/plain": table_text(self.header, self.rows),
            "text/html": table_html(self.header, self.rows, self.css_class),
        }


class StaticView:
    """A live display of one invocation without widgets: re-rendered on each display update.

    Before the engine has created the Invocation it shows a placeholder; afterwards it is the
    Invocation's own static bundle (running, then final).
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.inv: Invocation | None = None

    def update(self, inv: Invocation) -> None:
        self.inv = inv

    def finish(self, inv: Invocation | None) -> None:
        if inv is not None:
            self.inv = inv

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if self.inv is None:
            text = f"… invoking {self.title}"
            return {"text/plain": text, "text/html": f'<i style="{_LABEL}">{_e(text)}</i>'}
        return mimebundle(self.inv)


class TextView(StaticView):
    """`%config LambdaMagics.display = "text"`: the same live display, text/plain only."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": super()._repr_mimebundle_()["text/plain"]}


class TextOnly:
    """Any view reduced to its text/plain (the text display mode of tables and histories)."""

    def __init__(self, view: Any) -> None:
        self.view = view

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.view._repr_mimebundle_()["text/plain"]}
