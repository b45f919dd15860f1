"""`lambda-nb`: invoke a handler file from a shell, as `aws lambda invoke` would show it.

`lambda-nb invoke FILE --event EVENT` prints the log records (platform and application) to
stderr as they are written and the response or error body (JSON) to stdout. Exit status:
0 success, 1 function error, 2 usage error, 130 interrupted, 141 stdout closed early.
`lambda-nb event ...` is the events catalog's own command line. The function options are
declared once, in `lambda_nb.options`, for this and the `%%lambda` magic.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from lambda_nb import __version__, options
from lambda_nb.commands import CommandError, require_events, resolve_event

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation, LogRecord

EXIT_OK, EXIT_FUNCTION_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE, as a shell reports a process killed by it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambda-nb", description="Run AWS Lambda handlers in a local execution environment."
    )
    parser.add_argument("--version", action="version", version=f"lambda-nb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    inv = sub.add_parser(
        "invoke",
        help="invoke a handler file once",
        description="Invoke FILE's handler with EVENT: logs go to stderr, the response or "
        "error body to stdout.",
    )
    inv.add_argument("file", metavar="FILE", help="the handler module, e.g. lambda_function.py")
    options.add_to_parser(inv)
    inv.add_argument("--name", metavar="N", help="function name (default: my-function)")
    inv.add_argument("--quiet", "-q", action="store_true", help="do not print the log records")
    model = inv.add_argument_group("the invocation model")
    model.add_argument(
        "--async", dest="asynchronous", action="store_true",
        help="InvocationType Event: queue it, retry failures, print the outcome",
    )  # fmt: skip
    model.add_argument("--retries", metavar="N", type=int, help="async retries, 0-2 (default 2)")
    model.add_argument(
        "--time-scale", metavar="F", type=float, default=1.0,
        help="run Lambda's waits (retry delays) F times faster, e.g. 60",
    )  # fmt: skip
    model.add_argument("--count", metavar="N", type=int, help="a burst: the event N times")
    model.add_argument(
        "--concurrency", metavar="C", type=int, default=4, help="a burst's callers (default 4)"
    )
    model.add_argument(
        "--reserved-concurrency", metavar="N", type=int, help="at most N invocations at once"
    )
    sub.add_parser(
        "event", help="build a sample event (see `lambda-nb event --help`)", add_help=False
    )
    aws = sub.add_parser(
        "aws",
        help="run the local AWS (moto) in the foreground",
        description="Run the local AWS (moto's server) on 127.0.0.1 until interrupted; "
        "functions run with --aws URL reach it. Needs the aws extra.",
    )
    aws.add_argument("action", metavar="ACTION", choices=["start"], help="start")
    aws.add_argument("--port", metavar="P", type=int, default=0, help="default: a free port")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status. A reader that closes the pipe early
    (`lambda-nb event --list | head`) ends it quietly, as Python's docs recommend (see
    `_exit_on_broken_pipe`)."""
    try:
        status = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe shows up here, while we can still handle it
    except BrokenPipeError:
        return _exit_on_broken_pipe()
    return status


