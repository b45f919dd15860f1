"""The live invocation view in ipywidgets (8, and the 7/8 common subset).

Only the kernel's main thread touches these widgets: the magic calls `update(inv)` from the
engine's `on_progress` callback (main thread, at most every 50 ms) and `finish(inv)` after the
call returns. Log records are moved in per tick as one small HTML chunk - never one message per
line: `Output.append_stdout` re-sends the whole output list on every call (jupyter.md 2.3) - and
while running only the last `STREAM_WINDOW` records stay on screen, so the comm traffic grows
with what is shown, not with what the handler prints.

The displayed object carries the widget view, text/html and text/plain; after the run the magic
updates the display so a saved notebook keeps the final static view for every other frontend.
This module imports ipywidgets: the magic imports it only when the widget view is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from lambda_nb.render import chart, fragments, static
from lambda_nb.render import viewmodel as vm

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord

STREAM_WINDOW = 50  # records on screen while the handler runs (the newest)
HEAD, TAIL = 100, 300  # a finished log longer than HEAD + TAIL shows its two ends
PAGE = 2_000  # "show all": records per page
TABS = ("Response", "Logs", "Error", "Event", "Context", "Report")
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
    """The Logs tab: a filter row, the records streaming in, then the finished log.

    While running, each tick adds one HTML chunk with that tick's new records (the last
    STREAM_WINDOW of them at most) and drops chunks that scrolled out. After the run the stream
    is closed and one HTML shows the filtered log, truncated to its head and tail, with
    "Show all" paging through every record.
    """

    def __init__(self) -> None:
        self.lines: list[vm.LogLine] = []  # every record, classified once the run is over
        self._seen = 0  # records moved in so far
        self.running = True
        self.page: int | None = None  # None: the truncated view
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
        self.count = _html("lnb-log-count")  # "N records", the scrolled-out note, the page
        self.stream: w.VBox | None = w.VBox([])
        self.stream.add_class("lnb-log-stream")
        self.view = _html("lnb-log-view")
        self.view.layout.max_height = "480px"
        self.view.layout.overflow = "auto"
        self.more = w.Button(description="Show all", layout=w.Layout(display="none"))
        self.more.add_class("lnb-show-all")
        self.prev = w.Button(description="◀ previous", layout=w.Layout(display="none"))
        self.next = w.Button(description="next ▶", layout=w.Layout(display="none"))
        self.filters = w.HBox([self.level, self.search, self.platform, self.count])
        self.buttons = w.HBox([self.more, self.prev, self.next])
        self.box = w.VBox([self.filters, self.stream, self.view, self.buttons])
        self.box.add_class("lnb-logs-panel")
        for control in (self.level, self.search, self.platform):
            control.observe(self._filter_changed, names="value")
        self.more.on_click(lambda _: self.show_page(0))
        self.prev.on_click(lambda _: self.show_page((self.page or 0) - 1))
        self.next.on_click(lambda _: self.show_page((self.page or 0) + 1))

    # ------------------------------------------------------------------ filter
    def _filter(self) -> tuple[str | None, str, bool]:
        return self.level.value or None, self.search.value.strip(), bool(self.platform.value)

    def _filtered(self) -> list[vm.LogLine]:
        return vm.filter_lines(self.lines, *self._filter())

    def _filter_changed(self, _change: Any = None) -> None:
        if not self.running:
            self.page = None
            self.render()

    # --------------------------------------------------------------- streaming
    def push(self, records: Sequence[LogRecord]) -> None:
        """Move the records new since the last tick in, as one chunk (main thread only).

        Only the records that will be on screen are classified here: this runs inside the
        engine's wait loop, so a tick must stay short even when 100,000 lines arrive at once.
        """
        if len(records) <= self._seen or self.stream is None:
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

    def finish(self, records: Sequence[LogRecord]) -> None:
        """The run is over: the stream goes, the whole (truncated, filtered) log comes."""
        self.push(records)
        self.running = False
        self.lines = vm.log_lines(records)
        if self.stream is not None:
            self.box.children = (self.filters, self.view, self.buttons)
            close_tree(self.stream)
            self.stream, self._chunks = None, []
        self.render()

    # ------------------------------------------------------------------ render
    def render(self) -> None:
        lines = self._filtered()
        total = len(self.lines)
        note = f"{total:,} records" if len(lines) == total else f"{len(lines):,} of {total:,}"
        if not lines:
            self.view.value = fragments.empty_html(
                "No log records" if not total else "No record matches the filter"
            )
            self.count.value = fragments.note_html(note)
            self._buttons(more=False, paging=False)
            return
        if self.page is None:
            head, tail = vm.head_and_tail(len(lines), HEAD, TAIL)
            picked = [lines[i] for i in head] + [lines[i] for i in tail]
            hidden = len(lines) - len(picked)
            self.view.value = fragments.logs_html(
                picked, gap_after=len(head) - 1 if hidden else None, hidden=hidden
            )
            self.more.description = f"Show all {len(lines):,} records"
            self.count.value = fragments.note_html(note)
            self._buttons(more=bool(hidden), paging=False)
            return
        pages = max(1, math.ceil(len(lines) / PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        start = self.page * PAGE
        part = lines[start : start + PAGE]
        self.view.value = fragments.logs_html(part)
        self.count.value = fragments.note_html(
            f"{note} · {start + 1:,}–{start + len(part):,} shown (page {self.page + 1} of {pages})"
        )
        self._buttons(more=False, paging=pages > 1)
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= pages - 1

    def show_page(self, page: int) -> None:
        self.page = page
        self.render()

    def _buttons(self, *, more: bool, paging: bool) -> None:
        self.more.layout.display = "" if more else "none"
        for button in (self.prev, self.next):
            button.layout.display = "" if paging else "none"


class InvocationWidget:
    """The live view of one invocation: header, progress while running, six tabs."""

    self_updating = True  # the widgets update themselves; the display is re-sent only at the end

    def __init__(self, title: str) -> None:
        self.title = title
        self.inv: Invocation | None = None
        self.finished = False
        self._context_shown = False
        self.header = _html("lnb-header", fragments.empty_html(f"invoking {title}…"))
        self.progress: w.FloatProgress | None = w.FloatProgress(
            value=0.0, min=0.0, max=1.0, bar_style="info", description="starting",
            style={"description_width": "initial"}, layout=w.Layout(width="420px"),
        )  # fmt: skip
        self.progress.add_class("lnb-progress")
        self.response = _html("lnb-response-tab", fragments.response_html(None, "running"))
        self.logs = LogPanel()
        self.error = _html("lnb-error-tab", fragments.error_html(None))
        self.event = _html("lnb-event-tab")
        self.context = _html("lnb-context-tab", fragments.context_html([]))
        self.report = _html("lnb-report-tab", fragments.report_html(None))
        children = [
            self.response, self.logs.box, self.error, self.event, self.context, self.report,
        ]  # fmt: skip
        self.tab = w.Tab(children=children)
        for i, name in enumerate(TABS):
            self.tab.set_title(i, name)  # ipywidgets 7 and 8 (8 also has `titles=`)
        self.tab.selected_index = TABS.index("Logs")
        self.tab.add_class("lnb-tab")
        self.box = w.VBox([self.header, self.progress, self.tab])
        self.box.add_class("lnb-view")

    # ------------------------------------------------------------- main thread only
    def update(self, inv: Invocation) -> None:
        """A tick while the handler runs: new log records, the header, elapsed time."""
        if self.inv is None:
            self.event.value = fragments.event_html(vm.event_text(inv.event))
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
        if inv.started_at and not self._context_shown:
            self.context.value = fragments.context_html(vm.context_fields(inv))
            self._context_shown = True

    def finish(self, inv: Invocation | None) -> None:
        """The final view (None: interrupted before the engine created a record)."""
        inv = inv if inv is not None else self.inv
        self._drop_progress()
        if inv is None:
            self.header.value = fragments.empty_html(f"{self.title}: aborted before it started")
            return
        self.update(inv)
        self.finished = True
        model = vm.build(inv)
        self.logs.finish(inv.logs)
        self.response.value = fragments.response_html(model.response, inv.status)
        self.error.value = fragments.error_html(model.error)
        self.context.value = fragments.context_html(model.context)
        self.report.value = fragments.report_html(model.report)
        if model.error is not None:
            self.tab.selected_index = TABS.index("Error")
        elif model.response is not None:
            self.tab.selected_index = TABS.index("Response")

    def _drop_progress(self) -> None:
        if self.progress is not None:
            self.box.children = (self.header, self.tab)
            close_tree(self.progress)
            self.progress = None

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if self.inv is not None and self.finished:
            text, page = static.to_text(self.inv), static.to_html(self.inv)
        else:
            text = f"… invoking {self.title}"
            page = fragments.empty_html(text)
        return {MIME_WIDGET: widget_view(self.box), "text/plain": text, "text/html": page}


class HistoryWidget:
    """`%lambda history NAME`: the table and the duration chart, with a refresh button."""

    def __init__(self, name: str, history: Sequence[Invocation]) -> None:
        from lambda_nb.render.history import HistoryStatic

        self.name = name
        self.history = history  # the function's own list: refresh sees new invocations
        self._static = HistoryStatic
        self.table = _html("lnb-history-table")
        self.chart = _html("lnb-history-chart")
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.box = w.VBox([self.chart, self.table, self.refresh_button])
        self.box.add_class("lnb-history-view")
        self.refresh()

    def refresh(self) -> None:
        view = self._static(self.name, list(self.history))
        self.table.value = view.table_html()
        self.chart.value = chart.durations_svg(list(self.history))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self._static(self.name, list(self.history))._repr_mimebundle_()
        return {MIME_WIDGET: widget_view(self.box), **bundle}
