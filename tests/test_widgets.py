"""The widget views in-process: IPython's test shell, real execution environments, and a comm
that records what the widgets would send to a frontend (lambda_nb.testing.CommRecorder)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from IPython.utils.capture import capture_output
from waiting import interrupt_main_when

from lambda_nb.engine.records import Invocation, LogRecord, Report
from lambda_nb.engine.service import default_service
from lambda_nb.magic import FunctionFailed
from lambda_nb.render import widgets
from lambda_nb.testing import CommRecorder

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ALL_THREE = {WIDGET_MIME, "text/html", "text/plain"}

OK = """\
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    print("hello from the handler")
    logger.info("an info record")
    logger.error("an error record")
    print(json.dumps({"level": "WARNING", "message": "structured"}))
    return {"statusCode": 201, "headers": {"X-Id": context.aws_request_id}, "body": "{\\"ok\\": true}"}
"""

# `raise` is cell line 6 (the %%lambda line is line 1).
FAILS = """\
def helper():
    pass

def fail():
    raise ValueError("boom")

def lambda_handler(event, context):
    fail()
"""

BURSTS = """\
import time

def lambda_handler(event, context):
    for burst in range(8):
        for i in range(25):
            print(f"line {burst * 25 + i}")
        time.sleep(0.1)
    return "done"
"""

SLEEPS = """\
import time

def lambda_handler(event, context):
    print("going to sleep")
    open(event["started"], "w").close()  # tells the test the handler runs
    time.sleep(30)
"""


@pytest.fixture
def ip(ip: Any) -> Any:
    """conftest's shell, showing invocations as widgets."""
    ip.run_line_magic("config", "LambdaMagics.display = 'widget'")
    return ip


def run(ip: Any, line: str, code: str) -> tuple[Any, Invocation]:
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{line} -o _inv", code)
    return cap, ip.user_ns.pop("_inv")


def view_of(_ip: Any) -> widgets.InvocationWidget:
    """The InvocationWidget a cell displayed (the newest one created)."""
    return _views[-1]


_views: list[widgets.InvocationWidget] = []


@pytest.fixture(autouse=True)
def _track_views(monkeypatch: pytest.MonkeyPatch) -> None:
    _views.clear()
    original = widgets.InvocationWidget.__init__

    def init(self: widgets.InvocationWidget, title: str) -> None:
        original(self, title)
        _views.append(self)

    monkeypatch.setattr(widgets.InvocationWidget, "__init__", init)


# ====================================================================== display bundle


def test_bundle_carries_widget_html_and_text(ip: Any, name: str) -> None:
    cap, inv = run(ip, name, OK)
    assert inv.status == "success"
    first, last = cap.outputs[0], cap.outputs[-1]
    assert set(first.data) == ALL_THREE and not first.update
    assert "invoking" in first.data["text/plain"]
    assert set(last.data) == ALL_THREE and last.update  # the display was updated in place
    view = view_of(ip)
    assert last.data[WIDGET_MIME] == {
        "version_major": 2, "version_minor": 0, "model_id": view.box.model_id,
    }  # fmt: skip
    assert first.transient["display_id"] == last.transient["display_id"]
    assert "succeeded" in last.data["text/plain"] and inv.request_id in last.data["text/plain"]
    assert "hello from the handler" in last.data["text/html"]
    # The widget view itself was not re-sent on every tick: shown once, updated once.
    assert len(cap.outputs) == 2


