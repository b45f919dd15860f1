"""HTML fragments of the view model: the content of each part of the widget view.

Pure functions from `viewmodel` objects to small, self-contained HTML (inline styles, no
script, every value escaped), so the widget layer only places them in ipywidgets.HTML and the
same markup is unit-tested without a frontend. JupyterLab's CSS variables are used with
fallbacks, so the fragments follow the Lab theme and still read well elsewhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from lambda_nb.render import viewmodel as vm

MUTED = "var(--jp-ui-font-color2, #6e7781)"
BORDER = "var(--jp-border-color2, #d0d7de)"
CODE_FONT = (
    "font-family: var(--jp-code-font-family, monospace);"
    " font-size: var(--jp-code-font-size, 12px); line-height: 1.45;"
)
PRE = f"margin: 0; padding: 0; white-space: pre-wrap; word-break: break-word; {CODE_FONT}"
STATUS_COLORS = {"success": "#1a7f37", "running": "#9a6700", "aborted": "#6e7781"}
ERROR_COLOR = "#cf222e"
LEVEL_COLORS = {
    "TRACE": "#8c959f",
    "DEBUG": "#8250df",
    "INFO": "#0969da",
    "WARNING": "#9a6700",
    "ERROR": ERROR_COLOR,
    "CRITICAL": "#ffffff",
}
_LEVEL_BACKGROUND = {"CRITICAL": ERROR_COLOR}
_TABLE_CELL = "padding: 1px 10px 1px 0; text-align: left; vertical-align: top;"


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, ERROR_COLOR)


# ================================================================================= header


def header_html(head: vm.Header) -> str:
    """Status badge, function and version, cold/warm, the copyable request id, the figures."""
    color = status_color(head.status)
    badge = (
        f'<span class="lnb-status lnb-status-{e(head.status)}" style="background: {color};'
        f' color: #fff; border-radius: 3px; padding: 1px 7px; font-weight: 600;">'
        f"{e(head.label)}</span>"
    )
    parts = [
        badge,
        f' <b class="lnb-function">{e(head.function)}</b>',
        f' <span style="color: {MUTED}">{e(head.version)} · rev {e(head.revision)}</span>',
    ]
    if head.start:
        parts.append(f' · <span class="lnb-start">{e(head.start)}</span>')
    # user-select: all -> one click selects the whole id, ready to copy.
    parts.append(
        f' · <span style="color: {MUTED}">RequestId</span> <code class="lnb-request-id"'
        f' title="click to select, then copy" style="user-select: all; cursor: text;">'
        f"{e(head.request_id)}</code>"
    )
    figures = [
        (label, value)
        for label, value in (
            ("Duration", head.duration),
            ("Billed Duration", head.billed),
            ("Max Memory Used", head.memory),
        )
        if value
    ]
    if figures:
        parts.append(
            '<div class="lnb-figures" style="margin-top: 2px;">'
            + " · ".join(
                f'<span style="color: {MUTED}">{e(k)}</span> <b>{e(v)}</b>' for k, v in figures
            )
            + "</div>"
        )
    return f'<div class="lnb-head" style="line-height: 1.7;">{"".join(parts)}</div>'


def progress_text(seconds: float, timeout: float) -> str:
    return f"{seconds:.1f} s of {timeout:g} s timeout" if timeout else f"{seconds:.1f} s"


# =================================================================================== logs


def level_badge(level: str | None) -> str:
    if level is None:
        return ""
    color = LEVEL_COLORS.get(level, MUTED)
    background = _LEVEL_BACKGROUND.get(level)
    style = f"color: {color}; font-weight: 600;"
    if background:
        style += f" background: {background}; padding: 0 3px; border-radius: 2px;"
    css = f"lnb-level lnb-level-{e(level.lower())}"
    return f'<span class="{css}" style="{style}">{e(level)}</span> '


def log_line_html(line: vm.LogLine) -> str:
    """One record: platform lines muted and set apart, levels coloured, JSON pretty."""
    text = e(line.display_text())
    if line.platform:
        return (
            f'<div class="lnb-log lnb-platform" style="color: {MUTED}; background:'
            f" var(--jp-layout-color2, #f6f8fa); border-left: 3px solid {BORDER};"
            f' padding-left: 6px; margin: 1px 0;">{text}</div>'
        )
    color = LEVEL_COLORS.get(line.level or "", "")
    style = f" color: {color};" if line.level in ("ERROR", "CRITICAL", "WARNING") else ""
    badge = level_badge(line.level) if line.data is not None or line.source == "stderr" else ""
    return (
        f'<div class="lnb-log lnb-{e(line.source)}" style="padding-left: 9px;{style}">'
        f"{badge}{text}</div>"
    )


def logs_html(lines: Sequence[vm.LogLine], gap_after: int | None = None, hidden: int = 0) -> str:
    """A block of log lines; with `gap_after`, a marker for `hidden` records left out there."""
    rows = []
    for i, line in enumerate(lines):
        rows.append(log_line_html(line))
        if gap_after is not None and i == gap_after and hidden:
            rows.append(gap_html(hidden))
    return f'<div class="lnb-logs" style="{PRE}">{"".join(rows)}</div>'


def gap_html(hidden: int, what: str = "records not shown") -> str:
    return (
        f'<div class="lnb-gap" style="color: {MUTED}; font-style: italic; margin: 2px 0;">'
        f"… {hidden:,} {e(what)} …</div>"
    )


def note_html(text: str) -> str:
    return f'<span style="color: {MUTED}; font-size: 0.92em;">{e(text)}</span>'


def empty_html(text: str) -> str:
    return f'<div style="color: {MUTED}; font-style: italic;">{e(text)}</div>'


# =============================================================================== response


def response_html(resp: vm.Response | None, status: str) -> str:
    if resp is None:
        text = "No response yet" if status == "running" else "No response: the invocation failed"
        return empty_html(text)
    parts = []
    if resp.http is not None:
        parts.append(http_html(resp.http))
    body = f'<pre class="lnb-payload" style="{PRE}">{e(resp.text)}</pre>'
    label = "Payload (JSON)" if resp.http is None else "Raw payload"
    if resp.large or resp.http is not None:  # collapsed: large, or secondary to the HTTP view
        size = f"{resp.text.count(chr(10)) + 1:,} lines, {len(resp.text):,} characters"
        parts.append(
            f'<details class="lnb-payload-box"><summary style="color: {MUTED};'
            f' cursor: pointer;">{e(label)} ({size})</summary>{body}</details>'
        )
    else:
        parts.append(body)
    return f'<div class="lnb-response">{"".join(parts)}</div>'


def http_html(resp: vm.HttpResponse) -> str:
    color = "#1a7f37" if resp.status_code < 400 else ERROR_COLOR
    rows = "".join(
        f'<tr><td style="{_TABLE_CELL} color: {MUTED}">{e(k)}</td>'
        f'<td style="{_TABLE_CELL}">{e(v)}</td></tr>'
        for k, v in resp.headers
    )
    rows += "".join(
        f'<tr><td style="{_TABLE_CELL} color: {MUTED}">Set-Cookie</td>'
        f'<td style="{_TABLE_CELL}">{e(c)}</td></tr>'
        for c in resp.cookies
    )
    table = f'<table style="border-collapse: collapse; {CODE_FONT}">'
    headers = f"{table}{rows}</table>" if rows else ""
    kind = "JSON" if resp.body_is_json else "text"
    encoded = ", base64-decoded" if resp.base64_encoded else ""
    return (
        f'<div class="lnb-http"><div style="margin-bottom: 4px;"><span style="color: {MUTED}">'
        f'HTTP response</span> <b class="lnb-http-status" style="color: {color}">'
        f"{resp.status_code}</b></div>{headers}"
        f'<div style="color: {MUTED}; margin-top: 4px;">Body ({kind}{encoded})</div>'
        f'<pre class="lnb-http-body" style="{PRE}">{e(resp.body)}</pre></div>'
    )


# ================================================================================== error


def error_html(err: vm.ErrorView | None) -> str:
    """errorType and message first, then the user's frames pointing at their cell lines."""
    if err is None:
        return empty_html("No error")
    head = (
        f'<div class="lnb-error-head"><b class="lnb-error-type" style="color: {ERROR_COLOR}">'
        f"{e(err.error_type)}</b>"
        + (": " if err.error_type and err.message else "")
        + f'<span class="lnb-error-message">{e(err.message)}</span></div>'
    )
    parts = [head]
    if err.cell_line is not None:
        quoted = f" <code>{e(err.cell_text.strip())}</code>" if err.cell_text else ""
        parts.append(
            f'<div class="lnb-error-where" style="margin: 4px 0;">at <b>cell line'
            f" {err.cell_line}</b>{quoted}</div>"
        )
    if err.frames:
        rows = "".join(frame_html(f) for f in err.frames)
        parts.append(
            f'<div style="color: {MUTED}; margin-top: 4px;">Traceback (most recent call last)'
            f'</div><div class="lnb-frames" style="{PRE}">{rows}</div>'
        )
    if err.hidden_frames:
        parts.append(
            f'<div style="color: {MUTED}; font-style: italic;">{err.hidden_frames} runtime'
            f" frame{'s' if err.hidden_frames != 1 else ''} hidden</div>"
        )
    return f'<div class="lnb-error">{"".join(parts)}</div>'


