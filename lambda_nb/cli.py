"""`lambda-nb`: invoke a handler file from a shell, as `aws lambda invoke` would show it.

`lambda-nb invoke FILE --event EVENT` prints the log records (platform and application) to
stderr as they are written and the response or error body (JSON) to stdout. Exit status:
0 success, 1 function error, 2 usage error, 130 interrupted, 141 stdout closed early.
`lambda-nb event ...` is the events catalog's own command line. `lambda-nb logs FILE --filter
PATTERN` invokes FILE's handler (`--count` times) and prints the events of its log group that
match, as `aws logs filter-log-events` would select them (the log store lives as long as the
command: there is no earlier run to read). `lambda-nb package|export|deploy
FILE` take a handler file towards AWS: its deployment .zip, a SAM template, or the function
created or updated on AWS (boto3, the `deploy` extra); exit 1 when that fails. The function
options are declared once, in `lambda_nb.options`, for this and the `%%lambda` magic.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
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
    _add_logs_command(sub)
    _add_aws_commands(sub)
    srv = sub.add_parser(
        "serve",
        help="serve a handler file over HTTP until Ctrl-C",
        description="Serve FILE's handler on 127.0.0.1 as API Gateway (HTTP or REST API) or "
        "a function URL would: each request is an invocation. The URL goes to stdout, an "
        "access line and the invocation's log per request to stderr. Ctrl-C stops it.",
    )
    srv.add_argument("file", metavar="FILE", help="the handler module, e.g. app.py")
    options.add_serve_options(srv)
    options.add_to_parser(srv)
    srv.add_argument("--name", metavar="N", help="function name (default: my-function)")
    srv.add_argument("--quiet", "-q", action="store_true", help="no log records, access lines only")
    aws = sub.add_parser(
        "aws",
        help="run the local AWS (moto) in the foreground",
        description="Run the local AWS (moto's server) on 127.0.0.1 until interrupted; "
        "functions run with --aws URL reach it. Needs the aws extra.",
    )
    aws.add_argument("action", metavar="ACTION", choices=["start"], help="start")
    aws.add_argument("--port", metavar="P", type=int, default=0, help="default: a free port")
    return parser


def _add_logs_command(sub: Any) -> None:
    """`logs FILE`: invoke, then FilterLogEvents over the function's log group."""
    p = sub.add_parser(
        "logs",
        help="invoke a handler file, then print the log events that match",
        description="Invoke FILE's handler (--count times) and print the events of its log "
        "group that match --filter, --since and --stream, one per line (time, stream, "
        "message), or FilterLogEvents' JSON with --json. Exit 0 if any event matched, 1 if "
        "none did.",
    )
    p.add_argument("file", metavar="FILE", help="the handler module, e.g. lambda_function.py")
    options.add_logs_options(p)
    p.add_argument("--json", action="store_true", help="FilterLogEvents' JSON answer")
    p.add_argument("--count", metavar="N", type=int, default=1, help="invoke N times (default 1)")
    p.add_argument(*options.EVENT.flags, **options.EVENT.kwargs())
    _function_options(p)


def _add_aws_commands(sub: Any) -> None:
    """`package`, `export`, `deploy`: FILE with the function options, taken towards AWS."""

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description)
        p.add_argument("file", metavar="FILE", help="the handler module, e.g. lambda_function.py")
        return p

    p = command(
        "package", "build the deployment .zip",
        "Build FILE's deployment package: the .zip `aws lambda create-function --zip-file` "
        "takes. Prints its path.",
    )  # fmt: skip
    p.add_argument(
        "--output", "-o", metavar="PATH", help="the zip, or a folder (default ./NAME.zip)"
    )
    _function_options(p)
    p = command(
        "export", "write a SAM template and the code folder",
        "Write DIR/template.yaml and the code folder it names, for `sam build && sam deploy`.",
    )  # fmt: skip
    p.add_argument("directory", metavar="DIR", help="the folder to write into")
    _function_options(p)
    p = command(
        "deploy", "create or update the function on AWS",
        "Create or update FILE's function on AWS with boto3 and your own credentials, wait until "
        "it is active, print its FunctionConfiguration (JSON) to stdout.",
    )  # fmt: skip
    options.add_deploy_args(p)
    _function_options(p)


