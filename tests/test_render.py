"""Static rendering of invocation records: pure, no IPython, no environments."""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field

import pytest

from lambda_nb.engine.records import LogRecord, Report
from lambda_nb.function import Invocation  # the engine record with its notebook display
from lambda_nb.render import static, theme

RID = "8f507cfc-1b2c-4697-b07a-ac58fc914c95"
STREAM = "2026/11/29/[$LATEST]3893aaaa7fac4485b47bb75b671a283c"


def _logs(*lines: tuple[str, str]) -> list[LogRecord]:
    return [LogRecord(1.0 + i, message, source) for i, (source, message) in enumerate(lines)]


def _inv(**kw: object) -> Invocation:
    base: dict[str, object] = {
        "request_id": RID, "function_name": "my-function", "version": "$LATEST",
        "event": {"a": 1}, "revision": 2, "environment": STREAM, "started_at": 1_800_000_000.0,
    }  # fmt: skip
    base.update(kw)
    return Invocation(**base)  # type: ignore[arg-type]


def _report(**kw: object) -> Report:
    base: dict[str, object] = {
        "request_id": RID, "duration_ms": 3.014, "billed_duration_ms": 4,
        "memory_size_mb": 128, "max_memory_used_mb": 36,
    }  # fmt: skip
    base.update(kw)
    return Report(**base)  # type: ignore[arg-type]


OK_LOGS = _logs(
    ("platform", "INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: arn:x\n"),
    ("platform", f"START RequestId: {RID} Version: $LATEST\n"),
    ("stdout", "hello <b>world</b>\n"),
    ("platform", f"END RequestId: {RID}\n"),
    (
        "platform",
        f"REPORT RequestId: {RID}\tDuration: 3.01 ms\tBilled Duration: 4 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n",
    ),
)


@pytest.fixture
def success() -> Invocation:
    return _inv(
        status="success",
        payload={"statusCode": 200, "body": "<script>x</script>"},
        cold=True,
        logs=list(OK_LOGS),
        report=_report(init_duration_ms=110.1),
    )


@pytest.fixture
def failure() -> Invocation:
    error = {
        "errorMessage": "boom & <bang>",
        "errorType": "ValueError",
        "requestId": RID,
        "stackTrace": [
            '  File "/tmp/x/task/lambda_function.py", line 5, in lambda_handler\n'
            "    return helper()\n",
            '  File "/tmp/x/task/lambda_function.py", line 9, in helper\n'
            '    raise ValueError("boom & <bang>")\n',
        ],
    }
    logs = _logs(
        ("platform", f"START RequestId: {RID} Version: $LATEST\n"),
        ("runtime", "[ERROR] ValueError: boom & <bang>\nTraceback..."),
        ("platform", f"END RequestId: {RID}\n"),
    )
    return _inv(status="error", error=error, logs=logs, report=_report())


def test_bundle_has_text_and_html(success: Invocation) -> None:
    bundle = success._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle == static.mimebundle(success)


def test_text_success(success: Invocation) -> None:
    text = static.to_text(success)
    first = text.splitlines()[0]
    assert first == "✔ Succeeded · my-function · rev 2 · Cold start"
    assert f"RequestId: {RID}" in text and STREAM in text
    assert '"statusCode": 200' in text  # pretty JSON, one key per line
    assert "\n  START RequestId" in text  # platform lines flush
    assert "\n    hello <b>world</b>" in text  # application lines indented under them
    assert "Duration: 3.01 ms · Billed Duration: 4 ms · Memory Size: 128 MB" in text
    assert "Max Memory Used: 36 MB · Init Duration: 110.10 ms" in text


def test_html_success_is_escaped(success: Invocation) -> None:
    page = static.to_html(success)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "hello &lt;b&gt;world&lt;/b&gt;" in page
    assert "lnb-log lnb-platform" in page
    assert "Succeeded" in page and "Cold start" in page and RID in page
    assert "Billed Duration</span> <b>4 ms</b>" in page
    assert "Init Duration</span> <b>110.10 ms</b>" in page  # in the header, on a cold start
    assert "<details" in page and "Logs (5 records)" in page
    # The outcome section is open, the others are closed <details> (the static "tabs").
    assert re.search(r'lnb-section-response" open', page)
    assert 'lnb-section-report">' in page
    assert "<script" not in page.replace("&lt;script", "")