def frame_html(frame: vm.Frame) -> str:
    if frame.path is None:
        return f"<div>{e(frame.text)}</div>"
    where = f" in <b>{e(frame.function)}</b>" if frame.function else ""
    if frame.cell_line is not None:
        code = frame.cell_text if frame.cell_text is not None else frame.code
        return (
            f'<div class="lnb-frame lnb-frame-cell" style="margin: 2px 0;">'
            f'<span style="color: {ERROR_COLOR}; font-weight: 600;">cell line {frame.cell_line}'
            f"</span>{where}"
            + (f'<div style="padding-left: 2em;">{e(code.strip())}</div>' if code else "")
            + "</div>"
        )
    code = f'<div style="padding-left: 2em;">{e(frame.code)}</div>' if frame.code else ""
    return (
        f'<div class="lnb-frame" style="margin: 2px 0; color: {MUTED};">'
        f"{e(frame.path)}, line {frame.line}{where}{code}</div>"
    )


# ============================================================================ other parts


def pairs_html(pairs: Sequence[tuple[str, str]], css_class: str) -> str:
    rows = "".join(
        f'<tr><td style="{_TABLE_CELL} color: {MUTED}">{e(k)}</td>'
        f'<td style="{_TABLE_CELL}"><code style="user-select: all;">{e(v)}</code></td></tr>'
        for k, v in pairs
    )
    return f'<table class="{e(css_class)}" style="border-collapse: collapse;">{rows}</table>'


