"""The timeline of a burst: one lane per execution environment, a bar per invocation.

It shows what "Lambda scales by adding copies" means: a burst at concurrency 4 opens four
lanes, each starting with a cold start (its init drawn before the bar), then warm invokes; what
reserved concurrency refused is a mark in a lane of its own. The model (`burst_model`) makes the
decisions; `burst_svg` draws it as an image, shown through a `data:` URI like the history chart
(`chart.py` says why: it survives untrusted notebooks, nbconvert and GitHub).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lambda_nb.engine.errors import TooManyRequestsException
from lambda_nb.engine.records import Invocation
from lambda_nb.render import theme
from lambda_nb.render import viewmodel as vm

WIDTH = 640
LANE_H, _TOP, _LEFT, _RIGHT, _BOTTOM = 18, 10, 110, 10, 34
_TONE = {"success": "success", "error": "error", "timeout": "warning", "crash": "error",
         "out_of_memory": "error", "aborted": "muted"}  # fmt: skip


@dataclass
class Bar:
    start: float  # seconds from the burst's first start (init included on a cold start)
    init: float  # seconds of init before the invocation's START (0 when warm)
    duration: float
    status: str
    cold: bool
    label: str


@dataclass
class BurstModel:
    lanes: list[tuple[str, list[Bar]]] = field(default_factory=list)  # (environment, bars)
    throttled: list[float] = field(default_factory=list)  # when each throttle happened
    span: float = 0.0  # seconds from the first start to the last end
    totals: list[tuple[str, str]] = field(default_factory=list)


def burst_model(results: Sequence[Any]) -> BurstModel:
    """Lanes in the order environments first started; totals a learner compares."""
    invocations = [r for r in results if isinstance(r, Invocation)]
    throttles = [r for r in results if isinstance(r, TooManyRequestsException)]
    refused = len(results) - len(invocations) - len(throttles)  # e.g. an event that is not JSON
    model = BurstModel()
    timed = [inv for inv in invocations if inv.started_at and inv.report is not None]
    starts = [inv.started_at - _init_s(inv) for inv in timed]
    starts += [getattr(t, "at", 0.0) for t in throttles if getattr(t, "at", 0.0)]
    origin = min(starts) if starts else 0.0
    lanes: dict[str, list[Bar]] = {}
    for inv in sorted(timed, key=lambda i: i.started_at):
        rep = inv.report
        assert rep is not None
        init = (rep.init_duration_ms or 0) / 1000
        start = inv.started_at - init - origin
        lanes.setdefault(inv.environment, []).append(
            Bar(start, init, rep.duration_ms / 1000, inv.status, inv.cold,
                f"{vm.status_label(inv.status)} · {'cold' if inv.cold else 'warm'} · "
                f"{rep.duration_ms:.1f} ms" + (f" + init {init * 1000:.1f} ms" if init else ""))
        )  # fmt: skip
        model.span = max(model.span, start + init + rep.duration_ms / 1000)
    model.lanes = list(lanes.items())
    model.throttled = [getattr(t, "at", origin) - origin for t in throttles]
    cold = sum(1 for inv in invocations if inv.cold)
    failed = sum(1 for inv in invocations if inv.status != "success")
    model.totals = [
        ("Events", str(len(results))),
        ("Execution environments", str(len(model.lanes))),
        ("Cold starts", str(cold)),
        ("Warm invokes", str(len(invocations) - cold)),
        ("Failed", str(failed)),
        ("Throttled", str(len(throttles))),
        *([("Refused", str(refused))] if refused else []),
        ("First start to last end", f"{model.span * 1000:.0f} ms"),
    ]
    return model


def _init_s(inv: Invocation) -> float:
    return (inv.report.init_duration_ms or 0) / 1000 if inv.report is not None else 0.0


def burst_svg(model: BurstModel) -> str:
    lanes = len(model.lanes) + (1 if model.throttled else 0)
    height = _TOP + max(lanes, 1) * LANE_H + _BOTTOM
    span = model.span or 1.0
    plot = WIDTH - _LEFT - _RIGHT
    text, grid = theme.svg_color("muted"), theme.svg_color("grid")
    init_color = theme.svg_color("init")

    def x(seconds: float) -> float:
        return _LEFT + plot * max(seconds, 0.0) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        'style="font-family: sans-serif; font-size: 10px;">',
        f'<rect width="{WIDTH}" height="{height}" rx="4" fill="#ffffff"/>',
        "<title>One lane per execution environment; a bar per invocation (init in light "
        "blue before a cold start); throttled invokes in the last lane</title>",
    ]
    for n, (stream, bars) in enumerate(model.lanes):
        y = _TOP + n * LANE_H
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 12}" text-anchor="end" fill="{text}">'
            f"env {n + 1} …{html.escape(stream[-6:])}</text>"
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y + LANE_H - 1}" '
            f'y2="{y + LANE_H - 1}" stroke="{grid}" stroke-width="0.5"/>'
        )
        for bar in bars:
            color = theme.svg_color(_TONE.get(bar.status, "muted"))
            x0, x1 = x(bar.start), x(bar.start + bar.init)
            x2 = max(x(bar.start + bar.init + bar.duration), x1 + 1.5)
            parts.append(f"<g><title>{html.escape(bar.label)}</title>")
            if bar.init:
                parts.append(
                    f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1.0):.1f}" '
                    f'height="{LANE_H - 7}" fill="{init_color}"/>'
                )
            parts.append(
                f'<rect x="{x1:.1f}" y="{y + 3}" width="{x2 - x1:.1f}" height="{LANE_H - 7}" '
                f'fill="{color}" stroke="#ffffff" stroke-width="0.75"/></g>'
            )
    if model.throttled:
        y = _TOP + len(model.lanes) * LANE_H
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 12}" text-anchor="end" fill="{text}">'
            f"throttled ({len(model.throttled)})</text>"
        )
        red = theme.svg_color("error")
        for at in model.throttled:
            parts.append(
                f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{y + 3}" y2="{y + LANE_H - 4}" '
                f'stroke="{red}" stroke-width="2"><title>throttled</title></line>'
            )
    base = height - _BOTTOM + 4
    for k in range(5):
        seconds = span * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        parts.append(
            f'<text x="{x(seconds):.1f}" y="{base + 10}" text-anchor="{anchor}" fill="{text}">'
            f"{seconds * 1000:.0f} ms</text>"
        )
    legend = [("init", init_color), ("succeeded", theme.svg_color("success")),
              ("failed", theme.svg_color("error"))]  # fmt: skip
    lx = _LEFT
    for label, color in legend:
        parts.append(
            f'<rect x="{lx}" y="{base + 17}" width="9" height="9" fill="{color}"/>'
            f'<text x="{lx + 12}" y="{base + 25}" fill="{text}">{label}</text>'
        )
        lx += 12 + 6 * len(label) + 14
    parts.append("</svg>")
    return "".join(parts)


def burst_img(model: BurstModel) -> str:
    data = base64.b64encode(burst_svg(model).encode("utf-8")).decode("ascii")
    alt = "Timeline of the burst: one lane per execution environment"
    return f'<img class="lnb-timeline" src="data:image/svg+xml;base64,{data}" alt="{alt}">'


def burst_text(model: BurstModel) -> str:
    lines = [f"{label}: {value}" for label, value in model.totals]
    for n, (_stream, bars) in enumerate(model.lanes, 1):
        marks = "".join("C" if b.cold else ("." if b.status == "success" else "x") for b in bars)
        lines.append(f"env {n}: {marks}")
    return "\n".join(lines)


def burst_mimebundle(results: Sequence[Any]) -> dict[str, str]:
    """The burst's display: the timeline image and the totals; no script, no widget state."""
    model = burst_model(results)
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in model.totals
    )
    page = f'<div class="lnb-burst">{burst_img(model)}<table>{rows}</table></div>'
    return {"text/plain": burst_text(model), "text/html": page}
