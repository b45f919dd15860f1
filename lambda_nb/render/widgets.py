"""The live invocation view in ipywidgets (8, and the 7/8 common subset): while the handler runs.

Only the kernel's main thread touches these widgets: the magic calls `update(inv)` from the
engine's `on_progress` callback (main thread, at most every 50 ms) and `finish(inv)` after the
call returns. Log records are moved in per tick as one small HTML chunk - never one message per
line: `Output.append_stdout` re-sends the whole output list on every call (jupyter.md 2.3) - and
while running only the last `STREAM_WINDOW` records stay on screen, so the comm traffic grows
with what is shown, not with what the handler prints.

When the run ends the view's bundle becomes the static view (text/html + text/plain, no widget
mime type): the magic updates the display with it and then `close()`s every widget. A saved
notebook then needs no widget state - JupyterLab does not save it by default and shows "model
not found" for a widget it cannot restore (jupyter.md 2.1) - and nothing stays in the kernel.
This module imports ipywidgets: the magic imports it only when the widget view is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from lambda_nb.render import fragments, static
from lambda_nb.render import viewmodel as vm

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord

STREAM_WINDOW = 50  # records on screen while the handler runs (the newest)
LEVEL_CHOICES = [
    ("all levels", ""),
    ("DEBUG and up", "DEBUG"),
    ("INFO and up", "INFO"),
    ("WARNING and up", "WARNING"),
    ("ERROR and up", "ERROR"),
]
MIME_WIDGET = "application/vnd.jupyter.widget-view+json"


def widget_view(widget: w.Widget) -> dict[str, Any]:
    """The widget-view mime data, built by hand: ipywidgets 7's own repr omits it (jupyter.md)."""
    return {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}


def close_tree(widget: w.Widget) -> None:
    """Close a widget, its layout and style, and everything inside it: a dropped view leaves
    no model behind in the kernel or in the notebook's saved widget state."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in ("layout", "style"):
        sub = getattr(widget, part, None)
        if isinstance(sub, w.Widget):
            sub.close()
    widget.close()


def _html(css_class: str, value: str = "") -> w.HTML:
    widget = w.HTML(value=value)
    widget.add_class(css_class)
    return widget


class LogPanel:
    """The log while the handler runs: a filter row and the records streaming in.

    Each tick adds one HTML chunk with that tick's new records (the last STREAM_WINDOW of them at
    most, filtered) and drops chunks that scrolled out. The whole log is the finished view's.
    """

    def __init__(self) -> None:
        self._seen = 0  # records moved in so far
        self._chunks: list[tuple[w.HTML, int]] = []
        self._scrolled_out = 0
        self.level = w.Dropdown(
            options=LEVEL_CHOICES, value="", description="Level", layout=w.Layout(width="210px")
        )
        self.search = w.Text(
            value="", placeholder="filter text", continuous_update=False,
            layout=w.Layout(width="200px"),
        )  # fmt: skip
        self.platform = w.Checkbox(value=True, description="platform lines", indent=False)
        self.platform.layout.width = "130px"
        self.count = _html("lnb-log-count")  # "N records", the scrolled-out note
        self.stream = w.VBox([])
        self.stream.add_class("lnb-log-stream")
        self.filters = w.HBox([self.level, self.search, self.platform, self.count])
        self.box = w.VBox([self.filters, self.stream])
        self.box.add_class("lnb-logs-panel")

    def _filter(self) -> tuple[str | None, str, bool]:
        return self.level.value or None, self.search.value.strip(), bool(self.platform.value)

    def push(self, records: Sequence[LogRecord]) -> None:
        """Move the records new since the last tick in, as one chunk (main thread only).

        Only the records that will be on screen are classified here: this runs inside the
        engine's wait loop, so a tick must stay short even when 100,000 lines arrive at once.
        """
        if len(records) <= self._seen:
            return
        start, self._seen = self._seen, len(records)
        level, needle, platform = self._filter()
        if level is None and not needle and platform:  # no filter: the tail is what shows
            first = max(start, self._seen - STREAM_WINDOW)
            shown = vm.log_lines(records, first, self._seen)
            skipped = first - start
        else:
            shown = vm.filter_lines(
                vm.log_lines(records, start, self._seen), level, needle, platform
            )
            skipped = 0
        if shown:
            tail = shown[-STREAM_WINDOW:]
            self._scrolled_out += skipped + len(shown) - len(tail)
            chunk = _html("lnb-chunk", fragments.logs_html(tail))
            self._chunks.append((chunk, len(tail)))
            dropped = []
            while len(self._chunks) > 1 and sum(n for _, n in self._chunks) > STREAM_WINDOW:
                old, n = self._chunks.pop(0)
                self._scrolled_out += n
                dropped.append(old)
            self.stream.children = tuple(c for c, _ in self._chunks)
            for old in dropped:  # after the container let go of them
                close_tree(old)
        note = f"{self._seen:,} records"
        if self._scrolled_out:
            note += f" · the last {STREAM_WINDOW} shown while running"
        self.count.value = fragments.note_html(note)


class InvocationWidget:
    """The live view of one invocation while it runs: header, progress, streaming log."""

    self_updating = True  # the widgets update themselves; the display is re-sent only at the end

    def __init__(self, title: str) -> None:
        self.title = title
        self.inv: Invocation | None = None
        self.finished = False
        self.header = _html("lnb-header", fragments.empty_html(f"invoking {title}…"))
        self.progress: w.FloatProgress | None = w.FloatProgress(
            value=0.0, min=0.0, max=1.0, bar_style="info", description="starting",
            style={"description_width": "initial"}, layout=w.Layout(width="420px"),
        )  # fmt: skip
        self.progress.add_class("lnb-progress")
        self.logs = LogPanel()
        # No tabs while running: the finished view (static) has every section. A Tab would add
        # models to stream and its inactive labels read at 4.2-4.4:1 in Lab's themes.
        self.box = w.VBox([self.header, self.progress, self.logs.box])
        self.box.add_class("lnb-view")

    # ------------------------------------------------------------- main thread only
    def update(self, inv: Invocation) -> None:
        """A tick while the handler runs: new log records, the header, elapsed time."""
        self.inv = inv
        self.logs.push(inv.logs)
        self.header.value = fragments.header_html(vm.header(inv))
        if self.progress is not None:
            seconds, timeout = vm.elapsed(inv)
            self.progress.max = timeout or 1.0
            self.progress.value = min(seconds, self.progress.max)
            self.progress.description = (
                fragments.progress_text(seconds, timeout) if inv.started_at else "initialising…"
            )

    def finish(self, inv: Invocation | None) -> None:
        """The run is over (None: interrupted before the engine created a record): from now on
        the bundle is the static view; the caller shows it and then calls `close()`."""
        inv = inv if inv is not None else self.inv
        self.inv = inv
        self.finished = True

    def close(self) -> None:
        """Close every widget of the view: nothing left in the kernel or in saved state."""
        close_tree(self.box)
        self.progress = None

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.finished:
            if self.inv is not None:
                return static.mimebundle(self.inv)
            text = f"{self.title}: aborted before it started"
            return {"text/plain": text, "text/html": fragments.empty_html(text)}
        text = f"… invoking {self.title}"
        return {
            MIME_WIDGET: widget_view(self.box), "text/plain": text,
            "text/html": fragments.empty_html(text),
        }  # fmt: skip
