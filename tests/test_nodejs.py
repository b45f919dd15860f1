"""Node.js runtimes (nodejs20.x, 22.x, 24.x) on our runtime client, checked against what real
Lambda does (lambda-runtime.md sections 2, 4.5, 5.3, 5.4, 5.7, 5.8): the fault suite of
test_faults.py adapted to Node.js, then dispatch (callbacks vs promises), the context object,
console logging, CommonJS and the environment.

nodejs20.x and 22.x share AWS's v3 client (callbacks, beforeExit); nodejs24.x has the v4 one
(async only). Expectations are written per generation: "v3" or "v4".
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
from dataclasses import dataclass, field

import pytest
from sandbox_paths import inside, sandboxed, task_root

from lambda_nb import Function
from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.runtimes import registry

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

RUNTIMES = ["nodejs20.x", "nodejs22.x", "nodejs24.x"]
V3 = ["nodejs20.x", "nodejs22.x"]
RID = r"[0-9a-f-]{36}"
TASK = "<task-root>"  # stands for the function's task root in expected messages
RUNTIME_INDEX = "{RUNTIME_DIR}/index.mjs"  # /var/runtime in the sandbox, else our client's folder
NODEJS_EXIT = (
    "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly "
    "caused by a Promise that was never settled. For more information, see "
    "https://nodejs.org/docs/latest/api/process.html#exit-codes"
)
CALLBACK_REMOVED = (
    "ERROR: AWS Lambda has removed support for callback-based function handlers starting with "
    "Node.js 24. You need to modify this function to use a supported handler signature to use "
    "Node.js 24 or later. For more information see "
    "https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html."
)
CALLBACK_WARNING = (
    "AWS Lambda plans to remove support for callback-based function handlers starting with "
    "Node.js 24. You will need to update this function to use an async handler to use Node.js "
    "24 or later. For more information and to provide feedback on this change, see "
    "https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable "
    "this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable."
)


def generation(runtime: str) -> str:
    return "v4" if runtime == "nodejs24.x" else "v3"


@pytest.fixture
def node(make_function):
    """make_function for Node.js: our client and a generous timeout, unless a test says
    otherwise (after a crash or a failed init, node starts again inside the invoke phase, within
    the function's timeout, and a loaded machine starts it slowly)."""

    def make(code: str, runtime: str = "nodejs22.x", **options: object) -> Function:
        options.setdefault("runtime_client", "lambda_nb")
        options.setdefault("timeout", 30)
        return make_function(code, runtime=runtime, **options)

    return make


# ------------------------------------------------------------------------------ fault suite
@dataclass
class Expect:
    error_type: str
    message: str  # a regex, fully matched; RID = the request id, TASK = the task root
    report_status: str | None
    report_error_type: str | None
    next_cold: bool
    status: str = "error"
    trace_first: str | None = None  # the first line of `trace`, when there is one to check


@dataclass
class Fault:
    code: str
    v3: Expect
    v4: Expect | None = None  # None: as v3
    # Generous unless the timeout is the fault: a crash or a failed init is followed by a re-init
    # inside the invoke phase, which must fit in the timeout even on a loaded machine.
    timeout: float = 10
    handler: str = "index.handler"
    filename: str | None = None
    options: dict[str, object] = field(default_factory=dict)

    def expect(self, runtime: str) -> Expect:
        return self.v4 if generation(runtime) == "v4" and self.v4 else self.v3


def exit_error(reason: str) -> Expect:
    return Expect(
        "Runtime.ExitError",
        f"RequestId: {RID} Error: Runtime exited {reason}",
        "error",
        "Runtime.ExitError",
        next_cold=True,
        status="crash",
    )


def init_error(error_type: str, message: str, report_type: str | None = None) -> Expect:
    return Expect(error_type, message, "error", report_type or error_type, next_cold=True)


def handled(error_type: str, message: str, trace_first: str | None = None) -> Expect:
    return Expect(error_type, message, None, None, next_cold=False, trace_first=trace_first)


SLEEP = "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
TIMEOUT = Expect(
    "Sandbox.Timedout",
    f"RequestId: {RID} Error: Task timed out after 1.00 seconds",
    "timeout",
    None,
    next_cold=True,
    status="timeout",
)
FAULTS = {
    "raise": Fault(
        "export const handler = async () => { throw new Error('boom'); };\n",
        handled("Error", "boom", "Error: boom"),
    ),
    "raise_custom_error": Fault(
        "class ValidationError extends Error {\n"
        "  constructor(m) { super(m); this.name = 'ValidationError'; }\n}\n"
        "export const handler = async () => { throw new ValidationError('bad input'); };\n",
        handled("ValidationError", "bad input", "ValidationError: bad input"),
    ),
    "reject": Fault(
        "export const handler = (event) => Promise.reject(new TypeError('bad'));\n",
        handled("TypeError", "bad", "TypeError: bad"),
    ),
    "throw_in_sync_handler": Fault(
        "export function handler(event) { throw new RangeError('sync'); }\n",
        handled("RangeError", "sync", "RangeError: sync"),
    ),
    "throw_a_string": Fault(
        "export const handler = async () => { throw 'plain'; };\n",
        handled("string", "plain"),
    ),
    "raise_during_init": Fault(
        "throw new Error('no config');\nexport const handler = async () => 1;\n",
        init_error("Error", "no config", "Runtime.Unknown"),
    ),
    "syntax_error": Fault(
        "export const handler = async (event) => {\n  return 1;\n}}\n",
        init_error("Runtime.UserCodeSyntaxError", re.escape("SyntaxError: Unexpected token '}'")),
    ),
    "missing_export": Fault(
        "export const other = async () => 1;\n",
        init_error("Runtime.HandlerNotFound", "index.handler is undefined or not exported"),
    ),
    "not_a_function": Fault(
        "export const handler = 42;\n",
        init_error("Runtime.HandlerNotFound", "index.handler is not a function"),
    ),
    "malformed_handler_name": Fault(
        "export const handler = async () => 1;\n",
        init_error("Runtime.MalformedHandlerName", "Bad handler"),
        handler="index",
    ),
    "relative_handler_path": Fault(
        "export const handler = async () => 1;\n",
        init_error(
            "Runtime.MalformedHandlerName",
            re.escape(
                "'../index.handler' is not a valid handler name. Use absolute paths when "
                "specifying root directories in handler names."
            ),
        ),
        handler="../index.handler",
        filename="index.mjs",
    ),
    "missing_module": Fault(
        "export const handler = async () => 1;\n",
        init_error(
            "Runtime.ImportModuleError",
            re.escape(f"Error: Cannot find module 'nope'\nRequire stack:\n- {RUNTIME_INDEX}")
            .replace(re.escape("{RUNTIME_DIR}"), "{RUNTIME_DIR}"),
        ),
        handler="nope.handler",
        filename="index.mjs",
    ),
    "missing_package": Fault(
        "import x from 'no-such-package';\nexport const handler = async () => x;\n",
        init_error(
            "Error",
            f"Cannot find package 'no-such-package' imported from {TASK}/index.mjs",
            "Runtime.Unknown",
        ),
    ),
    "never_settling_promise": Fault(
        "export const handler = async () => new Promise(() => {});\n",
        handled("Runtime.NodeJsExit", re.escape(NODEJS_EXIT), f"Runtime.NodeJsExit: {NODEJS_EXIT}"),
        v4=exit_error("without providing a reason"),
    ),
    "process_exit_0": Fault(
        "export const handler = async () => { process.exit(0); };\n",
        exit_error("without providing a reason"),
    ),
    "process_exit_3": Fault(
        "export const handler = async () => { process.exit(3); };\n",
        exit_error("with error: exit status 3"),
    ),
    "infinite_loop": Fault(
        "export const handler = async () => { for (;;) {} };\n", TIMEOUT, timeout=1
    ),
    "sleep_past_timeout": Fault(
        SLEEP + "export const handler = async () => { await sleep(30000); return 1; };\n",
        TIMEOUT,
        timeout=1,
    ),
    "memory_hog": Fault(
        "export const handler = async () => {\n  const hog = [];\n"
        "  for (;;) hog.push(Buffer.alloc(8 * 1024 * 1024, 1));\n};\n",
        Expect(
            "Runtime.OutOfMemory",
            f"RequestId: {RID} Error: Runtime exited with error: signal: killed",
            "error",
            "Runtime.OutOfMemory",
            next_cold=True,
            status="out_of_memory",
        ),
        timeout=20,
    ),
    "response_over_6mb": Fault(
        "export const handler = async () => 'x'.repeat(7 * 1024 * 1024);\n",
        Expect(
            "Function.ResponseSizeTooLarge",
            re.escape(
                "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
            ),
            "error",
            "Function.ResponseSizeTooLarge",
            next_cold=False,  # AWS's client ignores the 413 and asks for the next event
        ),
        timeout=10,
    ),
    "circular_result": Fault(
        "export const handler = async () => { const a = {}; a.self = a; return a; };\n",
        handled("Error", "Unable to stringify response body", "Error: Unable to stringify response body"),
        v4=handled(
            "Runtime.JSONStringifyError",
            "Unable to stringify response body",
            "Runtime.JSONStringifyError: Unable to stringify response body",
        ),
    ),
    "bigint_result": Fault(
        "export const handler = async () => ({ n: 10n });\n",
        handled("Error", "Unable to stringify response body"),
        v4=handled("Runtime.JSONStringifyError", "Unable to stringify response body"),
    ),
    "unhandled_rejection": Fault(
        SLEEP + "export const handler = async () => {\n"
        "  Promise.reject(new Error('later'));\n  await sleep(50);\n  return 'ok';\n};\n",
        Expect(
            "Runtime.UnhandledPromiseRejection",
            "Error: later",
            None,
            None,
            next_cold=True,
            trace_first="Runtime.UnhandledPromiseRejection: Error: later",
        ),
        v4=exit_error("with error: exit status 1"),
    ),
    "uncaught_exception": Fault(
        SLEEP + "export const handler = async () => {\n"
        "  setTimeout(() => { throw new Error('tick'); }, 0);\n  await sleep(50);\n  return 'ok';\n};\n",
        Expect("Error", "tick", None, None, next_cold=True, trace_first="Error: tick"),
        v4=exit_error("with error: exit status 1"),
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", list(FAULTS), ids=list(FAULTS))
def test_fault(case: str, runtime: str, node, assert_report_line) -> None:
    fault = FAULTS[case]
    expect = fault.expect(runtime)
    fn = node(
        fault.code, runtime=runtime, timeout=fault.timeout, handler=fault.handler,
        filename=fault.filename, **fault.options,
    )  # fmt: skip
    started = time.monotonic()
    inv = fn.invoke({"case": case})
    elapsed = time.monotonic() - started
    assert inv.status == expect.status, inv.log_text()
    assert inv.error is not None
    assert inv.error["errorType"] == expect.error_type, inv.error
    message = expect.message.replace(RID, re.escape(inv.request_id))
    message = message.replace(TASK, re.escape(task_root(fn)))
    client = "/var/runtime" if sandboxed(fn) else str(registry.HERE / "nodejs")
    message = message.replace("{RUNTIME_DIR}", re.escape(client))
    assert re.fullmatch(message, inv.error["errorMessage"]), inv.error["errorMessage"]
    if "trace" in inv.error:
        assert isinstance(inv.error["trace"], list)
        assert list(inv.error) == ["errorType", "errorMessage", "trace"]  # the v3/v4 key order
    if expect.trace_first is not None:
        assert inv.error["trace"][0] == expect.trace_first
    assert_report_line(inv, expect.report_status, expect.report_error_type)
    if expect.status == "timeout":
        assert inv.report.duration_ms == fault.timeout * 1000
        # `elapsed` includes the cold start on a possibly loaded machine: only a kill that is
        # far off fails here (the overshoot itself is measured in benchmarks/bench_invoke.py).
        assert elapsed < fault.timeout + 10
    nxt = fn.invoke({"case": case, "again": True})
    assert nxt.cold is expect.next_cold
    assert nxt.report is not None and nxt.report.init_duration_ms is None


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_init_error_sequence_and_log_lines(node, runtime: str) -> None:
    """As on CloudWatch: the error is logged by the init and by its retry inside the invoke."""
    fn = node("export const other = 1;\n", runtime=runtime)
    inv = fn.invoke({})
    platform = [r.message.split(" ")[0].split("\t")[0] for r in inv.logs if r.source == "platform"]
    assert platform == ["INIT_START", "INIT_REPORT", "INIT_REPORT", "START", "END", "REPORT"]
    label, rid = ("Uncaught Exception", "undefined") if runtime in V3 else ("Init Error", "-")
    errors = [r for r in inv.logs if r.source == "runtime" and r.level == "ERROR"]
    assert len(errors) == 2
    _ts, logged_rid, level, text = errors[0].message.split("\t", 3)
    assert (logged_rid, level) == (rid, "ERROR")
    # v4's error classes set `name` on the error itself, so it shows in the JSON too.
    name = "" if runtime in V3 else '"name":"Runtime.HandlerNotFound",'
    assert text.startswith(
        f'{label} \t{{"errorType":"Runtime.HandlerNotFound","errorMessage":'
        f'"index.handler is undefined or not exported",{name}"stack":["Runtime.HandlerNotFound: '
    )
    if runtime == "nodejs24.x":  # then Node's own crash report, raw on stderr
        assert any(r.source == "stderr" and r.message.startswith("Node.js v") for r in inv.logs)


def test_unhandled_rejection_after_the_response(node) -> None:
    """aws-lambda-base-images#392: 22.x answers, then resets; 24.x crashes first."""
    code = (
        "async function hello() { throw new Error('HelloError'); }\n"
        "export const handler = async () => { hello(); return 'Hello from Lambda!'; };\n"
    )
    v3 = node(code, runtime="nodejs22.x")
    inv = v3.invoke({})
    assert (inv.status, inv.payload) == ("success", "Hello from Lambda!")
    logged = [r.message for r in inv.logs if r.level == "ERROR"]
    assert len(logged) == 1 and "\tUnhandled Promise Rejection \t{" in logged[0]
    assert '"reason":{"errorType":"Error","errorMessage":"HelloError"' in logged[0]
    assert v3.invoke({}).cold
    v4 = node(code, runtime="nodejs24.x")
    crash = v4.invoke({})
    assert crash.status == "crash" and crash.error["errorMessage"].endswith("exit status 1")
    raw = [r.message for r in crash.logs if r.source == "stderr"]
    assert "Error: HelloError\n" in raw


# ------------------------------------------------------------------------ dispatch (v3 / v4)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sync_handler_results(node, runtime: str) -> None:
    """v3 ignores a non-async handler's return value (null when the loop drains); v4 awaits it."""
    fn = node("export function handler(event) { return 42; }\n", runtime=runtime)
    assert fn.invoke({}).payload == (None if runtime in V3 else 42)
    silent = node("export const handler = (event) => { console.log('x'); };\n", runtime=runtime)
    inv = silent.invoke({})
    assert inv.status == "success" and inv.raw_payload == b"null"


@pytest.mark.parametrize("runtime", V3)
def test_first_call_wins(node, runtime: str) -> None:
    cb_first = node(
        "export const handler = async (e, c, callback) => { callback(null, 'callback'); "
        "return 'promise'; };\n",
        runtime=runtime,
    )
    assert cb_first.invoke({}).payload == "callback"
    promise_first = node(
        "export const handler = async (e, c, callback) => {\n"
        "  setTimeout(() => callback(null, 'late'), 10);\n  return 'first';\n};\n",
        runtime=runtime,
    )
    assert promise_first.invoke({}).payload == "first"
    assert promise_first.invoke({}).payload == "first"  # the late callback did nothing
    twice = node(
        "export const handler = (e, context, callback) => {\n"
        "  context.succeed('one'); context.fail(new Error('two')); callback(null, 'three');\n};\n",
        runtime=runtime,
    )
    assert twice.invoke({}).payload == "one"


@pytest.mark.parametrize("runtime", V3)
def test_context_methods(node, runtime: str) -> None:
    code = """export const handler = (event, context, callback) => {
  const how = event.how;
  if (how === 'succeed') context.succeed({ via: 'succeed' });
  else if (how === 'done') context.done(null, 'done');
  else if (how === 'done-error') context.done(new Error('done failed'));
  else if (how === 'fail') context.fail(new Error('failed'));
  else if (how === 'fail-nothing') context.fail();
  else if (how === 'callback-string') callback('boom');
  else callback(null, { via: 'callback' });
};
"""
    fn = node(code, runtime=runtime, environment={"AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING": "1"})
    assert fn.invoke({"how": "succeed"}).payload == {"via": "succeed"}
    assert fn.invoke({"how": "done"}).payload == "done"
    assert fn.invoke({"how": "callback"}).payload == {"via": "callback"}
    assert fn.invoke({"how": "done-error"}).error["errorMessage"] == "done failed"
    assert fn.invoke({"how": "fail"}).error["errorType"] == "Error"
    assert fn.invoke({"how": "fail-nothing"}).error == {
        "errorType": "string", "errorMessage": "handled", "trace": [],
    }  # fmt: skip
    assert fn.invoke({"how": "callback-string"}).error == {
        "errorType": "string", "errorMessage": "boom", "trace": [],
    }  # fmt: skip


@pytest.mark.parametrize("runtime", V3)
def test_callback_waits_for_the_event_loop_to_drain(node, runtime: str) -> None:
    code = """let fired = 0, firedAt = 0;
export const handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  if (event.timer) setTimeout(() => { fired += 1; firedAt = Date.now(); }, event.timer);
  callback(null, { fired, firedAt });
};
"""
    fn = node(
        code, runtime=runtime, timeout=30,
        environment={"AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING": "1"},
    )  # fmt: skip
    waited = fn.invoke({"wait": True, "timer": 400})
    assert waited.payload["fired"] == 0 and waited.report.duration_ms >= 400  # timer ran first
    assert fn.invoke({"wait": True}).payload["fired"] == 1
    # A timer far off: an answer that waited for it would take 2 s; one that did not takes
    # milliseconds, even on a loaded machine.
    at_once = fn.invoke({"wait": False, "timer": 2000})
    assert at_once.payload["fired"] == 1 and at_once.report.duration_ms < 2000
    time.sleep(2.5)  # frozen: the timer, due meanwhile, fires only when the next invoke thaws
    thawed = fn.invoke({"wait": False})
    # Whether the overdue timer runs just before or just after the thawed handler is a race
    # in Node's event loop (on Lambda too; a loaded machine flipped it): the next invoke has
    # certainly seen it, and it fired after the thaw, not during the 2.5 s freeze.
    assert thawed.payload["fired"] in (1, 2)
    after = fn.invoke({"wait": False}).payload
    assert after["fired"] == 2
    assert after["firedAt"] >= thawed.started_at * 1000 - 5


@pytest.mark.parametrize("runtime", V3)
def test_succeed_does_not_wait_for_the_event_loop(node, runtime: str) -> None:
    fn = node(
        "export const handler = (event, context) => {\n"
        "  setTimeout(() => {}, 10000);\n  context.succeed('fast');\n};\n",
        runtime=runtime,
        timeout=30,
    )
    inv = fn.invoke({})
    # Waiting for the timer would take 10 s; not waiting takes milliseconds, even when loaded.
    assert inv.payload == "fast" and inv.report.duration_ms < 10_000


@pytest.mark.parametrize("runtime", V3)
def test_callback_handler_warning(node, runtime: str) -> None:
    code = "export const handler = (event, context, callback) => callback(null, 1);\n"
    inv = node(code, runtime=runtime).invoke({})
    warnings = [r.message for r in inv.logs if r.level == "WARN"]
    assert len(warnings) == 1
    assert re.fullmatch(rf"\S+Z\tundefined\tWARN\t{re.escape(CALLBACK_WARNING)}\n", warnings[0])
    quiet = node(code, runtime=runtime, environment={"AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING": "1"})
    assert not [r for r in quiet.invoke({}).logs if r.level == "WARN"]
    async_three = node("export const handler = async (e, c, cb) => 1;\n", runtime=runtime)
    assert not [r for r in async_three.invoke({}).logs if r.level == "WARN"]


@pytest.mark.parametrize(
    "code",
    [
        "export const handler = (event, context, callback) => callback(null, 1);\n",
        "export const handler = async (event, context, callback, extra) => 1;\n",
    ],
)
def test_nodejs24_refuses_callback_handlers(node, code: str) -> None:
    inv = node(code, runtime="nodejs24.x").invoke({})
    assert inv.error["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert inv.error["errorMessage"] == CALLBACK_REMOVED
    assert inv.report.error_type == "Runtime.CallbackHandlerDeprecated"


# --------------------------------------------------------------------------------- context
CONTEXT = """export const handler = async (event, context) => {
  globalThis.previous ??= context;
  return {
    json: JSON.parse(JSON.stringify(context)),
    keys: Object.keys(context),
    remaining: context.getRemainingTimeInMillis(),
    previousRemaining: globalThis.previous.getRemainingTimeInMillis(),
    types: Object.fromEntries(['succeed', 'fail', 'done', 'w3c', 'getRemainingTimeInMillis']
      .map((k) => [k, typeof context[k]])),
    waits: context.callbackWaitsForEmptyEventLoop,
    identity: context.identity === undefined,
    clientContext: context.clientContext === undefined,
    w3c: typeof context.w3c === 'function' ? context.w3c() : null,
    trace: process.env._X_AMZN_TRACE_ID,
  };
};
"""


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_context_object(node, runtime: str) -> None:
    fn = node(CONTEXT, runtime=runtime, memory=256, timeout=1)
    inv = fn.invoke({})
    ctx = inv.payload
    names = ["functionVersion", "functionName"] if runtime in V3 else ["functionName", "functionVersion"]
    env = {
        **{name: fn.name if name == "functionName" else "$LATEST" for name in names},
        "memoryLimitInMB": "256",  # a string, as on AWS
        "logGroupName": f"/aws/lambda/{fn.name}",
        "logStreamName": inv.environment,
    }
    headers = {
        "invokedFunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{fn.name}",
        "awsRequestId": inv.request_id,
    }
    assert ctx["identity"] and ctx["clientContext"]
    assert 0 < ctx["remaining"] <= 1000
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", ctx["trace"])
    if runtime in V3:
        assert ctx["json"] == {"callbackWaitsForEmptyEventLoop": True, **env, **headers}
        assert list(ctx["json"]) == ["callbackWaitsForEmptyEventLoop", *env, *headers]
        assert ctx["types"] == {
            "succeed": "function", "fail": "function", "done": "function",
            "w3c": "undefined", "getRemainingTimeInMillis": "function",
        }  # fmt: skip
        assert ctx["waits"] is True and ctx["w3c"] is None
    else:
        assert ctx["json"] == {**headers, "xRayTraceId": ctx["trace"], **env}
        assert list(ctx["json"]) == [*headers, "xRayTraceId", *env]
        assert ctx["types"] == {
            "succeed": "undefined", "fail": "undefined", "done": "undefined",
            "w3c": "function", "getRemainingTimeInMillis": "function",
        }  # fmt: skip
        assert "waits" not in ctx and ctx["w3c"] == {}
    time.sleep(1.2)  # past the first invoke's deadline (frozen meanwhile)
    later = fn.invoke({}).payload
    assert later["previousRemaining"] < 0  # getRemainingTimeInMillis is not clamped
    assert later["trace"] != ctx["trace"]  # a fresh trace id per invoke


# --------------------------------------------------------------------------------- logging
LOGGING = """console.log('at init');
export const handler = async (event) => {
  console.log('hello', { a: 1 });
  console.info('info');
  console.warn('multi\\nline');
  console.error(new Error('shown'));
  console.debug('debug');
  console.trace('trace');
  console.fatal('fatal');
  console.log();
  process.stdout.write('raw out\\n');
  process.stderr.write('raw err\\n');
  return 1;
};
"""


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_text_logs(node, runtime: str) -> None:
    inv = node(LOGGING, runtime=runtime).invoke({})
    rid = inv.request_id
    init_rid = "undefined" if runtime in V3 else "-"
    frames = [(r.level, r.message) for r in inv.logs if r.source == "runtime"]
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    expected = [
        ("INFO", rf"{iso}\t{init_rid}\tINFO\tat init\n"),
        ("INFO", rf"{iso}\t{rid}\tINFO\thello \{{ a: 1 \}}\n"),
        ("INFO", rf"{iso}\t{rid}\tINFO\tinfo\n"),
        ("WARN", rf"{iso}\t{rid}\tWARN\tmulti\nline\n"),  # one record, newline kept
        ("ERROR", rf"{iso}\t{rid}\tERROR\tError: shown\n    at .*"),
        ("DEBUG", rf"{iso}\t{rid}\tDEBUG\tdebug\n"),
        ("TRACE", rf"{iso}\t{rid}\tTRACE\ttrace\n"),
        ("FATAL", rf"{iso}\t{rid}\tFATAL\tfatal\n"),
        ("INFO", rf"{iso}\t{rid}\tINFO\tundefined\n"),
    ]
    assert [level for level, _ in frames] == [level for level, _ in expected]
    for (_, message), (_, pattern) in zip(frames, expected, strict=True):
        assert re.fullmatch(pattern, message, re.S), message
    assert [r.message for r in inv.logs if r.source == "stdout"] == ["raw out\n"]
    assert [r.message for r in inv.logs if r.source == "stderr"] == ["raw err\n"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_json_logs_and_levels(node, runtime: str) -> None:
    fn = node(LOGGING, runtime=runtime, log_format="JSON", log_level="WARN")
    inv = fn.invoke({})
    records = [json.loads(r.message) for r in inv.logs if r.source == "runtime"]
    assert [r["level"] for r in records] == ["WARN", "ERROR", "FATAL"]  # INFO and below dropped
    warn, error, fatal = records
    assert list(warn) == ["timestamp", "level", "requestId", "message"]
    assert warn["requestId"] == inv.request_id and warn["message"] == "multi\nline"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", warn["timestamp"])
    assert error["message"]["errorType"] == "Error"
    assert error["message"]["errorMessage"] == "shown"
    assert error["message"]["stackTrace"][0] == "Error: shown"
    assert fatal["message"] == "fatal"
    everything = node(LOGGING, runtime=runtime, log_format="JSON", log_level="TRACE").invoke({})
    messages = [json.loads(r.message) for r in everything.logs if r.source == "runtime"]
    assert messages[1]["message"] == "hello { a: 1 }"  # several arguments: util.format
    assert "message" not in messages[-1]  # console.log(): an undefined message is left out
    first = messages[0]
    if runtime in V3:
        assert "requestId" not in first  # undefined before the first invoke
    else:
        assert first["requestId"] == "-"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_invoke_error_log_line(node, runtime: str) -> None:
    fn = node("export const handler = async () => { throw new Error('boom'); };\n", runtime=runtime)
    inv = fn.invoke({})
    [line] = [r.message for r in inv.logs if r.level == "ERROR"]
    prefix = f'\t{inv.request_id}\tERROR\tInvoke Error \t{{"errorType":"Error","errorMessage":"boom","stack":["Error: boom",'
    assert prefix in line and line.endswith("]}\n")
    as_json = node(
        "export const handler = async () => { throw new Error('boom'); };\n",
        runtime=runtime,
        log_format="JSON",
    ).invoke({})
    [record] = [json.loads(r.message) for r in as_json.logs if r.level == "ERROR"]
    assert record["message"]["errorType"] == "Error" and record["message"]["errorMessage"] == "boom"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fifty_megabytes_of_output(node, runtime: str) -> None:
    # stdout is a pipe: Node queues in memory what the pipe cannot take at once, and a frozen
    # process writes nothing, so a function must wait for 'drain' (or see its lines late).
    code = (
        "import { once } from 'node:events';\n"
        "export const handler = async () => {\n  const line = 'x'.repeat(99) + '\\n';\n"
        "  for (let i = 0; i < 500000; i++) {\n"
        "    if (!process.stdout.write(line)) await once(process.stdout, 'drain');\n  }\n"
        "  for (let i = 0; i < 1000; i++) console.log('frame', i);\n  return 'done';\n};\n"
    )
    fn = node(code, runtime=runtime, timeout=120)
    inv = fn.invoke({})
    assert inv.status == "success" and inv.payload == "done"
    assert len([r for r in inv.logs if r.source == "stdout"]) == 500_000
    assert len([r for r in inv.logs if r.source == "runtime"]) == 1000
    assert fn.invoke({}).cold is False


# ------------------------------------------------------------------------- modules and files
@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("filename", "code"),
    [
        ("index.js", "exports.handler = async () => ({ kind: typeof require, file: __filename });\n"),
        ("index.cjs", "module.exports = { handler: async () => ({ kind: typeof require, file: __filename }) };\n"),
    ],
)
def test_commonjs_by_file_name(node, runtime: str, filename: str, code: str) -> None:
    fn = node(code, runtime=runtime, filename=filename)
    inv = fn.invoke({})
    assert inv.payload == {"kind": "function", "file": f"{task_root(fn)}/{filename}"}
    assert fn.code_file == filename


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_default_file_is_an_es_module(node, runtime: str) -> None:
    fn = node("export const handler = async () => typeof require;\n", runtime=runtime)
    assert fn.code_file == "index.mjs" and fn.config.handler == "index.handler"
    assert fn.invoke({}).payload == "undefined"


def test_nested_handler_path_and_directory(node) -> None:
    fn = node(
        "export const api = { v1: { handler: async () => 'nested' } };\n",
        handler="src/app.api.v1.handler",
    )
    assert fn.code_file == "src/app.mjs"
    assert fn.invoke({}).payload == "nested"


# ----------------------------------------------------------------------------- environment
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_environment_variables(node, runtime: str) -> None:
    fn = node(
        "export const handler = async () => ({ env: { ...process.env }, cwd: process.cwd(), "
        "gc: typeof gc, heap: process.execArgv });\n",
        runtime=runtime,
        memory=512,
    )
    inv = fn.invoke({})
    env, task = inv.payload["env"], task_root(fn)
    major = runtime[len("nodejs") : -len(".x")]
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{runtime}"
    assert env["_HANDLER"] == "index.handler"
    assert env["LAMBDA_TASK_ROOT"] == task == inv.payload["cwd"]
    runtime_dir = env["LAMBDA_RUNTIME_DIR"]
    # Lambda's order (sandbox-and-packages.md 2.3); without layers there is no /opt here (the
    # host's /opt is not the function's), and the SDK dir only once the SDK is installed
    # (tests/test_packages.py checks the whole order with a layer and the SDK).
    rev = fn._revision
    sdk = f"{inside(fn, rev.runtime_site)}:" if rev.runtime_site is not None else ""
    assert env["NODE_PATH"] == f"{sdk}{runtime_dir}:{task}"
    assert "_LAMBDA_NB_IMPORT_PATHS" not in env
    assert major in runtime
    assert env["TZ"] == ":UTC" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert "LC_CTYPE" not in env  # Python runtimes only
    assert "_LAMBDA_TELEMETRY_LOG_FD" not in env
    assert inv.payload["gc"] == "function"  # AWS's bootstrap starts node with --expose-gc
    assert inv.payload["heap"] == [
        "--expose-gc", "--max-semi-space-size=25", "--max-old-space-size=461",
    ]  # fmt: skip
    start = next(r.message for r in inv.logs if r.message.startswith("INIT_START"))
    assert re.match(rf"INIT_START Runtime Version: nodejs:{major}\.v\d+\t", start)


def test_node_path_and_node_options_can_be_set(node) -> None:
    fn = node(
        "export const handler = async () => [process.env.NODE_PATH, process.execArgv];\n",
        environment={"NODE_PATH": "/mine", "NODE_OPTIONS": "--max-old-space-size=100"},
    )
    assert fn.invoke({}).payload == ["/mine", ["--expose-gc"]]


def test_without_node_the_error_says_how_to_install_it(node, monkeypatch, tmp_path) -> None:
    """No node on PATH, none cached, no registry (a closed port): the error says what to do."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "cache"))
    with socket.socket() as probe:  # a port nobody listens on: the registry is unreachable
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LAMBDA_NB_NPM_REGISTRY", f"http://127.0.0.1:{port}/")
    with pytest.raises(RuntimeNotFound, match=r"needs Node.js 22: `node` is not on PATH.*nodejs"):
        node("export const handler = async () => 1;\n")


def test_python_defaults_are_unchanged(make_function) -> None:
    fn = make_function("def lambda_handler(event, context):\n    return 1\n")
    assert fn.code_file == "lambda_function.py" and fn.invoke({}).payload == 1

