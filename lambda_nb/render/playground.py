"""`%lambda playground NAME`: try a function with events from the catalog, in widgets.

A template picker fills a JSON editor from the events catalog; the editor says at once whether
its text is valid JSON; timeout and memory controls republish the function (a new revision, so
the next invoke is cold, as on AWS after UpdateFunctionConfiguration); each click of Invoke
shows a live invocation view, and the runs list and chart show warm and cold as they happen.

Button callbacks run on the kernel's main thread (comm messages are handled there), so the
invocation view is updated from the same thread as in a `%%lambda` cell.

The playground is interactive by nature: it stays a widget, and only works with a live kernel.
What it keeps is small: each run streams into one HTML widget (`result`) as the static view,
re-drawn at most every `UPDATE_S` (its newest log lines while running, the finished view at the
end), so a run adds no widget models - a headless runner saves every model it ever saw. Its
text/html fallback is the runs table, so frontends without its widget state (nbconvert,
GitHub) still show what was tried.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from lambda_nb.render import cells, chart, fragments, static
from lambda_nb.render import viewmodel as vm
from lambda_nb.render.widgets import MIME_WIDGET, widget_view

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation
    from lambda_nb.function import Function

EMPTY = ""  # the template value meaning "an empty object"
REQUEST_MAX_BYTES = 6_291_456  # the sync Invoke limit (lambda-runtime.md section 7)
RUNS_SHOWN = 8
UPDATE_S = 0.2  # the running view is re-drawn at most this often


def validate_event(text: str) -> tuple[Any, str | None]:
    """(the event, None) for valid JSON within the Invoke size limit, else (None, why not)."""
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    size = len(json.dumps(event).encode())
    if size > REQUEST_MAX_BYTES:
        return None, f"{size:,} bytes: an Invoke request must be smaller than 6,291,456 bytes"
    return event, None


def cell_source(fn: Function) -> tuple[str, str] | None:
    """(module file, source) of the function's current code, to republish it unchanged."""
    found = cells.lookup(fn.name, fn.revision)
    if found is not None:
        return found
    rev = fn.service.revision(fn.name)
    code_file = getattr(rev, "code_file", None)
    if rev is None or not code_file:
        return None
    path = Path(rev.task_root) / code_file
    try:
        return code_file, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def reconfigure(fn: Function, timeout: float, memory: int) -> Function:
    """Publish the same code with a new timeout and memory size (a new revision: cold)."""
    from lambda_nb.function import Function

    found = cell_source(fn)
    if found is None:
        raise ValueError(f"the code of {fn.name} is not known here; re-run its cell instead")
    filename, source = found
    cfg = fn.config
    rev = fn._revision  # the package stays as it was: requirements, layers, other files
    others = {k: v for k, v in rev.sources.items() if k != rev.code_file}
    new = Function.from_source(
        source,
        name=fn.name,
        handler=cfg.handler,
        timeout=timeout,
        memory=memory,
        environment=dict(cfg.environment),
        log_format=cfg.log_format,
        log_level=cfg.log_level,
        runtime=cfg.runtime,
        runtime_client=cfg.runtime_client,
        service=fn.service,
        requirements=rev.requirements or None,
        layers=rev.layers or None,
        files=others or None,
        architecture=cfg.architecture,
    )
    cells.remember(new.name, new.revision, filename, source)
    return new


