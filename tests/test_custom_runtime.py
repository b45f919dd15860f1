"""Custom runtimes (provided.al2023, provided.al2): the function's own `bootstrap` talks to the
Runtime API, as on AWS (lambda-runtime.md sections 3, 5.7, 12). A bash + curl loop, the same in
Python, one in Go built with nothing but its standard library, and runtimes that misuse the API,
which get RAPID's answers (RIE `rapi/handler`, `rapi/rendering`, `core/states.go`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from sandbox_paths import sandboxed, task_root, tmp_dir

from lambda_nb import Function
from lambda_nb.engine.errors import ConfigError, RuntimeNotFound

RID = r"[0-9a-f-]{36}"
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

# AWS's tutorial loop (docs: "Building a custom runtime"), answering {"echo": event, ...}.
BASH_ECHO = r"""#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "init: handler=$_HANDLER"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -LD "$HEADERS" "$API/invocation/next")"
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  DEADLINE=$(grep -Fi Lambda-Runtime-Deadline-Ms "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "got $REQUEST_ID"
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" \
    -d "{\"echo\": $EVENT, \"deadline\": $DEADLINE, \"exec_env\": \"${AWS_EXECUTION_ENV:-none}\"}"
done
"""

PYTHON_ECHO = """#!/usr/bin/env python3
import json, os, urllib.request
api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(f"{api}/invocation/next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    print("event", event, flush=True)
    body = json.dumps({"python": event}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{api}/invocation/{request_id}/response", body))
"""


# A Python bootstrap's helpers: call() answers (status, body); next_event(); respond().
PY = """#!/usr/bin/env python3
import json, os, sys, urllib.error, urllib.request
API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"
def call(method, path, data=None, headers=None):
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(API + path, body, headers or {}, method=method)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
def next_event():
    with urllib.request.urlopen(API + "/invocation/next") as r:
        return r.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(r.read())
def respond(rid, result):
    return call("POST", f"/invocation/{rid}/response", result)
"""


def python_bootstrap(body: str) -> str:
    return PY + textwrap.dedent(body)


# These bootstraps start processes for every event (curl, grep...) and Python bootstraps start
# an interpreter inside the invoke after a reset: a generous timeout, unless a test sets one.
TIMEOUT = 30


@pytest.fixture
def custom(make_function):
    def make(code: str, runtime: str = "provided.al2023", **options: object) -> Function:
        options.setdefault("timeout", TIMEOUT)
        return make_function(code, runtime=runtime, **options)

    return make


# ------------------------------------------------------------------------------ the loop
@needs_curl
@pytest.mark.parametrize("runtime", ["provided.al2023", "provided.al2"])
def test_bash_bootstrap(custom, runtime: str) -> None:
    fn = custom(BASH_ECHO, runtime=runtime)
    assert fn.code_file == "bootstrap" and fn.config.handler == "function.handler"
    task = fn._revision.task_root
    assert os.access(task / "bootstrap", os.X_OK)
    first = fn.invoke({"n": 1})
    assert first.status == "success" and first.cold
    assert first.payload["echo"] == {"n": 1}
    assert first.payload["deadline"] == first.deadline_ms
    assert first.payload["exec_env"] == "none"  # OS-only runtimes set no AWS_EXECUTION_ENV
    lines = [r.message for r in first.logs if r.source == "stdout"]
    assert lines == ["init: handler=function.handler\n", f"got {first.request_id}\n"]
    start = first.logs[0].message
    assert re.match(rf"INIT_START Runtime Version: provided:{runtime[9:]}\.v\d+\t", start)
    second = fn.invoke({"n": 2})
    assert (second.payload["echo"], second.cold) == ({"n": 2}, False)


@needs_curl
def test_bootstrap_from_a_file(service, tmp_path: Path) -> None:
    path = tmp_path / "my-runtime.sh"
    path.write_text(BASH_ECHO)
    fn = Function.from_file(
        path, runtime="provided.al2023", service=service, name=f"from-file-{os.getpid()}",
        timeout=TIMEOUT,
    )  # fmt: skip
    try:
        assert fn.code_file == "bootstrap"  # whatever the file was called
        assert fn.invoke({"f": 1}).payload["echo"] == {"f": 1}
    finally:
        fn.close()


def test_python_bootstrap(custom) -> None:
    fn = custom(PYTHON_ECHO)
    inv = fn.invoke({"k": "v"})
    assert inv.payload == {"python": {"k": "v"}}
    assert [r.message for r in inv.logs if r.source == "stdout"] == ["event {'k': 'v'}\n"]


@needs_curl
def test_bootstrap_environment(custom) -> None:
    fn = custom(
        "#!/bin/sh\n"
        'API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"\n'
        'env > "${TMPDIR:-/tmp}/env"; pwd >> "${TMPDIR:-/tmp}/env"\n'
        'RID=$(curl -sS -D - -o /dev/null "$API/invocation/next" | '
        "grep -Fi Lambda-Runtime-Aws-Request-Id | tr -d '[:space:]' | cut -d: -f2)\n"
        'curl -sS -o /dev/null "$API/invocation/$RID/response" -d 1\n'
        'curl -sS "$API/invocation/next"\n'
    )
    assert fn.invoke({}).payload == 1
    lines = (tmp_dir(fn) / "env").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines[:-1] if "=" in line)
    task = task_root(fn)
    assert lines[-1] == task  # the working directory
    assert "AWS_EXECUTION_ENV" not in env
    runtime_dir = "/var/runtime" if sandboxed(fn) else task
    assert env["LAMBDA_TASK_ROOT"] == task and env["LAMBDA_RUNTIME_DIR"] == runtime_dir
    assert env["_HANDLER"] == "function.handler"
    assert "_LAMBDA_TELEMETRY_LOG_FD" in env  # a custom runtime may use it (AWS's do)
    assert "LC_CTYPE" not in env and "NODE_PATH" not in env


def test_error_post_reaches_the_caller_unchanged(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        while True:
            rid, _ = next_event()
            error = {"errorType": "MyError", "errorMessage": "went wrong", "stackTrace": ["a"]}
            call("POST", f"/invocation/{rid}/error", error,
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled.MyError"})
        """)
    )
    inv = fn.invoke({})
    assert inv.status == "error"
    assert inv.error == {"errorType": "MyError", "errorMessage": "went wrong", "stackTrace": ["a"]}
    assert inv.report.status is None
    assert fn.invoke({}).cold is False


def refused(state: str, target: str) -> list[object]:
    message = (
        f"State transition from {state} to {target} failed for runtime. "
        "Error: State transition is not allowed"
    )
    return [403, json.dumps({"errorMessage": message, "errorType": "InvalidStateTransition"},
                            separators=(",", ":"))]  # fmt: skip


INVALID_ID = [400, '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}']


def test_posting_twice_is_an_invalid_state_transition(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        rid, _ = next_event()
        answers = [respond(rid, "first"), respond(rid, "second"),
                   call("POST", f"/invocation/{rid}/error", {})]
        print(json.dumps(answers), flush=True)
        next_event()
        """)
    )
    inv = fn.invoke({})
    assert inv.payload == "first"
    [printed] = [json.loads(r.message) for r in inv.logs if r.source == "stdout"]
    assert printed == [
        [202, '{"status":"OK"}'],
        refused("RuntimeResponseSentState", "InvocationResponse"),
        refused("RuntimeResponseSentState", "InvocationErrorResponse"),
    ]


def test_wrong_request_id_and_late_posts_are_refused(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        previous = "none"
        while True:
            rid, _ = next_event()
            wrong = respond("not-a-request-id", 1)
            late = respond(previous, 2)
            respond(rid, [wrong, late])
            previous = rid
        """)
    )
    assert fn.invoke({}).payload == [INVALID_ID, INVALID_ID]
    assert fn.invoke({}).payload == [INVALID_ID, INVALID_ID]  # the finished invoke's id too


def test_next_without_answering_gets_the_same_event(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        while True:
            first, event = next_event()
            second, again = next_event()
            respond(second, {"first": first, "second": second, "same": event == again})
        """)
    )
    inv = fn.invoke({"x": 1})
    assert inv.payload == {"first": inv.request_id, "second": inv.request_id, "same": True}


def test_init_error_outside_init_is_refused(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        while True:
            rid, _ = next_event()
            respond(rid, call("POST", "/init/error", {"errorType": "Late", "errorMessage": "x"}))
        """)
    )
    assert fn.invoke({}).payload == refused("Running", "InitError")