def test_final_view_tabs(ip: Any, name: str) -> None:
    _, inv = run(ip, f"{name} --memory 256", OK)
    view = view_of(ip)
    assert view.tab.selected_index == widgets.TABS.index("Response")
    assert [view.tab.get_title(i) for i in range(6)] == list(widgets.TABS)
    assert view.progress is None and view.box.children == (view.header, view.tab)
    head = view.header.value
    assert "Succeeded" in head and "Cold start" in head and inv.request_id in head
    assert "of 256 MB" in head and "Billed Duration" in head
    assert ">201</b>" in view.response.value and "X-Id" in view.response.value
    assert "No error" in view.error.value
    assert inv.invoked_function_arn in view.context.value and "remaining" in view.context.value
    assert "Max Memory Used" in view.report.value and "Cost per 1M invocations" in view.report.value
    logs = view.logs.view.value
    assert "hello from the handler" in logs and "lnb-platform" in logs
    assert "&quot;level&quot;: &quot;WARNING&quot;" in logs  # the JSON record, pretty


def test_error_tab_maps_cell_lines(ip: Any, name: str) -> None:
    _, inv = run(ip, name, FAILS)
    view = view_of(ip)
    assert inv.status == "error"
    assert view.tab.selected_index == widgets.TABS.index("Error")
    page = view.error.value
    assert page.index("ValueError") < page.index("boom") < page.index("Traceback")
    assert "cell line 6" in page and "cell line 9" in page
    assert "raise ValueError(&quot;boom&quot;)" in page  # the cell's own source text
    assert "Error" in view.header.value and "No response" in view.response.value


def test_logs_filter_after_the_run(ip: Any, name: str) -> None:
    run(ip, name, OK)
    panel = view_of(ip).logs
    panel.level.value = "ERROR"
    assert "an error record" in panel.view.value and "an info record" not in panel.view.value
    assert "START RequestId" in panel.view.value  # platform lines follow their own switch
    panel.platform.value = False
    assert "START RequestId" not in panel.view.value
    panel.level.value = ""
    panel.search.value = "STRUCTURED"
    assert "structured" in panel.view.value and "hello" not in panel.view.value
    assert " of " in panel.count.value
    panel.search.value = "no such text"
    assert "No record matches" in panel.view.value


# =========================================================================== streaming


def test_streaming_is_batched_on_the_main_thread(ip: Any, name: str) -> None:
    with CommRecorder() as rec:
        cap, inv = run(ip, f"{name} --timeout 30", BURSTS)
    threads = {m.thread for m in rec.messages}
    assert inv.status == "success" and inv.log_text(("stdout",)).count("\n") == 200
    assert threads == {threading.main_thread().name}  # no widget touched from another thread
    chunks = [  # a chunk is an HTML model born with its log lines
        m for m in rec.messages
        if m.msg_type == "comm_open" and 'class="lnb-logs"' in str(m.data["state"].get("value"))
    ]  # fmt: skip
    # One chunk per 50 ms tick at most, never one per line: 200 lines arrived in 8 bursts (~9
    # chunks; a loaded machine may split a burst over more ticks, hence the slack).
    assert 2 <= len(chunks) <= 50, len(chunks)
    streamed = "".join(m.data["state"]["value"] for m in chunks)
    assert "line 0<" in streamed and "line 120<" in streamed
    # While running only the newest STREAM_WINDOW records stayed on screen.
    assert rec.bytes < 250_000
    assert len(cap.outputs) == 2


def test_progress_and_logs_update_while_running(ip: Any, name: str) -> None:
    seen: list[tuple[str, str]] = []
    original = widgets.InvocationWidget.update

    def spy(self: widgets.InvocationWidget, inv: Invocation) -> None:
        original(self, inv)
        if self.progress is not None and not self.finished:
            seen.append((self.progress.description, self.header.value))

    widgets.InvocationWidget.update = spy  # type: ignore[method-assign]
    try:
        run(ip, f"{name} --timeout 30", BURSTS)
    finally:
        widgets.InvocationWidget.update = original  # type: ignore[method-assign]
    running = [(d, h) for d, h in seen if "Running" in h]
    assert len(running) >= 3
    # The elapsed time grows while it runs (~0.8 s; any tick after the first 0.1 s will do, not
    # one in a given window: a loaded machine may space the ticks out).
    elapsed = re.compile(r"(0\.[1-9]|[1-9][0-9]*\.[0-9]) s of 30 s timeout")
    assert any(elapsed.fullmatch(d) for d, _ in running), running


