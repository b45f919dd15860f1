"""Our Python runtime client (lambda_nb/runtimes/python/bootstrap.py) against the reference.

Every test goes through the real service (`Function.invoke`: a runtime process, the Runtime API,
the telemetry pipe) and checks what a Lambda user sees: the context object, log records and
their levels, error bodies, init errors, the marshalling rules (lambda-runtime.md sections 1,
4.2-4.4, 5.2, 5.4, 5.5). The expectations are real Lambda's, so the same tests run under AWS's
awslambdaric too, when it is importable: a test that fails only there is a wrong test.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from lambda_nb.engine.errors import InvalidRequestContentException

RID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TEXT_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
JSON_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
NBSP = "\u00a0"
LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by temporarily "
    "rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

CLIENTS = ["lambda_nb"]
if importlib.util.find_spec("awslambdaric") is not None:
    CLIENTS.append("awslambdaric")


@pytest.fixture(params=CLIENTS)
def client(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run(make_function, client):
    """run(code, event={}, **options) -> the finished Invocation, on the client under test."""

    def run_once(code: str, event: object = None, **options: object):
        # Generous unless a test sets it: an init error is retried inside the invoke, which must
        # fit in the timeout even on a loaded machine.
        options.setdefault("timeout", 30)
        fn = make_function(code, runtime_client=client, **options)
        inv = fn.invoke({} if event is None else event)
        inv.function = fn
        return inv

    return run_once


def runtime_records(inv) -> list:
    """The records the runtime client framed on the telemetry channel, in order."""
    return [r for r in inv.logs if r.source == "runtime"]


def messages(inv, source: str) -> list[str]:
    return [r.message for r in inv.logs if r.source == source]


def handler_file(inv) -> str:
    """The handler module's path, as the error bodies print it (LAMBDA_TASK_ROOT/...)."""
    frame = inv.error["stackTrace"][-1]
    return re.match(r'  File "([^"]+)"', frame).group(1)


# ------------------------------------------------------------------------------------------------
# The context object (section 1)
# ------------------------------------------------------------------------------------------------

CONTEXT_PROBE = """
import os, sys
def lambda_handler(event, context):
    c = context
    names = ["aws_request_id", "log_group_name", "log_stream_name", "function_name",
             "memory_limit_in_mb", "function_version", "invoked_function_arn",
             "client_context", "identity", "tenant_id"]
    try:
        c.identity.something_else = 1
        slots = False
    except AttributeError:
        slots = True
    return {
        "values": {n: getattr(c, n) for n in names if n != "identity"},
        "types": {n: type(getattr(c, n)).__name__ for n in names},
        "identity": [c.identity.cognito_identity_id, c.identity.cognito_identity_pool_id],
        "identity_slots": slots,
        "repr": repr(c),
        "remaining": [c.get_remaining_time_in_millis(), c.get_remaining_time_in_millis()],
        "remaining_type": type(c.get_remaining_time_in_millis()).__name__,
        "class": type(c).__name__,
        "stream_env": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
    }
"""


def test_context_attributes_types_and_repr(run):
    inv = run(CONTEXT_PROBE, timeout=5, memory=256)
    out = inv.payload
    values = out["values"]
    assert values["aws_request_id"] == inv.request_id
    assert values["function_name"] == inv.function.name
    assert values["log_group_name"] == f"/aws/lambda/{inv.function.name}"
    assert values["log_stream_name"] == out["stream_env"]
    assert values["memory_limit_in_mb"] == "256"  # a string, as on Lambda
    assert values["function_version"] == "$LATEST"
    assert values["invoked_function_arn"] == inv.invoked_function_arn
    assert values["client_context"] is None and values["tenant_id"] is None
    assert out["types"] == {
        "aws_request_id": "str", "log_group_name": "str", "log_stream_name": "str",
        "function_name": "str", "memory_limit_in_mb": "str", "function_version": "str",
        "invoked_function_arn": "str", "client_context": "NoneType",
        "identity": "CognitoIdentity", "tenant_id": "NoneType",
    }  # fmt: skip
    assert out["identity"] == [None, None] and out["identity_slots"] is True
    assert out["class"] == "LambdaContext"
    assert out["repr"] == (
        f"LambdaContext([aws_request_id={inv.request_id},"
        f"log_group_name=/aws/lambda/{inv.function.name},"
        f"log_stream_name={out['stream_env']},function_name={inv.function.name},"
        f"memory_limit_in_mb=256,function_version=$LATEST,"
        f"invoked_function_arn={inv.invoked_function_arn},client_context=None,"
        "identity=CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None]),"
        "tenant_id=None])"
    )
    first, second = out["remaining"]
    assert out["remaining_type"] == "int"
    assert 0 < second <= first <= 5000