def _main(args_list: list[str]) -> int:
    if args_list[:1] == ["event"]:
        return _event(args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help/--version exit 0, errors exit 2
        return int(exc.code or 0)
    try:
        if args.command == "aws":
            return _aws(args)
        return _invoke(args)
    except CommandError as exc:
        print(f"lambda-nb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _exit_on_broken_pipe() -> int:
    """The reader of stdout went away: say nothing, exit with SIGPIPE's shell status (141).

    The recipe of Python's `signal` docs ("Note on SIGPIPE"): point stdout at devnull, so the
    interpreter's final flush at exit cannot raise a second BrokenPipeError and print it.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to do
        pass
    return EXIT_BROKEN_PIPE


def _event(argv: list[str]) -> int:
    try:
        events = require_events()
    except CommandError as exc:
        print(f"lambda-nb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return int(events.cli_main(argv))


def _aws(args: argparse.Namespace) -> int:
    """`lambda-nb aws start`: the local AWS in the foreground, until Ctrl-C or SIGTERM."""
    import signal
    import threading

    try:
        from lambda_nb.aws.server import LOCAL

        endpoint = LOCAL.start(port=args.port)
    except (ModuleNotFoundError, OSError) as exc:
        print(f"lambda-nb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Local AWS running at {endpoint} (Ctrl-C stops it)", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    LOCAL.stop()
    return EXIT_OK


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """Function.from_file keywords: the shared function options, and --name."""
    found = options.settings(args, {})
    if args.name is not None:
        found["name"] = args.name
    return found


def _invoke(args: argparse.Namespace) -> int:
    from lambda_nb.engine.errors import ConfigError, InvokeError
    from lambda_nb.engine.records import payload_json
    from lambda_nb.function import Function

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    event = resolve_event(args.event, None, Path.cwd())
    try:
        fn = Function.from_file(path, **_options(args))  # the runtime's default handler
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    printer = _LogPrinter(sys.stderr, quiet=args.quiet)
    try:
        if args.reserved_concurrency is not None:
            fn.configure(reserved_concurrency=args.reserved_concurrency)
        if args.asynchronous or args.count is not None:
            return _invoke_model(fn, event, args, printer)
        inv = fn.invoke(event, on_progress=printer)
    except (InvokeError, ValueError) as exc:
        print(f"lambda-nb: {exc}", file=sys.stderr)
        return EXIT_FUNCTION_ERROR
    except KeyboardInterrupt:
        last = fn.history[-1] if fn.history else None
        if last is not None:
            printer(last)
        print("lambda-nb: interrupted; the invocation was aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        fn.close()
    printer(inv)
    sys.stdout.write(payload_json(inv) + "\n")
    sys.stdout.flush()
    return EXIT_OK if inv.status == "success" else EXIT_FUNCTION_ERROR


def _invoke_model(fn: Any, event: Any, args: argparse.Namespace, printer: _LogPrinter) -> int:
    """`--async` (queued, retried, its outcome printed) or `--count` (a burst)."""
    import json

    from lambda_nb.engine.clock import time_scale
    from lambda_nb.engine.records import payload_json

    time_scale(args.time_scale)
    if args.count is not None:
        burst = fn.invoke_many([event] * args.count, args.concurrency)
        for result in burst:
            if isinstance(result, Exception):
                sys.stdout.write(json.dumps({"errorType": type(result).__name__,
                                             "errorMessage": result.args[0]}) + "\n")  # fmt: skip
            else:
                printer(result)
                sys.stdout.write(payload_json(result) + "\n")
        print(burst._repr_mimebundle_()["text/plain"], file=sys.stderr)
        ok = all(not isinstance(r, Exception) and r.status == "success" for r in burst)
        return EXIT_OK if ok else EXIT_FUNCTION_ERROR
    if args.retries is not None:
        fn.configure_async(maximum_retry_attempts=args.retries)
    request = fn.invoke_async(event)
    print(f"202 Accepted: request {request.request_id}", file=sys.stderr)
    request.wait()
    for attempt in request.attempts:
        printer(attempt)
    print(f"{request.status}: {request.condition} after {len(request.attempts)} attempt(s)",
          file=sys.stderr)  # fmt: skip
    if request.attempts:
        sys.stdout.write(payload_json(request.attempts[-1]) + "\n")
    return EXIT_OK if request.status == "succeeded" else EXIT_FUNCTION_ERROR


class _LogPrinter:
    """Prints each log record once, as it appears, the way CloudWatch shows it."""

    def __init__(self, stream: TextIO, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.seen: dict[str, int] = {}  # records printed, per invocation (an attempt each)

    def __call__(self, inv: Invocation) -> None:
        records: list[LogRecord] = list(inv.logs)
        key = f"{inv.request_id} {id(inv)}"  # async attempts share their request id
        new, self.seen[key] = records[self.seen.get(key, 0) :], len(records)
        if self.quiet or not new:
            return
        for rec in new:
            self.stream.write(rec.message if rec.message.endswith("\n") else rec.message + "\n")
        self.stream.flush()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