def test_interrupt_shows_aborted(ip: Any, name: str, tmp_path: Path) -> None:
    started = tmp_path / "started"
    event = json.dumps({"started": str(started)})
    # Interrupted once the handler runs (not after a guessed delay: the cold start may be slow).
    with (
        interrupt_main_when(started.exists),
        capture_output() as cap,
        pytest.raises(KeyboardInterrupt),
    ):
        ip.run_cell_magic("lambda", f"{name} --timeout 10 --event '{event}'", SLEEPS)
    view = view_of(ip)
    assert "Aborted" in view.header.value and view.progress is None
    assert "aborted" in cap.outputs[-1].data["text/plain"]
    assert "going to sleep" in view.logs.view.value


# ========================================================================= long logs


def _long_invocation(n: int) -> Invocation:
    rid = "0e2d7c4c-4a07-4d8e-8f0a-3e6d3c1a9b11"
    logs = [LogRecord(float(i), f"record {i}\n", "stdout") for i in range(n)]
    inv = Invocation(rid, "long", "$LATEST", {}, status="success", payload=1, logs=logs)
    inv.report = Report(rid, 5.0, 5, 128, 30)
    return inv


def test_long_log_is_truncated_with_show_all_pages() -> None:
    view = widgets.InvocationWidget("long rev 1")
    inv = _long_invocation(5_000)
    view.update(inv)
    view.finish(inv)
    panel = view.logs
    page = panel.view.value
    assert "record 0<" in page and "record 4999<" in page and "record 2500<" not in page
    assert "4,600 records not shown" in page
    assert panel.more.layout.display == "" and panel.more.description == "Show all 5,000 records"
    panel.more.click()
    assert "record 0<" in panel.view.value and "record 1999<" in panel.view.value
    assert "record 2000<" not in panel.view.value and "page 1 of 3" in panel.count.value
    assert panel.prev.disabled and not panel.next.disabled
    panel.next.click()
    panel.next.click()
    assert "record 4999<" in panel.view.value and "page 3 of 3" in panel.count.value
    assert panel.next.disabled
    panel.prev.click()
    assert "record 2000<" in panel.view.value
    panel.search.value = "record 42"  # a filter change returns to the truncated view
    assert panel.page is None and panel.more.layout.display == "none"


def test_stream_window_drops_old_chunks_and_closes_them() -> None:
    view = widgets.InvocationWidget("w rev 1")
    inv = _long_invocation(0)
    inv.status = "running"
    with CommRecorder() as rec:
        view = widgets.InvocationWidget("w rev 1")
        for tick in range(30):
            inv.logs.extend(LogRecord(0.0, f"t{tick} r{i}\n", "stdout") for i in range(10))
            view.update(inv)
        shown = sum(n for _, n in view.logs._chunks)
        assert shown <= widgets.STREAM_WINDOW
        assert "t29 r9" in view.logs._chunks[-1][0].value
        assert "shown while running" in view.logs.count.value
        inv.status = "success"
        view.finish(inv)
    closed = sum(1 for m in rec.messages if m.msg_type == "comm_close")
    assert closed >= 30  # every chunk (with its layout and style) went away
    assert view.logs.stream is None


# ============================================================================ modes


@pytest.mark.parametrize(("mode", "expected"), [
    ("html", {"text/plain", "text/html"}),
    ("static", {"text/plain", "text/html"}),
    ("text", {"text/plain"}),
    ("auto", {"text/plain", "text/html"}),  # a test shell has no kernel: no widgets
    ("widget", ALL_THREE),
])  # fmt: skip
def test_display_modes(ip: Any, name: str, mode: str, expected: set[str]) -> None:
    ip.run_line_magic("config", f"LambdaMagics.display = '{mode}'")
    cap, inv = run(ip, name, OK)
    assert inv.status == "success"
    assert set(cap.outputs[-1].data) == expected
    assert "succeeded" in cap.outputs[-1].data["text/plain"]


