"""HTML fragments of the view model: the content of each part of the widget view.

Pure functions from `viewmodel` objects to small, self-contained HTML (inline styles, no
script, every value escaped), so the widget layer only places them in ipywidgets.HTML and the
same markup is unit-tested without a frontend. JupyterLab's CSS variables are used with
fallbacks, so the fragments follow the Lab theme and still read well elsewhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from lambda_nb.render import theme
from lambda_nb.render import viewmodel as vm

MUTED = theme.MUTED
BORDER = theme.BORDER
CODE_FONT = "font-family: var(--jp-code-font-family, monospace);"
# Inline styles are repeated in every saved output, so they say only what is needed.
PRE = f"margin: 0; white-space: pre-wrap; word-break: break-word; {CODE_FONT}"
_TABLE_CELL = "padding: 1px 10px 1px 0; text-align: left; vertical-align: top;"


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def tone(name: str | None) -> str:
    """` style="color: ..."` for a tone, or "" (the inherited text colour)."""
    style = theme.text_style(name)
    return f' style="{style}"' if style else ""


# ================================================================================= header


def header_html(head: vm.Header) -> str:
    """Status badge, function and version, cold/warm, the copyable request id, the figures."""
    badge = (
        f'<span class="lnb-status lnb-status-{e(head.status)}"'
        f' style="{theme.badge_style(head.tone)}">{e(head.label)}</span>'
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
    figures = head.figures()
    if figures:
        parts.append(
            '<div class="lnb-figures">'
            + " · ".join(f"<span>{e(k)}</span> <b>{e(v)}</b>" for k, v in figures)
            + "</div>"
        )
    return f'<div class="lnb-head" style="line-height: 1.7;">{"".join(parts)}</div>'


def progress_text(seconds: float, timeout: float) -> str:
    return f"{seconds:.1f} s of {timeout:g} s timeout" if timeout else f"{seconds:.1f} s"


# =================================================================================== logs


def level_badge(level: str | None) -> str:
    if level is None:
        return ""
    css = f"lnb-level lnb-level-{e(level.lower())}"
    style = theme.text_style(vm.level_tone(level)) + " font-weight: 600;"
    return f'<span class="{css}" style="{style}">{e(level)}</span> '


def log_line_html(line: vm.LogLine) -> str:
    """One record: platform lines muted and set apart, WARNING and up coloured, JSON pretty.

    No background of its own: a background changes the contrast the text colours were chosen
    for, and the sanitizer may keep one and drop the other."""
    text = e(line.display_text())
    style = theme.text_style(line.tone)
    if line.platform:
        return (
            f'<div class="lnb-log lnb-platform" style="{style} border-left: 3px solid {BORDER};'
            f' padding-left: 6px;">{text}</div>'
        )
    weight = " font-weight: 600;" if line.level == "CRITICAL" else ""
    badge = level_badge(line.level) if line.badge else ""
    return (
        f'<div class="lnb-log lnb-{e(line.source)}" style="padding-left: 9px; {style}{weight}">'
        f"{badge}{text}</div>"
    )


def logs_html(lines: Sequence[vm.LogLine], gap_after: int | None = None, hidden: int = 0) -> str:
    """A block of log lines; with `gap_after`, a marker for `hidden` records left out there."""
    rows = []
    for i, line in enumerate(lines):
        rows.append(log_line_html(line))
        if gap_after is not None and i == gap_after and hidden:
            rows.append(gap_html(hidden))
    return f'<div class="lnb-logs" style="{PRE} line-height: 1.45;">{"".join(rows)}</div>'


def gap_html(hidden: int, what: str = "records not shown") -> str:
    return (
        f'<div class="lnb-gap" style="color: {MUTED}; font-style: italic; margin: 2px 0;">'
        f"… {hidden:,} {e(what)} …</div>"
    )


def note_html(text: str) -> str:
    return f'<span style="color: {MUTED}; font-size: 0.92em;">{e(text)}</span>'


def hint_html(text: str) -> str:
    """lambda_nb's advice under the header (a missing requirement, an absent SDK): `code`
    spans in the text become <code>."""
    parts = e(text).split("`")
    body = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return (
        f'<div class="lnb-hint" style="margin: 4px 0; white-space: pre-wrap;'
        f' {theme.text_style("info")}">ℹ {body}</div>'
    )


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
    code_style = theme.text_style("success" if resp.status_code < 400 else "error")
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
        f'HTTP response</span> <b class="lnb-http-status" style="{code_style}">'
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
        f'<div class="lnb-error-head"><b class="lnb-error-type"{tone("error")}>'
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
            f'<div class="lnb-trace-heading" style="color: {MUTED}; margin-top: 4px;">'
            f'{e(err.heading)}</div><div class="lnb-frames" style="{PRE}">{rows}</div>'
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
            f'<span style="{theme.text_style("error")} font-weight: 600;">'
            + (f"{e(frame.cell_file)} " if frame.cell_file else "")
            + f"cell line {frame.cell_line}</span>{where}"
            + (f'<div style="padding-left: 2em;">{e(code.strip())}</div>' if code else "")
            + locals_html(frame)
            + "</div>"
        )
    code = f'<div style="padding-left: 2em;">{e(frame.code)}</div>' if frame.code else ""
    return (
        f'<div class="lnb-frame" style="margin: 2px 0; color: {MUTED};">'
        f"{e(frame.path)}, line {frame.line}{where}{code}{locals_html(frame)}</div>"
    )


def locals_html(frame: vm.Frame) -> str:
    """The frame's local variables when it raised: `name = repr`, one a line, muted."""
    if not frame.locals:
        return ""
    rows = "".join(
        f'<div><span style="font-weight: 600;">{e(name)}</span> = {e(value)}</div>'
        for name, value in frame.locals
    )
    return f'<div class="lnb-locals" style="padding-left: 2em; color: {MUTED};">{rows}</div>'