def event_html(text: str) -> str:
    return f'<pre class="lnb-event" style="{PRE}">{e(text)}</pre>'


def context_html(fields: Sequence[tuple[str, str]]) -> str:
    if not fields:
        return empty_html("The handler has not started")
    return pairs_html(fields, "lnb-context")


def report_html(rep: vm.ReportView | None) -> str:
    if rep is None:
        return empty_html("No REPORT yet")
    rows = "".join(
        f'<tr><td style="{_TABLE_CELL} color: {MUTED}">{e(k)}</td>'
        f'<td style="{_TABLE_CELL}"><b>{e(v)}</b></td></tr>'
        for k, v in rep.figures
    )
    figures = f'<table class="lnb-report-figures" style="border-collapse: collapse;">{rows}</table>'
    costs = "".join(
        f'<tr><td style="{_TABLE_CELL} color: {MUTED}">{e(c.architecture)}</td>'
        f'<td style="{_TABLE_CELL}"><b>{e(vm.usd(c.total_usd))}</b></td>'
        f'<td style="{_TABLE_CELL} color: {MUTED}">requests {e(vm.usd(c.requests_usd))}'
        f" + duration {e(vm.usd(c.duration_usd))} ({c.gb_seconds:.6f} GB-s each)</td></tr>"
        for c in rep.costs
    )
    return (
        f'<div class="lnb-report">{figures}<div style="margin-top: 6px;">Cost per 1M invocations'
        f' like this one <span style="color: {MUTED}">(US East list price, before the free'
        f' tier)</span></div><table class="lnb-cost" style="border-collapse: collapse;">{costs}'
        "</table></div>"
    )


def validation_html(ok: bool, message: str) -> str:
    color = "#1a7f37" if ok else ERROR_COLOR
    mark = "✔" if ok else "✘"
    return f'<span class="lnb-validation" style="color: {color};">{mark} {e(message)}</span>'