def test_html_is_well_formed(success: Invocation, failure: Invocation) -> None:
    for inv in (success, failure):
        page = static.to_html(inv)
        for tag in ("div", "pre", "details", "summary", "span", "b", "i"):
            opened = len(re.findall(rf"<{tag}[ >]", page))
            assert opened == page.count(f"</{tag}>"), (tag, page)


def test_warm_and_no_init_duration() -> None:
    inv = _inv(status="success", payload=None, cold=False, logs=[], report=_report())
    text = static.to_text(inv)
    assert "Warm" in text.splitlines()[0]
    assert "Init Duration" not in text
    assert "null" in text


def test_error_points_at_cell_lines(failure: Invocation) -> None:
    static.mark_cell_module("my-function", "lambda_function.py")
    text = static.to_text(failure)
    assert "ValueError: boom & <bang> (cell line 9)" in text
    assert "line 5, in lambda_handler   ← cell line 5" in text
    assert "Traceback (most recent call last):" in text
    page = static.to_html(failure)
    assert "boom &amp; &lt;bang&gt;" in page and "at <b>cell line 9</b>" in page
    assert "cell line 5" in page and "<bang>" not in page
    assert static.error_cell_line(failure) == 9


def test_no_cell_annotation_for_other_modules(failure: Invocation) -> None:
    inv = _inv(function_name="from-a-file", status="error", error=failure.error)
    assert static.error_cell_line(inv) is None
    assert "cell line" not in static.to_text(inv)
    assert static.error_cell_line(inv, "lambda_function.py") == 9


def test_syntax_error_cell_line() -> None:
    static.mark_cell_module("syn", "lambda_function.py")
    inv = _inv(
        function_name="syn",
        status="error",
        error={
            "errorMessage": "Syntax error in module 'lambda_function': invalid syntax "
            "(lambda_function.py, line 3)",
            "errorType": "Runtime.UserCodeSyntaxError",
            "requestId": "",
            "stackTrace": ['  File "/var/task/lambda_function.py" Line 3\n        def (:\n'],
        },
    )
    assert static.error_cell_line(inv) == 3
    assert "← cell line 3" in static.to_text(inv)


def test_timeout_view() -> None:
    message = f"RequestId: {RID} Error: Task timed out after 1.00 seconds"
    inv = _inv(
        status="timeout",
        error={"errorType": "Sandbox.Timedout", "errorMessage": message},
        report=_report(duration_ms=1000.0, billed_duration_ms=1000, status="timeout"),
    )
    text = static.to_text(inv)
    assert "Timed out" in text.splitlines()[0]
    assert f"Sandbox.Timedout: {message}" in text
    assert "Status: timeout" in text
    assert "Response" not in text
    assert re.search(r"Status +timeout", static.to_html(inv))


@pytest.mark.parametrize("status", ["running", "crash", "out_of_memory", "aborted"])
def test_every_status_renders(status: str) -> None:
    inv = _inv(status=status, logs=list(OK_LOGS[:2]))
    bundle = static.mimebundle(inv)
    assert static.status_label(status) in bundle["text/plain"]
    assert f"lnb-status-{status}" in bundle["text/html"]


def test_bytes_payload() -> None:
    inv = _inv(status="success", payload=None, raw_payload=b"\x00\xffraw")
    assert "raw" in static.to_text(inv)


def test_long_logs_are_capped() -> None:
    logs = [LogRecord(float(i), f"line {i}\n") for i in range(5000)]
    inv = _inv(status="success", payload=1, logs=logs)
    text = static.to_text(inv)
    assert "line 0" in text and "line 4999" in text and "line 2500" not in text
    assert f"… {5000 - static.MAX_LOG_RECORDS} records not shown" in text
    assert "Logs (5,000 records)" in static.to_html(inv)
    assert len(static.to_html(inv)) < 100_000


def test_long_message_and_payload_are_clipped() -> None:
    inv = _inv(status="success", payload="x" * 100_000, logs=[LogRecord(0.0, "y" * 100_000 + "\n")])
    text = static.to_text(inv)
    assert len(text) < 30_000 and "more characters]" in text


def test_log_levels_are_coloured() -> None:
    inv = _inv(
        status="success", payload=1, logs=[LogRecord(0.0, "[ERROR]\tbad\n", "runtime", "ERROR")]
    )
    assert theme.color("error") in static.to_html(inv)