class Playground:
    """The playground of one function."""

    def __init__(self, fn: Function, events: ModuleType | None) -> None:
        self.fn = fn
        self.events = events
        self.view: static.StaticView | None = None  # the newest run's (its .inv)
        templates = [("(empty object)", EMPTY)]
        if events is not None:
            templates += [(t.name, t.name) for t in events.catalog()]
        self.template = w.Dropdown(options=templates, value=EMPTY, description="Template")
        self.template.add_class("lnb-template")
        self.editor = w.Textarea(value="{}", layout=w.Layout(width="98%", height="220px"))
        self.editor.add_class("lnb-editor")
        self.validation = w.HTML()
        self.validation.add_class("lnb-validation-box")
        cfg = fn.config
        wide = {"description_width": "initial"}
        self.timeout = w.BoundedFloatText(
            value=cfg.timeout, min=1, max=900, step=1, description="Timeout (s)", style=wide,
            layout=w.Layout(width="180px"),
        )  # fmt: skip
        self.memory = w.BoundedIntText(
            value=cfg.memory, min=128, max=10240, step=64, description="Memory (MB)", style=wide,
            layout=w.Layout(width="200px"),
        )  # fmt: skip
        self.invoke_button = w.Button(description="Invoke", button_style="primary", icon="play")
        self.invoke_button.add_class("lnb-invoke")
        self.reset_button = w.Button(
            description="Reset (next is cold)", icon="refresh", layout=w.Layout(width="auto")
        )
        self.message = w.HTML()
        self.message.add_class("lnb-playground-message")
        self.runs = w.HTML()
        self.runs.add_class("lnb-runs")
        self.result = w.HTML()
        self.result.add_class("lnb-playground-result")
        self.box = w.VBox(
            [
                w.HTML(f"<b>Playground</b> · <code>{fragments.e(fn.name)}</code>"),
                self.template,
                self.editor,
                self.validation,
                w.HBox([self.timeout, self.memory]),
                w.HBox([self.invoke_button, self.reset_button]),
                self.message,
                self.runs,
                self.result,
            ]
        )
        self.box.add_class("lnb-playground")
        self.template.observe(self._template_changed, names="value")
        self.editor.observe(lambda _: self._validate(), names="value")
        self.invoke_button.on_click(lambda _: self.invoke())
        self.reset_button.on_click(lambda _: self.reset())
        self._validate()
        self._show_runs()

    # ----------------------------------------------------------------- editing
    def _template_changed(self, change: Any) -> None:
        self.load_template(change["new"])

    def load_template(self, name: str) -> None:
        """Fill the editor with a fresh event of this type (new ids and times each time)."""
        if name == EMPTY or self.events is None:
            self.editor.value = "{}"
            return
        self.editor.value = json.dumps(self.events.build(name), indent=2, ensure_ascii=False)

    def _validate(self) -> Any:
        event, problem = validate_event(self.editor.value)
        if problem is None:
            size = len(self.editor.value.encode())
            self.validation.value = fragments.validation_html(True, f"valid JSON · {size:,} bytes")
        else:
            self.validation.value = fragments.validation_html(False, f"not valid: {problem}")
        self.invoke_button.disabled = problem is not None
        return event if problem is None else None

    # ------------------------------------------------------------------ invoke
    def _configured(self) -> Function:
        cfg = self.fn.config
        timeout, memory = float(self.timeout.value), int(self.memory.value)
        if (timeout, memory) != (cfg.timeout, cfg.memory):
            self.fn = reconfigure(self.fn, timeout, memory)
            self._say(
                f"Published rev {self.fn.revision} with timeout {timeout:g} s and memory"
                f" {memory} MB: its first invoke is a cold start"
            )
        return self.fn

    def invoke(
        self, on_view: Callable[[static.StaticView], None] | None = None
    ) -> Invocation | None:
        """One click of Invoke: the run streaming into `result`, the runs list refreshed."""
        from lambda_nb.engine.errors import InvokeError

        event = self._validate()
        if event is None:
            return None
        try:
            fn = self._configured()
        except (ValueError, LookupError) as exc:
            self._say(str(exc), error=True)
            return None
        view = static.StaticView(f"{fn.name} rev {fn.revision}")
        self.view = view
        self._draw(view)
        if on_view is not None:
            on_view(view)
        self.invoke_button.disabled = True
        self.invoke_button.description = "Invoking…"
        drawn = [0.0]

        def progress(running: Invocation) -> None:
            view.update(running)
            if time.monotonic() - drawn[0] >= UPDATE_S:
                self._draw(view)
                drawn[0] = time.monotonic()

        inv = None
        try:
            inv = fn.invoke(event, on_progress=progress)
        except InvokeError as exc:
            self._say(f"{fn.name}: {exc}", error=True)
        except KeyboardInterrupt:  # kernel interrupt: the engine recorded an aborted invocation
            inv = fn.history[-1] if fn.history else None
        finally:
            self.invoke_button.description = "Invoke"
            self.invoke_button.disabled = False
        view.finish(inv)
        self._draw(view)
        self._show_runs()
        return inv

    def _draw(self, view: static.StaticView) -> None:
        self.result.value = view._repr_mimebundle_()["text/html"]

    def reset(self) -> None:
        self.fn.reset()
        self._say(f"Reset {self.fn.name}: its environments ended, the next invoke is cold")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.value = (
            fragments.validation_html(not error, text) if error else (f"<i>{fragments.e(text)}</i>")
        )

    def _show_runs(self) -> None:
        history = list(self.fn.history)
        if not history:
            self.runs.value = fragments.empty_html("No invocations yet: click Invoke")
            return
        rows = []
        for n, inv in list(enumerate(history, 1))[-RUNS_SHOWN:][::-1]:
            rep = inv.report
            when = time.strftime("%H:%M:%S", time.localtime(inv.started_at or time.time()))
            rows.append(
                (
                    f"#{n}",
                    when,
                    "cold" if inv.cold else "warm",
                    vm.status_label(inv.status),
                    f"{rep.duration_ms:.2f} ms" if rep else "",
                    f"init {rep.init_duration_ms:.2f} ms" if rep and rep.init_duration_ms else "",
                )
            )
        body = "".join(
            f'<tr class="lnb-run lnb-run-{fragments.e(r[2])}">'
            + "".join(f'<td style="padding: 0 10px 0 0;">{fragments.e(c)}</td>' for c in r)
            + "</tr>"
            for r in rows
        )
        self.runs.value = (
            chart.durations_img(history[-40:])
            + f'<table class="lnb-runs-table" style="border-collapse: collapse;">{body}</table>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        text = f"lambda_nb playground for {self.fn.name} (needs a live kernel with ipywidgets)"
        history = static.HistoryView(self.fn.name, self.fn.history)._repr_mimebundle_()
        return {
            MIME_WIDGET: widget_view(self.box),
            "text/plain": f"{text}\n{history['text/plain']}",
            "text/html": fragments.empty_html(text) + history["text/html"],
        }