def test_display_none(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.display = 'none'")
    cap, _ = run(ip, name, OK)
    assert cap.outputs == []


def test_raise_on_error_with_widgets(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.raise_on_error = True")
    with capture_output() as cap, pytest.raises(FunctionFailed, match="ValueError: boom"):
        ip.run_cell_magic("lambda", name, FAILS)
    assert set(cap.outputs[-1].data) == ALL_THREE
    assert "cell line 6" in cap.outputs[-1].data["text/plain"]


# ========================================================================== history


def test_history_widget(ip: Any, name: str) -> None:
    _, first = run(ip, name, OK)
    with capture_output():
        ip.run_line_magic("lambda", f"invoke {name} -o second")
    second = ip.user_ns["second"]
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"history {name}")
    (out,) = cap.outputs
    assert set(out.data) == ALL_THREE
    assert (
        f"{name}: 2 invocations" in out.data["text/plain"]
        and "1 cold, 1 warm" in out.data["text/plain"]
    )
    assert "<svg" in out.data["text/html"] and "lnb-history" in out.data["text/html"]
    assert (first.cold, second.cold) == (True, False)
    with capture_output() as cap:
        ip.run_line_magic("config", "LambdaMagics.display = 'text'")
        ip.run_line_magic("lambda", f"history {name}")
    assert set(cap.outputs[0].data) == {"text/plain"}


def test_history_widget_refresh() -> None:
    history = [_long_invocation(1)]
    view = widgets.HistoryWidget("long", history)
    assert view.table.value.count("<tr>") == 2 and "lnb-warm" in view.chart.value
    history.append(_long_invocation(2))
    view.refresh_button.click()
    assert view.table.value.count("<tr>") == 3


# ======================================================================= playground


def test_playground(ip: Any, name: str) -> None:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", OK)
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"playground {name} -o pg")
    pg = ip.user_ns["pg"]
    assert set(cap.outputs[0].data) == ALL_THREE
    options = [value for _, value in pg.template.options]
    assert "s3.put" in options and "apigateway.http" in options

    pg.template.value = "sqs.receive"
    assert '"Records"' in pg.editor.value and "valid JSON" in pg.validation.value
    assert not pg.invoke_button.disabled

    pg.editor.value = '{"a": 1,'
    assert "not valid: line 1, column" in pg.validation.value and pg.invoke_button.disabled
    assert pg.invoke() is None

    pg.editor.value = '{"n": 1}'
    first = pg.invoke()
    pg.invoke_button.click()  # the same path as a click in the browser
    second = pg.view.inv
    assert first is not None and second is not None
    assert (first.status, first.cold, second.status, second.cold) == (
        "success", True, "success", False,
    )  # fmt: skip
    assert second.event == {"n": 1}
    assert "Succeeded" in pg.view.header.value
    assert pg.runs.value.count("lnb-run-warm") == 1 and pg.runs.value.count("lnb-run-cold") == 1

    pg.memory.value = 256  # a new configuration is a new revision: cold
    third = pg.invoke()
    assert third is not None and third.cold and third.memory_size == 256 and third.revision == 2
    assert "Published rev 2" in pg.message.value
    assert default_service().functions[name].config.memory == 256

    pg.reset_button.click()
    fourth = pg.invoke()
    assert fourth is not None and fourth.cold

    # An error in the playground maps to the cell's lines too (the republished revision).
    pg.editor.value = '{"fail": true}'
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", FAILS)
    pg.fn = default_service().functions[name]
    pg.timeout.value = pg.fn.config.timeout
    pg.memory.value = pg.fn.config.memory
    failed = pg.invoke()
    assert failed is not None and failed.status == "error"
    assert "cell line 6" in pg.view.error.value
