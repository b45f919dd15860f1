"""pdb in a handler (issue 15): real environments stopped at `breakpoint()`, driven through the
prompt the notebook uses (`input()`), a real kernel's stdin channel, and the CLI's stdin.

The clock: time at the prompt counts neither against the timeout nor in Duration; the REPORT
says how long (`Debug Pause Duration`). Without `debug`, `breakpoint()` does what it does on AWS,
where the runtime's stdin is empty: pdb reads EOF, quits, and the handler fails with BdbQuit.
"""

from __future__ import annotations

import builtins
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_paths import task_root

from lambda_nb import Function
from lambda_nb.engine.debugger import DebugUnsupported, NothingToDebug

ROOT = Path(__file__).resolve().parent.parent

# Line numbers matter: the listings must show these lines under these numbers.
CELL = """\
# %%lambda
import pdb

def helper(value):
    doubled = value * 2
    return doubled

def lambda_handler(event, context):
    x = event["k"]
    before = context.get_remaining_time_in_millis()
    breakpoint()
    y = helper(x)
    print("after the breakpoint", y)
    return {"y": y, "before": before, "after": context.get_remaining_time_in_millis()}
"""

RAISES = """\
# %%lambda
def parse(record):
    fields = record.split(",")
    return int(fields[1])

def lambda_handler(event, context):
    total = 0
    for record in event["records"]:
        total += parse(record)
    return total
"""


@pytest.fixture
def scripted_input(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[Any]], list[str]]:
    """Answer `input()` (what the notebook's prompt calls) from a script; returns the prompts
    seen. An answer may be a callable, run before answering (e.g. to wait at the prompt)."""

    def install(answers: list[Any]) -> list[str]:
        prompts: list[str] = []
        queue = iter(answers)

        def fake_input(prompt: str = "") -> str:
            prompts.append(prompt)
            answer = next(queue)
            while callable(answer):
                answer()
                answer = next(queue)
            return str(answer)

        monkeypatch.setattr(builtins, "input", fake_input)
        return prompts

    return install


@pytest.fixture
def debuggable(make_function: Callable[..., Function]) -> Callable[..., Function]:
    """Functions on lambda_nb's runtime client (the one with a debug channel)."""

    def make(code: str, **options: Any) -> Function:
        options.setdefault("runtime_client", "lambda_nb")
        return make_function(code, **options)

    return make