def test_remaining_time_never_goes_negative():
    """Past the deadline the context reports 0 (not observable through an invoke, which is
    killed at its deadline, so the context class is exercised directly)."""
    import time
    from pathlib import Path

    import lambda_nb.runtimes

    path = Path(lambda_nb.runtimes.__file__).parent / "python" / "_lnb_core.py"
    spec = importlib.util.spec_from_file_location("_lnb_core_under_test", path)
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    past = int(time.time() * 1000) - 5000
    context = core.LambdaContext("id", None, None, past, "arn", None)
    assert context.get_remaining_time_in_millis() == 0


def test_context_log_is_one_raw_record(run):
    inv = run("def lambda_handler(event, context):\n    context.log('two\\nlines')\n")
    assert [(r.message, r.level) for r in runtime_records(inv)] == [("two\nlines", None)]


def test_environment_seen_by_the_function(run):
    code = (
        "import os, sys\n"
        "def lambda_handler(event, context):\n"
        "    return [os.environ.get('_X_AMZN_TRACE_ID'), '_LAMBDA_TELEMETRY_LOG_FD' in os.environ,\n"
        "            sys.path[0] == os.getcwd() == os.environ['LAMBDA_TASK_ROOT'],\n"
        "            type(sys.stdout).__name__, sys.argv[1:]]\n"
    )
    inv = run(code)
    trace, fd_visible, task_root_first, stdout_type, argv = inv.payload
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", trace)
    assert fd_visible is False
    assert task_root_first is True
    assert stdout_type == "Unbuffered"
    assert argv == ["lambda_function.lambda_handler"]


def test_trace_id_changes_with_every_invoke(make_function, client):
    code = "import os\ndef lambda_handler(event, context):\n    return os.environ['_X_AMZN_TRACE_ID']\n"
    fn = make_function(code, runtime_client=client)
    first, second = fn.invoke({}), fn.invoke({})
    assert not second.cold
    assert first.payload != second.payload


# ------------------------------------------------------------------------------------------------
# stdout / stderr (section 4.2)
# ------------------------------------------------------------------------------------------------


def test_print_lines_are_separate_records(run):
    code = (
        "import sys\n"
        "def lambda_handler(event, context):\n"
        "    print('\\nmulti\\nline\\nstring\\nanother\\rline\\n')\n"
        "    print('{}')\n"
        "    sys.stderr.write('to stderr\\n')\n"
    )
    inv = run(code)
    assert messages(inv, "stdout") == ["multi\n", "line\n", "string\n", "another\rline\n", "{}\n"]
    assert messages(inv, "stderr") == ["to stderr\n"]
    assert runtime_records(inv) == []


def test_stdout_is_unbuffered(run):
    """Output written just before the process dies without flushing still reaches the log."""
    code = (
        "import os\ndef lambda_handler(event, context):\n    print('last words')\n    os._exit(1)\n"
    )
    inv = run(code)
    assert inv.error["errorType"] == "Runtime.ExitError"
    assert "last words\n" in messages(inv, "stdout")


# ------------------------------------------------------------------------------------------------
# Logging, Text format (section 4.2)
# ------------------------------------------------------------------------------------------------

