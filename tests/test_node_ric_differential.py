"""Differential test: our Node.js runtime client against AWS's own, npm `aws-lambda-ric`
(3.x for nodejs22.x, 4.x for nodejs24.x; `python3 tasks.py venv` installs both).

Each handler runs as the same function under `runtime_client="awslambdaric"` and then under
`runtime_client="lambda_nb"`; the caller and CloudWatch must see the same: the response bytes
or error body, every log record's text and level, stdout and stderr lines, the REPORT status
and whether the next invoke is cold. Normalised: request ids, timestamps, log streams, trace
ids, the task root's path, and stack frames outside the function's code (the runtime's own
files and line numbers differ, and so does Node's internal machinery below them).

Deliberate differences, not tested here: the npm releases predate the source the managed
runtimes run today, which we follow (test_nodejs.py covers it): on nodejs20.x/22.x (3.3.0) a
never-settling async handler fails with Runtime.NodeJsExit and a callback handler gets a warning
at init; on nodejs24.x (4.0.2) the context has w3c().
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

import pytest

from lambda_nb.runtimes import registry

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None
    or registry.aws_node_ric("nodejs22.x") is None
    or registry.aws_node_ric("nodejs24.x") is None,
    reason="node or AWS's aws-lambda-ric is not installed",
)
QUIET = {"AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING": "1"}


@dataclass
class Case:
    code: str
    events: list[object] = field(default_factory=lambda: [{}, {"again": True}])
    options: dict[str, object] = field(default_factory=dict)
    runtimes: tuple[str, ...] = ("nodejs22.x", "nodejs24.x")


SLEEP = "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
LOGGING = """console.log('at init', { a: 1 });
console.error(new Error('init error'));
export const handler = async (event) => {
  console.log('hello', event, [1, 'two'], null);
  console.info({ nested: { deep: [1, 2] } });
  console.warn('multi\\nline');
  console.error('with error', new TypeError('typed'));
  console.error(new RangeError('alone'));
  console.debug('debug %s %d', 'x', 7);
  console.trace('trace');
  console.fatal('fatal');
  console.log();
  console.dir({ dir: true });
  console.table([{ a: 1 }]);
  process.stdout.write('raw out\\n');
  process.stderr.write('raw err\\n');
  return event;
};
"""
V3 = ("nodejs22.x",)
CASES = {
    "success": Case(
        "export const handler = async (event) => ({ event, list: [1, 2.5, null, true], "
        "text: 'é ü 😀', nothing: undefined });\n",
        [{"a": 1}, {"b": [1, 2]}],
    ),
    "returns_undefined": Case("export const handler = async () => {};\n"),
    "returns_string": Case("export const handler = async () => 'text';\n"),
    "sync_return_value": Case("export function handler(event) { return 42; }\n"),
    "sync_returns_nothing": Case("export const handler = (event) => { console.log('x'); };\n"),
    "logging_text": Case(LOGGING),
    "logging_json": Case(LOGGING, options={"log_format": "JSON", "log_level": "TRACE"}),
    "logging_json_warn": Case(LOGGING, options={"log_format": "JSON", "log_level": "WARN"}),
    "raise": Case("export const handler = async () => { throw new Error('boom'); };\n"),
    "raise_custom": Case(
        "class ValidationError extends Error {\n"
        "  constructor(m) { super(m); this.name = 'ValidationError'; this.code = 'E42'; "
        "this.field = 'x'; }\n}\n"
        "export const handler = async () => { throw new ValidationError('bad input'); };\n"
    ),
    "throw_string": Case("export const handler = async () => { throw 'plain'; };\n"),
    "throw_object": Case("export const handler = async () => { throw { code: 7 }; };\n"),
    "reject": Case("export const handler = () => Promise.reject(new TypeError('bad'));\n"),
    "throw_in_sync": Case("export function handler() { throw new RangeError('sync'); }\n"),
    "callbacks": Case(
        """export const handler = (event, context, callback) => {
  const how = event.how;
  if (how === 'succeed') context.succeed({ via: 'succeed' });
  else if (how === 'done') context.done(null, 'done');
  else if (how === 'done-error') context.done(new Error('done failed'));
  else if (how === 'fail') context.fail(new Error('failed'));
  else if (how === 'fail-nothing') context.fail();
  else if (how === 'callback-string') callback('boom');
  else if (how === 'twice') { callback(null, 1); callback(null, 2); context.succeed(3); }
  else callback(null, { via: 'callback' });
};
""",
        [
            {"how": h}
            for h in ("succeed", "done", "done-error", "fail", "fail-nothing", "callback-string")
        ]
        + [{"how": "twice"}, {"how": "callback"}],
        options={"environment": QUIET},
        runtimes=V3,
    ),
    "callback_first_wins": Case(
        "export const handler = async (e, c, callback) => { callback(null, 'callback'); "
        "return 'promise'; };\n",
        runtimes=V3,
    ),
    # The response goes out without waiting for the pending timer (waiting would time out).
    # With a 0 ms timer, whether it runs before the freeze or only after the next thaw is a
    # race on AWS too (a busy machine flips it), so the timer here is far off: only what is
    # deterministic is compared.
    "no_wait_for_event_loop": Case(
        "let n = 0;\nexport const handler = (event, context, callback) => {\n"
        "  context.callbackWaitsForEmptyEventLoop = false;\n"
        "  setTimeout(() => { n += 1; }, 60000);\n  callback(null, n);\n};\n",
        [{}, {}, {}],
        options={"environment": QUIET},
        runtimes=V3,
    ),
    "callback_handler_on_24": Case(
        "export const handler = (event, context, callback) => callback(null, 1);\n",
        runtimes=("nodejs24.x",),
    ),
    "context": Case(  # w3c() is newer than aws-lambda-ric 4.0.2 (see test_nodejs.py)
        "export const handler = async (event, context) => {\n"
        "  const keys = Object.keys(context).filter((k) => k !== 'w3c');\n"
        "  return { json: JSON.parse(JSON.stringify(context)), keys, positive: "
        "context.getRemainingTimeInMillis() > 0, types: keys.map((k) => typeof context[k]), "
        "trace: process.env._X_AMZN_TRACE_ID };\n};\n"
    ),
    "environment": Case(
        "export const handler = async () => Object.keys(process.env).sort().filter("
        "(k) => !['LAMBDA_RUNTIME_DIR', 'NODE_PATH', '_'].includes(k));\n"
    ),
    "circular": Case("export const handler = async () => { const a = {}; a.a = a; return a; };\n"),
    "bigint": Case("export const handler = async () => ({ n: 1n });\n"),
    "unhandled_rejection": Case(
        SLEEP + "export const handler = async () => { Promise.reject(new Error('later')); "
        "await sleep(20); return 'ok'; };\n"
    ),
    "rejection_after_response": Case(
        "async function hello() { throw new Error('HelloError'); }\n"
        "export const handler = async () => { hello(); return 'Hello'; };\n"
    ),
    "uncaught_exception": Case(
        SLEEP + "export const handler = async () => { setTimeout(() => { throw new Error('tick'); "
        "}, 0); await sleep(20); return 'ok'; };\n"
    ),
    "process_exit": Case("export const handler = async () => { process.exit(3); };\n"),
    "response_over_6mb": Case(
        "export const handler = async () => 'x'.repeat(7 * 1024 * 1024);\n",
        options={"timeout": 10},
    ),
    "init_throw": Case("throw new Error('no config');\nexport const handler = async () => 1;\n"),
    "init_syntax_error": Case("export const handler = async (event) => {\n  return 1;\n}}\n"),
    "init_missing_export": Case("export const other = 1;\n"),
    "init_not_a_function": Case("export const handler = 42;\n"),
    "init_malformed_handler": Case("export const handler = 1;\n", options={"handler": "index"}),
    "init_missing_module": Case(
        "export const handler = 1;\n", options={"handler": "nope.handler", "filename": "index.mjs"}
    ),
    "init_missing_package": Case("import x from 'no-such-package';\nexport const handler = x;\n"),
    "commonjs": Case(
        "exports.handler = async (event) => ({ cjs: typeof require });\n",
        options={"filename": "index.js"},
    ),
    "commonjs_nested_handler": Case(
        "module.exports = { api: { v1: async () => 'nested' } };\n",
        options={"filename": "app.cjs", "handler": "app.api.v1"},
    ),
}

NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<request-id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"), "<timestamp>"),
    (re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}"), "<log-stream>"),
    (re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=\d"), "<trace>"),
    (re.compile(r"^\[ERROR\] \[\d{13}\]"), "[ERROR] [<epoch-ms>]"),  # aws-lambda-cpp's own lines
    (re.compile(r"/[^\s\"'(]*?/functions/[^/\s]+/\d+/task"), "/var/task"),
    # "Require stack: - /var/runtime/index.mjs" names the runtime's own entry module.
    (re.compile(r"- /[^\s\"'\\]*/index\.mjs"), "- /var/runtime/index.mjs"),
]
# Stack frames outside the function's own code: items of a JSON array in a log line, lines
# inside a JSON string (an escaped newline first), and lines of raw text.
_FRAMES = [
    re.compile(r',"    at (?:[^"\\]|\\.)*"'),
    re.compile(r'\\n    at (?:[^"\\]|\\[^n])*'),
    re.compile(r"^    at .*$\n?", re.M),
]
_CRASH_SOURCE = re.compile(r"^(?:file://)?/\S+:\d+$")  # the first line of Node's crash report


def normalise(value: object) -> object:
    """Every string in `value` with the run-specific parts replaced and foreign frames cut."""
    if isinstance(value, str):
        for pattern, replacement in NORMALISE:
            value = pattern.sub(replacement, value)
        for pattern in _FRAMES:
            value = pattern.sub(lambda m: m[0] if "/var/task" in m[0] else "", value)
        return value
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def observe(fn, event: object) -> object:
    inv = fn.invoke(event)
    error = dict(inv.error) if inv.error else None
    if error and isinstance(error.get("trace"), list):
        error["trace"] = [line for line in error["trace"] if "    at " not in line or "/task/" in line]
    stderr = [
        r.message
        for r in inv.logs
        if r.source == "stderr"
        and not _CRASH_SOURCE.match(r.message.strip())
        and not (r.message.startswith("    at ") and "/task/" not in r.message)
    ]
    return normalise(
        {
            "status": inv.status,
            "cold": inv.cold,
            "raw_payload": None if inv.raw_payload is None else inv.raw_payload.decode("latin-1"),
            "error": error,
            "report": None if inv.report is None else [inv.report.status, inv.report.error_type],
            "runtime": [[r.level, r.message] for r in inv.logs if r.source == "runtime"],
            "stdout": [r.message for r in inv.logs if r.source == "stdout"],
            "stderr": stderr,
        }
    )


@pytest.mark.parametrize(
    ("case", "runtime"), [(case, runtime) for case, spec in CASES.items() for runtime in spec.runtimes]
)
def test_same_as_aws_lambda_ric(case: str, runtime: str, make_function) -> None:
    spec = CASES[case]
    name = f"ndiff-{case.replace('_', '-')}-{runtime[6:8]}"
    seen = {}
    for client in ("awslambdaric", "lambda_nb"):
        # Init failures restart inside the invoke, under the function's timeout: room for that.
        options = {"runtime": runtime, "runtime_client": client, "timeout": 30, **spec.options}
        fn = make_function(spec.code, name=name, **options)
        seen[client] = [observe(fn, event) for event in spec.events]
    assert seen["lambda_nb"] == seen["awslambdaric"]
