"""The view model, its HTML fragments and the durations chart: pure, no IPython, no processes."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest

from lambda_nb.engine.records import Invocation, LogRecord, Report
from lambda_nb.render import cells, chart, fragments, theme
from lambda_nb.render import viewmodel as vm

RID = "8f507cfc-1b2c-4697-b07a-ac58fc914c95"
STREAM = "2026/11/29/[$LATEST]3893aaaa7fac4485b47bb75b671a283c"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:vm-fn"

# The cell as the magic saves it: the header is line 1, so `raise` is line 6.
SOURCE = """# %%lambda
def helper(x):
    return x


def fail():
    raise ValueError("boom")


def lambda_handler(event, context):
    fail()
"""


def _inv(**kw: object) -> Invocation:
    base: dict[str, object] = {
        "request_id": RID, "function_name": "vm-fn", "version": "$LATEST", "event": {"a": 1},
        "revision": 3, "environment": STREAM, "invoked_function_arn": ARN, "timeout": 3.0,
        "memory_size": 128, "started_at": 1_800_000_000.0, "deadline_ms": 1_800_000_002_990,
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


def _trace(*frames: tuple[str, int, str, str]) -> list[str]:
    return [f'  File "{p}", line {n}, in {f}\n    {code}\n' for p, n, f, code in frames]


TASK = "/tmp/lambda_nb-x/functions/vm-fn/3/task/lambda_function.py"
ERROR = {
    "errorMessage": "boom",
    "errorType": "ValueError",
    "requestId": RID,
    "stackTrace": [
        '  File "/work/lambda_nb/runtimes/python/bootstrap.py", line 180, in handle\n'
        "    result = handler(event, context)\n",
        *_trace(
            (TASK, 11, "lambda_handler", "fail()"),
            (TASK, 7, "fail", 'raise ValueError("boom")'),
        ),
    ],
}


# ================================================================================= header


@pytest.mark.parametrize(("status", "label"), [
    ("running", "Running"), ("success", "Succeeded"), ("error", "Error"),
    ("timeout", "Timed out"), ("crash", "Crashed"), ("out_of_memory", "Out of memory"),
    ("aborted", "Aborted"),
])  # fmt: skip
def test_status_labels(status: str, label: str) -> None:
    assert vm.status_label(status) == label
    assert vm.header(_inv(status=status)).label == label


def test_header_figures_and_start() -> None:
    head = vm.header(_inv(status="success", cold=True, report=_report(init_duration_ms=110.1)))
    assert (head.function, head.version, head.revision) == ("vm-fn", "$LATEST", 3)
    assert head.start == "Cold start" and head.request_id == RID
    assert (head.duration, head.billed, head.memory) == ("3.01 ms", "4 ms", "36 MB of 128 MB")
    warm = vm.header(_inv(status="running"))
    assert warm.start == "Warm" and warm.duration is None
    assert vm.header(_inv(started_at=0.0)).start == ""  # not started: nobody knows yet


def test_elapsed_while_running_and_after() -> None:
    inv = _inv(status="running")
    assert vm.elapsed(inv, now=inv.started_at + 1.25) == (1.25, 3.0)
    assert vm.elapsed(inv, now=inv.started_at + 99) == (3.0, 3.0)  # capped at the timeout
    assert vm.elapsed(_inv(started_at=0.0)) == (0.0, 3.0)
    assert vm.elapsed(_inv(report=_report(duration_ms=1500.0))) == (1.5, 3.0)


# =================================================================================== logs


def _rec(message: str, source: str = "stdout", level: str | None = None) -> LogRecord:
    return LogRecord(1.0, message + "\n", source, level)  # type: ignore[arg-type]


@pytest.mark.parametrize(("record", "level", "is_json"), [
    (_rec(f"START RequestId: {RID} Version: $LATEST", "platform"), None, False),
    (_rec("hello"), None, False),
    (_rec(f"[INFO]\t2026-11-29T01:21:37.494Z\t{RID}\tinfo msg", "runtime"), "INFO", False),
    (_rec(f"[WARNING]\t2026-11-29T01:21:37.494Z\t{RID}\tcareful", "runtime"), "WARNING", False),
    (_rec(f"2026-11-29T01:21:37.494Z\t{RID}\tWARN\tnode says", "runtime"), "WARNING", False),
    (_rec(f"2026-11-29T01:21:37.494Z\t{RID}\tERROR\tnode fails", "runtime"), "ERROR", False),
    (_rec('{"level": "WARNING", "message": "m", "logger": "root"}', "runtime", "WARN"),
     "WARNING", True),
    (_rec('{"level": "debug", "message": "printed JSON"}'), "DEBUG", True),
    (_rec('{"severity": "FATAL", "msg": "x"}'), "CRITICAL", True),
    (_rec('{"no": "level"}'), None, True),
    (_rec("[1, 2]"), None, False),
    (_rec("{not json}"), None, False),
    (_rec("[ERROR] KeyError: 'x'\nTraceback", "runtime", "ERROR"), "ERROR", False),
])  # fmt: skip
def test_log_line_levels_and_json(record: LogRecord, level: str | None, is_json: bool) -> None:
    line = vm.log_line(7, record)
    assert line.index == 7 and line.level == level and (line.data is not None) is is_json
    assert not line.text.endswith("\n")
    assert line.platform is (record.source == "platform")


def test_json_records_are_pretty() -> None:
    line = vm.log_line(0, _rec('{"level": "INFO", "message": "m", "n": [1, 2]}'))
    assert line.display_text() == json.dumps(line.data, indent=2)
    assert vm.log_line(0, _rec("plain")).display_text() == "plain"


def _lines() -> list[vm.LogLine]:
    return vm.log_lines(
        [
            _rec("START RequestId: x Version: $LATEST", "platform"),
            _rec("plain print"),
            _rec("[DEBUG]\tt\tr\tdebugging", "runtime"),
            _rec("[INFO]\tt\tr\tinformation", "runtime"),
            _rec("[ERROR]\tt\tr\tfailure Boom", "runtime"),
            _rec("END RequestId: x", "platform"),
        ]
    )


def test_filter_by_level_text_and_platform() -> None:
    lines = _lines()

    def texts(**kw: object) -> list[str]:
        return [line.text.split("\t")[-1] for line in vm.filter_lines(lines, **kw)]  # type: ignore[arg-type]

    assert len(texts()) == 6
    # A minimum level hides unlevelled prints but never the platform lines.
    assert texts(min_level="INFO") == [
        "START RequestId: x Version: $LATEST", "information", "failure Boom", "END RequestId: x",
    ]  # fmt: skip
    assert texts(min_level="ERROR", platform=False) == ["failure Boom"]
    assert texts(needle="boom") == ["failure Boom"]  # case-blind
    assert texts(platform=False, min_level="DEBUG") == ["debugging", "information", "failure Boom"]


def test_log_lines_from_an_offset_keep_their_numbers() -> None:
    records = [_rec(f"line {i}") for i in range(5)]
    assert [line.index for line in vm.log_lines(records, 3)] == [3, 4]


def test_head_and_tail() -> None:
    assert vm.head_and_tail(10, 3, 4) == (range(3), range(6, 10))
    assert vm.head_and_tail(5, 3, 4) == (range(5), range(5, 5))


# =============================================================================== response


def test_plain_response() -> None:
    resp = vm.response(_inv(status="success", payload={"a": [1, 2]}))
    assert resp is not None and resp.http is None and not resp.large
    assert resp.text == json.dumps({"a": [1, 2]}, indent=2)
    assert vm.response(_inv(status="error", error=ERROR)) is None


def test_large_response_collapses() -> None:
    resp = vm.response(_inv(status="success", payload=list(range(100))))
    assert resp is not None and resp.large
    html = fragments.response_html(resp, "success")
    assert "<details" in html and "101 lines" not in html and "102 lines" in html


def test_api_gateway_response() -> None:
    payload = {
        "statusCode": 404,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "cookies": ["id=1"],
        "body": json.dumps({"message": "Not <found>"}),
    }
    http = vm.http_response(payload)
    assert http is not None and http.status_code == 404 and http.body_is_json
    assert http.headers == (
        ("Content-Type", "application/json"),
        ("X-Multi", "a"),
        ("X-Multi", "b"),
    )
    assert http.cookies == ("id=1",) and '"message": "Not <found>"' in http.body
    page = fragments.response_html(vm.Response("{}", False, http), "success")
    assert ">404</b>" in page and "Not &lt;found&gt;" in page and "Set-Cookie" in page


def test_base64_body_and_non_http_shapes() -> None:
    encoded = base64.b64encode(b"hello body").decode()
    http = vm.http_response({"statusCode": 200, "body": encoded, "isBase64Encoded": True})
    assert http is not None and http.body == "hello body" and http.base64_encoded
    binary = base64.b64encode(bytes(range(256))).decode()
    http = vm.http_response({"statusCode": 200, "body": binary, "isBase64Encoded": True})
    assert http is not None and http.body == "<256 bytes of binary data>"
    for payload in ({"statusCode": "200"}, {"statusCode": True}, {"statusCode": 200, "x": 1}, [1]):
        assert vm.http_response(payload) is None


# ================================================================================== error


def test_error_frames_map_to_cell_lines_and_hide_the_runtime() -> None:
    err = vm.error_view(_inv(status="error", error=ERROR), "lambda_function.py", SOURCE)
    assert err is not None
    assert (err.error_type, err.message) == ("ValueError", "boom")
    assert err.hidden_frames == 1  # bootstrap.py
    assert [(f.cell_line, f.function) for f in err.frames] == [(11, "lambda_handler"), (7, "fail")]
    assert err.frames[1].cell_text == '    raise ValueError("boom")'
    assert (err.cell_line, err.cell_text) == (7, '    raise ValueError("boom")')


def test_error_uses_the_recorded_cell() -> None:
    cells.remember("vm-fn", 3, "lambda_function.py", SOURCE)
    model = vm.build(_inv(status="error", error=ERROR))
    assert model.error is not None and model.error.cell_line == 7
    assert model.error.cell_text == '    raise ValueError("boom")'
    other = vm.build(_inv(status="error", error=ERROR, function_name="not-a-cell"))
    assert other.error is not None and other.error.cell_line is None


def test_node_stack_trace() -> None:
    error = {
        "errorType": "TypeError",
        "errorMessage": "x is undefined",
        "trace": [
            "TypeError: x is undefined",
            "    at Runtime.handler (file:///tmp/t/task/index.mjs:3:11)",
            "    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1205:29)",
            "    at node:internal/process/task_queues:95:5",
        ],
    }
    source = "// %%lambda\nexport const handler = async () => {\n  return x.y;\n};\n"
    err = vm.error_view(_inv(status="error", error=error), "index.mjs", source)
    assert err is not None and err.hidden_frames == 2
    (frame,) = err.frames
    assert (frame.function, frame.cell_line, frame.cell_text) == (
        "Runtime.handler",
        3,
        "  return x.y;",
    )


def test_syntax_error_points_at_its_line() -> None:
    error = {
        "errorType": "Runtime.UserCodeSyntaxError",
        "errorMessage": "Syntax error in module 'lambda_function': invalid syntax "
        "(lambda_function.py, line 3)",
        "stackTrace": ['  File "/var/task/lambda_function.py" Line 3\n        def (:\n'],
    }
    err = vm.error_view(_inv(status="error", error=error), "lambda_function.py", "a\nb\ndef (:\n")
    assert err is not None and err.cell_line == 3 and err.cell_text == "def (:"


def test_timeout_error_has_no_frames() -> None:
    error = {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
    }
    err = vm.error_view(_inv(status="timeout", error=error), None, None)
    assert err is not None and err.frames == () and err.cell_line is None
    assert vm.error_view(_inv(status="success"), None, None) is None


# ================================================================================ context


def test_context_is_what_the_handler_saw() -> None:
    fields = dict(vm.context_fields(_inv()))
    assert fields["aws_request_id"] == RID and fields["invoked_function_arn"] == ARN
    assert fields["log_stream_name"] == STREAM and fields["log_group_name"] == "/aws/lambda/vm-fn"
    assert fields["memory_limit_in_mb"] == "128" and fields["function_version"] == "$LATEST"
    assert fields["get_remaining_time_in_millis() at start"] == "2990 ms"
    assert vm.remaining_at_start_ms(_inv(started_at=0.0)) is None


# ================================================================================= report


def test_cost_per_million_from_the_spec_prices() -> None:
    # 128 MB for 4 ms: 0.125 GB * 0.004 s = 0.0005 GB-s; x 1M x $0.0000166667 = $0.00833
    cost = vm.cost_per_million(128, 4)
    assert cost.gb_seconds == pytest.approx(0.0005)
    assert cost.requests_usd == pytest.approx(0.20)
    assert cost.duration_usd == pytest.approx(0.00833335)
    assert vm.usd(cost.total_usd) == "$0.2083"
    # 1024 MB for 1 s: $16.6667 of duration per million on x86_64, 20% less on arm64
    assert vm.cost_per_million(1024, 1000).duration_usd == pytest.approx(16.6667)
    assert vm.cost_per_million(1024, 1000, "arm64").duration_usd == pytest.approx(13.3334)
    assert vm.usd(1234.5) == "$1,234.50"


def test_report_view_and_fragment() -> None:
    rep = vm.report(_inv(status="success", report=_report(init_duration_ms=110.1)))
    assert rep is not None
    assert dict(rep.figures)["Billed Duration"] == "4 ms"
    assert [c.architecture for c in rep.costs] == ["x86_64", "arm64"]
    page = fragments.report_html(rep)
    assert "Init Duration" in page and "$0.2083" in page and "Cost per 1M invocations" in page
    assert vm.report(_inv()) is None


# ============================================================================== fragments


def test_fragments_escape_everything() -> None:
    evil = "<script>alert(1)</script>"
    inv = _inv(
        status="error",
        function_name="f",
        event={"x": evil},
        error={"errorType": evil, "errorMessage": evil, "stackTrace": []},
        logs=[LogRecord(1.0, evil + "\n", "stdout"), LogRecord(1.0, evil + "\n", "platform")],
        report=_report(),
    )
    model = vm.build(inv, None, None)
    pages = [
        fragments.header_html(model.header),
        fragments.error_html(model.error),
        fragments.excerpt_html(model.logs),
        fragments.event_html(model.event_text),
        fragments.context_html(model.context),
    ]
    for page in pages:
        assert "<script>" not in page
    assert "&lt;script&gt;" in "".join(pages)


def test_header_fragment() -> None:
    head = vm.header(_inv(status="timeout", report=_report(status="timeout")))
    page = fragments.header_html(head)
    assert "Timed out" in page and "lnb-status-timeout" in page and theme.badge_style("error") in page
    assert "user-select: all" in page and RID in page and "Billed Duration" in page


def test_log_fragment_sets_platform_apart_and_colours_levels() -> None:
    page = fragments.logs_html(_lines(), gap_after=1, hidden=40)
    assert page.count("lnb-platform") == 2
    assert theme.color("error") in page and theme.MUTED in page
    assert "40 records not shown" in page
    json_line = vm.log_line(0, _rec('{"level": "ERROR", "message": "bad"}'))
    assert "lnb-level-error" in fragments.log_line_html(json_line)


def test_error_fragment_quotes_the_cell() -> None:
    err = vm.error_view(_inv(status="error", error=ERROR), "lambda_function.py", SOURCE)
    page = fragments.error_html(err)
    assert page.index("ValueError") < page.index("Traceback")  # type and message first
    assert "cell line 7" in page and "cell line 11" in page
    assert "raise ValueError(&quot;boom&quot;)" in page
    assert "1 runtime frame hidden" in page and "bootstrap.py" not in page


def test_fragments_are_well_formed() -> None:
    inv = _inv(status="error", error=ERROR, logs=list(map(_rec, ["a", "b"])), report=_report())
    model = vm.build(inv, "lambda_function.py", SOURCE)
    for page in (
        fragments.header_html(model.header),
        fragments.error_html(model.error),
        fragments.excerpt_html(model.logs),
        fragments.invocation_html(model),
        fragments.report_html(model.report),
        fragments.context_html(model.context),
    ):
        for tag in ("div", "span", "b", "table", "tr", "td", "code", "pre", "details"):
            opened = len(re.findall(rf"<{tag}[ >]", page))
            assert opened == page.count(f"</{tag}>"), (tag, page)


# ================================================================================== chart


def test_chart_marks_cold_and_warm() -> None:
    invs = [
        _inv(status="success", cold=True, report=_report(duration_ms=2.0, init_duration_ms=120.0)),
        _inv(status="success", report=_report(duration_ms=1.5)),
        _inv(status="error", report=_report(duration_ms=3.0)),
        _inv(status="running"),  # not finished: no bar
    ]
    img = chart.durations_img(invs)
    assert img.startswith('<img class="lnb-chart" src="data:image/svg+xml;base64,')
    svg = base64.b64decode(img.split("base64,")[1].split('"')[0]).decode()
    assert svg == chart.durations_svg(invs) and 'fill="#ffffff"' in svg  # its own background
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="lnb-bar lnb-cold"') == 1 and svg.count('class="lnb-bar lnb-warm"') == 2
    assert "#1 cold · Succeeded · Duration 2.00 ms · Init 120.00 ms" in svg
    assert chart.FAILED in svg and "<script" not in svg
    assert ">1 ms<" in svg and ">100 ms<" in svg  # log-scale grid
    assert chart.durations_svg([_inv()]) == "" and chart.durations_img([_inv()]) == ""


def test_view_model_does_not_import_ipython_or_widgets() -> None:
    code = (
        "import sys, lambda_nb.render.viewmodel, lambda_nb.render.fragments, "
        "lambda_nb.render.chart, lambda_nb.render.history;"
        "bad = {'IPython', 'ipywidgets'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ================================================================ runtimes' frame order


NODE_SOURCE = """// %%lambda
function inner(x) {
  throw new Error(`bad ${x}`);
}
function outer(x) {
  return inner(x) + 1;
}
export const handler = async (event) => outer(event.x);
"""


def test_node_nested_calls_map_to_the_innermost_cell_line() -> None:
    """Node lists the most recent call first: the first in-cell frame is where it threw."""
    trace = [
        "Error: bad 1",
        "    at inner (file:///var/task/index.mjs:3:9)",
        "    at outer (file:///var/task/index.mjs:6:10)",
        "    at Runtime.handler (file:///var/task/index.mjs:8:42)",
        "    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)",
    ]
    inv = _inv(status="error", error={"errorType": "Error", "errorMessage": "bad 1", "trace": trace})
    err = vm.error_view(inv, "index.mjs", NODE_SOURCE)
    assert err is not None and err.innermost_first
    assert err.cell_line == 3 and err.cell_text == "  throw new Error(`bad ${x}`);"
    assert [f.cell_line for f in err.frames] == [3, 6, 8] and err.hidden_frames == 1
    assert err.heading == "Stack trace (most recent call first)"
    page = fragments.error_html(err)
    assert "Stack trace (most recent call first)" in page and "Traceback" not in page


def test_python_nested_calls_map_to_the_last_cell_frame() -> None:
    err = vm.error_view(_inv(status="error", error=ERROR), "lambda_function.py", SOURCE)
    assert err is not None and not err.innermost_first
    assert err.cell_line == err.frames[-1].cell_line
    assert err.heading == "Traceback (most recent call last)"


def test_header_shows_init_duration_on_cold_starts() -> None:
    cold = vm.header(_inv(status="success", cold=True, report=_report(init_duration_ms=201.5)))
    assert ("Init Duration", "201.50 ms") in cold.figures()
    assert "Init Duration" in fragments.header_html(cold)
    warm = vm.header(_inv(status="success", report=_report()))
    assert "Init Duration" not in dict(warm.figures())


def test_critical_lines_are_never_white() -> None:
    """CRITICAL was white on a red badge that the light theme could lose: now a text tone."""
    line = vm.log_line(0, _rec("[CRITICAL]\tdown", level="CRITICAL"))
    assert line.tone == "error"
    page = fragments.log_line_html(line)
    assert "#fff" not in page and theme.color("error") in page