TEXT_LOGGING = """
import logging
logger = logging.getLogger()
logger.warning("during init")
def lambda_handler(event, context):
    logger.debug("debug")
    logger.info("info is dropped: the root level stays WARNING")
    logger.warning("warn %s", 1)
    logging.getLogger("child.logger").error("from a child")
    try:
        {}["missing"]
    except KeyError:
        logger.exception("caught")
    return [type(h).__name__ for h in logger.handlers] + [logger.level]
"""


def test_text_logging(run):
    inv = run(TEXT_LOGGING)
    assert inv.payload == ["LambdaLoggerHandler", 30]
    records = runtime_records(inv)
    rid = inv.request_id
    assert [r.level for r in records] == [None] * 4  # untyped frames without a log level
    init, warn, child, caught = (r.message for r in records)
    assert re.fullmatch(rf"\[WARNING\]\t{TEXT_TS}\t\tduring init\n", init)
    assert re.fullmatch(rf"\[WARNING\]\t{TEXT_TS}\t{rid}\twarn 1\n", warn)
    assert re.fullmatch(rf"\[ERROR\]\t{TEXT_TS}\t{rid}\tfrom a child\n", child)
    head, _, trace = caught.partition("\n")
    assert re.fullmatch(rf"\[ERROR\]\t{TEXT_TS}\t{rid}\tcaught", head)
    assert trace.startswith("Traceback (most recent call last):\n")
    assert trace.endswith("KeyError: 'missing'")  # one record, no trailing newline


