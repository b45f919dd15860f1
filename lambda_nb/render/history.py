"""A function's invocation history as a static view: the table plus the durations chart.

The text/html and text/plain that every frontend can show; the widget view
(`widgets.HistoryWidget`) carries these as its fallback and adds a refresh button.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lambda_nb.render import chart, static

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation


class HistoryStatic:
    """The rows of `static.HistoryView` with the chart of their durations above them."""

    def __init__(self, name: str, invocations: Sequence[Invocation]) -> None:
        self.name = name
        self.invocations = list(invocations)
        self._table = static.HistoryView(name, self.invocations)

    def table_html(self) -> str:
        return self._table._repr_mimebundle_()["text/html"]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = self._table._repr_mimebundle_()
        svg = chart.durations_svg(self.invocations)
        if svg:
            bundle["text/html"] = f'<div class="lnb-history">{svg}{bundle["text/html"]}</div>'
        cold = sum(1 for inv in self.invocations if inv.cold)
        if self.invocations:
            bundle["text/plain"] += f"\n{cold} cold, {len(self.invocations) - cold} warm"
        return bundle
