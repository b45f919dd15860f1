"""A function's invocation history as a static view: the durations chart above the table.

Static on purpose: a history is a snapshot (run `%lambda history` again for a newer one), so it
keeps no widget state and shows the same in a live kernel, a saved notebook, nbconvert and
GitHub. The chart is an <img> (see `chart.durations_img`), which untrusted notebooks keep.
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
        img = chart.durations_img(self.invocations)
        bundle["text/html"] = f'<div class="lnb-history">{img}{bundle["text/html"]}</div>'
        cold = sum(1 for inv in self.invocations if inv.cold)
        if self.invocations:
            bundle["text/plain"] += f"\n{cold} cold, {len(self.invocations) - cold} warm"
        return bundle