def test_breakpoint_stops_and_every_command_works(
    debuggable: Callable[..., Function],
    scripted_input: Callable[[list[Any]], list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fn = debuggable(CELL, timeout=30)
    script = "p event|pp {'k': [1, 2]}|l|w|b helper|c|n|p doubled|u|p x|d|s|interact"
    prompts = scripted_input([*script.split("|"), "print('inside', value + 100)", "exit()", "c"])
    inv = fn.invoke({"k": 21}, debug=True)
    out = capsys.readouterr().out
    assert inv.status == "success", inv.error
    assert inv.payload["y"] == 42
    assert set(prompts) <= {"(Pdb) ", ">>> "} and len(prompts) == 16
    code_file = fn.code_file
    assert code_file is not None
    # where it stopped (3.13 stops on the breakpoint() line itself, older ones on the next)
    assert re.search(rf"{re.escape(code_file)}\((11|12)\)lambda_handler\(\)", out)
    assert "{'k': 21}" in out and "{'k': [1, 2]}" in out
    # `l` lists the cell's own lines under the cell's own numbers
    assert re.search(r"\n\s*9\s+\t    x = event\[\"k\"\]\n", out)
    assert re.search(r"\n\s*11\s+.*\t    breakpoint\(\)\n", out)
    # `w` shows the handler's frames only, not the runtime's
    assert "bootstrap.py" not in out and "_lnb_" not in out
    assert re.search(rf"{re.escape(code_file)}\(6\)helper\(\)\n-> return doubled", out)  # b, c, n
    assert "\n42\n" in out  # p doubled
    assert "\n21\n" in out  # `u` to the handler: p x
    assert "--Return--" in out  # `s` at the helper's return
    assert "inside 121" in out and "*exit from pdb interact command*" in out
    assert "after the breakpoint 42" in inv.log_text()  # the handler's print stays in the log
    assert inv.report is not None and inv.report.debug_pause_ms is not None
    assert "\tDebug Pause Duration: " in inv.log_text()


def test_step_goes_into_a_function_of_the_cell(debuggable: Callable[..., Function]) -> None:
    """`s` at the call enters helper (3.13 stops on the breakpoint() line, older versions on
    the next one, so step until the call is entered); `n` never lands in the runtime's code."""
    fn = debuggable(CELL, timeout=30)
    seen: list[str] = []

    def prompt(text: str) -> str:
        seen.append(text)
        if "--Call--" in text:
            return "c"
        return "s" if len(seen) < 5 else "c"

    inv = fn.invoke({"k": 2}, debug=prompt)
    assert inv.status == "success"
    assert any("--Call--" in t and ")helper()" in t for t in seen), seen
    # n from the handler's last line returns without stopping in the runtime client
    ends = iter(["n"] * 10)

    def step_over(text: str) -> str:
        seen.append(text)
        return next(ends, "c")

    inv = fn.invoke({"k": 2}, debug=step_over)
    assert inv.status == "success"
    assert not any("bootstrap.py" in t or "_lnb_" in t or "http" in t for t in seen)


def test_time_at_the_prompt_is_not_the_functions(
    debuggable: Callable[..., Function], scripted_input: Callable[[list[Any]], list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A 1 s function stopped 3 s at the prompt succeeds; its remaining time stands still."""
    fn = debuggable(CELL, timeout=1)
    remaining = "p context.get_remaining_time_in_millis()"
    scripted_input([remaining, lambda: time.sleep(3), remaining, "c"])
    inv = fn.invoke({"k": 1}, debug=True)
    assert inv.status == "success", inv.error
    values = [int(v) for v in re.findall(r"^(\d+)$", capsys.readouterr().out, re.M)]
    first, second = values
    assert second > 0 and abs(first - second) < 500  # frozen (3000 ms would have passed)
    assert inv.payload["after"] > 0  # the handler itself sees time left after the stop
    report = inv.report
    assert report is not None and report.debug_pause_ms is not None
    assert report.debug_pause_ms >= 3000
    assert report.duration_ms < 1000 and report.billed_duration_ms < 3000
    (line,) = [r.message for r in inv.logs if r.message.startswith("REPORT")]
    assert f"\tDebug Pause Duration: {report.debug_pause_ms:.2f} ms\t" in line
    assert "Status" not in line


def test_without_debug_breakpoint_reads_eof_and_quits_as_on_aws(
    debuggable: Callable[..., Function], scripted_input: Callable[[list[Any]], list[str]]
) -> None:
    """On AWS the runtime's stdin is empty: pdb prints its prompt to the log, reads EOF, quits,
    and the handler fails with BdbQuit (it does not hang until the timeout). The same after a
    debugged invocation in the same (warm) environment."""
    fn = debuggable(CELL, timeout=30)
    first = fn.invoke({"k": 1})
    scripted_input(["c"])
    debugged = fn.invoke({"k": 1}, debug=True)
    after = fn.invoke({"k": 1})
    assert debugged.status == "success"
    for inv in (first, after):
        assert inv.status == "error"
        assert inv.error is not None and inv.error["errorType"] == "BdbQuit"
        assert inv.error["errorMessage"] == ""
        assert "(Pdb) \n" in inv.log_text()
        assert inv.report is not None and inv.report.debug_pause_ms is None
        assert "Debug Pause" not in inv.log_text()
    assert not after.cold  # an exception does not reset the environment
    assert after.environment == debugged.environment == first.environment


def test_quit_and_eof_at_the_prompt_end_in_bdbquit(
    debuggable: Callable[..., Function]
) -> None:  # fmt: skip
    fn = debuggable(CELL, timeout=30)

    def eof(text: str) -> str:
        raise EOFError

    for prompt in (lambda text: "q", eof):
        inv = fn.invoke({"k": 1}, debug=prompt)
        assert inv.error is not None and inv.error["errorType"] == "BdbQuit"


def test_post_mortem_opens_at_the_raising_frame(
    debuggable: Callable[..., Function],
) -> None:
    fn = debuggable(RAISES, timeout=30)
    with pytest.raises(NothingToDebug):
        fn.debug_last(prompt=lambda text: "c")
    failed = fn.invoke({"records": ["a,1", "b,2", "c"]})
    assert failed.status == "error" and failed.error is not None
    seen: list[str] = []
    answers = iter(["w", "p fields", "p record", "u", "p total", "p record", "c"])

    def prompt(text: str) -> str:
        seen.append(text)
        return next(answers)

    again = fn.debug_last(prompt=prompt)
    code_file = fn.code_file
    assert code_file is not None
    assert re.search(
        rf"{re.escape(code_file)}\(4\)parse\(\)\n-> return int\(fields\[1\]\)", seen[0]
    )
    where = seen[1]
    assert "lambda_handler()" in where and "> " in where and "bootstrap.py" not in where
    assert where.rindex("lambda_handler()") < where.rindex(")parse()")  # newest frame last
    assert seen[2].startswith("['c']\n")  # the raising frame's locals
    assert seen[3].startswith("'c'\n")
    assert ")lambda_handler()" in seen[4]  # up one frame
    assert seen[5].startswith("3\n")  # total = 1 + 2 so far
    # The invocation fails as before, with the same body (a new request id), and ran cold in
    # a fresh environment, as a retry would.
    assert again.status == "error" and again.error is not None
    assert {**again.error, "requestId": ""} == {**failed.error, "requestId": ""}
    assert again.cold and again.environment != failed.environment
    assert again.report is not None and again.report.debug_pause_ms is not None


def test_an_interrupt_at_the_prompt_aborts_and_resets(
    debuggable: Callable[..., Function]
) -> None:  # fmt: skip
    fn = debuggable(CELL, timeout=30)

    def interrupted(text: str) -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fn.invoke({"k": 1}, debug=interrupted)
    assert fn.history[-1].status == "aborted"
    inv = fn.invoke({"k": 1}, debug=lambda text: "c")
    assert inv.status == "success" and inv.cold  # the environment was reset


def test_closing_the_function_at_the_prompt_ends_everything(
    debuggable: Callable[..., Function], processes_with_env: Callable[[str], list[int]]
) -> None:
    fn = debuggable(CELL, timeout=1)

    def close_then_continue(text: str) -> str:
        fn.close()  # as another cell, or the service's shutdown, would
        return "c"

    inv = fn.invoke({"k": 1}, debug=close_then_continue)
    assert inv.status == "aborted"
    assert not processes_with_env(inv.environment)


def test_the_json_report_has_the_pause(
    debuggable: Callable[..., Function]
) -> None:  # fmt: skip
    fn = debuggable(CELL, timeout=30, log_format="JSON")
    inv = fn.invoke({"k": 1}, debug=lambda text: "c")
    (report,) = [json.loads(r.message) for r in inv.logs if '"platform.report"' in r.message]
    assert report["record"]["metrics"]["debugPauseDurationMs"] >= 0
    assert report["record"]["status"] == "success"


def test_runtimes_without_a_debug_channel_are_refused(
    make_function: Callable[..., Function],
) -> None:
    bash = "#!/bin/sh\nexit 0\n"
    fn = make_function(bash, runtime="provided.al2023")
    with pytest.raises(DebugUnsupported, match="custom runtime"):
        fn.invoke({}, debug=lambda text: "c")
    assert fn.history == []  # refused before anything ran


# ----------------------------------------------------------------------- an IDE, over debugpy
ATTACH = """\
# %%lambda
def lambda_handler(event, context):
    x = event["k"] * 2
    y = x + 1
    return {"y": y}
"""


def free_port() -> int:
    """A free port below the ephemeral range, so that no socket bound to port 0 meanwhile
    (a Runtime API endpoint, debugpy's own internal ones, any connection) can take it."""
    for _ in range(100):
        port = random.randint(20000, 30000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port between 20000 and 30000")


def test_an_ide_attaches_sets_a_breakpoint_and_continues(
    debuggable: Callable[..., Function],
) -> None:
    """debug_port: the environment listens with debugpy and waits; a DAP client (what VS Code
    speaks) attaches, stops at a breakpoint in the cell's file, reads a local and continues.
    The timeout (1 s) is off meanwhile."""
    from dap_client import DapClient

    pytest.importorskip("debugpy")
    port = free_port()
    fn = debuggable(ATTACH, timeout=1, debug_port=port)
    result: dict[str, Any] = {}
    caller = threading.Thread(target=lambda: result.update(inv=fn.invoke({"k": 4})))
    caller.start()
    client = DapClient(port)
    try:
        client.response(client.send("initialize", adapterID="debugpy", pathFormat="path"))
        # launch.json's pathMappings, as the log line says: the code is at the function's
        # task root (/var/task in the sandbox), the IDE's copy in the host's folder.
        local = str(fn._revision.task_root)
        mapping = [{"localRoot": local, "remoteRoot": task_root(fn)}]
        attach = client.send("attach", justMyCode=False, pathMappings=mapping)
        client.event("initialized")
        code_path = os.path.join(local, fn.code_file or "")
        reply = client.response(
            client.send("setBreakpoints", source={"path": code_path}, breakpoints=[{"line": 4}])
        )
        assert reply["body"]["breakpoints"][0]["verified"]
        client.response(client.send("configurationDone"))
        assert client.response(attach)["success"]
        stopped = client.event("stopped")["body"]
        assert stopped["reason"] == "breakpoint"
        thread = stopped["threadId"]
        frames = client.response(client.send("stackTrace", threadId=thread))["body"]
        top = frames["stackFrames"][0]
        assert (top["name"], top["line"]) == ("lambda_handler", 4)
        assert top["source"]["path"] == code_path  # mapped back to the IDE's copy
        time.sleep(1.5)  # held longer than the timeout
        scopes = client.response(client.send("scopes", frameId=top["id"]))["body"]["scopes"]
        ref = scopes[0]["variablesReference"]
        variables = client.response(client.send("variables", variablesReference=ref))["body"]
        assert {v["name"]: v["value"] for v in variables["variables"]}["x"] == "8"
        assert client.response(client.send("continue", threadId=thread))["success"]
        caller.join(60)
    finally:
        client.close()
        caller.join(60)
    inv = result["inv"]
    assert inv.status == "success", inv.error
    assert inv.payload == {"y": 9}
    assert inv.report is not None and inv.report.duration_ms > 1000  # no timeout while held
    assert "Debug Pause" not in inv.log_text()  # unmeasured with an IDE: not claimed


NODE_ATTACH = """\
// %%lambda
export const handler = async (event, context) => {
  const x = event.k * 2;
  const y = x + 1;
  return { y };
};
"""


def test_node_inspector_attaches_breaks_and_resumes(
    debuggable: Callable[..., Function],
) -> None:
    """debug_port on Node.js: the environment opens Node's inspector (Chrome DevTools Protocol,
    what VS Code's `node` attach and DevTools speak) and waits; a client sets a breakpoint on
    the cell's file, evaluates a local when paused and resumes. The log has the DevTools URL."""
    websocket = pytest.importorskip("websocket")
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    port = free_port()
    fn = debuggable(NODE_ATTACH, runtime="nodejs20.x", timeout=1, debug_port=port)
    result: dict[str, Any] = {}
    caller = threading.Thread(target=lambda: result.update(inv=fn.invoke({"k": 4})))
    caller.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = json.load(r)
            break
        except OSError:
            assert time.monotonic() < deadline, "the inspector never listened"
            time.sleep(0.1)
    ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=60)
    ids = iter(range(1, 1000))

    def send(method: str, **params: Any) -> int:
        number = next(ids)
        ws.send(json.dumps({"id": number, "method": method, "params": params}))
        return number

    def wait(wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(ws.recv())
            if wanted(message):
                return message

    try:
        send("Debugger.enable")
        number = send("Debugger.setBreakpointByUrl", lineNumber=3, urlRegex=r"task/index\.mjs$")
        assert wait(lambda m: m.get("id") == number)["result"]["locations"]
        send("Runtime.runIfWaitingForDebugger")
        paused = wait(lambda m: m.get("method") == "Debugger.paused")["params"]
        frame = paused["callFrames"][0]
        assert frame["functionName"] == "handler" and frame["location"]["lineNumber"] == 3
        number = send(
            "Debugger.evaluateOnCallFrame", callFrameId=frame["callFrameId"], expression="x"
        )
        assert wait(lambda m: m.get("id") == number)["result"]["result"]["value"] == 8
        time.sleep(1.5)  # held longer than the timeout
        send("Debugger.resume")
        caller.join(60)
    finally:
        ws.close()
        caller.join(60)
    inv = result["inv"]
    assert inv.status == "success" and inv.payload == {"y": 9}, inv.error
    assert "DevTools: devtools://devtools/bundled/js_app.html?" in inv.log_text()


NODE_CELL = """\
// %%lambda
const helper = (value) => {
  const doubled = value * 2;
  return doubled;
};

export const handler = async (event, context) => {
  const x = event.k;
  debugger;
  const y = helper(x);
  console.log('after the stop', y);
  return { y, after: context.getRemainingTimeInMillis() };
};
"""


@pytest.mark.parametrize("runtime", ["nodejs20.x", "nodejs24.x"])
def test_node_debugger_statement_stops_at_the_prompt(
    debuggable: Callable[..., Function], runtime: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`debugger;` with debug: the invocation stops at a small pdb-like prompt (Node's
    inspector, from a worker thread of the runtime client): p, bt, l, n, s, c; the time at
    the prompt is not the function's and the context's remaining time stands still. Without
    debug, `debugger;` does nothing, as on AWS."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    fn = debuggable(NODE_CELL, runtime=runtime, timeout=1)
    remaining = "p context.getRemainingTimeInMillis()"
    script = ["p event", "bt", "l", remaining, lambda: time.sleep(1.5), remaining, "n", "s",
              "p value", "p nope", "q", "", "c"]  # fmt: skip
    seen: list[str] = []
    answers = iter(script)

    def prompt(text: str) -> str:
        seen.append(text)
        answer = next(answers)
        while callable(answer):
            answer()
            answer = next(answers)
        return str(answer)

    inv = fn.invoke({"k": 21}, debug=prompt)
    assert inv.status == "success", inv.error
    assert inv.payload["y"] == 42 and inv.payload["after"] > 0
    task = f"{task_root(fn)}/index.mjs"  # as the function sees it: /var/task in the sandbox
    assert seen[0] == f"> {task}(9)handler()\n-> debugger;\ndebug> "
    assert seen[1] == "{ k: 21 }\ndebug> "
    assert seen[2] == f"> {task}(9)handler()\n-> debugger;\ndebug> "  # bt: no runtime frames
    assert "  9 ->\t  debugger;\n 10   \t  const y = helper(x);\n" in seen[3]  # l
    first, second = (int(seen[i].split("\n")[0]) for i in (4, 5))
    assert 0 < second <= 1000 and abs(first - second) < 500  # frozen (1500 ms passed)
    assert seen[6].startswith(f"> {task}(10)handler()\n-> const y = helper(x);")  # n
    assert seen[7].startswith(f"> {task}(3)helper()\n-> const doubled = value * 2;")  # s
    assert seen[8] == "21\ndebug> "
    assert seen[9] == "*** ReferenceError: nope is not defined\ndebug> "
    assert seen[10].startswith("*** unknown command: q; commands: c (continue), n (next)")
    assert seen[11] == seen[10] and len(seen) == 12  # an empty line repeats the last command
    report = inv.report
    assert report is not None and report.debug_pause_ms is not None
    assert report.debug_pause_ms >= 1500 and report.duration_ms < 1000
    assert "after the stop 42" in inv.log_text()
    # without debug, `debugger;` does nothing (no inspector session, as on AWS), warm
    plain = fn.invoke({"k": 1})
    assert plain.status == "success" and plain.payload["y"] == 2 and not plain.cold
    assert plain.report is not None and plain.report.debug_pause_ms is None
    # a list of commands, as for Python; stepping off the handler's end lets it finish
    capsys.readouterr()
    listed = fn.invoke({"k": 2}, debug=["n"] * 8)
    assert listed.status == "success" and listed.payload["y"] == 4
    assert "debug> n\n> " in capsys.readouterr().out
    failed = fn.invoke(None)  # event.k of null: a TypeError before the debugger statement
    assert failed.status == "error"
    with pytest.raises(DebugUnsupported, match=r"no post-mortem for Node\.js"):
        fn.debug_last()
    again = fn.debug_last(post_mortem=False, prompt=[])  # breakpoints only: allowed
    assert again.status == "error" and again.cold


def test_debug_port_in_use_is_a_clear_error(debuggable: Callable[..., Function]) -> None:
    from lambda_nb.engine.errors import ConfigError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port} is in use"):
            debuggable(ATTACH, debug_port=port)


# ------------------------------------------------------------------------------------ the CLI
def test_cli_debug_reads_commands_from_stdin(tmp_path: Path) -> None:
    handler = tmp_path / "lambda_function.py"
    handler.write_text(CELL, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "lambda_nb", "invoke", str(handler), "--timeout", "1",
         "--event", '{"k": 5}', "--debug"],
        input="p x\nl 9, 10\nc\n", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["y"] == 10  # stdout is the response body only
    assert "(Pdb) p x\n5\n" in proc.stderr  # piped commands are echoed into the transcript
    assert re.search(r"\n\s*9\s+\t    x = event\[\"k\"\]\n", proc.stderr)
    assert "Debug Pause Duration" in proc.stderr
    refused = subprocess.run(
        [sys.executable, "-m", "lambda_nb", "invoke", str(handler), "--debug", "--event", "@-"],
        input="{}", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and "--debug reads pdb's commands" in refused.stderr


# ----------------------------------------------------------------------- a real kernel's stdin
jupyter_client = pytest.importorskip("jupyter_client")

KERNEL_CELL = (
    "%%lambda kernel-debug --timeout 1 --debug --event '{\"k\": 7}'\n" + CELL.split("\n", 1)[1]
)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        kc.kernel_manager = km  # for the interrupt test
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute_answering(
    kc: Any, code: str, answers: list[Any], timeout: float = 120, allow_stdin: bool = True
) -> list[dict[str, Any]]:
    """Execute `code` with stdin allowed; answer each input_request from `answers` (a callable
    runs first, e.g. a wait). Returns the cell's iopub messages until the kernel is idle."""
    msg_id = kc.execute(code, allow_stdin=allow_stdin)
    queue = iter(answers)
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = kc.get_stdin_msg(timeout=0.05)
        except Exception:  # queue.Empty
            request = None
        if request is not None and request["msg_type"] == "input_request":
            answer = next(queue)
            while callable(answer):
                answer()
                answer = next(queue)
            kc.input(answer)
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.01)
            except Exception:
                break
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages
    raise TimeoutError(code)


def outputs(messages: list[dict[str, Any]]) -> str:
    text = []
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            text.append(content["text"])
        elif msg["msg_type"] in ("display_data", "update_display_data", "execute_result"):
            text.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            text.append(f"{content['ename']}: {content['evalue']}")
    return "\n".join(text)


def test_the_prompt_is_the_kernels_stdin_channel(kernel: Any) -> None:
    kc = kernel
    setup = execute_answering(kc, "%load_ext lambda_nb\n%config LambdaMagics.display = 'text'", [])
    assert not [m for m in setup if m["msg_type"] == "error"]
    wait = lambda: time.sleep(1.5)  # noqa: E731  (longer than the 1 s timeout)
    messages = execute_answering(kc, KERNEL_CELL + "\n", ['p event["k"]', wait, "c"])
    text = outputs(messages)
    assert not [m for m in messages if m["msg_type"] == "error"], text
    assert "-> " in text and "lambda_handler()" in text  # pdb's stop, printed in the cell
    assert "\n7\n" in text  # p event["k"]
    assert "Succeeded" in text and '"y": 14' in text
    # the view's figures and the REPORT line both say how long the program was stopped
    pause = re.search(r"· Debug Pause Duration: ([\d.]+) ms", text)
    assert pause is not None and float(pause.group(1)) >= 1500
    # %lambda debug: nothing failed yet, a clear one-line error; the kernel lives on
    refused = outputs(execute_answering(kc, "%lambda debug kernel-debug", []))
    assert refused.strip() == "UsageError: kernel-debug: no failed invocation to debug"
    # a frontend that cannot answer input() (nbclient, nbconvert): refused before it runs
    headless = outputs(execute_answering(kc, KERNEL_CELL, [], allow_stdin=False))
    assert headless.startswith("UsageError: --debug: this frontend does not answer input()")


def test_a_node_cell_stops_at_debugger_in_the_kernel(kernel: Any) -> None:
    """A Node.js `%%lambda --debug` cell: `debugger;` asks the kernel's stdin channel (the
    cell's input box) with the `debug> ` prompt; 1.5 s there is not the function's 1 s."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    kc = kernel
    execute_answering(kc, "%load_ext lambda_nb\n%config LambdaMagics.display = 'text'", [])
    cell = (
        "%%lambda kernel-node --runtime nodejs20.x --timeout 1 --debug --event '{\"k\": 7}'\n"
        + NODE_CELL.split("\n", 1)[1]
    )
    wait = lambda: time.sleep(1.5)  # noqa: E731
    messages = execute_answering(kc, cell, ["p x * 3", wait, "c"])
    text = outputs(messages)
    assert not [m for m in messages if m["msg_type"] == "error"], text
    assert "index.mjs(9)handler()\n-> debugger;\n" in text and "\n21\n" in text
    assert "Succeeded" in text and '"y": 14' in text
    pause = re.search(r"· Debug Pause Duration: ([\d.]+) ms", text)
    assert pause is not None and float(pause.group(1)) >= 1500


def test_lambda_debug_opens_post_mortem_in_the_cell(kernel: Any) -> None:
    kc = kernel
    execute_answering(kc, "%load_ext lambda_nb\n%config LambdaMagics.display = 'text'", [])
    cell = '%%lambda kernel-pm --event \'{"records": ["a,1", "c"]}\'\n' + RAISES.split("\n", 1)[1]
    failed = outputs(execute_answering(kc, cell, []))
    assert "IndexError" in failed
    messages = execute_answering(kc, "%lambda debug kernel-pm -o again", ["p fields", "c"])
    text = outputs(messages)
    assert ")parse()\n-> return int(fields[1])" in text and "['c']" in text
    assert "IndexError" in text and "Debug Pause Duration" in text
    check = outputs(execute_answering(kc, "print(again.status, again.cold)", []))
    assert check.strip() == "error True"


# ----------------------------------------------------------------- frame locals in the views
SECRETS = """\
# %%lambda
def parse(record, api_key="k-123"):
    fields = record.split(",")
    return int(fields[1])

def lambda_handler(event, context):
    total = 0
    db_password = "hunter2"
    big = "x" * 10_000
    for record in event["records"]:
        total += parse(record)
    return total
"""


def test_frame_locals_in_the_error_view_and_the_body_unchanged(
    debuggable: Callable[..., Function],
) -> None:
    from lambda_nb.render.static import mimebundle

    fn = debuggable(SECRETS, timeout=30)
    ok = fn.invoke({"records": ["a,1"]})
    assert ok.status == "success" and ok.frame_locals is None
    inv = fn.invoke({"records": ["a,1", "b"]})
    assert inv.status == "error" and inv.error is not None
    # the caller's body is AWS's: nothing added
    assert list(inv.error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert inv.frame_locals is not None
    handler, parse = inv.frame_locals  # the function's frames only, outermost first
    assert (handler["function"], handler["line"]) == ("lambda_handler", 11)
    assert (parse["function"], parse["line"]) == ("parse", 4)
    assert dict(map(tuple, parse["locals"])) == {
        "record": "'b'", "api_key": "******", "fields": "['b']",
    }  # fmt: skip
    values = dict(map(tuple, handler["locals"]))
    assert values["total"] == "1" and values["db_password"] == "******"
    assert len(values["big"]) <= 120 and "hunter2" not in json.dumps(inv.frame_locals)
    bundle = mimebundle(inv)
    assert "      fields = ['b']" in bundle["text/plain"]
    assert "api_key</span> = ******" in bundle["text/html"]
    assert "hunter2" not in bundle["text/plain"] + bundle["text/html"]


def test_a_kernel_interrupt_at_the_prompt_aborts_and_resets(kernel: Any) -> None:
    """Kernel > Interrupt while pdb's input box waits: the invocation is aborted, its
    environment reset, the kernel lives, and the next invoke works (cold)."""
    kc = kernel
    execute_answering(kc, "%load_ext lambda_nb\n%config LambdaMagics.display = 'text'", [])
    cell = KERNEL_CELL.replace("kernel-debug", "kernel-interrupt").replace(
        "%%lambda kernel-interrupt", "%%lambda kernel-interrupt -o interrupted"
    )
    msg_id = kc.execute(cell, allow_stdin=True)
    request = kc.get_stdin_msg(timeout=120)
    assert request["msg_type"] == "input_request" and request["content"]["prompt"] == "(Pdb) "
    kc.kernel_manager.interrupt_kernel()
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    (error,) = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert error["ename"] == "KeyboardInterrupt"
    assert "aborted" in outputs(messages)
    status = outputs(execute_answering(kc, "print(interrupted.status)", []))
    assert status.strip() == "aborted"
    again = """%lambda invoke kernel-interrupt --debug --event '{"k": 7}'"""
    text = outputs(execute_answering(kc, again, ["c"]))
    assert "Succeeded" in text and "Cold start" in text  # the environment was reset


def test_frame_locals_keep_only_the_functions_own_frames(tmp_path: Path) -> None:
    """Files in the task root only: not "<string>" code (exec/eval, whose relative name would
    resolve into the task root, the runtime's working directory), not a module's top level."""
    import importlib.util

    path = ROOT / "lambda_nb" / "runtimes" / "python" / "_lnb_locals.py"
    spec = importlib.util.spec_from_file_location("_lnb_locals_under_test", path)
    assert spec is not None and spec.loader is not None
    _lnb_locals = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(_lnb_locals)
    source = "def inner(token, n):\n    return n / 0\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, str(tmp_path / "lambda_function.py"), "exec"), namespace)
    exec(compile("def outer(n):\n    return inner('t', n)\n", "<string>", "exec"), namespace)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace["outer"](1)
    except ZeroDivisionError as exc:
        frames = _lnb_locals.capture(exc.__traceback__, str(tmp_path))
    finally:
        os.chdir(cwd)
    assert [(f["function"], f["locals"]) for f in frames] == [
        ("inner", [["token", "******"], ["n", "1"]])
    ]


def test_a_list_of_commands_is_a_scripted_session(
    debuggable: Callable[..., Function], capsys: pytest.CaptureFixture[str]
) -> None:
    """`debug=[...]` (what a notebook run headless uses): the commands in order, each echoed
    after pdb's prompt as a terminal shows it; once the list runs out, `c` at pdb's prompt and
    end-of-input at `interact`'s, so a short list never hangs. debug_last takes one too."""
    fn = debuggable(CELL, timeout=30)
    inv = fn.invoke({"k": 4}, debug=["p x", "interact", "print('in', x)"])
    out = capsys.readouterr().out
    assert inv.status == "success" and inv.payload["y"] == 8, inv.error
    assert "(Pdb) p x\n4\n(Pdb) interact\n" in out
    assert ">>> print('in', x)\nin 4\n>>> \n" in out  # EOF ends interact, then "c"
    assert out.endswith("(Pdb) c\n")
    assert fn.invoke({"k": 1}, debug=[]).status == "success"  # nothing but "c"
    for bad in ("p x", ["p x\nc"], [3]):
        with pytest.raises(TypeError, match="debug: "):
            fn.invoke({"k": 1}, debug=bad)  # type: ignore[arg-type]
    raises = debuggable(RAISES, timeout=30)
    raises.invoke({"records": ["a,1", "c"]})
    capsys.readouterr()
    again = raises.debug_last(prompt=["p fields"])
    assert again.status == "error"
    assert "-> return int(fields[1])\n(Pdb) p fields\n['c']\n(Pdb) c\n" in capsys.readouterr().out
