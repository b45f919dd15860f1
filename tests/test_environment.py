"""Integration tests of the execution environment: real runtime processes, real Runtime API."""

from __future__ import annotations

import json
import os
import re
import signal
import threading

import pytest
from waiting import wait_until

from lambda_nb import Function
from lambda_nb.engine.errors import (
    ConfigError,
    InvalidRequestContentException,
    RequestEntityTooLargeException,
)
from lambda_nb.engine.sandbox import process_state

ECHO_ENV = """import os
def lambda_handler(event, context):
    return dict(os.environ)
"""

CONTEXT = """import time
def lambda_handler(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "remaining_type": type(context.get_remaining_time_in_millis()).__name__,
    }
"""


def test_environment_variables_are_lambdas_and_nothing_leaks(make_function, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "secret-notebook")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    fn = make_function(ECHO_ENV, memory=256, environment={"STAGE": "dev"})
    env = fn.invoke({}).payload
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == fn.name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{fn.name}"
    assert re.fullmatch(
        r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python3.")
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["TZ"] == ":UTC"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == env.get("PWD", env["LAMBDA_TASK_ROOT"])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["STAGE"] == "dev"
    assert "JPY_SESSION_NAME" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert "_LAMBDA_TELEMETRY_LOG_FD" not in env  # the runtime client takes it and deletes it
    assert "AWS_LAMBDA_LOG_FORMAT" not in env and "AWS_LAMBDA_LOG_LEVEL" not in env
    assert "AWS_LAMBDA_FUNCTION_TIMEOUT" not in env  # real Lambda does not set it


def test_json_log_format_sets_format_and_level(make_function):
    env = make_function(ECHO_ENV, log_format="JSON", log_level="debug").invoke({}).payload
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["AWS_LAMBDA_LOG_LEVEL"] == "DEBUG"


def test_context_fields(make_function):
    fn = make_function(CONTEXT, memory=512, timeout=30)
    inv = fn.invoke({})
    ctx = inv.payload
    assert ctx["aws_request_id"] == inv.request_id
    assert ctx["function_name"] == fn.name
    assert ctx["function_version"] == "$LATEST"
    assert ctx["memory_limit_in_mb"] == "512"
    assert (
        ctx["invoked_function_arn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{fn.name}"
    )
    assert ctx["log_group_name"] == f"/aws/lambda/{fn.name}"
    assert ctx["log_stream_name"] == inv.environment
    assert ctx["remaining_type"] == "int"
    # Counted from the deadline, in ms: near the 30 s timeout (10 s of slack for a loaded machine).
    assert 20_000 < ctx["remaining"] <= 30_000
    again = fn.invoke({})
    assert again.payload["aws_request_id"] != ctx["aws_request_id"]  # fresh id per invoke


def test_warm_state_kept_and_lost_on_new_revision(make_function):
    code = "count = 0\ndef lambda_handler(event, context):\n    global count\n    count += 1\n    return count\n"
    fn = make_function(code)
    first, second = fn.invoke({}), fn.invoke({})
    assert (first.payload, first.cold) == (1, True)
    assert (second.payload, second.cold) == (2, False)
    assert first.report.init_duration_ms is not None and second.report.init_duration_ms is None
    assert first.environment == second.environment
    Function.from_source(
        code, name=fn.name, service=fn.service, runtime_client=fn.config.runtime_client
    )
    third = fn.invoke({})
    assert (third.payload, third.cold, third.revision) == (1, True, 2)
    assert third.environment != first.environment


def test_tmp_survives_a_reset_but_module_state_does_not(make_function):
    code = """import os, time
count = 0
def lambda_handler(event, context):
    global count
    count += 1
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "note.txt")
    if event.get("write"):
        open(path, "w").write("kept")
    if event.get("hang"):
        time.sleep(30)
    return {"count": count, "note": open(path).read() if os.path.exists(path) else None}
"""
    # Not 1 s: the invoke after the reset starts the runtime again within the timeout.
    fn = make_function(code, timeout=5)
    assert fn.invoke({"write": True}).payload == {"count": 1, "note": "kept"}
    assert fn.invoke({"hang": True}).status == "timeout"
    after = fn.invoke({})
    assert after.cold and after.payload == {"count": 1, "note": "kept"}
    assert after.environment == fn.history[0].environment  # same sandbox, same log stream


def test_log_lines_exact_format(make_function):
    fn = make_function("def lambda_handler(event, context):\n    print('hi')\n    return 1\n")
    inv = fn.invoke({})
    platform = [r.message for r in inv.logs if r.source == "platform"]
    rid = inv.request_id
    assert re.fullmatch(
        r"INIT_START Runtime Version: python:3\.\d+\.v\d+\tRuntime Version ARN: "
        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n",
        platform[0],
    )
    assert platform[1] == f"START RequestId: {rid} Version: $LATEST\n"
    assert platform[2] == f"END RequestId: {rid}\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t\n",
        platform[3],
    )
    report = inv.report
    assert report.billed_duration_ms == -(-(report.duration_ms + report.init_duration_ms) // 1)
    assert 5 < report.max_memory_used_mb < 128
    assert [r.message for r in inv.logs if r.source == "stdout"] == ["hi\n"]
    warm = fn.invoke({})
    assert warm.logs[-1].message.endswith("MB\t\n") and "Init Duration" not in warm.logs[-1].message


def test_print_lines_split_and_empty_lines_dropped(make_function):
    code = "def lambda_handler(event, context):\n    print('\\nmulti\\nline\\nstring\\nanother\\rline\\n')\n"
    inv = make_function(code).invoke({})
    assert [r.message for r in inv.logs if r.source == "stdout"] == [
        "multi\n", "line\n", "string\n", "another\rline\n",
    ]  # fmt: skip


def test_concurrent_invokes_use_separate_environments(process_mode, make_function, tmp_path):
    # Each handler checks in, then waits until all three are in at once: only three environments
    # can do that (one environment would run them in turn, each waiting out its 30 s).
    code = """import os, time
def lambda_handler(event, context):
    open(os.path.join(event["dir"], context.aws_request_id), "w").close()
    deadline = time.monotonic() + 30
    while len(os.listdir(event["dir"])) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(os.listdir(event["dir"]))
"""
    fn = make_function(code, timeout=60)
    results = []
    event = {"dir": str(tmp_path)}
    threads = [threading.Thread(target=lambda: results.append(fn.invoke(event))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [inv.payload for inv in results] == [3, 3, 3]
    assert len({inv.environment for inv in results}) == 3
    assert len(fn.log_group) == 3


def test_request_limits_and_bad_events(make_function):
    fn = make_function("def lambda_handler(event, context):\n    return 1\n")
    with pytest.raises(
        RequestEntityTooLargeException, match="Request must be smaller than 6291456 bytes"
    ):
        fn.invoke({"big": "x" * 6_300_000})
    with pytest.raises(InvalidRequestContentException):
        fn.invoke({"when": object()})
    assert fn.history == []  # a refused request runs nothing


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "between 1 and 900"),
        ({"timeout": 901}, "between 1 and 900"),
        ({"memory": 64}, "between 128 and 10240"),
        ({"memory": 10241}, "between 128 and 10240"),
        ({"environment": {"BIG": "x" * 5000}}, "exceeded the 4KB limit"),
        (
            {"environment": {"AWS_REGION": "eu-west-1"}},
            "Reserved keys used in this request: AWS_REGION",
        ),
        ({"log_format": "XML"}, "choose one of Text, JSON"),
        ({"log_level": "INFO"}, "requires LogFormat JSON"),
        ({"name": "bad name!"}, "functionName"),
        ({"name": "ends-in-newline\n"}, "functionName"),
        ({"timeout": 1.5}, "Invalid type for parameter Timeout, value: 1.5"),
        ({"handler": ""}, "Value '' at 'handler'"),
        ({"handler": "lambda_function.lambda_handler\n"}, "at 'handler'"),
        ({"environment": {"KEY\n": "v"}}, "Environment variable name"),
        ({"environment": {"N": 1}}, "Invalid type for parameter Environment.Variables.N, value: 1"),
        ({"runtime": "python2.7"}, "python3"),
        ({"runtime": "python3.99"}, "found: "),
    ],
)
def test_invalid_configuration_is_refused(make_function, options, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_function("def lambda_handler(e, c):\n    return 1\n", **options)


def test_runtime_api_refuses_unknown_request_ids(make_function):
    """A post for an unknown or finished request id is refused and changes nothing."""
    code = """import os, socket, json
def post(path):
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    s = socket.create_connection((host, int(port)))
    s.sendall(f"POST {path} HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{{}}".encode())
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    return data.decode().split("\\r\\n")[0]
def lambda_handler(event, context):
    base = "/2018-06-01/runtime/invocation/"
    return [post(base + "not-a-request/response"), post(base + event["old"] + "/response")]
"""
    fn = make_function(code)
    first = fn.invoke({"old": "x"})
    second = fn.invoke({"old": first.request_id})
    assert second.status == "success"
    assert second.payload == ["HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request"]


def test_unknown_runtime_api_path_is_404(make_function):
    # Asked from inside the environment: the endpoint answers no one else (test_sandbox.py).
    fn = make_function(
        "import os, socket\ndef lambda_handler(e, c):\n"
        "    host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')\n"
        "    with socket.create_connection((host, int(port))) as s:\n"
        "        s.sendall(b'GET /nope HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n"
        "        return s.recv(4096).split(b'\\r\\n')[0].decode()\n"
    )
    assert fn.invoke({}).payload == "HTTP/1.1 404 Not Found"


def test_memory_enforced_by_polling_backend(service, make_function, monkeypatch):
    monkeypatch.setenv("LAMBDA_NB_MEMORY_BACKEND", "poll")
    code = "def lambda_handler(event, context):\n    hog = []\n    while True:\n        hog.append(bytearray(4 * 1024 * 1024))\n"
    inv = make_function(code, timeout=20).invoke({})
    assert inv.status == "out_of_memory"
    assert inv.error["errorType"] == "Runtime.OutOfMemory"
    assert inv.report.max_memory_used_mb >= 128


def test_invocation_to_dict_is_json(make_function):
    inv = make_function("def lambda_handler(e, c):\n    return {'a': 1}\n").invoke({"x": 1})
    data = json.loads(json.dumps(inv.to_dict()))
    assert data["status"] == "success" and data["payload"] == {"a": 1} and data["report"]


def test_json_log_format_writes_platform_events(make_function):
    fn = make_function(
        "import logging\ndef lambda_handler(event, context):\n    logging.getLogger().info('hi')\n    return 1\n",
        log_format="JSON",
    )
    inv = fn.invoke({})
    events = [json.loads(r.message) for r in inv.logs if r.source == "platform"]
    assert [e["type"] for e in events] == [
        "platform.initStart", "platform.start", "platform.runtimeDone", "platform.report",
    ]  # fmt: skip
    assert events[0]["record"]["functionName"] == fn.name
    assert events[0]["record"]["functionArn"] == fn.config.function_arn
    assert events[0]["record"]["instanceMaxMemory"] == 128
    assert events[2]["record"]["metrics"]["durationMs"] >= 0
    assert events[1]["record"] == {"requestId": inv.request_id, "version": "$LATEST"}
    report = events[3]["record"]
    assert report["status"] == "success" and report["requestId"] == inv.request_id
    assert report["metrics"]["billedDurationMs"] == inv.report.billed_duration_ms
    assert report["metrics"]["initDurationMs"] == pytest.approx(inv.report.init_duration_ms, abs=0.01)
    app = [json.loads(r.message) for r in inv.logs if r.source == "runtime"]
    assert app[0]["message"] == "hi" and app[0]["level"] == "INFO"
    timeout = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(9)\n", log_format="JSON", timeout=1).invoke({})
    last = json.loads(timeout.logs[-1].message)
    assert last["type"] == "platform.report" and last["record"]["status"] == "timeout"


def test_closing_a_function_under_a_running_invocation_aborts_it(
    process_mode, make_function, tmp_path
):
    code = (
        "import os, time\ndef lambda_handler(event, context):\n"
        "    open(event['started'], 'w').close()\n    time.sleep(30)\n"
    )
    fn = make_function(code, timeout=60)
    results = []
    caller = threading.Thread(target=lambda: results.append(fn.invoke({"started": str(tmp_path / "s")})))
    caller.start()
    wait_until((tmp_path / "s").exists)
    fn.close()
    caller.join(60)
    [inv] = results
    assert inv.status == "aborted" and inv.error["errorType"] == "Aborted"
    assert not any(r.message.startswith("REPORT") for r in inv.logs)


def test_a_runtime_killed_while_frozen_reinitialises_quietly(process_mode, make_function):
    # The handler's pid is the host's only in process mode; test_sandbox.py kills in the sandbox.
    fn = make_function("import os\ndef lambda_handler(event, context):\n    return os.getpid()\n")
    first = fn.invoke({})
    os.kill(first.payload, signal.SIGKILL)  # from outside, while the runtime is frozen
    # Dead, not dying: an exiting process drops its environ before it is a zombie, and a kill
    # still in flight when the next invoke comes is a crash of that invoke, as on Lambda.
    wait_until(lambda: process_state(first.payload) in ("", "Z", "X"))
    second = fn.invoke({})
    assert second.status == "success" and second.cold and second.payload != first.payload
    assert second.environment == first.environment  # the same sandbox, initialised again


def test_what_the_init_prints_comes_before_start(make_function):
    """Lambda's order: INIT_START, what the module prints at import, then START. The log
    reader may still hold the init's lines when the invoke begins: they are drained first."""
    for _ in range(5):
        fn = make_function("print('at import')\ndef lambda_handler(event, context):\n    return 1\n")
        messages = [r.message for r in fn.invoke({}).logs]
        start = next(i for i, m in enumerate(messages) if m.startswith("START"))
        assert messages.index("at import\n") < start, messages