def test_log_level_variable_sets_root_level_and_typed_frames(run):
    inv = run(TEXT_LOGGING, environment={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"})
    assert inv.payload == ["LambdaLoggerHandlerWithFrameType", 10]
    records = runtime_records(inv)
    assert [r.level for r in records] == ["WARN", "DEBUG", "INFO", "WARN", "ERROR", "ERROR"]
    assert records[1].message.startswith("[DEBUG]\t")


def test_logging_imported_late_is_still_configured(run):
    """The runtime's root handler must be there whenever `logging` is first imported."""
    code = (
        "def lambda_handler(event, context):\n"
        "    import logging\n"
        "    logging.warning('late')\n"
        "    return [type(h).__name__ for h in logging.getLogger().handlers]\n"
    )
    inv = run(code)
    assert inv.payload == ["LambdaLoggerHandler"]
    assert re.fullmatch(
        rf"\[WARNING\]\t{TEXT_TS}\t{inv.request_id}\tlate\n", runtime_records(inv)[0].message
    )


# ------------------------------------------------------------------------------------------------
# Logging, JSON format (section 4.4)
# ------------------------------------------------------------------------------------------------

JSON_LOGGING = """
import logging
logger = logging.getLogger()
logger.warning("during init")
def lambda_handler(event, context):
    logger.debug("dropped below INFO")
    logger.info("hello %s", "world")
    logger.info({"a": 1})
    logger.log(25, "between levels")
    logger.warning("with extra", extra={"user": "u1", "obj": object})
    try:
        raise ValueError("bad")
    except ValueError:
        logger.exception("failed")
    raise KeyError("unhandled")
"""


def test_json_logging(run):
    inv = run(JSON_LOGGING, log_format="JSON", log_level="INFO")
    rid = inv.request_id
    records = runtime_records(inv)
    assert [r.level for r in records] == ["WARN", "INFO", "INFO", "INFO", "WARN", "ERROR", "ERROR"]
    parsed = [json.loads(r.message) for r in records]
    assert all(r.message.endswith("}\n") for r in records[:-1])
    assert not records[-1].message.endswith("\n")
    for rec in parsed:
        assert re.fullmatch(JSON_TS, rec["timestamp"])
    init, hello, as_dict, between, extra, failed, unhandled = parsed
    assert list(init) == ["timestamp", "level", "message", "logger", "requestId"]
    assert init["requestId"] == "" and init["message"] == "during init"
    assert {k: hello[k] for k in ("level", "message", "logger", "requestId")} == {
        "level": "INFO", "message": "hello world", "logger": "root", "requestId": rid,
    }  # fmt: skip
    assert as_dict["message"] == {"a": 1}
    assert between["level"] == "INFO"  # rounded down to a standard level
    assert list(extra)[-2:] == ["user", "obj"] and extra["obj"] == "<class 'object'>"
    assert list(failed) == [
        "timestamp", "level", "message", "logger", "stackTrace", "errorType", "errorMessage",
        "requestId", "location",
    ]  # fmt: skip
    assert failed["errorType"] == "ValueError" and failed["errorMessage"] == "bad"
    assert failed["location"].endswith("lambda_function.py:lambda_handler:14")
    assert failed["stackTrace"][0].startswith('  File "')
    # The unhandled error's record: timestamp, level, then the error body itself.
    assert list(unhandled) == [
        "timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace",
    ]  # fmt: skip
    assert unhandled["level"] == "ERROR"
    assert {k: v for k, v in unhandled.items() if k not in ("timestamp", "level")} == inv.error
    assert records[-1].message == json.dumps(unhandled)  # simplejson's separators


# ------------------------------------------------------------------------------------------------
# Errors raised by the handler (sections 4.3, 5.2)
# ------------------------------------------------------------------------------------------------


def test_raised_exception_body_and_log(run):
    inv = run("def lambda_handler(event, context):\n    raise Exception('Handler fails')\n")
    path = handler_file(inv)
    assert path.endswith("/lambda_function.py")
    assert inv.error == {
        "errorMessage": "Handler fails",
        "errorType": "Exception",
        "requestId": inv.request_id,
        "stackTrace": [
            f"  File \"{path}\", line 2, in lambda_handler\n    raise Exception('Handler fails')\n"
        ],
    }
    (record,) = runtime_records(inv)
    assert record.level == "ERROR"
    assert record.message == (
        "[ERROR] Exception: Handler fails\nTraceback (most recent call last):\n"
        f'{NBSP * 2}File "{path}", line 2, in lambda_handler\n'
        f"{NBSP * 4}raise Exception('Handler fails')"
    )


def test_nested_raise_keeps_the_users_frames_only(run):
    code = (
        "def divide(a, b):\n"
        "    return a / b\n"
        "def lambda_handler(event, context):\n"
        "    try:\n"
        "        divide(1, 0)\n"
        "    except ZeroDivisionError as exc:\n"
        "        raise LookupError('wrapped') from exc\n"
    )
    inv = run(code)
    path = handler_file(inv)
    assert inv.error["errorType"] == "LookupError"
    assert inv.error["stackTrace"] == [
        f"  File \"{path}\", line 7, in lambda_handler\n    raise LookupError('wrapped') from exc\n"
    ]


def test_error_messages_of_odd_exceptions(run):
    code = (
        "class Quiet(Exception):\n    pass\n"
        "def lambda_handler(event, context):\n"
        "    if event['kind'] == 'key':\n        return {}['action']\n"
        "    raise Quiet()\n"
    )
    inv = run(code, {"kind": "key"})
    assert (inv.error["errorType"], inv.error["errorMessage"]) == ("KeyError", "'action'")
    inv = inv.function.invoke({"kind": "quiet"})
    assert (inv.error["errorType"], inv.error["errorMessage"]) == ("Quiet", "")
    assert runtime_records(inv)[0].message.startswith(
        "[ERROR] Quiet\nTraceback (most recent call last):\n"
    )


# ------------------------------------------------------------------------------------------------
# Init errors (sections 4.3, 5.4)
# ------------------------------------------------------------------------------------------------

INIT_ERRORS = {
    "malformed": (
        "def lambda_handler(event, context):\n    return 1\n",
        "lambda_function",
        "Runtime.MalformedHandlerName",
        "Bad handler 'lambda_function': not enough values to unpack (expected 2, got 1)",
    ),
    "no_module": (
        "x = 1\n",
        "missing_module.lambda_handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'missing_module': No module named 'missing_module'",
    ),
    "import_inside": (
        "import not_installed_anywhere\n",
        "lambda_function.lambda_handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'lambda_function': No module named 'not_installed_anywhere'",
    ),
    "not_found": (
        "def handler(event, context):\n    return 1\n",
        "lambda_function.lambda_handler",
        "Runtime.HandlerNotFound",
        "Handler 'lambda_handler' missing on module 'lambda_function'",
    ),
    "builtin": (
        "x = 1\n",
        "sys.lambda_handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys as a handler module",
    ),
}


@pytest.mark.parametrize("case", list(INIT_ERRORS))
def test_init_error(run, case):
    code, handler, error_type, message = INIT_ERRORS[case]
    inv = run(code, handler=handler, filename="lambda_function.py")
    assert inv.error == {
        "errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": [],
    }  # fmt: skip
    records = runtime_records(inv)
    # Both the init attempt and its retry inside the invoke log the pair.
    assert len(records) == 4
    warning, error = records[:2]
    assert re.fullmatch(
        rf"\[WARNING\]\t{TEXT_TS}\t\t{re.escape(LAMBDA_WARNING)}\n", warning.message
    )
    assert error.message == (f"[ERROR] {error_type}: {message}\nTraceback (most recent call last):")
    assert error.level == "ERROR"


def test_syntax_error(run):
    inv = run("def lambda_handler(event, context):\n    return (1,\n")
    assert inv.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert re.fullmatch(
        r"Syntax error in module 'lambda_function': .+ \(lambda_function\.py, line \d\)",
        inv.error["errorMessage"],
    )
    (frame,) = inv.error["stackTrace"]
    assert re.fullmatch(r'  File "/.+/lambda_function\.py" Line \d\n    .*\n?', frame)
    assert inv.error["requestId"] == ""


def test_exception_at_import(run):
    inv = run("raise Exception('Runtime startup fails')\n")
    assert inv.error["errorType"] == "Exception"
    assert inv.error["errorMessage"] == "Runtime startup fails"
    assert inv.error["requestId"] == ""
    trace = inv.error["stackTrace"]
    assert re.fullmatch(
        r'  File ".+/importlib/__init__\.py", line \d+, in import_module\n.*\n', trace[0]
    )
    assert any(frame.startswith('  File "<frozen importlib._bootstrap>"') for frame in trace)
    assert trace[-1].endswith(
        "/lambda_function.py\", line 1, in <module>\n    raise Exception('Runtime startup fails')\n"
    )
    assert not any("bootstrap.py" in frame for frame in trace)


def test_json_format_init_error(run):
    inv = run("x = 1\n", log_format="JSON")
    warning, error = (json.loads(r.message) for r in runtime_records(inv)[:2])
    assert warning["level"] == "WARNING" and warning["message"] == LAMBDA_WARNING
    assert error == {"timestamp": error["timestamp"], "level": "ERROR", **inv.error}


def test_exit_during_init_and_invoke(run):
    inv = run("import sys\nsys.exit(0)\n")
    assert inv.error["errorType"] == "Runtime.ExitError"
    inv = run("import sys\ndef lambda_handler(event, context):\n    sys.exit(3)\n")
    assert inv.error["errorType"] == "Runtime.ExitError"
    assert inv.error["errorMessage"].endswith("Runtime exited with error: exit status 3")


# ------------------------------------------------------------------------------------------------
# Marshalling (section 5.5)
# ------------------------------------------------------------------------------------------------

MARSHAL = """
import collections, datetime, decimal
Point = collections.namedtuple("Point", "x y")
def lambda_handler(event, context):
    kind = event["kind"]
    if kind == "decimal":
        return {"price": decimal.Decimal("1.10"), "big": decimal.Decimal("1E+2"),
                "nan": decimal.Decimal("NaN")}
    if kind == "floats":
        return [float("nan"), float("inf"), -float("inf"), 0.1]
    if kind == "namedtuple":
        return {"p": Point(1, 2), "t": (1, 2)}
    if kind == "bytes_inside":
        return {b"key": b"value"}
    if kind == "bytes":
        return b"\\x00raw\\xff"
    if kind == "set":
        return {1, 2}
    if kind == "datetime":
        return {"when": datetime.datetime(2024, 1, 1)}
    if kind == "unicode":
        return "é😀"
    if kind == "circular":
        loop = []
        loop.append(loop)
        return loop
"""


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("decimal", b'{"price": 1.10, "big": 1E+2, "nan": NaN}'),
        ("floats", b"[NaN, Infinity, -Infinity, 0.1]"),
        ("namedtuple", b'{"p": {"x": 1, "y": 2}, "t": [1, 2]}'),
        ("bytes_inside", b'{"key": "value"}'),
        ("bytes", b"\x00raw\xff"),
    ],
)
def test_marshalled_response(run, kind, raw):
    inv = run(MARSHAL, {"kind": kind})
    assert inv.status == "success", inv.error
    assert inv.raw_payload == raw


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("set", "Object of type set is not JSON serializable"),
        ("datetime", "Object of type datetime is not JSON serializable"),
        ("circular", "Circular reference detected"),
    ],
)
def test_marshal_error(run, kind, reason):
    inv = run(MARSHAL, {"kind": kind})
    message = f"Unable to marshal response: {reason}"
    assert inv.error == {
        "errorMessage": message, "errorType": "Runtime.MarshalError",
        "requestId": inv.request_id, "stackTrace": [],
    }  # fmt: skip
    (record,) = runtime_records(inv)
    assert record.message == (
        f"[ERROR] Runtime.MarshalError: {message}\nTraceback (most recent call last):"
    )