def _function_options(parser: argparse.ArgumentParser) -> None:
    for option in (*options.FUNCTION, options.FILE):  # --file: more files of the package
        parser.add_argument(*option.flags, **option.kwargs())
    parser.add_argument("--name", metavar="N", help="function name (default: my-function)")


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
        if args.command in ("package", "export", "deploy"):
            return _to_aws(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "aws":
            return _aws(args)
        if args.command == "logs":
            return _logs(args)
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


def _code_file(args: argparse.Namespace) -> Path:
    """FILE, the handler's code; CommandError if there is no such file."""
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    return path


def _function(args: argparse.Namespace) -> Any:
    """FILE's function, published with the options given: invoke, serve, package, export and
    deploy all start here. A bad option or a failed requirements build is a CommandError."""
    from lambda_nb.engine.errors import BuildError, ConfigError
    from lambda_nb.function import Function

    path = _code_file(args)
    try:
        return Function.from_file(path, **_options(args))  # the runtime's default handler
    except (ConfigError, BuildError) as exc:
        raise CommandError(str(exc)) from None


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """Function.from_file keywords: the shared function options, and --name."""
    found = options.settings(args, {})
    if args.package_file:  # --file PATH: more files of the package, by their names
        found["files"] = {Path(p).name: Path(p).resolve() for p in args.package_file}
    found["on_build"] = lambda line: print(line, file=sys.stderr)
    if args.name is not None:
        found["name"] = args.name
    return found


def _invoke(args: argparse.Namespace) -> int:
    from lambda_nb.engine.errors import InvokeError
    from lambda_nb.engine.records import payload_json

    _code_file(args)  # before the event is read: the first mistake is the one reported
    if args.debug and (args.asynchronous or args.count is not None):
        raise CommandError("--debug stops one synchronous invocation, not --async or --count")
    if args.debug and (args.event or "").strip().startswith("@-"):
        raise CommandError("--debug reads pdb's commands from stdin: the event cannot come from it")
    event = resolve_event(args.event, None, Path.cwd())
    fn = _function(args)
    printer = _LogPrinter(sys.stderr, quiet=args.quiet)
    try:
        if args.reserved_concurrency is not None:
            fn.configure(reserved_concurrency=args.reserved_concurrency)
        if args.asynchronous or args.count is not None:
            return _invoke_model(fn, event, args, printer)
        inv = fn.invoke(event, on_progress=printer, debug=_debug_prompt(args.debug))
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


def _logs(args: argparse.Namespace) -> int:
    """`lambda-nb logs FILE`: invoke it, then print the matching events of its log group."""
    import json

    from lambda_nb.engine.errors import InvokeError
    from lambda_nb.engine.log_filter import compile_pattern
    from lambda_nb.engine.log_store import parse_since

    _code_file(args)
    settings = options.logs_settings(args)
    try:  # a bad pattern or time is a usage error, found before anything runs
        compile_pattern(settings.get("filter"))
        parse_since(settings.get("since"))
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.count < 1:
        raise CommandError("--count: give 1 or more")
    event = resolve_event(args.event, None, Path.cwd())
    fn = _function(args)
    try:
        for _ in range(args.count):
            fn.invoke(event)
        events = fn.logs(**settings)
    except InvokeError as exc:
        print(f"lambda-nb: {exc}", file=sys.stderr)
        return EXIT_FUNCTION_ERROR
    except KeyboardInterrupt:
        print("lambda-nb: interrupted; the invocation was aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        fn.close()
    if args.json:
        streams = sorted({e.log_stream for e in events})
        answer = {
            "events": [e.to_dict() for e in events],
            "searchedLogStreams": [
                {"logStreamName": s, "searchedCompletely": True} for s in streams
            ],
        }
        sys.stdout.write(json.dumps(answer, indent=2) + "\n")
    else:
        for e in events:
            when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(e.timestamp))
            millis = int(e.timestamp * 1000) % 1000
            message = e.message[:-1] if e.message.endswith("\n") else e.message
            sys.stdout.write(f"{when}.{millis:03d}Z {e.log_stream} {message}\n")
    return EXIT_OK if events else EXIT_FUNCTION_ERROR


def _to_aws(args: argparse.Namespace) -> int:
    """package / export / deploy FILE: the result on stdout, a failure on stderr (exit 1)."""
    import json

    from lambda_nb.commands import deploy_summary, export_summary
    from lambda_nb.engine.errors import LambdaNbError

    fn = _function(args)
    try:
        if args.command == "package":
            sys.stdout.write(f"{fn.package(args.output)}\n")
        elif args.command == "export":
            template = fn.export_sam(args.directory)
            print(export_summary(template), file=sys.stderr)
            sys.stdout.write(f"{template}\n")
        else:
            print(f"Deploying {fn.name} to AWS…", file=sys.stderr)
            config = fn.deploy(args.role, args.region)
            print(deploy_summary(config), file=sys.stderr)
            sys.stdout.write(json.dumps(config, indent=2, default=str) + "\n")
    except (LambdaNbError, ImportError, OSError) as exc:
        print(f"lambda-nb {args.command}: {exc}", file=sys.stderr)
        return EXIT_FUNCTION_ERROR
    finally:
        fn.close()
    return EXIT_OK


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


def _serve(args: argparse.Namespace) -> int:
    """`lambda-nb serve FILE`: serve until Ctrl-C (or SIGTERM); then the server closes, letting
    requests in flight finish, and the function's environments end."""
    import signal
    import threading

    from lambda_nb.commands import describe_server, exchange_line, serve
    from lambda_nb.engine.errors import LambdaNbError

    fn = _function(args)
    printer = _LogPrinter(sys.stderr, quiet=args.quiet)
    lock = threading.Lock()

    def report(exchange: Any) -> None:
        with lock:  # one request's lines together
            if exchange.invocation is not None:
                printer(exchange.invocation)
            print(exchange_line(exchange), file=sys.stderr, flush=True)

    def malformed(text: str) -> None:
        with lock:
            print(f"malformed request: {text}", file=sys.stderr, flush=True)

    try:
        server = serve(fn, args, on_exchange=report)
        server.on_error = malformed
    except (LambdaNbError, ValueError) as exc:
        fn.close()
        raise CommandError(str(exc)) from None
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        print(server.url, flush=True)
        print(f"Serving {describe_server(server)}; Ctrl-C stops", file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("lambda-nb: stopping", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
        fn.close()
    return EXIT_OK


def _debug_prompt(debug: bool | None) -> Any:
    """--debug: pdb's output and prompt on stderr, commands from stdin (the terminal, or a
    pipe); stdout stays the response body's."""
    if not debug:
        return False
    from lambda_nb.debugging import TerminalPrompt

    return TerminalPrompt()


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
