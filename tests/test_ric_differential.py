"""Differential test: our Python runtime client against AWS's own, awslambdaric.

Each handler runs as the same function under `runtime_client="awslambdaric"` and then under
`runtime_client="lambda_nb"`; what the caller and CloudWatch get must be the same: the
response bytes or error body, every log record's text and level (the telemetry frame type),
stdout and stderr lines, and the REPORT status the platform derives from the Runtime API calls.
Only what legitimately differs between two runs is normalised: request ids, timestamps, log
stream names, the task root's path and the runtime's own file paths and line numbers.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, field

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("awslambdaric") is None, reason="awslambdaric is not importable"
)


@dataclass
class Case:
    code: str
    events: list[object] = field(default_factory=lambda: [{}])
    options: dict[str, object] = field(default_factory=dict)


H = "def lambda_handler(event, context):\n"

LOGGING_TEXT = """
import logging
logger = logging.getLogger()
logger.warning("at init")
def lambda_handler(event, context):
    logger.debug("d")
    logger.info("i")
    logger.warning("w %s", 1)
    logging.getLogger("child").error("e")
    logger.critical("c")
    logger.log(25, "custom")
    logger.warning("multi\\nline")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("caught")
    raise KeyError("unhandled")
"""

LOGGING_JSON = """
import logging
logger = logging.getLogger()
logger.info("at init")
def lambda_handler(event, context):
    logger.debug("d")
    logger.info({"a": 1})
    logger.info("x %s", "y")
    logger.warning("extra", extra={"user": "u", "obj": object})
    try:
        raise ValueError("inner")
    except ValueError:
        logger.exception("caught")
    context.log("via context")
    raise RuntimeError("é unhandled")