# ============================================================================ other parts


def aligned(pairs: Sequence[tuple[str, str]]) -> str:
    """`key   value` lines, keys padded to the widest: a table as plain text."""
    width = max((len(k) for k, _ in pairs), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in pairs)


def pairs_html(pairs: Sequence[tuple[str, str]], css_class: str) -> str:
    """Names and values as an aligned monospace block: compact (no per-cell styles, which
    would be repeated in every saved output) and copyable as it reads."""
    return f'<pre class="{e(css_class)}" style="{PRE}">{e(aligned(pairs))}</pre>'


def event_html(text: str) -> str:
    return f'<pre class="lnb-event" style="{PRE}">{e(text)}</pre>'


def context_html(fields: Sequence[tuple[str, str]]) -> str:
    if not fields:
        return empty_html("The handler has not started")
    return pairs_html(fields, "lnb-context")


def report_html(rep: vm.ReportView | None) -> str:
    if rep is None:
        return empty_html("No REPORT yet")
    costs = [
        (c.architecture, f"{vm.usd(c.total_usd)}  = requests {vm.usd(c.requests_usd)}"
         f" + duration {vm.usd(c.duration_usd)} ({c.gb_seconds:.6f} GB-s each)")
        for c in rep.costs
    ]  # fmt: skip
    return (
        f'<div class="lnb-report">{pairs_html(rep.figures, "lnb-report-figures")}'
        '<div style="margin-top: 6px;">Cost per 1M invocations like this one'
        f' <span style="color: {MUTED}">(US East list price, before the free tier)</span></div>'
        f"{pairs_html(costs, 'lnb-cost')}</div>"
    )


def validation_html(ok: bool, message: str) -> str:
    mark = "✔" if ok else "✘"
    style = theme.text_style("success" if ok else "error")
    return f'<span class="lnb-validation" style="{style}">{mark} {e(message)}</span>'


# ======================================================================== the whole view


def excerpt_html(logs: vm.LogExcerpt) -> str:
    """A finished log: its head, a gap marker, its tail (all records stay in `inv.logs`)."""
    if not logs.total:
        return empty_html("No log records")
    lines = [*logs.head, *logs.tail]
    gap = len(logs.head) - 1 if logs.hidden else None
    what = "records not shown (all are in .logs)"
    rows = []
    for i, line in enumerate(lines):
        rows.append(log_line_html(line))
        if gap is not None and i == gap:
            rows.append(gap_html(logs.hidden, what))
    return f'<div class="lnb-logs" style="{PRE} line-height: 1.45;">{"".join(rows)}</div>'


def section_html(section: vm.Section, model: vm.InvocationModel) -> str:
    body = {
        "response": lambda: response_html(model.response, model.header.status),
        "error": lambda: error_html(model.error),
        "logs": lambda: excerpt_html(model.logs),
        "event": lambda: event_html(model.event_text),
        "context": lambda: context_html(model.context),
        "report": lambda: report_html(model.report),
    }[section.key]()
    opened = " open" if section.open else ""
    return (
        f'<details class="lnb-section lnb-section-{e(section.key)}"{opened}>'
        f"<summary>{e(section.title)}</summary>"
        f'<div style="margin-left: 14px;">{body}</div></details>'
    )


def invocation_html(model: vm.InvocationModel) -> str:
    """The finished view without widgets: the header, then one <details> per section.

    Self-contained (inline styles, no script, no external CSS) and made of what JupyterLab's
    sanitizer keeps in an untrusted notebook (<details>/<summary> included), so a saved
    notebook, nbconvert and GitHub all show it; the sections stand in for the live tabs."""
    parts = [
        header_html(model.header),
        *(hint_html(h) for h in model.hints),
        *(section_html(s, model) for s in model.sections),
    ]
    return (
        f'<div class="lnb-invocation lnb-status-{e(model.header.status)}" style="border-left:'
        f' 3px solid {BORDER}; padding: 2px 0 2px 8px; margin: 2px 0;">{"".join(parts)}</div>'
    )