def test_init_error_then_next_is_refused(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        error = {"errorType": "Runtime.ConfigError", "errorMessage": "no config"}
        call("POST", "/init/error", error, {"Lambda-Runtime-Function-Error-Type": error["errorType"]})
        print(json.dumps(call("GET", "/invocation/next")), flush=True)
        sys.exit(1)
        """)
    )
    inv = fn.invoke({})
    assert inv.error == {"errorType": "Runtime.ConfigError", "errorMessage": "no config"}
    assert (inv.report.status, inv.report.error_type) == ("error", "Runtime.ConfigError")
    printed = [json.loads(r.message) for r in inv.logs if r.source == "stdout"]
    assert printed == [refused("InitError", "Ready")] * 2  # the init and its retry
    reports = [r.message for r in inv.logs if r.message.startswith("INIT_REPORT")]
    assert [r.split("\t")[1:] for r in reports] == [
        ["Phase: init", "Status: error", "Error Type: Runtime.ConfigError\n"],
        ["Phase: invoke", "Status: error", "Error Type: Runtime.ConfigError\n"],
    ]


@pytest.mark.parametrize(
    ("exit_code", "reason"),
    [
        (0, "Runtime exited without providing a reason"),
        (3, "Runtime exited with error: exit status 3"),
    ],
)
def test_exiting_without_answering(custom, exit_code: int, reason: str) -> None:
    fn = custom(python_bootstrap(f"next_event()\nsys.exit({exit_code})\n"))
    inv = fn.invoke({})
    assert inv.status == "crash"
    assert inv.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {inv.request_id} Error: {reason}",
    }
    assert (inv.report.status, inv.report.error_type) == ("error", "Runtime.ExitError")
    assert fn.invoke({}).cold


def test_exiting_during_init(custom) -> None:
    inv = custom("#!/bin/sh\necho starting\nexit 2\n").invoke({})
    assert inv.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {inv.request_id} Error: Runtime exited with error: exit status 2",
    }
    assert inv.report.error_type == "Runtime.ExitError"


def test_unknown_path_and_wrong_method(custom) -> None:
    fn = custom(
        python_bootstrap("""\
        rid, _ = next_event()
        respond(rid, [call("POST", f"/invocation/{rid}/respond", 1),
                      call("POST", "/invocation/next", 1),
                      call("GET", f"/invocation/{rid}/response")])
        next_event()
        """)
    )
    assert fn.invoke({}).payload == [[404, "404 page not found\n"], [405, ""], [405, ""]]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("echo 'no interpreter line'\n", "exec format error"),
        ("#!/no/such/interpreter\n", "no such file or directory"),
    ],
)
def test_bootstrap_that_cannot_be_executed(custom, code: str, reason: str) -> None:
    fn = custom(code)
    inv = fn.invoke({})
    path = f"{task_root(fn)}/bootstrap"
    assert inv.error == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {inv.request_id} Error: fork/exec {path}: {reason}",
    }
    assert (inv.report.status, inv.report.error_type) == ("error", "Runtime.InvalidEntrypoint")
    reports = [r.message for r in inv.logs if r.message.startswith("INIT_REPORT")]
    assert len(reports) == 2 and all("Error Type: Runtime.InvalidEntrypoint" in r for r in reports)


def test_timeout(custom) -> None:
    fn = custom(python_bootstrap("import time\nnext_event()\ntime.sleep(300)\n"), timeout=1)
    inv = fn.invoke({})
    assert inv.status == "timeout"
    assert inv.error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {inv.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert fn.invoke({}).cold


# ------------------------------------------------------------------- bootstrap=PATH (a layer)
@needs_curl
def test_bootstrap_option_runs_an_executable_in_place(custom, tmp_path: Path) -> None:
    """AWS's tutorial: a bash runtime that sources the handler file named by _HANDLER."""
    runtime = tmp_path / "bash-runtime"
    runtime.write_text(
        r"""#!/bin/bash
set -euo pipefail
source "$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT")
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" -d "$RESPONSE"
done
"""
    )
    runtime.chmod(0o755)
    function_sh = (
        'handler () {\n  echo "{\\"received\\": $1, \\"dir\\": \\"$LAMBDA_RUNTIME_DIR\\"}"\n}\n'
    )
    fn = custom(function_sh, bootstrap=str(runtime), filename="function.sh")
    assert fn.config.bootstrap == str(runtime) and fn.code_file == "function.sh"
    inv = fn.invoke({"a": 1})
    runtime_dir = "/var/runtime" if sandboxed(fn) else str(tmp_path)
    assert inv.payload == {"received": {"a": 1}, "dir": runtime_dir}
    assert not (fn._revision.task_root / "bootstrap").exists()
    # The same through from_file, with provided.al2023 implied by bootstrap=.
    script = tmp_path / "function.sh"
    script.write_text(function_sh)
    other = Function.from_file(
        script, bootstrap=runtime, service=fn.service, name=fn.name + "-f", timeout=TIMEOUT
    )
    try:
        assert other.config.runtime == "provided.al2023"
        assert other.invoke({"b": 2}).payload["received"] == {"b": 2}
    finally:
        other.close()


def test_bootstrap_option_is_checked(custom, tmp_path: Path) -> None:
    with pytest.raises(RuntimeNotFound, match="is not an executable file"):
        custom("", bootstrap=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"use it with runtime provided\.al2023"):
        custom("", runtime="nodejs22.x", bootstrap="/bin/true")


# ----------------------------------------------------------------------------------- Go
GO_RUNTIME = """package main

// A custom runtime in Go with only the standard library: the Runtime API loop, a handler
// that echoes the event with the context Lambda passes in headers, and a panic that becomes
// an error post, as aws-lambda-go's does.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

type invocation struct {
	requestID string
	deadline  time.Time
	arn       string
	event     json.RawMessage
}

func next(api string) (*invocation, error) {
	resp, err := http.Get(api + "/invocation/next")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	ms, _ := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	return &invocation{
		requestID: resp.Header.Get("Lambda-Runtime-Aws-Request-Id"),
		deadline:  time.UnixMilli(ms),
		arn:       resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"),
		event:     body,
	}, nil
}

func handle(inv *invocation) (result interface{}, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	var event map[string]interface{}
	if err := json.Unmarshal(inv.event, &event); err != nil {
		return nil, err
	}
	if event["panic"] == true {
		panic("handler panicked")
	}
	return map[string]interface{}{
		"event":       event,
		"requestId":   inv.requestID,
		"arn":         inv.arn,
		"remainingMs": time.Until(inv.deadline).Milliseconds(),
		"function":    os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
	}, nil
}

func post(api, path string, body interface{}, errorType string) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, api+path, bytes.NewReader(data))
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post failed:", err)
		os.Exit(1)
	}
	resp.Body.Close()
}

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	fmt.Println("go runtime ready")
	for {
		inv, err := next(api)
		if err != nil {
			fmt.Fprintln(os.Stderr, "next failed:", err)
			os.Exit(1)
		}
		result, err := handle(inv)
		if err != nil {
			post(api, "/invocation/"+inv.requestID+"/error", map[string]interface{}{
				"errorMessage": err.Error(),
				"errorType":    "errorString",
			}, "Function.errorString")
			continue
		}
		post(api, "/invocation/"+inv.requestID+"/response", result, "")
	}
}
"""


@pytest.fixture(scope="module")
def go_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (Debian: golang-go)")
    work = tmp_path_factory.mktemp("go-runtime")
    (work / "main.go").write_text(GO_RUNTIME)
    (work / "go.mod").write_text("module bootstrap\n\ngo 1.19\n")
    env = {**os.environ, "CGO_ENABLED": "0", "GOCACHE": str(work / ".cache")}
    subprocess.run(
        [go, "build", "-o", "bootstrap", "."], cwd=work, env=env, check=True, timeout=600,
        capture_output=True,
    )  # fmt: skip
    return work / "bootstrap"


@pytest.mark.slow
def test_go_runtime(custom, go_bootstrap: Path) -> None:
    fn = custom("", bootstrap=str(go_bootstrap), timeout=30)
    assert list(fn._revision.task_root.iterdir()) == []  # the binary is the whole function
    inv = fn.invoke({"hello": "go"})
    assert inv.status == "success", inv.log_text()
    assert inv.payload["event"] == {"hello": "go"}
    assert inv.payload["requestId"] == inv.request_id
    assert inv.payload["arn"] == fn.config.function_arn
    assert inv.payload["function"] == fn.name
    # Counted from the deadline, in ms: near the 30 s timeout (10 s of slack for a loaded machine).
    assert 20_000 < inv.payload["remainingMs"] <= 30_000
    assert [r.message for r in inv.logs if r.source == "stdout"] == ["go runtime ready\n"]
    failed = fn.invoke({"panic": True})
    assert failed.error == {"errorMessage": "handler panicked", "errorType": "errorString"}
    assert failed.cold is False and failed.raw_payload is None


# ------------------------------------------------------------------- names, per runtime family
@pytest.mark.parametrize(
    ("runtime", "handler", "bootstrap", "expected"),
    [
        (None, "lambda_function.lambda_handler", None, "lambda_function.py"),
        ("python3.12", "src/app.handler", None, "src/app.py"),
        ("nodejs22.x", "index.handler", None, "index.mjs"),
        ("nodejs24.x", "src/app.api.v1.handler", None, "src/app.mjs"),
        ("nodejs20.x", "index", None, "index.mjs"),
        ("provided.al2023", "function.handler", None, "bootstrap"),
        ("provided.al2", "function.handler", "/opt/bootstrap", "function"),
    ],
)
def test_code_file_names(runtime, handler, bootstrap, expected) -> None:
    from lambda_nb.runtimes import registry

    assert registry.code_file(runtime, handler, bootstrap) == expected


def test_family_defaults() -> None:
    from lambda_nb.runtimes import registry

    assert [registry.default_handler(r) for r in (None, "nodejs22.x", "provided.al2023")] == [
        "lambda_function.lambda_handler", "index.handler", "function.handler",
    ]  # fmt: skip
    assert [registry.line_comment(r) for r in ("python3.11", "nodejs24.x", "provided.al2")] == [
        "#", "//", None,
    ]  # fmt: skip


@needs_curl
def test_large_response_from_curl_is_not_delayed(custom) -> None:
    """curl asks `Expect: 100-continue` before a large body; the API answers at once, as RAPID
    (Go's net/http) does, instead of letting curl wait (1 s by default; 20 s here, so that a
    wait stands out from a slow machine's milliseconds)."""
    code = r"""#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"; BODY="$(mktemp)"
  curl -sS -LD "$HEADERS" -o "$BODY" "$API/invocation/next"
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" --data-binary "@$BODY" \
    --expect100-timeout 20
done
"""
    fn = custom(code, timeout=60)
    inv = fn.invoke({"big": "x" * 2_000_000})
    assert inv.status == "success" and len(inv.payload["big"]) == 2_000_000
    assert inv.report.duration_ms < 10_000, inv.report
