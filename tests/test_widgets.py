"""The widget views in-process: IPython's test shell, real execution environments, and a comm
that records what the widgets would send to a frontend (lambda_nb.testing.CommRecorder)."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from gate import Gate
from IPython.utils.capture import capture_output
from waiting import interrupt_main_when

from lambda_nb.engine.records import Invocation, LogRecord, Report
from lambda_nb.engine.service import default_service
from lambda_nb.magic import FunctionFailed
from lambda_nb.render import widgets
from lambda_nb.testing import CommRecorder

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ALL_THREE = {WIDGET_MIME, "text/html", "text/plain"}
STATIC = {"text/html", "text/plain"}  # a finished view: no widget state to save

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
    __import__("socket").create_connection(("127.0.0.1", event["started"])).close()  # tells the test (tests/gate.py)
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


def test_live_widget_then_static_view(ip: Any, name: str) -> None:
    """Live widget while running; the same display then becomes the static view, and every
    widget is closed, so a saved notebook needs no widget state (no "model not found")."""
    cap, inv = run(ip, name, OK)
    assert inv.status == "success"
    first, last = cap.outputs[0], cap.outputs[-1]
    assert set(first.data) == ALL_THREE and not first.update
    assert "invoking" in first.data["text/plain"]
    view = view_of(ip)
    assert first.data[WIDGET_MIME]["version_major"] == 2
    assert isinstance(first.data[WIDGET_MIME]["model_id"], str)
    assert set(last.data) == STATIC and last.update  # the display was replaced in place
    assert first.transient["display_id"] == last.transient["display_id"]
    assert "Succeeded" in last.data["text/plain"] and inv.request_id in last.data["text/plain"]
    page = last.data["text/html"]
    assert "hello from the handler" in page and "lnb-section-response\" open" in page
    assert "X-Id" in page and "Cost per 1M invocations" in page and "Init Duration" in page
    assert "&quot;level&quot;: &quot;WARNING&quot;" in page  # the JSON record, pretty
    assert view.box.comm is None and view.logs.stream.comm is None  # closed
    assert len(cap.outputs) == 2  # shown once, replaced once: not re-sent on every tick


def test_error_view_maps_cell_lines(ip: Any, name: str) -> None:
    cap, inv = run(ip, name, FAILS)
    assert inv.status == "error"
    page = cap.outputs[-1].data["text/html"]
    assert "lnb-section-error\" open" in page and "lnb-section-response" not in page
    assert page.index("ValueError") < page.index("boom") < page.index("Traceback")
    assert "cell line 6" in page and "cell line 9" in page
    assert "raise ValueError(&quot;boom&quot;)" in page  # the cell's own source text
    assert "Error" in cap.outputs[-1].data["text/plain"].splitlines()[0]


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


def test_interrupt_shows_aborted(ip: Any, name: str, gate: Gate) -> None:
    event = json.dumps({"started": gate.port})
    # Interrupted once the handler runs (not after a guessed delay: the cold start may be slow).
    with (
        interrupt_main_when(lambda: gate.arrived > 0),
        capture_output() as cap,
        pytest.raises(KeyboardInterrupt),
    ):
        ip.run_cell_magic("lambda", f"{name} --timeout 10 --event '{event}'", SLEEPS)
    view = view_of(ip)
    assert view.progress is None and view.box.comm is None
    assert "Aborted" in cap.outputs[-1].data["text/plain"]
    assert set(cap.outputs[-1].data) == STATIC
    assert "going to sleep" in cap.outputs[-1].data["text/html"]


# ========================================================================= long logs


def _long_invocation(n: int) -> Invocation:
    rid = "0e2d7c4c-4a07-4d8e-8f0a-3e6d3c1a9b11"
    logs = [LogRecord(float(i), f"record {i}\n", "stdout") for i in range(n)]
    inv = Invocation(rid, "long", "$LATEST", {}, status="success", payload=1, logs=logs)
    inv.report = Report(rid, 5.0, 5, 128, 30)
    return inv


def test_long_log_shows_its_two_ends() -> None:
    view = widgets.InvocationWidget("long rev 1")
    inv = _long_invocation(5_000)
    view.update(inv)
    view.finish(inv)
    page = view._repr_mimebundle_()["text/html"]
    assert "record 0<" in page and "record 4999<" in page and "record 2500<" not in page
    assert "4,600 records not shown" in page and len(page) < 120_000
    view.close()


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
        view.close()
    closed = sum(1 for m in rec.messages if m.msg_type == "comm_close")
    opened = sum(1 for m in rec.messages if m.msg_type == "comm_open")
    assert closed >= 30 and closed == opened  # every widget (with its layout and style) went
    assert view.logs.stream.comm is None


# ============================================================================ modes


@pytest.mark.parametrize(("mode", "expected"), [
    ("html", {"text/plain", "text/html"}),
    ("static", {"text/plain", "text/html"}),
    ("text", {"text/plain"}),
    ("auto", {"text/plain", "text/html"}),  # a test shell has no kernel: no widgets
    ("widget", STATIC),  # live while running, then static
])  # fmt: skip
def test_display_modes(ip: Any, name: str, mode: str, expected: set[str]) -> None:
    ip.run_line_magic("config", f"LambdaMagics.display = '{mode}'")
    cap, inv = run(ip, name, OK)
    assert inv.status == "success"
    assert set(cap.outputs[-1].data) == expected
    assert "Succeeded" in cap.outputs[-1].data["text/plain"]


def test_display_none(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.display = 'none'")
    cap, _ = run(ip, name, OK)
    assert cap.outputs == []


def test_raise_on_error_with_widgets(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.raise_on_error = True")
    with capture_output() as cap, pytest.raises(FunctionFailed, match="ValueError: boom"):
        ip.run_cell_magic("lambda", name, FAILS)
    assert set(cap.outputs[-1].data) == STATIC
    assert "cell line 6" in cap.outputs[-1].data["text/plain"]


# ========================================================================== history


def test_history_is_static_with_the_chart_as_an_image(ip: Any, name: str) -> None:
    _, first = run(ip, name, OK)
    with capture_output():
        ip.run_line_magic("lambda", f"invoke {name} -o second")
    second = ip.user_ns["second"]
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"history {name}")
    (out,) = cap.outputs
    assert set(out.data) == STATIC
    assert (
        f"{name}: 2 invocations" in out.data["text/plain"]
        and "1 cold, 1 warm" in out.data["text/plain"]
    )
    page = out.data["text/html"]
    assert '<img class="lnb-chart" src="data:image/svg+xml;base64,' in page
    assert "<svg" not in page and "lnb-history" in page
    assert (first.cold, second.cold) == (True, False)
    with capture_output() as cap:
        ip.run_line_magic("config", "LambdaMagics.display = 'text'")
        ip.run_line_magic("lambda", f"history {name}")
    assert set(cap.outputs[0].data) == {"text/plain"}


# ======================================================================= playground


def test_playground(ip: Any, name: str) -> None:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", OK)
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"playground {name} -o pg")
    pg = ip.user_ns["pg"]
    assert set(cap.outputs[0].data) == ALL_THREE  # interactive by nature: stays a widget
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
    assert "Succeeded" in pg.result.value and "lnb-invocation" in pg.result.value
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
    assert "cell line 6" in pg.result.value
