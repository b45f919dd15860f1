"""What the magic and the CLI share: splitting an option line, reading an EVENT, `--env K=V`.

No IPython here, and no Lambda logic either: these turn user text into the arguments of
`Function.from_source(...)` and `fn.invoke(event)`. Errors are `CommandError` (a ValueError);
the magic turns them into UsageError, the CLI into exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

DEFAULT_NAME = "my-function"
DEFAULT_HANDLER = "lambda_function.lambda_handler"
LOG_FORMATS = ("Text", "JSON")

_OPEN = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "'\""


class CommandError(ValueError):
    """A bad option or EVENT, with a message that names the problem."""


def split_line(line: str) -> list[str]:
    """Split a magic line on whitespace, keeping quoted text and bracketed groups whole.

    IPython's own splitter (shlex, non-POSIX) cuts `s3.put(key="a b.txt")` and an unquoted
    `{"a": 1, "b": 2}` into pieces and leaves quotes in tokens; here a token runs until
    whitespace outside quotes and brackets, and one pair of quotes around a whole token is
    removed, so `--event '{"x": 1}'`, `--event {"x": 1}` and `--env "K=a b"` all do what they say.
    A line whose brackets do not balance is split on whitespace and quotes alone.
    """
    try:
        return _split(line, brackets=True)
    except _Unbalanced:
        return _split(line, brackets=False)


class _Unbalanced(Exception):
    pass


def _split(line: str, *, brackets: bool) -> list[str]:
    tokens: list[str] = []
    buf: list[str] = []
    closers: list[str] = []
    quote = ""
    escaped = False
    started = False
    for ch in line:
        if quote:
            buf.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch.isspace() and not closers:
            if started:
                tokens.append(unquote("".join(buf)))
                buf, started = [], False
            continue
        started = True
        buf.append(ch)
        if ch in _QUOTES:
            quote = ch
        elif brackets and ch in _OPEN:
            closers.append(_OPEN[ch])
        elif closers and ch == closers[-1]:
            closers.pop()
    if quote:
        raise CommandError(f"unterminated {quote} quote in: {line.strip()}")
    if closers:
        raise _Unbalanced
    if started:
        tokens.append(unquote("".join(buf)))
    return tokens


def unquote(token: str) -> str:
    """Remove one pair of matching quotes around the whole token (as a shell would)."""
    if len(token) >= 2 and token[0] == token[-1] and token[0] in _QUOTES:
        return token[1:-1]
    return token


def parse_env(items: Iterable[str] | None) -> dict[str, str] | None:
    """`K=V` pairs into a dict; None when there are none (the function keeps no variables)."""
    env: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--env expects KEY=VALUE, got {item!r}")
        env[unquote(key)] = unquote(value)
    return env or None


def events_module() -> ModuleType | None:
    """The events catalog, if this install has it (complete enough to build events)."""
    try:
        module = import_module("lambda_nb.events")
    except ModuleNotFoundError as exc:
        if exc.name != "lambda_nb.events":
            raise
        return None
    wanted = ("is_spec", "parse_spec", "build", "catalog", "parse_cli_params", "cli_main")
    return module if all(hasattr(module, name) for name in wanted) else None


def require_events() -> ModuleType:
    module = events_module()
    if module is None:
        raise CommandError("the events catalog (lambda_nb.events) is not available in this install")
    return module


def _event_error(module: ModuleType | None) -> tuple[type[BaseException], ...]:
    error = getattr(module, "EventError", None) if module else None
    return (error,) if isinstance(error, type) else ()


def resolve_event(
    text: str | None, namespace: Mapping[str, Any] | None = None, base: Path | None = None
) -> Any:
    """Turn an EVENT argument into the event.

    In order: none -> `{}`; `@path` -> that JSON file (`@-` reads stdin); a name bound in
    `namespace` (the notebook's variables) -> its value; a JSON literal; an events-catalog spec
    such as `s3.put(key="a b.txt")`.
    """
    if text is None:
        return {}
    text = unquote(text.strip())
    if text.startswith("@"):
        return _read_event_file(text[1:], base)
    if namespace is not None and text.isidentifier() and text in namespace:
        return namespace[text]
    try:
        return json.loads(text)
    except ValueError as exc:
        json_error = exc
    module = events_module()
    if module is not None and (module.is_spec(text) or _looks_like_spec(text)):
        try:
            name, params = module.parse_spec(text)
            return module.build(name, **params)
        except _event_error(module) as exc:
            raise CommandError(f"--event {text}: {exc}") from exc
    if text.isidentifier() and namespace is not None:
        raise CommandError(f"--event {text}: no variable named {text!r} (and not JSON)")
    hint = "" if module is not None else "; the events catalog is not available in this install"
    if _looks_like_spec(text) and module is None:
        raise CommandError(f"--event {text}: looks like a catalog spec{hint}")
    kinds = (
        "JSON, @file, a variable name or a catalog spec"
        if namespace is not None
        else ("JSON, @file or a catalog spec")
    )
    raise CommandError(f"--event {text}: expected {kinds} ({json_error}){hint}")


def _looks_like_spec(text: str) -> bool:
    """`word.word` or `word.word(...)`: meant as a catalog spec even if the name is misspelt."""
    head, paren, _ = text.partition("(")
    parts = head.strip().split(".")
    shaped = len(parts) == 2 and all(p.replace("-", "_").isidentifier() for p in parts)
    return shaped and (not paren or text.rstrip().endswith(")"))


def _read_event_file(path: str, base: Path | None) -> Any:
    path = unquote(path)
    if path == "-":
        source, data = "stdin", sys.stdin.read()
    else:
        file = Path(path).expanduser()
        if base is not None and not file.is_absolute():
            file = base / file
        source = str(file)
        try:
            data = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--event @{path}: cannot read {source}: {exc.strerror}") from exc
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CommandError(f"--event @{path}: {source} is not JSON: {exc}") from exc


def function_failed_message(inv: Any) -> str:
    """One line for a failed invocation, e.g. for `raise_on_error`."""
    error = inv.error or {}
    what = ": ".join(str(x) for x in (error.get("errorType"), error.get("errorMessage")) if x)
    return f"{inv.function_name} rev {inv.revision} {inv.status}" + (f": {what}" if what else "")


# ------------------------------------------------------------ the invocation model's commands
def count_or_none(text: str) -> int | None:
    """`--reserved-concurrency 5`, or `none` to remove the setting."""
    if text.strip().lower() in ("none", "off", "-"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number or none, not {text!r}") from None


def routing(text: str) -> dict[str, float]:
    """`2=0.1`: an alias sends that share of its invokes to version 2."""
    version, sep, weight = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return {version.strip(): float(weight)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"VERSION=WEIGHT, e.g. 2=0.1, not {text!r}") from None


def configure(fn: Any, args: argparse.Namespace) -> str:
    """`%lambda configure`: concurrency, and the async settings merged into the current ones
    (as UpdateFunctionEventInvokeConfig does). Returns what is now in force. The concurrency
    options are absent from `args` when not given (argparse.SUPPRESS): `none` removes."""
    if hasattr(args, "reserved_concurrency"):
        fn.configure(reserved_concurrency=args.reserved_concurrency)
    if hasattr(args, "dead_letter"):  # the local AWS's queue or topic (lambda_nb.aws)
        none = args.dead_letter.strip().lower() in ("none", "off", "-")
        fn.configure(dead_letter_target=None if none else args.dead_letter)
    if hasattr(args, "provisioned_concurrency"):
        fn.configure(provisioned_concurrency=args.provisioned_concurrency, qualifier=args.qualifier)
    asked = {
        "maximum_retry_attempts": args.retries,
        "maximum_event_age": args.max_event_age,
        "on_success": args.on_success,
        "on_failure": args.on_failure,
    }
    if any(v is not None for v in asked.values()):
        current = fn.service.async_config(fn.name)
        merged = {k: getattr(current, k) if v is None else v for k, v in asked.items()}
        fn.configure_async(**merged)
    return describe(fn)


def describe(fn: Any) -> str:
    """One line of what governs the function's invocations."""
    config = fn.service.async_config(fn.name)
    reserved = fn.service.concurrency.reserved(fn.name)
    parts = [
        f"reserved concurrency {'none' if reserved is None else reserved}",
        f"async retries {config.maximum_retry_attempts}",
        f"max event age {config.maximum_event_age} s",
    ]
    if config.on_success:
        parts.append(f"on success -> {config.on_success}")
    if config.on_failure:
        parts.append(f"on failure -> {config.on_failure}")
    dead_letter = getattr(fn.service, "dead_letter_target", lambda name: None)(fn.name)
    if dead_letter:
        parts.append(f"dead-letter -> {dead_letter}")
    return f"{fn.name}: " + ", ".join(parts)


def describe_alias(fn: Any, name: str) -> str:
    alias = fn.aliases[name]
    split = "".join(f", {weight:.0%} to version {v}" for v, weight in alias.routing.items())
    return f"{fn.name}:{name} -> version {alias.version}{split}"


# ------------------------------------------------------------------ the way out to AWS
def package_summary(name: str, path: Path) -> str:
    """One line about a deployment package: where, how big, its CodeSha256 (as AWS shows it)."""
    from lambda_nb.engine.package import code_sha256

    return (
        f"{name}: {path} ({path.stat().st_size:,} bytes, CodeSha256 {code_sha256(path)}); "
        f"aws lambda create-function --function-name {name} --zip-file fileb://{path} ..."
    )


def export_summary(template: Path) -> str:
    return f"Wrote {template}; then: cd {template.parent} && sam build && sam deploy --guided"


def deploy_summary(config: Mapping[str, Any]) -> str:
    """One line from a FunctionConfiguration."""
    return (
        f"Deployed {config.get('FunctionName')}: {config.get('FunctionArn')} "
        f"({config.get('Runtime')}, {config.get('State')}, last update "
        f"{config.get('LastUpdateStatus')}, CodeSha256 {config.get('CodeSha256')})"
    )
# ------------------------------------------------------------ serve: the HTTP front end
def serve(fn: Any, args: argparse.Namespace, on_exchange: Any = None) -> Any:
    """`%lambda serve NAME` / `lambda-nb serve FILE`: start a server; returns it."""
    from lambda_nb.options import serve_settings

    qualifier = getattr(args, "qualifier", None)
    return fn.serve(**serve_settings(args), qualifier=qualifier, on_exchange=on_exchange)


def stop_serving(fn: Any) -> list[Any]:
    """`%lambda serve NAME --stop`: close the function's servers; returns them."""
    stopped = list(fn.servers)
    for server in stopped:
        server.close()
    return stopped


def describe_server(server: Any) -> str:
    """One line: what is served where, and how to stop it."""
    from lambda_nb.aws.http_frontend import API_NAMES

    return f"{server.function_name}: {API_NAMES[server.api]} at {server.url}"


def server_rows(servers: Iterable[Any]) -> list[list[str]]:
    """The servers as rows of (function, API, URL, requests answered)."""
    from lambda_nb.aws.http_frontend import API_NAMES

    return [[s.function_name, API_NAMES[s.api], s.url, str(s.exchanges)] for s in servers]


def exchange_line(exchange: Any) -> str:
    """An access-log line: `GET /path?q 200 12.3 ms <request id> <why, on an error>`."""
    request = exchange.request
    target = request.path + (f"?{request.query}" if request.query else "")
    inv = exchange.invocation
    parts = [
        request.method,
        target,
        str(exchange.response.status),
        f"{exchange.duration_ms:.1f} ms",
    ]
    if inv is not None:
        parts.append(inv.request_id)
    if exchange.situation is not None:
        parts.append(f"({exchange.situation.replace('_', ' ')}"
                     + (f": {exchange.detail})" if exchange.detail else ")"))  # fmt: skip
    return " ".join(parts)


# ------------------------------------------------ the local AWS and triggers (lambda_nb.aws)
AWS_ACTIONS = ("start", "status", "reset", "stop")
TRIGGER_KINDS = ("sqs", "kinesis", "dynamodb", "s3")


def add_aws_arguments(aws: argparse.ArgumentParser, trigger: argparse.ArgumentParser) -> None:
    """The arguments of `aws ACTION` and `trigger NAME KIND SOURCE` (magic and CLI alike)."""
    aws.add_argument("action", metavar="ACTION", choices=AWS_ACTIONS, help=", ".join(AWS_ACTIONS))
    trigger.add_argument("name", metavar="NAME", help="a function's name")
    trigger.add_argument(
        "kind", metavar="KIND", choices=TRIGGER_KINDS, help=", ".join(TRIGGER_KINDS)
    )
    trigger.add_argument(
        "source", metavar="SOURCE",
        help="an event source ARN, or the queue, stream, table or bucket name",
    )  # fmt: skip
    trigger.add_argument("--batch-size", metavar="N", type=int, help="records per batch")
    trigger.add_argument(
        "--batching-window", metavar="S", type=int, default=0,
        help="seconds to gather a batch (0-300; needed for SQS batches over 10)",
    )  # fmt: skip
    trigger.add_argument(
        "--report-batch-item-failures", action="store_true",
        help="the function returns batchItemFailures: only those are retried",
    )  # fmt: skip
    trigger.add_argument(
        "--starting-position", metavar="P", default="LATEST", help="streams: LATEST, TRIM_HORIZON"
    )
    trigger.add_argument("--bisect", action="store_true", help="streams: split failed batches")
    trigger.add_argument(
        "--retries", metavar="N", type=int, default=-1, help="streams: retries (-1: until success)"
    )
    trigger.add_argument("--on-failure", metavar="ARN", help="streams: SQS queue or SNS topic")
    trigger.add_argument("--disabled", action="store_true", help="create it disabled")
    trigger.add_argument("--prefix", default="", help="s3: only keys starting with this")
    trigger.add_argument("--suffix", default="", help="s3: only keys ending with this")
    trigger.add_argument(
        "--events", nargs="+", metavar="E", default=["s3:ObjectCreated:*"],
        help="s3: event types (default s3:ObjectCreated:*)",
    )  # fmt: skip


def aws_action(action: str) -> Any:
    """`aws start|status|reset|stop`: a line to print, or the status to display."""
    import lambda_nb.aws as local

    if action == "start":
        return f"Local AWS running at {local.start()} (boto3: lambda_nb.aws.client('s3'))"
    if action == "status":
        return local.status()
    if action == "reset":
        local.reset()
        return "Local AWS reset: every bucket, table, queue and stream is gone, and its triggers"
    local.stop()
    return "Local AWS stopped"


def source_arn(kind: str, source: str) -> str:
    """An ARN from a name: queues and streams by their ARN form, a table by its stream."""
    from lambda_nb.engine.config import ACCOUNT_ID, REGION

    if source.startswith("arn:") or kind == "s3":
        return source
    if kind == "sqs":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{source}"
    if kind == "kinesis":
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/{source}"
    import lambda_nb.aws as local

    try:
        table = local.client("dynamodb").describe_table(TableName=source)["Table"]
    except Exception as exc:
        raise CommandError(f"no DynamoDB table named {source!r} in the local AWS") from exc
    if "LatestStreamArn" not in table:
        raise CommandError(f"table {source!r} has no stream (StreamSpecification)")
    return str(table["LatestStreamArn"])


def trigger(fn: Any, args: argparse.Namespace) -> tuple[str, Any]:
    """`trigger NAME KIND SOURCE ...`: the mapping or S3 trigger made, and a line saying so."""
    if args.kind == "s3":
        made = fn.add_s3_trigger(args.source, tuple(args.events), args.prefix, args.suffix)
        where = f"s3://{made.bucket}/{made.prefix}*{made.suffix}"
        return f"{fn.name} <- {where} {', '.join(made.events)}: {made.state}", made
    arn = source_arn(args.kind, args.source)
    if not arn.split(":")[2:3] == [{"sqs": "sqs", "kinesis": "kinesis"}.get(args.kind, "dynamodb")]:
        raise CommandError(f"{arn} is not a {args.kind} ARN")
    mapping = fn.add_event_source(
        arn,
        batch_size=args.batch_size,
        maximum_batching_window=args.batching_window,
        function_response_types=("ReportBatchItemFailures",)
        if args.report_batch_item_failures
        else (),
        starting_position=args.starting_position,
        bisect_batch_on_function_error=args.bisect,
        maximum_retry_attempts=args.retries,
        destination_on_failure=args.on_failure,
        enabled=not args.disabled,
    )
    from lambda_nb.aws.inventory import describe_mapping

    line = (
        f"{fn.name} <- {arn}: {mapping.state}, mapping {mapping.uuid} ({describe_mapping(mapping)})"
    )
    return line, mapping
