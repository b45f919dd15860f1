"""The static views: text/plain and self-contained text/html, drawn from the view model.

These are what every frontend can show (JupyterLab with or without a kernel, an untrusted
notebook, nbconvert, GitHub, a terminal), and what a finished invocation's display becomes,
so a saved notebook keeps every result without widget state (jupyter.md 2.1). The decisions
(labels, tones, frames, sections) are the view model's (`viewmodel`); the HTML pieces are
`fragments`; this module only lays them out. Nothing here imports IPython or the engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lambda_nb.render import cells, fragments
from lambda_nb.render import viewmodel as vm

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord

MAX_LOG_RECORDS = vm.LOG_HEAD + vm.LOG_TAIL
MAX_PAYLOAD_CHARS = vm.MAX_PAYLOAD_CHARS
_LABEL = f"color: {fragments.MUTED}; font-size: 0.9em;"
_e = fragments.e

# Kept for callers of the earlier API: the cell registry lives in `cells`.
mark_cell_module = cells.mark_cell_module
cell_module = cells.cell_module
status_label = vm.status_label
status_mark = vm.status_mark
payload_text = vm.payload_text
report_figures = vm.report_figures


def _model(inv: Invocation, module_file: str | None) -> vm.InvocationModel:
    if module_file is None:
        return vm.build(inv)
    found = cells.lookup(inv.function_name, inv.revision)
    source = found[1] if found is not None and found[0] == module_file else None
    return vm.build(inv, module_file, source)


def error_cell_line(inv: Invocation, module_file: str | None = None) -> int | None:
    """The cell line an error is at (the innermost frame in the cell, or a syntax error's)."""
    err = _model(inv, module_file or cell_module(inv.function_name)).error
    return err.cell_line if err is not None else None


# ---------------------------------------------------------------------------- text/plain


def to_text(inv: Invocation, module_file: str | None = None) -> str:
    """A terminal-friendly view: headline, ids and figures, error or response, logs, REPORT."""
    return model_text(_model(inv, module_file), inv)


def model_text(model: vm.InvocationModel, inv: Invocation) -> str:
    head = model.header
    start = f" · {head.start}" if head.start else ""
    out = [f"{head.mark} {head.label} · {head.function} · rev {head.revision}{start}"]
    ids = f"  RequestId: {head.request_id}  Version: {head.version}"
    if inv.environment:
        ids += f"  Log stream: {inv.environment}"
    out.append(ids)
    if head.figures():
        out.append("  " + " · ".join(f"{k}: {v}" for k, v in head.figures()))
    out.extend(f"ℹ {hint}" for hint in model.hints)
    err = model.error
    if err is not None:
        out += ["Error", f"  {err.summary}"]
        if err.frames:
            out.append(f"  {err.heading}:")
            for frame in err.frames:
                out.extend(_indent(_annotated(frame), "  "))
                out.extend(f"      {name} = {value}" for name, value in frame.locals)
        if err.hidden_frames:
            out.append(f"  ({err.hidden_frames} runtime frames hidden)")
    elif model.response is not None:
        out.append("Response")
        out.extend(_indent(model.response.text, "  "))
    logs = model.logs
    if logs.total:
        out.append(f"Logs ({logs.total} records)")
        for i, line in enumerate([*logs.head, *logs.tail]):
            if logs.hidden and i == len(logs.head):
                out.append(f"  … {logs.hidden} records not shown (all are in .logs) …")
            # Platform lines sit flush left; what the function wrote is indented under them.
            out.extend(_indent(line.text, "  " if line.platform else "    "))
    if model.report is not None:
        out.append("Report")
        out.append("  " + " · ".join(f"{k}: {v}" for k, v in model.report.figures))
    return "\n".join(out)


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.split("\n")]


def _annotated(frame: vm.Frame) -> str:
    if frame.cell_line is None:
        return frame.text
    first, _, rest = frame.text.partition("\n")
    where = f"{frame.cell_file} cell line" if frame.cell_file else "cell line"
    return f"{first}   ← {where} {frame.cell_line}" + (f"\n{rest}" if rest else "")


# ---------------------------------------------------------------------------- text/html