def test_static_view_placeholder_then_invocation(success: Invocation) -> None:
    view = static.StaticView("my-function rev 2")
    assert "invoking my-function rev 2" in view._repr_mimebundle_()["text/plain"]
    view.update(success)
    assert view._repr_mimebundle_() == static.mimebundle(success)
    view.finish(None)  # an abort without a record keeps what was shown
    assert view.inv is success


def test_history_view(success: Invocation, failure: Invocation) -> None:
    bundle = static.HistoryView("my-function", [success, failure])._repr_mimebundle_()
    assert "my-function: 2 invocations" in bundle["text/plain"]
    lines = bundle["text/plain"].splitlines()
    assert "cold" in lines[3] and "success" in lines[3] and "ValueError" in lines[4]
    assert bundle["text/html"].count("<tr>") == 3
    empty = static.HistoryView("x", [])._repr_mimebundle_()
    assert "no invocations yet" in empty["text/plain"]


def test_log_group_view() -> None:
    streams = {STREAM: list(OK_LOGS), STREAM.replace("3893", "9999"): OK_LOGS[:2]}
    view = static.LogGroupView("my-function", streams)
    text = view.to_text()
    assert text.startswith("/aws/lambda/my-function: 2 log streams")
    assert f"== {STREAM} (5 records)" in text
    page = view.to_html()
    assert page.count('class="lnb-log-stream"') == 2 and html.escape("<b>") in page
    assert "no log streams" in static.LogGroupView("x", {}).to_text()


@dataclass
class _Cfg:
    handler: str = "lambda_function.lambda_handler"
    runtime: str | None = None
    timeout: float = 3.0
    memory: int = 128


@dataclass
class _Fn:
    name: str
    revision: int = 1
    config: _Cfg = field(default_factory=_Cfg)
    history: list[Invocation] = field(default_factory=list)


def test_functions_view(success: Invocation) -> None:
    bundle = static.FunctionsView([_Fn("a<b", 3, history=[success]), _Fn("z")])._repr_mimebundle_()
    assert "a<b" in bundle["text/plain"] and "a&lt;b" in bundle["text/html"]
    assert "3 s" in bundle["text/plain"] and "success" in bundle["text/plain"]
    assert "No functions yet" in static.FunctionsView([])._repr_mimebundle_()["text/plain"]


def test_render_does_not_import_ipython() -> None:
    assert "IPython" not in static.__dict__
    # The engine's records render with nothing but the standard library.
    import subprocess

    code = (
        "import sys, lambda_nb.render.static as s, lambda_nb.engine.records;"
        "assert 'IPython' not in sys.modules, 'IPython imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_node_trace_heading_says_innermost_first() -> None:
    trace = ["Error: boom", "    at Runtime.handler (file:///var/task/index.mjs:3:9)"]
    inv = _inv(status="error", error={"errorType": "Error", "errorMessage": "boom", "trace": trace})
    bundle = static.mimebundle(inv)
    assert "Stack trace (most recent call first):" in bundle["text/plain"]
    assert "Stack trace (most recent call first)" in bundle["text/html"]
    assert "Traceback" not in bundle["text/plain"]


def test_engine_imports_nothing_from_render_or_function() -> None:
    """The engine is plain Python: no runtime import of lambda_nb.render or lambda_nb.function,
    not even a lazy one inside a function (records.py used to import render/static.py).
    Imports for type checkers only (`if TYPE_CHECKING:`) are not run and are left out."""
    import ast
    from pathlib import Path

    def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
        out, todo = [], [tree]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                todo.extend(node.orelse)
                continue
            out.append(node)
            todo.extend(ast.iter_child_nodes(node))
        return out

    engine = Path(__file__).resolve().parents[1] / "lambda_nb" / "engine"
    found = []
    for path in sorted(engine.glob("*.py")):
        for node in runtime_nodes(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith(("lambda_nb.render", "lambda_nb.function", "lambda_nb.magic")):
                    found.append(f"{path.name}: {name}")
    assert not found, found
    assert engine.is_dir() and len(list(engine.glob("*.py"))) > 5


def test_view_model_imports_no_view() -> None:
    """The view model decides; it imports neither the static nor the HTML renderer."""
    import lambda_nb.render.viewmodel as model

    assert not {"static", "fragments", "widgets", "theme"} & set(vars(model))
