"""The %%lambda / %lambda magics in-process, in IPython's test shell, against real environments."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from gate import Gate
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from waiting import interrupt_main_when

from lambda_nb.commands import CommandError, events_module, split_line
from lambda_nb.engine.service import default_service
from lambda_nb.magic import CELL_HEADER, FunctionFailed, LambdaMagics

OK = """\
import os
print("init")

def lambda_handler(event, context):
    print("got", event)
    return {"echo": event, "fn": context.function_name, "env": dict(os.environ).get("A")}
"""

# The %%lambda line is cell line 1, so `raise` below is cell line 6 and `fail()` cell line 9.
FAILS = """\
def helper():
    pass

def fail():
    raise ValueError("boom")

def lambda_handler(event, context):
    fail()
"""

STATE = """\
count = 0

def lambda_handler(event, context):
    global count
    count += 1
    return count
"""

SLOW = """\
import time

def lambda_handler(event, context):
    for i in range(6):
        print("tick", i)
        time.sleep(0.1)
    return "done"
"""

SLEEPS = """\
import time

def lambda_handler(event, context):
    print("going to sleep")
    if "started" in event:  # a gate's port: tells the test the handler runs (tests/gate.py)
        __import__("socket").create_connection(("127.0.0.1", event["started"])).close()
    time.sleep(30)