def to_html(inv: Invocation, module_file: str | None = None) -> str:
    """The finished view as self-contained HTML; every value from the function is escaped."""
    return fragments.invocation_html(_model(inv, module_file))


def mimebundle(inv: Invocation) -> dict[str, str]:
    """The display bundle of an invocation: text/plain and text/html, no widget state."""
    model = vm.build(inv)
    return {"text/plain": model_text(model, inv), "text/html": fragments.invocation_html(model)}


def _logs_html(records: Sequence[LogRecord]) -> str:
    return fragments.excerpt_html(vm.log_excerpt(records))


# ---------------------------------------------------------------------------- collections


def _when(epoch: float) -> str:
    if not epoch:
        return ""
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def _duration(inv: Invocation) -> str:
    return vm.ms(inv.report.duration_ms) if inv.report else ""


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
                inv.version,
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
    "version",  # which version served the call ($LATEST, or a number through a qualifier)
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


FUNCTIONS_HEADER = [
    "name", "rev", "handler", "runtime", "timeout", "memory", "invokes", "last", "isolation",
]  # fmt: skip


class FunctionsView:
    """The functions of the service (duck-typed: name, revision, config, history)."""

    def __init__(self, functions: Iterable[Any]) -> None:
        self.rows = []
        self.notes: list[str] = []  # why a function runs without the sandbox, once each
        for fn in functions:
            isolation = str(getattr(fn, "isolation", "") or "")
            reason = getattr(fn, "isolation_reason", None)
            if reason and f"process mode: {reason}" not in self.notes:
                self.notes.append(f"process mode: {reason}")
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
                    isolation,
                ]
            )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if not self.rows:
            text = "No functions yet: define one with %%lambda NAME"
            return {"text/plain": text, "text/html": f"<i>{_e(text)}</i>"}
        notes = "".join(f"\n{note}" for note in self.notes)
        html_notes = "".join(f"<div><i>{_e(note)}</i></div>" for note in self.notes)
        return {
            "text/plain": table_text(FUNCTIONS_HEADER, self.rows) + notes,
            "text/html": table_html(FUNCTIONS_HEADER, self.rows, "lnb-functions") + html_notes,
        }


class LogGroupView:
    """A log group as CloudWatch shows it: one section per log stream, its records in order."""

    def __init__(
        self, name: str, streams: Mapping[str, Sequence[LogRecord]], note: str = ""
    ) -> None:
        self.name = name
        # Sequences, not copies: a stream may be read from the log store, and only the excerpt
        # shown (its head and tail) is read.
        self.streams = dict(streams)
        self.note = note  # e.g. the filter that chose these records

    @property
    def group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def _note(self) -> str:
        return f" · {self.note}" if self.note else ""

    def _empty(self) -> str:
        return "no events match" if self.note else "no log streams yet"

    def to_text(self) -> str:
        if not self.streams:
            return f"{self.group}: {self._empty()}{self._note()}"
        out = [f"{self.group}: {len(self.streams)} log streams{self._note()}"]
        for stream, records in self.streams.items():
            out.append(f"== {stream} ({len(records)} records)")
            logs = vm.log_excerpt(records)
            for i, line in enumerate([*logs.head, *logs.tail]):
                if logs.hidden and i == len(logs.head):
                    out.append(f"  … {logs.hidden} records not shown …")
                out.extend(_indent(line.text, "  " if line.platform else "    "))
        return "\n".join(out)

    def to_html(self) -> str:
        if not self.streams:
            return f"<i>{_e(self.group)}: {self._empty()}{_e(self._note())}</i>"
        parts = [
            f'<div class="lnb-log-group"><b>{_e(self.group)}</b>'
            f' <span style="{_LABEL}">{len(self.streams)} log streams{_e(self._note())}</span>'
        ]
        for stream, records in self.streams.items():
            parts.append(
                f'<details class="lnb-log-stream" open><summary style="{_LABEL}">{_e(stream)}'
                f" ({len(records)} records)</summary>{_logs_html(records)}</details>"
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

    def close(self) -> None:
        """Nothing to release: a static view holds no widget."""


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