def test_non_ascii_response_follows_the_runtime_version(run):
    inv = run(MARSHAL, {"kind": "unicode"})
    # awslambdaric writes raw UTF-8 only on python3.12+ (AWS_EXECUTION_ENV), else \u escapes.
    expected = '"é😀"' if sys.version_info >= (3, 12) else '"\\u00e9\\ud83d\\ude00"'
    assert inv.raw_payload == expected.encode()


def test_async_handler_returns_a_coroutine(run):
    inv = run("async def lambda_handler(event, context):\n    return 1\n")
    assert inv.error["errorType"] == "Runtime.MarshalError"
    assert inv.error["errorMessage"] == (
        "Unable to marshal response: Object of type coroutine is not JSON serializable"
    )


def test_nan_is_refused_by_the_api_and_a_bom_is_skipped(run):
    code = "def lambda_handler(event, context):\n    return event\n"
    inv = run(code, {"first": 1})
    # NaN is not JSON: the Invoke API refuses it before the runtime sees it (the runtime's own
    # Runtime.UnmarshalError is then unreachable through Invoke).
    with pytest.raises(InvalidRequestContentException, match="Non-standard token 'NaN'"):
        inv.function.invoke(b'{"a": NaN}')
    inv = inv.function.invoke(b'\xef\xbb\xbf{"bom": "skipped"}')
    assert inv.payload == {"bom": "skipped"}


# ------------------------------------------------------------------------------------------------
# Start-up cost (our client only)
# ------------------------------------------------------------------------------------------------


def test_start_up_imports_stay_lean(make_function):
    """Cold starts pay for nothing the function does not use: the runtime itself must not
    import logging, json, socket, http or traceback before the handler runs."""
    code = (
        "import sys\n"
        "AT_IMPORT = sorted(sys.modules)\n"
        "def lambda_handler(event, context):\n"
        "    return AT_IMPORT\n"
    )
    fn = make_function(code, runtime_client="lambda_nb")
    loaded = set(fn.invoke({}).payload)
    heavy = {"logging", "json", "socket", "http.client", "urllib.request", "traceback", "decimal"}
    assert not heavy & loaded, heavy & loaded