"""

CASES = {
    "success": Case(
        "import logging\n" + H + "    print('hello')\n    logging.warning('warn')\n"
        "    return {'event': event, 'list': [1, 2.5, None, True], 'text': 'x'}\n",
        [{"a": 1}, {"b": [1, 2]}],
    ),
    "raise": Case(H + "    raise ValueError('boom')\n"),
    "nested_raise": Case(
        "def divide(a, b):\n    return a / b\n"
        "def middle():\n    try:\n        return divide(1, 0)\n"
        "    except ZeroDivisionError as exc:\n        raise LookupError('wrapped') from exc\n"
        + H
        + "    return middle()\n"
    ),
    "raise_odd_messages": Case(
        "class Quiet(Exception):\n    pass\n" + H + "    if event.get('key'):\n"
        "        return {}['action']\n    raise Quiet()\n",
        [{"key": 1}, {}],
    ),
    "raise_unicode": Case(H + "    raise RuntimeError('é ü 😀\\nsecond line')\n"),
    "handler_not_callable": Case("lambda_handler = 5\n"),
    "set": Case(H + "    return {1, 2}\n"),
    "datetime": Case("import datetime\n" + H + "    return [datetime.date(2024, 1, 1)]\n"),
    "circular": Case(H + "    a = []\n    a.append(a)\n    return a\n"),
    "coroutine": Case("async " + H + "    return 1\n"),
    "decimal": Case(
        "from decimal import Decimal\n" + H + "    return {'d': Decimal('1.10'), "
        "'e': [Decimal('1E+2'), Decimal('-0'), Decimal('NaN'), Decimal('-Infinity')]}\n"
    ),
    "decimal_key": Case("from decimal import Decimal\n" + H + "    return {Decimal(1): 1}\n"),
    "floats": Case(H + "    return [float('nan'), float('inf'), -0.0, 1e-7, 0.1, 1e22]\n"),
    "namedtuple_and_bytes": Case(
        "import collections\nP = collections.namedtuple('P', 'x y')\n"
        + H
        + "    return {'p': P(1, [P(2, 3)]), b'k': b'v', 't': (1, 2), 1.5: None, 7: True}\n"
    ),
    "bytes": Case(H + "    return b'\\x00raw\\xff'\n"),
    "unicode": Case(H + "    return {'é': 'ü😀\\u2028\\x7f', 'ctl': '\\x01\\t'}\n"),
    "print": Case(
        "import sys\n" + H + "    print('\\nmulti\\nline\\nstring\\nanother\\rline\\n')\n"
        "    print('{}')\n    sys.stderr.write('err\\n')\n    print('no newline', end='')\n"
    ),
    "context": Case(
        H + "    return [repr(context), context.get_remaining_time_in_millis() > 0,\n"
        "            type(context.memory_limit_in_mb).__name__]\n"
    ),
    "context_log": Case(H + "    context.log('raw\\nrecord')\n    context.log(42)\n"),
    "logging_text": Case(LOGGING_TEXT),
    "logging_text_level": Case(
        LOGGING_TEXT, options={"environment": {"AWS_LAMBDA_LOG_LEVEL": "INFO"}}
    ),
    "logging_json": Case(LOGGING_JSON, options={"log_format": "JSON", "log_level": "DEBUG"}),
    "logging_json_default_level": Case(LOGGING_JSON, options={"log_format": "JSON"}),
    # (NaN in an event is refused by the Invoke API now, before any runtime sees it.)
    "byte_order_mark": Case(H + "    return event\n", [b'\xef\xbb\xbf{"b": 1}']),
    "exit_in_handler": Case("import sys\n" + H + "    print('bye')\n    sys.exit(3)\n"),
    "exit_at_import": Case("import sys\nprint('init')\nsys.exit(0)\n"),
    "init_malformed_handler": Case(H + "    return 1\n", options={"handler": "lambda_function"}),
    "init_no_module": Case(
        "x = 1\n", options={"handler": "missing.handler", "filename": "lambda_function.py"}
    ),
    "init_import_error": Case("import not_installed_anywhere\n"),
    "init_syntax_error": Case("def lambda_handler(event, context):\n    return (1,\n"),
    "init_indentation_error": Case("def lambda_handler(event, context):\nreturn 1\n"),
    "init_handler_not_found": Case("def handler(event, context):\n    return 1\n"),
    "init_builtin_conflict": Case("x = 1\n", options={"handler": "sys.lambda_handler"}),
    "init_exception": Case("import json\njson.loads('{')\n"),
    "init_exception_json": Case(
        "raise Exception('Runtime startup fails')\n", options={"log_format": "JSON"}
    ),
}

NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<request-id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z"), "<timestamp>"),
    (re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}"), "<log-stream>"),
    (re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=\d"), "<trace>"),
    (re.compile(r"/[^\s\"']*?/functions/[^/\s]+/\d+/task"), "/var/task"),
    # The runtime's own frames, where a stack trace or warning shows them.
    (
        re.compile(r"/[^\s\"']*/bootstrap\.py(\\?)\", line \d+"),
        r'<runtime>/bootstrap.py\1", line N',
    ),
    (re.compile(r"/[^\s\"']*/bootstrap\.py:\d+:"), "<runtime>/bootstrap.py:N:"),
]


def normalise(text: str) -> str:
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def observe(fn, event: object) -> dict[str, object]:
    """What an invoke leaves behind, minus the platform's own lines (START, REPORT...)."""
    inv = fn.invoke(event)
    seen = {
        "status": inv.status,
        "raw_payload": None if inv.raw_payload is None else inv.raw_payload.decode("latin-1"),
        "error": inv.error,
        "report": None if inv.report is None else [inv.report.status, inv.report.error_type],
        # Per source: stdout lines and telemetry frames travel separately, so only the order
        # within one source is the runtime's to keep.
        "runtime": [[r.level, r.message] for r in inv.logs if r.source == "runtime"],
        "stdout": [r.message for r in inv.logs if r.source == "stdout"],
        "stderr": [r.message for r in inv.logs if r.source == "stderr"],
    }
    return json.loads(normalise(json.dumps(seen)))


@pytest.mark.parametrize("case", list(CASES))
def test_same_as_awslambdaric(case: str, make_function) -> None:
    spec = CASES[case]
    name = f"diff-{case.replace('_', '-')}"
    seen = {}
    for client in ("awslambdaric", "lambda_nb"):
        # Same name: the second client publishes a new revision of the same function. The
        # timeout is generous: init errors are retried inside the invoke, within the timeout.
        options = {"timeout": 30, **spec.options}
        fn = make_function(spec.code, name=name, runtime_client=client, **options)
        seen[client] = [observe(fn, event) for event in spec.events]
    assert seen["lambda_nb"] == seen["awslambdaric"]