"""

# ------------------------------------------------------------------------------- fixtures


def magics(ip: Any) -> LambdaMagics:
    return ip.magics_manager.registry["LambdaMagics"]


def cell(ip: Any, line: str, code: str) -> tuple[Any, Any]:
    """Run %%lambda; return (the captured output, the Invocation stored with -o)."""
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{line} -o _inv", code)
    return cap, ip.user_ns.pop("_inv", None)


def bundles(cap: Any) -> list[dict[str, Any]]:
    return [out.data for out in cap.outputs]


# ------------------------------------------------------------------------- line splitting


@pytest.mark.parametrize(("line", "tokens"), [
    ("a --event ev", ["a", "--event", "ev"]),
    ("--event '{\"x\": 1}'", ["--event", '{"x": 1}']),
    ('--event {"x": 1, "y": [1, 2]}', ["--event", '{"x": 1, "y": [1, 2]}']),
    ('--event s3.put(key="a b.txt") -o v', ["--event", 's3.put(key="a b.txt")', "-o", "v"]),
    ('--env "K=a b" L=2', ["--env", "K=a b", "L=2"]),
    ("--env K='it''s'", ["--env", "K='it''s'"]),
    ("  ", []),
    ("--event :)", ["--event", ":)"]),
    ("--event (", ["--event", "("]),  # unbalanced: plain whitespace splitting
])  # fmt: skip
def test_split_line(line: str, tokens: list[str]) -> None:
    assert split_line(line) == tokens


def test_split_line_unterminated_quote() -> None:
    with pytest.raises(CommandError, match="unterminated"):
        split_line("--event '{")


# ------------------------------------------------------------------------- registration


def test_load_registers_both_magics(ip: Any) -> None:
    assert ip.find_cell_magic("lambda") is not None
    assert ip.find_line_magic("lambda") is not None
    ip.run_line_magic("unload_ext", "lambda_nb")
    assert ip.find_cell_magic("lambda") is None and ip.find_line_magic("lambda") is None
    ip.run_line_magic("load_ext", "lambda_nb")
    assert ip.find_cell_magic("lambda") is not None


def test_help(ip: Any) -> None:
    doc = ip.find_cell_magic("lambda").__doc__
    assert doc.lstrip(":\n ").startswith("%%lambda [--handler H]")  # the cell magic's usage
    for option in ("--event EVENT", "--no-invoke", "--env", "--log-format", "-o VAR", "NAME"):
        assert option in doc
    with capture_output() as cap:
        ip.run_cell("%%lambda?")
    assert "%%lambda [--handler H]" in cap.stdout and "--runtime-client" in cap.stdout
    line_doc = ip.find_line_magic("lambda").__doc__
    for command in ("invoke", "list", "logs", "reset", "history", "event", "help"):
        assert command in line_doc


def test_cell_help_prints_usage_and_runs_nothing(ip: Any, name: str) -> None:
    for flag in ("--help", "-h"):
        with capture_output() as cap:
            ip.run_cell_magic("lambda", f"{name} --timeout 5 {flag}", "this is not Python (\n")
        assert cap.stdout.startswith("%%lambda [--handler H]"), cap.stdout
        assert "--runtime R" in cap.stdout and "(default 3)" in cap.stdout
    assert name not in default_service().functions  # nothing was published


LINE_COMMANDS = {
    "invoke", "list", "logs", "history", "playground", "reset", "events", "event", "help",
}  # fmt: skip


@pytest.mark.parametrize("line", ["--help", "-h", "help"])
def test_line_help(ip: Any, line: str) -> None:
    with capture_output() as cap:
        ip.run_line_magic("lambda", line)
    assert cap.stdout.startswith("%lambda COMMAND"), cap.stdout
    for command in LINE_COMMANDS:  # each listed with its one-line help
        assert re.search(rf"^    {command}\b", cap.stdout, re.MULTILINE), command


@pytest.mark.parametrize("command", sorted(LINE_COMMANDS))
@pytest.mark.parametrize("form", ["help {}", "{} --help", "{} -h", "{} NAME --help"])
def test_help_for_every_command(ip: Any, command: str, form: str) -> None:
    """Help never raises: `help COMMAND`, `COMMAND --help`, also after other arguments."""
    if form == "{} NAME --help" and command in ("list", "events", "help", "event"):
        form = "{} --help"  # commands without a NAME (event's SOURCE.TYPE --help: below)
    with capture_output() as cap:
        ip.run_line_magic("lambda", form.format(command))
    assert cap.stdout.startswith(f"%lambda {command}"), cap.stdout
    assert "usage" not in cap.stderr.lower()


def test_help_texts_say_what_commands_take(ip: Any) -> None:
    with capture_output() as cap:
        ip.run_line_magic("lambda", "invoke --help")
        ip.run_line_magic("lambda", "help event")
    assert "%lambda invoke [--event EVENT] [--async] [--qualifier Q] [--count N]" in cap.stdout
    assert "--event EVENT, -e EVENT" in cap.stdout and "store the Invocation" in cap.stdout
    assert "%lambda event [-o VAR] SOURCE.TYPE" in cap.stdout and "%lambda events" in cap.stdout


def test_help_on_unknown_command(ip: Any) -> None:
    with pytest.raises(UsageError, match="help bogus: no such command; commands: invoke, list"):
        ip.run_line_magic("lambda", "help bogus")


def test_config_traits(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.timeout = 10")
    ip.run_line_magic("config", "LambdaMagics.memory = 512")
    assert magics(ip).timeout == 10
    _, inv = cell(ip, name, OK)
    cfg = default_service().functions[name].config
    assert (cfg.timeout, cfg.memory) == (10, 512)
    assert inv.report.memory_size_mb == 512


# ------------------------------------------------------------------------------ invoking


def test_invoke_displays_and_stores(ip: Any, name: str) -> None:
    ip.user_ns["ev"] = {"a": 1}
    cap, inv = cell(ip, f"{name} --event ev", OK)
    assert inv.status == "success" and inv.cold
    assert inv.payload == {"echo": {"a": 1}, "fn": name, "env": None}
    assert inv.log_text(("stdout",)) == "init\ngot {'a': 1}\n"
    assert cap.stdout == ""  # the handler's output is in its log, not in the cell's stdout
    final = bundles(cap)[-1]
    assert set(final) == {"text/plain", "text/html"}
    assert inv.request_id in final["text/plain"] and "Succeeded" in final["text/html"]
    assert "got {&#x27;a&#x27;: 1}" in final["text/html"]


def test_default_name_is_my_function(ip: Any) -> None:
    try:
        _, inv = cell(ip, "", OK)
        assert inv.function_name == "my-function" and inv.payload["echo"] == {}
    finally:
        default_service().functions["my-function"].close()


def test_display_updates_while_logs_stream(ip: Any, name: str) -> None:
    cap, inv = cell(ip, name, SLOW)
    assert inv.payload == "done"
    updates = [out for out in cap.outputs if out.update]
    assert len(updates) >= 2
    first, last = cap.outputs[0], cap.outputs[-1]
    assert not first.update and "invoking" in first.data["text/plain"]
    assert last.update and "Succeeded" in last.data["text/plain"]
    middle = [out.data["text/plain"] for out in updates[:-1]]
    assert any("Running" in text and "tick" in text for text in middle)
    ids = {out.transient["display_id"] for out in cap.outputs}
    assert len(ids) == 1


def test_terminal_shows_the_result_once(
    ip: Any, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ip.run_cell_magic("lambda", f"{name} -o inv", SLOW)  # the shell's own publisher: text
    out = capsys.readouterr().out
    assert ip.user_ns["inv"].status == "success"
    assert out.count("Succeeded") == 1 and "invoking" not in out and "tick 5" in out


def test_display_none(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.display = 'none'")
    cap, inv = cell(ip, name, OK)
    assert inv.status == "success" and cap.outputs == []


@pytest.mark.parametrize(("line", "expected"), [
    ('--event {"k": [1, 2]}', {"k": [1, 2]}),
    ("--event '{\"k\": \"a b\"}'", {"k": "a b"}),
    ('--event "[1, 2]"', [1, 2]),
    ("--event 42", 42),
    ("--event null", None),
    ("", {}),
])  # fmt: skip
def test_json_events(ip: Any, name: str, line: str, expected: Any) -> None:
    _, inv = cell(ip, f"{name} {line}", OK)
    assert inv.event == expected and inv.payload["echo"] == expected


def test_event_from_file(ip: Any, name: str, tmp_path: Path) -> None:
    path = tmp_path / "my event.json"
    path.write_text(json.dumps({"from": "file"}))
    _, inv = cell(ip, f"{name} --event '@{path}'", OK)
    assert inv.payload["echo"] == {"from": "file"}


def test_event_from_catalog(ip: Any, name: str) -> None:
    if events_module() is None:
        pytest.skip("events catalog not available")
    _, inv = cell(ip, f'{name} --event s3.put(key="a b.txt")', OK)
    assert inv.status == "success"
    assert inv.event["Records"][0]["s3"]["object"]["key"] == "a+b.txt"  # as S3 encodes it


def test_options_reach_the_function(ip: Any, name: str) -> None:
    code = OK.replace("lambda_handler", "run")
    line = (
        f"{name} --handler app.run --timeout 7 --memory 256 --env A=1 'B=x y' "
        "--log-format JSON --log-level DEBUG --runtime-client lambda_nb"
    )
    _, inv = cell(ip, line, code)
    assert inv.status == "success", inv.error
    cfg = default_service().functions[name].config
    assert cfg.handler == "app.run" and cfg.timeout == 7 and cfg.memory == 256
    assert cfg.environment == {"A": "1", "B": "x y"}
    assert (cfg.log_format, cfg.log_level) == ("JSON", "DEBUG")
    assert inv.payload["env"] == "1" and inv.report.memory_size_mb == 256


def test_runtime_option(ip: Any, name: str) -> None:
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    try:
        _, inv = cell(ip, f"{name} --runtime {runtime}", OK)
    except UsageError as exc:  # no such interpreter on PATH: the message lists those found
        assert runtime in str(exc)
    else:
        assert inv.status == "success"
        assert default_service().functions[name].config.runtime == runtime


def test_no_invoke_publishes_only(ip: Any, name: str) -> None:
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{name} --no-invoke -o fn", OK)
    fn = ip.user_ns["fn"]
    assert fn.name == name and fn.history == [] and f"{name} rev 1" in cap.stdout


def test_rerun_publishes_new_revision_and_is_cold(
    ip: Any, name: str, processes_with_env: Any
) -> None:
    _, first = cell(ip, name, STATE)
    with capture_output():
        ip.run_line_magic("lambda", f"invoke {name} -o again")
    again = ip.user_ns["again"]
    assert (first.cold, first.payload) == (True, 1)
    assert (again.cold, again.payload, again.revision) == (False, 2, 1)
    if sys.platform.startswith("linux"):  # the warm environment is a live process of its own
        assert processes_with_env(f"AWS_LAMBDA_FUNCTION_NAME={name}\0")
    _, rerun = cell(ip, name, STATE)
    assert (rerun.cold, rerun.payload, rerun.revision) == (True, 1, 2)


def test_handler_error_is_shown_not_raised(ip: Any, name: str) -> None:
    cap, inv = cell(ip, name, FAILS)
    assert inv.status == "error" and inv.error["errorType"] == "ValueError"
    final = bundles(cap)[-1]
    assert "ValueError: boom (cell line 6)" in final["text/plain"]
    assert "in lambda_handler   ← cell line 9" in final["text/plain"]  # the handler's own frame
    assert "cell line 6" in final["text/html"]
    # The saved module is the cell as the editor numbers it (the magic line is line 1).
    trace = "".join(inv.error["stackTrace"])
    assert 'lambda_function.py", line 6, in fail' in trace
    task_root = default_service().functions[name]._revision.task_root  # the host's copy
    assert (task_root / "lambda_function.py").read_text() == CELL_HEADER + FAILS


def test_raise_on_error(ip: Any, name: str) -> None:
    ip.run_line_magic("config", "LambdaMagics.raise_on_error = True")
    with capture_output() as cap, pytest.raises(FunctionFailed, match="ValueError: boom"):
        ip.run_cell_magic("lambda", f"{name} -o inv", FAILS)
    assert ip.user_ns["inv"].status == "error" and len(bundles(cap)) >= 1


def test_timeout_is_shown(ip: Any, name: str) -> None:
    cap, inv = cell(ip, f"{name} --timeout 1", SLEEPS)
    assert inv.status == "timeout" and inv.error["errorType"] == "Sandbox.Timedout"
    final = bundles(cap)[-1]["text/plain"]
    assert "timed out" in final and "Status: timeout" in final and "going to sleep" in final


def test_keyboard_interrupt_aborts_and_kernel_goes_on(ip: Any, name: str, gate: Gate) -> None:
    event = json.dumps({"started": gate.port})
    # Interrupted once the handler runs (not after a guessed delay: the cold start may be slow).
    with (
        interrupt_main_when(lambda: gate.arrived > 0),
        capture_output() as cap,
        pytest.raises(KeyboardInterrupt),
    ):
        ip.run_cell_magic("lambda", f"{name} --timeout 10 -o inv --event '{event}'", SLEEPS)
    inv = ip.user_ns["inv"]
    assert inv.status == "aborted"
    assert "aborted" in bundles(cap)[-1]["text/plain"]
    _, after = cell(ip, name, OK)
    assert after.status == "success" and after.cold


# -------------------------------------------------------------------------- line magic


def test_line_invoke_with_event(ip: Any, name: str) -> None:
    cell(ip, f"{name} --no-invoke", OK)
    ip.user_ns["payload"] = {"n": 3}
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"invoke {name} --event payload -o r")
    assert ip.user_ns["r"].payload["echo"] == {"n": 3}
    assert "Succeeded" in bundles(cap)[-1]["text/plain"]


def test_list_logs_history_reset(ip: Any, name: str) -> None:
    _, first = cell(ip, name, STATE)
    with capture_output() as cap:
        ip.run_line_magic("lambda", "list")
    listing = bundles(cap)[0]
    assert name in listing["text/plain"] and name in listing["text/html"]
    # the runtime column names the kernel's Python, though the cell asked for no runtime
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    row = next(line for line in listing["text/plain"].splitlines() if name in line)
    assert python in row, row

    with capture_output() as cap:
        ip.run_line_magic("lambda", f"logs {name}")
    logs = bundles(cap)[0]["text/plain"]
    assert f"/aws/lambda/{name}: 1 log streams" in logs
    assert first.environment in logs and f"START RequestId: {first.request_id}" in logs

    with capture_output() as cap:
        ip.run_line_magic("lambda", f"reset {name}")
    assert "next invoke is cold" in cap.stdout
    with capture_output():
        ip.run_line_magic("lambda", f"invoke {name} -o after")
    after = ip.user_ns["after"]
    assert after.cold and after.payload == 1 and after.environment != first.environment

    with capture_output() as cap:
        ip.run_line_magic("lambda", f"history {name}")
    assert f"{name}: 2 invocations" in bundles(cap)[0]["text/plain"]
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"logs {name}")
    assert ": 2 log streams" in bundles(cap)[0]["text/plain"]


def test_events_commands(ip: Any) -> None:
    if events_module() is None:
        pytest.skip("events catalog not available")
    with capture_output() as cap:
        ip.run_line_magic("lambda", "events")
    table = bundles(cap)[0]
    assert "s3.put" in table["text/plain"] and "--key" in table["text/plain"]
    assert 'class="lnb-events"' in table["text/html"]
    with capture_output():
        ip.run_line_magic("lambda", "event s3.put --key 'a b.txt' -o ev")
        ip.run_line_magic("lambda", 'event s3.put(bucket="bk") --key k -o ev2')
    assert ip.user_ns["ev"]["Records"][0]["s3"]["object"]["key"] == "a+b.txt"
    s3 = ip.user_ns["ev2"]["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["object"]["key"]) == ("bk", "k")
    with capture_output() as cap:
        ip.run_line_magic("lambda", "event sqs.receive --count 2")
    assert len(json.loads(cap.stdout)["Records"]) == 2
    with capture_output() as cap:
        ip.run_line_magic("lambda", "event s3.put --help")
    assert "--key" in cap.stdout
    for line, message in [
        ("event no.such", "unknown event type"),
        ("event s3.put --nope 1", "no parameter"),
        ("event", "usage: %lambda event"),
        ("event s3.put -o", "-o needs a variable name"),
    ]:
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("lambda", line)


# ------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(("line", "message"), [
    ("--bogus", "unrecognized arguments: --bogus"),
    ("--timeout abc", "invalid float value"),
    ("--timeout 0", "timeout"),
    ("--timeout 901", "between 1 and 900"),
    ("--memory 64", "between 128 and 10240"),
    ("--memory 1.5", "invalid int value"),
    ("--env NOEQUALS", "--env expects KEY=VALUE"),
    ("--env AWS_REGION=x", "reserved keys"),
    ("--log-format XML", "Text, JSON"),
    ("--log-level DEBUG", "JSON log format"),
    ("--runtime python2.0", "python2.0"),
    ("--runtime-client nope", "runtime_client"),
    ("--event no_such_variable", "no variable named 'no_such_variable'"),
    ("--event {bad json}", "expected JSON"),
    ("--event @/no/such/file.json", "cannot read"),
    ("--event s3.putt", "did you mean 's3.put'"),
    ('--event s3.put(kee="x")', "did you mean 'key'"),
    ("--event '{\"x\": 1", "unterminated"),
    ("a b", "unrecognized arguments: b"),
    ("bad/name", "functionName"),
])  # fmt: skip
def test_usage_errors(ip: Any, name: str, line: str, message: str) -> None:
    if line.startswith("-"):
        line = f"{name} {line}"
    with pytest.raises(UsageError, match=None) as info:
        ip.run_cell_magic("lambda", line, OK)
    assert message in str(info.value)


def test_bad_json_file(ip: Any, name: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    with pytest.raises(UsageError, match="is not JSON"):
        ip.run_cell_magic("lambda", f"{name} --event @{path}", OK)


def test_unserializable_event(ip: Any, name: str) -> None:
    ip.user_ns["ev"] = {1, 2}
    with pytest.raises(UsageError, match="InvalidRequestContentException"):
        ip.run_cell_magic("lambda", f"{name} --event ev", OK)


@pytest.mark.parametrize(("line", "message"), [
    ("", "usage"),
    ("bogus", "invalid choice: 'bogus'"),
    ("invoke", "required: NAME"),
    ("invoke no-such-fn", "no function named 'no-such-fn'"),
    ("logs no-such-fn", "no function named"),
    ("reset no-such-fn", "no function named"),
    ("list extra", "unrecognized arguments: extra"),
])  # fmt: skip
def test_line_usage_errors(ip: Any, line: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("lambda", line)
    assert message in str(info.value)


def test_usage_error_shows_one_line(ip: Any) -> None:
    with capture_output() as cap:
        result = ip.run_cell("%%lambda --bogus\ndef lambda_handler(e, c): pass\n")
    assert result.error_in_exec is None or isinstance(result.error_in_exec, UsageError)
    assert "UsageError: unrecognized arguments: --bogus" in cap.stderr + cap.stdout
    assert "Traceback" not in cap.stderr + cap.stdout


# ---------------------------------------------------------------- other runtimes through the magic


def test_nodejs_cell_keeps_cell_line_numbers(ip: Any, name: str) -> None:
    code = "export const handler = async (event) => {\n  throw new Error('boom ' + event.n);\n};\n"
    _, inv = cell(ip, f"{name} --runtime nodejs22.x --event '{{\"n\": 1}}'", code)
    assert inv.status == "error", inv.log_text()
    assert inv.error["errorType"] == "Error" and inv.error["errorMessage"] == "boom 1"
    # line 1 of the file is the `// %%lambda` header, so the throw is at cell line 3
    assert any("index.mjs:3:" in frame for frame in inv.error["trace"]), inv.error["trace"]


def test_nodejs_commonjs_by_filename(ip: Any, name: str) -> None:
    code = "exports.handler = async () => ({ kind: typeof require });\n"
    _, inv = cell(ip, f"{name} --runtime nodejs20.x --filename index.cjs", code)
    assert inv.payload == {"kind": "function"}, inv.log_text()


def test_custom_runtime_cell_is_the_bootstrap(ip: Any, name: str) -> None:
    code = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -X POST "$API/$ID/response" -d "{\\"echo\\": $EVENT}" > /dev/null
done
"""
    # A generous timeout: the loop starts curl, grep, tr and cut for every event.
    line = f"{name} --runtime provided.al2023 --timeout 30 --event '{{\"a\": 1}}'"
    _, inv = cell(ip, line, code)
    assert inv.status == "success", inv.log_text()
    assert inv.payload == {"echo": {"a": 1}}
