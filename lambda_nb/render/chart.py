"""A small inline-SVG chart of invocation durations, cold and warm marked.

No plotting dependency and no script. Views show it as an `<img>` whose source is the SVG as a
`data:` URI (`durations_img`): JupyterLab's sanitizer removes inline `<svg>` from untrusted
notebooks but keeps an image's `src` (it checks URL schemes only on href and cite), and
nbconvert and GitHub show images too. An image does not see the page's CSS, so the chart draws
on its own white background with colours that read on it, in either Lab theme. The y axis is
logarithmic because a cold start (hundreds of ms with its init) and a warm invoke (a few ms)
differ by two orders of magnitude.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lambda_nb.render import theme
from lambda_nb.render import viewmodel as vm

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation

COLD = theme.svg_color("info")
INIT = theme.svg_color("init")
WARM = theme.svg_color("success")
FAILED = theme.svg_color("error")
TEXT = theme.svg_color("muted")
GRID = theme.svg_color("grid")
WIDTH, HEIGHT = 520, 150
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 14, 30


def _y(ms: float, top_ms: float) -> float:
    """Pixel height of `ms` on a log scale from 0.1 ms to `top_ms`."""
    span = math.log10(top_ms) + 1
    value = math.log10(max(ms, 0.1)) + 1
    return (HEIGHT - _TOP - _BOTTOM) * max(0.0, value) / span


def durations_svg(invocations: Sequence[Invocation]) -> str:
    """One bar per finished invocation: Duration, plus Init Duration stacked on cold starts."""
    done = [(i, inv) for i, inv in enumerate(invocations, 1) if inv.report is not None]
    if not done:
        return ""
    peak = max(
        inv.report.duration_ms + (inv.report.init_duration_ms or 0) for _, inv in done if inv.report
    )
    top_ms = 10 ** math.ceil(math.log10(max(peak, 1.0)))
    plot_w = WIDTH - _LEFT - _RIGHT
    slot = plot_w / len(done)
    bar = max(1.0, min(24.0, slot * 0.7))
    base = HEIGHT - _BOTTOM
    parts = [
        f'<svg class="lnb-chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}"'
        f' height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        ' style="font-family: sans-serif; font-size: 10px;">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="4" fill="#ffffff"/>',
        "<title>Invocation durations (log scale); cold starts in blue with their init"
        " duration stacked, warm invokes in green, failures outlined red</title>",
    ]
    tick = 1.0
    while tick <= top_ms:  # grid lines at 1, 10, 100 ... ms
        y = base - _y(tick, top_ms)
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{_ms_label(tick)}</text>"
        )
        tick *= 10
    for n, (index, inv) in enumerate(done):
        rep = inv.report
        assert rep is not None
        x = _LEFT + slot * n + (slot - bar) / 2
        h = _y(rep.duration_ms, top_ms)
        color = COLD if inv.cold else WARM
        outline = f' stroke="{FAILED}" stroke-width="1.5"' if inv.status != "success" else ""
        tip = (
            f"#{index} {'cold' if inv.cold else 'warm'} · {vm.status_label(inv.status)} · "
            f"Duration {rep.duration_ms:.2f} ms"
            + (f" · Init {rep.init_duration_ms:.2f} ms" if rep.init_duration_ms else "")
        )
        parts.append(
            f'<g class="lnb-bar lnb-{"cold" if inv.cold else "warm"}"><title>{html.escape(tip)}'
            f'</title><rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}"'
            f' fill="{color}"{outline}/>'
        )
        if rep.init_duration_ms:
            total = _y(rep.duration_ms + rep.init_duration_ms, top_ms)
            parts.append(
                f'<rect x="{x:.1f}" y="{base - total:.1f}" width="{bar:.1f}"'
                f' height="{max(0.0, total - h):.1f}" fill="{INIT}"/>'
            )
        parts.append("</g>")
        if len(done) <= 30 or n % math.ceil(len(done) / 30) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 11}" text-anchor="middle"'
                f' fill="{TEXT}">{index}</text>'
            )
    parts.append(
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{base}" y2="{base}" stroke="{TEXT}"/>'
        + _legend(base + 24)
        + "</svg>"
    )
    return "".join(parts)


def _legend(y: float) -> str:
    items = [("cold start", COLD), ("init duration", INIT), ("warm", WARM)]
    out, x = [], _LEFT
    for label, color in items:
        out.append(
            f'<rect x="{x}" y="{y - 8}" width="9" height="9" fill="{color}"/>'
            f'<text x="{x + 12}" y="{y}" fill="{TEXT}">{label}</text>'
        )
        x += 14 + 6 * len(label) + 12
    out.append(
        f'<rect x="{x}" y="{y - 8}" width="9" height="9" fill="none" stroke="{FAILED}"/>'
        f'<text x="{x + 12}" y="{y}" fill="{TEXT}">failed</text>'
    )
    return "".join(out)


def _ms_label(ms: float) -> str:
    return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"


def durations_img(invocations: Sequence[Invocation]) -> str:
    """The chart as an <img> with a data: URI (what survives in untrusted notebooks); ""
    when nothing has finished yet."""
    svg = durations_svg(invocations)
    if not svg:
        return ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = "Invocation durations (log scale): cold starts, their init duration, warm invokes"
    return (
        f'<img class="lnb-chart" src="data:image/svg+xml;base64,{data}" width="{WIDTH}"'
        f' height="{HEIGHT}" alt="{alt}">'
    )
