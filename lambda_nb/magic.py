"""The `%%lambda` cell magic and the `%lambda` line magic: glue between IPython and the engine.

Everything Lambda-like happens in `lambda_nb.function.Function`; this module parses options,
resolves the event, shows the Invocation while it runs and stores results in the namespace.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import (
    MagicArgumentParser,
    argument,
    magic_arguments,
)
from IPython.display import display as show
from traitlets import Bool, Enum, Float, Int, Unicode

from lambda_nb import commands, completion, options
from lambda_nb.commands import (
    DEFAULT_NAME,
    LOG_FORMATS,
    CommandError,
    function_failed_message,
    require_events,
    resolve_event,
    split_line,
)
from lambda_nb.render import cells, static

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from lambda_nb.engine.records import Invocation
    from lambda_nb.function import Function

UPDATE_INTERVAL_S = 0.05  # at most one display update per 50 ms while logs stream in
CELL_HEADER = "# %%lambda\n"  # the magic line is cell line 1, so the code starts on line 2


def cell_header(runtime: str | None) -> str:
    """The one-line comment that keeps file line N = cell line N, in the code's language.

    A custom runtime's bootstrap must start with its `#!` line: no header, so its lines are
    one off from the cell's.
    """
    from lambda_nb.engine.runtime_family import line_comment

    comment = line_comment(runtime)
    return f"{comment} %%lambda\n" if comment else ""


def file_header(filename: str) -> str:
    """A file cell's header comment, so its line N is the cell's line N: only for code files
    (a JSON or text file must stay exactly as written)."""
    from lambda_nb.engine.runtime_family import file_comment

    comment = file_comment(filename)
    return f"{comment} %%lambda\n" if comment else ""


class BuildLog:
    """The build step of a publish, shown while pip or npm runs (nothing when the cache has
    everything): the installer's newest lines, then one line saying how long it took. The
    time is the build's; the function's Init Duration does not include it."""

    LINES = 12

    def __init__(self, name: str, live: bool) -> None:
        self.name = name
        self.live = live
        self.lines: list[str] = []
        self.started = 0.0
        self.handle: Any = None
        self.shown_at = 0.0

    def line(self, text: str) -> None:
        if not self.lines:
            self.started = time.monotonic()
        self.lines.append(text)
        now = time.monotonic()
        if self.live and now - self.shown_at >= 0.2:
            self.shown_at = now
            if self.handle is None:
                self.handle = show(_BuildNote(self._text()), display_id=True)
            else:
                self.handle.update(_BuildNote(self._text()))

    def _text(self, final: str | None = None) -> str:
        head = final or f"Building {self.name}: installing requirements…"
        return "\n".join([head, *("  " + ln for ln in self.lines[-self.LINES :])])

    def done(self, failed: bool = False) -> None:
        if not self.lines:
            return
        took = time.monotonic() - self.started
        summary = f"Build of {self.name} {'failed' if failed else 'done'} in {took:.1f} s"
        note = _BuildNote(summary if not failed else self._text(summary))
        if self.handle is not None:
            self.handle.update(note)
        elif not failed:
            print(summary)


class FunctionFailed(Exception):
    """Raised after display when `LambdaMagics.raise_on_error` is set and the function failed."""


def unregister(ipython: Any) -> None:
    """Remove the magics and their completer (IPython has no public way to unregister a Magics
    class or a hook)."""
    manager = ipython.magics_manager
    for kind in ("cell", "line"):
        manager.magics[kind].pop("lambda", None)
    manager.registry.pop("LambdaMagics", None)
    completion.unregister(ipython)


DISPLAY_MODES = ("auto", "widget", "html", "text", "static", "none")


def widgets_available() -> bool:
    """ipywidgets is installed (the `widgets` extra); importing it is left to the view."""
    return importlib.util.find_spec("ipywidgets") is not None


def in_kernel(shell: Any) -> bool:
    """A Jupyter kernel (which has comms for widgets), not terminal IPython or a test shell."""
    return getattr(shell, "kernel", None) is not None


def live_frontend(shell: Any) -> bool:
    """The cell was run from JupyterLab or Notebook 7, which render widgets live and do not save
    their state: their execute requests carry `deletedCells`/`recordTiming` metadata
    (@jupyterlab/notebook's runCell). Headless runners (nbclient, nbmake, papermill,
    `nbconvert --execute`) save the state of every widget ever opened, even closed ones, into
    the notebook, so they get the static view, which streams through display updates too."""
    kernel: Any = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent("shell")  # ipykernel >= 6
    except (AttributeError, TypeError):
        parent = getattr(kernel, "_parent_header", None)  # ipykernel 5 (Colab)
    metadata = (parent or {}).get("metadata") or {}
    return "deletedCells" in metadata or "recordTiming" in metadata


def resolve_mode(mode: str, shell: Any = None) -> str:
    """`auto` -> `widget` for a live JupyterLab-family frontend with ipywidgets, else `html`;
    `static` is `html`."""
    if mode == "auto":
        live = widgets_available() and in_kernel(shell) and live_frontend(shell)
        return "widget" if live else "html"
    if mode == "widget" and not widgets_available():
        return "html"
    return "html" if mode == "static" else mode


def choose_view(title: str, mode: str, shell: Any = None) -> Any:
    """THE seam between the magic and the views: a live widget view, HTML+text, or text only.

    Every view has `update(inv)` (a tick, main thread), `finish(inv)` and `_repr_mimebundle_`;
    a view with `self_updating` pushes its own changes, so the display is re-sent only at the end.
    """
    mode = resolve_mode(mode, shell)
    if mode == "widget":
        from lambda_nb.render.widgets import InvocationWidget

        return InvocationWidget(title)
    if mode == "text":
        return static.TextView(title)
    return static.StaticView(title)


def _line_parser() -> tuple[MagicArgumentParser, dict[str, MagicArgumentParser]]:
    """The `%lambda COMMAND` parser and each command's own (for `help COMMAND`, completion).

    Help is printed by the magic itself (`help_text`), never through argparse's `-h` action,
    whose exit IPython would turn into an error.
    """
    parser = MagicArgumentParser(
        prog="lambda",
        description="Work with the functions defined by %%lambda cells.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=MagicArgumentParser)
    parsers: dict[str, MagicArgumentParser] = {}

    def command(name: str, help: str, description: str | None = None) -> MagicArgumentParser:
        # argparse %-formats help (a literal % is %%), not descriptions
        description = description or help.replace("%%", "%")
        parsers[name] = sub.add_parser(name, help=help, description=description)
        return parsers[name]

    def out(p: MagicArgumentParser, what: str) -> None:
        p.add_argument("-o", "--out", metavar="VAR", help=f"store the {what} in VAR")

    p = command("invoke", "invoke a function again")
    p.add_argument("name", metavar="NAME", help="a function's name (%%lambda list)")
    p.add_argument(*options.EVENT.flags, **options.EVENT.kwargs())
    p.add_argument(
        "--async", dest="asynchronous", action="store_true",
        help="InvocationType Event: queue it and answer at once (retries, destinations)",
    )  # fmt: skip
    p.add_argument("--qualifier", metavar="Q", help="a version number or an alias")
    p.add_argument("--count", metavar="N", type=int, help="a burst: the event N times")
    p.add_argument(
        "--concurrency", metavar="C", type=int, default=4,
        help="a burst's callers at once (default 4)",
    )  # fmt: skip
    p.add_argument(
        "--remote", action="store_true",
        help="invoke the function deployed on AWS (%%lambda deploy), shown as a local invoke",
    )  # fmt: skip
    p.add_argument(*options.DEBUG.flags, **options.DEBUG.kwargs())
    out(p, "Invocation (AsyncRequest with --async, the list of results with --count)")
    command("list", "the functions defined in this kernel")
    p = command(
        "logs",
        "the log group of a function: its streams and records; with --filter, --since or "
        "--stream, the matching events (CloudWatch's filter-log-events)",
    )
    p.add_argument("name", metavar="NAME", help="a function's name")
    options.add_logs_options(p)
    out(p, "matching events (a list of LogEvent)")
    for name, text in [
        ("history", "the invocations of a function: a table and a chart"),
        ("reset", "end a function's environments (next invoke is cold)"),
    ]:
        command(name, text).add_argument("name", metavar="NAME", help="a function's name")
    p = command(
        "debug",
        "re-run the last failed invocation in a fresh environment, pdb at the frame that raised",
    )
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument(
        "--no-post-mortem", dest="post_mortem", action="store_false",
        help="stop only at breakpoint(), not where it raised",
    )  # fmt: skip
    out(p, "Invocation")
    p = command("configure", "concurrency, retries and destinations of a function")
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument(
        "--reserved-concurrency", metavar="N", type=commands.count_or_none,
        default=argparse.SUPPRESS,
        help="at most N invocations at once (0 throttles all; none removes it)",
    )  # fmt: skip
    p.add_argument(
        "--provisioned-concurrency", metavar="N", type=commands.count_or_none,
        default=argparse.SUPPRESS,
        help="N environments of --qualifier's version initialised now (none removes them)",
    )  # fmt: skip
    p.add_argument("--qualifier", metavar="Q", help="the version or alias to provision")
    p.add_argument("--retries", metavar="N", type=int, help="async retries, 0-2 (default 2)")
    p.add_argument("--max-event-age", metavar="S", type=int, help="async event age, 60-21600 s")
    p.add_argument("--on-success", metavar="FUNCTION", help="destination of async successes")
    p.add_argument("--on-failure", metavar="FUNCTION", help="destination of async failures")
    p.add_argument(
        "--dead-letter", metavar="ARN", default=argparse.SUPPRESS,
        help="an SQS queue or SNS topic of the local AWS for failed async events (none removes)",
    )  # fmt: skip
    p = command("publish", "publish a version: freeze the code and configuration")
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument("--description", metavar="TEXT", default="", help="the version's description")
    p = command("alias", "point an alias at a version, optionally weighted")
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument("alias", metavar="ALIAS", help="the alias, e.g. prod")
    p.add_argument("version", metavar="VERSION", help="a published version, or $LATEST")
    p.add_argument(
        "--routing", metavar="VERSION=WEIGHT", type=commands.routing,
        help="send that share of the alias's invokes to another version, e.g. 2=0.1",
    )  # fmt: skip
    p = command("playground", "try a function: catalog templates, a JSON editor, an Invoke button")
    p.add_argument("name", metavar="NAME", help="a function's name")
    out(p, "Playground")
    # ---- the way out to AWS
    p = command("package", "the deployment .zip of a function (code and requirements at its root)")
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument(
        "path", nargs="?", metavar="PATH", help="the zip, or a folder (default ./NAME.zip)"
    )
    out(p, "zip's path")
    p = command("export", "a SAM template and the code folder, for sam build and sam deploy")
    p.add_argument("name", metavar="NAME", help="a function's name")
    p.add_argument("directory", metavar="DIR", help="the folder to write template.yaml into")
    p = command("deploy", "create or update a function on AWS (boto3, your own credentials)")
    p.add_argument("name", metavar="NAME", help="a function's name")
    options.add_deploy_args(p)
    out(p, "FunctionConfiguration")
    command("events", "the sample-event catalog")
    p = command(
        "event",
        "build a sample event: event SOURCE.TYPE [--param v ...] [-o VAR]",
        "Build a sample event from the catalog (%lambda events lists the types); print it as "
        "JSON, or store it with -o VAR. Parameters are the builder's, with '-' for '_'; "
        "dicts and lists are JSON. `%lambda event SOURCE.TYPE --help` lists a type's "
        "parameters.",
    )
    p.add_argument("spec", metavar="SOURCE.TYPE", help='e.g. s3.put or s3.put(key="a b.txt")')
    p.add_argument("params", nargs="*", metavar="--param VALUE", help="the type's parameters")
    out(p, "event")
    p = command(
        "serve",
        "serve a function over HTTP on 127.0.0.1: API Gateway (HTTP or REST API) or a "
        "function URL; --stop stops it",
    )
    p.add_argument("name", metavar="NAME", help="a function's name")
    options.add_serve_options(p)
    p.add_argument("--qualifier", metavar="Q", help="serve a version or an alias")
    p.add_argument("--stop", action="store_true", help="stop the function's servers")
    out(p, "Server (its .url, .close())")
    # The local AWS and triggers (lambda_nb.aws); the arguments are shared with the CLI.
    aws = command("aws", "the local AWS (moto): start, status, reset or stop")
    p = command("trigger", "a queue, stream or bucket of the local AWS invokes a function")
    commands.add_aws_arguments(aws, p)
    out(p, "EventSourceMapping or S3Trigger")
    p = command("help", "help on %%lambda or on one command")
    p.add_argument("topic", nargs="?", metavar="COMMAND", help="a command")
    return parser, parsers


def help_text(parser: argparse.ArgumentParser) -> str:
    """A magic parser's help as plain text (IPython's formatter starts it as an RST block)."""
    text = parser.format_help()
    return text[text.index("%") :] if text.startswith("::") else text


LINE_PARSER, LINE_COMMANDS = _line_parser()
LINE_HELP = help_text(LINE_PARSER)
HELP_FLAGS = ("-h", "--help")


@magics_class
class LambdaMagics(Magics):
    """Run a cell as an AWS Lambda function in a local execution environment.

    The cell is the function's code, saved as the handler module (`lambda_function.py` by
    default) below a one-line `# %%lambda` header, so line N of that file is line N of the cell
    as the editor numbers it. Re-running the cell publishes a new revision: the next invoke is
    cold. Defaults are configurable, e.g. `%config LambdaMagics.timeout = 10`.
    """

    shell: InteractiveShell  # set by IPython when it loads the magics (the base allows None)

    # The defaults of the function options, configurable; declared in lambda_nb.options.
    timeout = Float(options.TIMEOUT.default, help=f"Default {options.TIMEOUT.help}.").tag(
        config=True
    )
    memory = Int(options.MEMORY.default, help=f"Default {options.MEMORY.help}.").tag(config=True)
    handler = Unicode(None, allow_none=True, help=f"Default {options.HANDLER.help}.").tag(
        config=True
    )
    log_format = Enum(
        LOG_FORMATS,
        options.LOG_FORMAT.default,
        help=f"Default log format: {options.LOG_FORMAT.help}.",
    ).tag(config=True)
    log_level = Unicode(None, allow_none=True, help=f"Default {options.LOG_LEVEL.help}.").tag(
        config=True
    )
    runtime = Unicode(None, allow_none=True, help=f"Default runtime: {options.RUNTIME.help}.").tag(
        config=True
    )
    runtime_client = Unicode(
        options.RUNTIME_CLIENT.default, help=f"Runtime client: {options.RUNTIME_CLIENT.help}."
    ).tag(config=True)
    display = Enum(
        list(DISPLAY_MODES),
        "auto",
        help="How to show invocations: auto (widget in a kernel with ipywidgets, else html),"
        " widget, html (static text/html + text/plain; alias static), text, or none.",
    ).tag(config=True)
    aws = Unicode(None, allow_none=True, help=f"Default: {options.AWS.help}.").tag(config=True)
    raise_on_error = Bool(
        False, help="Fail the cell when the function fails (use in CI, e.g. under nbmake)."
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        if shell is not None:
            completion.register(shell)

    # ------------------------------------------------------------------ %%lambda

    @no_var_expand
    @magic_arguments(name="%lambda")  # IPython prefixes one "%": the usage says %%lambda
    @argument("name", nargs="?", metavar="NAME", help=f"function name (default {DEFAULT_NAME})")
    @options.function_args
    @argument("--no-invoke", action="store_true", help="publish the code without invoking it")
    @argument(
        "-o",
        "--out",
        metavar="VAR",
        help="store the Invocation in VAR (the Function with --no-invoke)",
    )
    @cell_magic("lambda")  # type: ignore[arg-type]  # IPython types the result as a union
    def lambda_(self, line: str, cell: str) -> None:
        """Define (publish) a Lambda function from the cell and invoke it with EVENT."""
        __tracebackhide__ = True
        tokens = self._guard(split_line, line)
        if any(token in HELP_FLAGS for token in tokens):
            print(help_text(self.lambda_.parser))
            return
        args = self.lambda_.parser.parse_args(tokens)
        name = args.name or DEFAULT_NAME
        if args.package_file:
            self._file_cell(name, args.package_file, cell)
            return
        event = None if args.no_invoke else self._event(args.event)
        fn = self._publish(name, cell, args)
        if args.no_invoke:
            if args.out:
                self.shell.user_ns[args.out] = fn
            print(f"Published {fn.name} rev {fn.revision} (not invoked)")
            return
        self._invoke(fn, event, args.out, debug=bool(args.debug))

    def _settings(self, args: argparse.Namespace) -> dict[str, Any]:
        """Function.from_source keywords: the cell's options over the configured defaults."""
        defaults = {option.dest: getattr(self, option.dest, None) for option in options.FUNCTION}
        return dict(self._guard(options.settings, args, defaults))

    def _publish(self, name: str, cell: str, args: argparse.Namespace) -> Function:
        from lambda_nb.engine import runtime_family
        from lambda_nb.engine.errors import BuildError, ConfigError
        from lambda_nb.function import Function

        settings = self._settings(args)
        runtime = runtime_family.runtime_for(settings.get("runtime"), settings.get("bootstrap"))
        code = cell_header(runtime) + cell
        extra = cells.file_cells(name)  # `%%lambda NAME --file F` cells join every publish
        build_log = BuildLog(name, self._live_updates() and self.display != "none")
        try:
            fn = Function.from_source(
                code, name=name, files=extra or None, on_build=build_log.line, **settings
            )
        # ModuleNotFoundError: --aws local without moto (the message names the extra)
        except (ConfigError, BuildError, ModuleNotFoundError) as exc:
            build_log.done(failed=True)
            # A Java compile error (engine/java_build.py) names the cell's own lines: the
            # header comment keeps the file's line N the cell's line N.
            describe = getattr(exc, "describe", None)
            detail = describe("cell line") if callable(describe) else exc
            raise UsageError(f"%%lambda {name}: {detail}") from None
        build_log.done()
        filename = (fn.code_file or "").replace("\\", "/").rsplit("/", 1)[-1]
        cells.remember(fn.name, fn.revision, filename, code)
        cells.remember_files(fn.name, fn.revision, extra)
        return fn

    def _file_cell(self, name: str, files: list[str], cell: str) -> None:
        """`%%lambda NAME --file helpers.py`: the cell is a file of NAME's deployment package,
        next to its code; NAME is published again with it (no invoke). Before NAME exists the
        file waits for its cell."""
        from lambda_nb.engine.errors import BuildError, ConfigError
        from lambda_nb.engine.service import default_service

        if len(files) != 1:
            raise UsageError("%%lambda NAME --file FILE: one file per cell")
        filename = files[0]
        source = file_header(filename) + cell
        fn = default_service().functions.get(name)
        if fn is None:
            cells.add_file_cell(name, filename, source)
            print(f"{filename} will be part of {name}: it joins when the %%lambda {name} cell runs")
            return
        previous = cells.lookup(fn.name, fn.revision)
        try:
            fn.add_files({filename: source})
        except (ConfigError, BuildError) as exc:
            raise UsageError(f"%%lambda {name} --file {filename}: {exc}") from None
        cells.add_file_cell(name, filename, source)
        if previous is not None:
            cells.remember(fn.name, fn.revision, *previous)
        cells.remember_files(fn.name, fn.revision, cells.file_cells(name))
        print(f"Published {fn.name} rev {fn.revision} with {filename}")

    # ------------------------------------------------------------------ %lambda

    @no_var_expand
    @line_magic("lambda")  # type: ignore[arg-type]  # IPython types the result as a union
    def lambda_line(self, line: str) -> None:
        """Work with the functions that %%lambda cells defined (see the commands below)."""
        __tracebackhide__ = True
        tokens = self._guard(split_line, line)
        if not tokens:
            raise UsageError(
                "usage: %lambda COMMAND, one of: invoke NAME, list, logs NAME, history NAME, "
                "playground NAME, reset NAME, configure NAME, publish NAME, "
                "alias NAME ALIAS VERSION, package NAME, export NAME DIR, deploy NAME, "
                "serve NAME, events, event SOURCE.TYPE, aws ACTION, trigger NAME KIND SOURCE, "
                "help [COMMAND]"
            )
        if self._help(tokens):
            return
        if tokens[0] == "event":
            self._event_command(tokens[1:])
            return
        args = LINE_PARSER.parse_args(tokens)
        if args.command == "list":
            from lambda_nb.engine.service import default_service

            show(static.FunctionsView(default_service().functions.values()))
            self._show_servers()
        elif args.command == "events":
            self._show_catalog()
        elif args.command == "invoke":
            self._invoke_command(args)
        elif args.command == "debug":
            fn = self._function(args.name)
            self._guard(fn.last_failed)  # refused before any view is shown
            self._invoke(fn, None, args.out, debug=True, replay=args.post_mortem)
        elif args.command == "configure":
            print(self._guard(commands.configure, self._function(args.name), args))
        elif args.command == "publish":
            fn = self._function(args.name)
            version = self._guard(fn.publish_version, args.description)
            print(f"Published {fn.name} version {version} (revision {fn.revision})")
        elif args.command == "alias":
            fn = self._function(args.name)
            self._guard(fn.create_alias, args.alias, args.version, args.routing)
            print(commands.describe_alias(fn, args.alias))
        elif args.command == "logs":
            self._logs_command(args)
        elif args.command == "history":
            fn = self._function(args.name)
            self._show_history(fn)
        elif args.command == "playground":
            self._show_playground(self._function(args.name), args.out)
        elif args.command == "serve":
            self._serve_command(args)
        elif args.command == "reset":
            fn = self._function(args.name)
            fn.reset()
            print(f"Reset {fn.name}: its environments ended; the next invoke is cold")
        elif args.command in ("package", "export", "deploy"):
            self._to_aws(args)
        elif args.command in ("aws", "trigger"):
            self._aws_command(args)

    def _logs_command(self, args: argparse.Namespace) -> None:
        """`%lambda logs NAME`: the log group as it is; with --filter, --since or --stream,
        the events that match, read from the log store (Function.logs)."""
        fn = self._function(args.name)
        settings = options.logs_settings(args)
        if not settings and not args.out:
            show(static.LogGroupView(fn.name, fn.log_group))
            return
        events = self._guard(lambda: fn.logs(**settings))
        show(events)
        if args.out:
            self.shell.user_ns[args.out] = events

    # ---- the way out to AWS: package, export, deploy, invoke --remote
    def _to_aws(self, args: argparse.Namespace) -> None:
        fn = self._function(args.name)
        result: Any
        if args.command == "package":
            result = self._outside(fn.package, args.path)
            print(commands.package_summary(fn.name, result))
        elif args.command == "export":
            result = self._outside(fn.export_sam, args.directory)
            print(commands.export_summary(result))
        else:
            print(f"Deploying {fn.name} to AWS…")
            result = self._outside(fn.deploy, args.role, args.region)
            print(commands.deploy_summary(result))
        if getattr(args, "out", None):
            self.shell.user_ns[args.out] = result

    def _invoke_remote(self, fn: Function, event: Any, args: argparse.Namespace) -> None:
        if args.asynchronous or args.count is not None:
            raise UsageError("--remote invokes once, synchronously: leave out --async and --count")
        inv = self._outside(fn.invoke_remote, event, args.qualifier)
        # The view is a local one's; this line says where it ran (side by side, they look alike).
        print(f"On AWS: {inv.invoked_function_arn or fn.name}")
        view = choose_view(f"{fn.name} on AWS", self.display, self.shell)
        self._finish(view, None, inv)
        if args.out:
            self.shell.user_ns[args.out] = inv
        if self.raise_on_error and inv.status != "success":
            raise FunctionFailed(function_failed_message(inv))

    def _outside(self, func: Callable[..., Any], *args: Any) -> Any:
        """`_guard`, and also what talking to files and AWS adds: a missing extra (boto3), a
        folder that is not ours. One clear line, no traceback."""
        try:
            return self._guard(func, *args)
        except (ImportError, OSError) as exc:
            raise UsageError(str(exc)) from None

    def _aws_command(self, args: argparse.Namespace) -> None:
        """`%lambda aws ACTION` and `%lambda trigger NAME KIND SOURCE` (lambda_nb.aws)."""
        try:
            if args.command == "aws":
                result = self._guard(commands.aws_action, args.action)
                print(result) if isinstance(result, str) else show(result)
                return
            line, made = self._guard(commands.trigger, self._function(args.name), args)
        except ModuleNotFoundError as exc:  # moto or boto3 missing: the message names the extra
            raise UsageError(str(exc)) from None
        if args.out:
            self.shell.user_ns[args.out] = made
        print(line)

    def _invoke_command(self, args: argparse.Namespace) -> None:
        """`%lambda invoke`: once (live view), queued (--async), or a burst (--count)."""
        fn = self._function(args.name)
        event = self._event(args.event)
        result: Any
        if args.debug and (args.asynchronous or args.count is not None):
            raise UsageError("--debug stops one synchronous invocation, not --async or --count")
        if args.remote:
            self._invoke_remote(fn, event, args)
            return
        if args.asynchronous:
            result = self._guard(fn.invoke_async, event, args.qualifier)
            print(f"202 Accepted: {fn.name} request {result.request_id} is {result.status}")
        elif args.count is not None:
            result = self._guard(
                fn.invoke_many, [event] * args.count, args.concurrency, args.qualifier
            )
            show(result)
        else:
            self._invoke(fn, event, args.out, args.qualifier, debug=bool(args.debug))
            return
        if args.out:
            assert self.shell is not None
            self.shell.user_ns[args.out] = result

    # ------------------------------------------------ serve: the HTTP front end
    def _serve_command(self, args: argparse.Namespace) -> None:
        """`%lambda serve NAME [--port P] [--api http|rest|url]`, or `--stop`."""
        fn = self._function(args.name)
        if args.stop:
            stopped = commands.stop_serving(fn)
            if not stopped:
                print(f"{fn.name} is not being served")
            for server in stopped:
                print(f"Stopped {commands.describe_server(server)}")
            return
        server = self._guard(commands.serve, fn, args)
        if args.out:
            self.shell.user_ns[args.out] = server
        print(
            f"Serving {commands.describe_server(server)}\n"
            f"Each request is an invocation (%lambda history {fn.name}); "
            f"stop with %lambda serve {fn.name} --stop"
        )

    def _show_servers(self) -> None:
        """The HTTP servers running, under `%lambda list` (nothing when there are none)."""
        import sys

        module = sys.modules.get("lambda_nb.aws.http_server")
        running = module.servers() if module is not None else []
        if running:
            header = ["serving", "api", "url", "requests"]
            show(static.TableView(header, commands.server_rows(running), "lnb-servers"))

    def _help(self, tokens: list[str]) -> bool:
        """Print the help `tokens` ask for, if they do: `--help`, `help [COMMAND]`, `COMMAND
        --help` (`event SOURCE.TYPE --help` is the catalog's, for that type). Never raises for
        a known command; an unknown one is a UsageError that lists them."""
        first, rest = tokens[0], tokens[1:]
        if first in HELP_FLAGS:
            topic = None
        elif first == "help":
            topic = None if not rest else "help" if rest[0] in HELP_FLAGS else rest[0]
        elif any(token in HELP_FLAGS for token in rest) and first in LINE_COMMANDS:
            if first == "event" and rest[0] not in HELP_FLAGS:
                return False  # a type's parameters, from the catalog (_event_command)
            topic = first
        else:
            return False
        if topic is None:
            print(LINE_HELP)
        elif topic in LINE_COMMANDS:
            print(help_text(LINE_COMMANDS[topic]))
        else:
            known = ", ".join(LINE_COMMANDS)
            raise UsageError(f"%lambda help {topic}: no such command; commands: {known}")
        return True

    def _function(self, name: str) -> Function:
        from lambda_nb.engine.service import default_service

        functions = default_service().functions
        if name not in functions:
            known = ", ".join(sorted(functions)) or "none yet"
            raise UsageError(
                f"no function named {name!r} (defined: {known}); define it with %%lambda {name}"
            )
        return functions[name]

    def _show_history(self, fn: Function) -> None:
        """A snapshot, static in every mode (no widget state): the chart and the table."""
        mode = resolve_mode(self.display, self.shell)
        if mode != "none":
            from lambda_nb.render.history import HistoryStatic

            view = HistoryStatic(fn.name, fn.history)
            show(static.TextOnly(view) if mode == "text" else view)

    def _show_playground(self, fn: Function, out: str | None) -> None:
        if not widgets_available():
            raise UsageError(
                "%lambda playground needs ipywidgets: pip install 'lambda-nb[widgets]'"
            )
        from lambda_nb.commands import events_module
        from lambda_nb.render.playground import Playground

        playground = Playground(fn, events_module())
        if out:
            self.shell.user_ns[out] = playground
        show(playground)

    def _show_catalog(self) -> None:
        events = self._guard(require_events)
        rows = [
            (t.name, t.description, " ".join(p.cli_name for p in t.params))
            for t in events.catalog()
        ]
        show(
            static.TableView(
                ["event", "description", "parameters"],
                rows,
                "lnb-events",
                empty="The events catalog is empty",
            )
        )

    def _event_command(self, argv: list[str]) -> None:
        """`%lambda event s3.put --key x -o ev`: the catalog's own parameter syntax."""
        events = self._guard(require_events)
        out, rest = _take_out(argv)
        if not rest or rest[0].startswith("-"):
            raise UsageError("usage: %lambda event SOURCE.TYPE [--param value ...] [-o VAR]")
        spec, params_argv = rest[0], rest[1:]
        try:
            if any(a in ("-h", "--help") for a in params_argv):
                print(events.describe(events.get(spec.split("(", 1)[0])))
                return
            name, params = events.parse_spec(spec)
            params.update(events.parse_cli_params(name, params_argv))
            event = events.build(name, **params)
        except events.EventError as exc:
            raise UsageError(f"%lambda event {spec}: {exc}") from None
        if out:
            self.shell.user_ns[out] = event
        else:
            print(json.dumps(event, indent=2, ensure_ascii=False))

    # ------------------------------------------------------------------ shared

    def _guard(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run a command; a refused request (bad input, AWS's refusal in AWS's words) is a
        UsageError: one clear line, no traceback, the kernel and earlier results intact."""
        from lambda_nb.engine.errors import LambdaNbError

        try:
            return func(*args)
        except (CommandError, LambdaNbError, ValueError) as exc:
            raise UsageError(str(exc)) from None

    def _event(self, text: str | None) -> Any:
        return self._guard(resolve_event, text, self.shell.user_ns)

    _isolation_said = False

    def _say_isolation_once(self, fn: Function) -> None:
        """Without the sandbox, say so (and why) above the first invocation, once per kernel:
        the function then runs as this kernel's user and can reach everything it can."""
        if LambdaMagics._isolation_said or fn.isolation != "process":
            return
        LambdaMagics._isolation_said = True
        print(
            f"lambda_nb: functions run as plain processes here, not in the sandbox "
            f"({fn.isolation_reason}); `%lambda list` shows each function's isolation."
        )

    def _invoke(
        self,
        fn: Function,
        event: Any,
        out: str | None,
        qualifier: str | None = None,
        debug: bool = False,
        replay: bool | None = None,
    ) -> Invocation | None:
        """Invoke with a live display, store -o, then apply raise_on_error. `debug`: pdb's
        prompt is an input box in the cell; `replay` (True: post-mortem, False: breakpoints
        only): the last failed invocation again, in a fresh environment (`%lambda debug`)."""
        __tracebackhide__ = True
        assert self.shell is not None
        from lambda_nb.engine.errors import InvokeError

        self._say_isolation_once(fn)
        if debug:
            self._check_stdin()

        view = choose_view(f"{fn.name} rev {fn.revision}", self.display, self.shell)
        live = self.display != "none" and self._live_updates()
        handle = show(view, display_id=True) if live else None
        shown: dict[str, Any] = {"at": 0.0, "records": -1, "status": ""}
        self_updating = getattr(view, "self_updating", False)

        def on_progress(inv: Invocation) -> None:
            view.update(inv)
            if self_updating:
                return
            now = time.monotonic()
            changed = (len(inv.logs), inv.status) != (shown["records"], shown["status"])
            if handle is not None and changed and now - shown["at"] >= UPDATE_INTERVAL_S:
                handle.update(view)
                shown.update(at=now, records=len(inv.logs), status=inv.status)

        inv: Invocation
        try:
            if replay is not None:
                inv = self._guard(fn.debug_last, replay, None, on_progress)
            else:
                inv = fn.invoke(event, qualifier=qualifier, on_progress=on_progress, debug=debug)
        except InvokeError as exc:
            # Refused before anything ran (a throttle, a bad event): the live view gives way to
            # that one line, so no "invoking…" or widget is left in the saved notebook.
            message = f"{fn.name}: {exc}"
            if handle is not None:
                handle.update(_Note(message))
            close = getattr(view, "close", None)
            if close is not None:
                close()
            raise UsageError(message) from None
        except KeyboardInterrupt as exc:
            # This call's own record, as the view saw it (async attempts may have appended to
            # the history since); interrupted during init, the view saw none yet.
            last = getattr(view, "inv", None) or (fn.history[-1] if fn.history else None)
            aborted = last if last is not None and last.status == "aborted" else None
            self._finish(view, handle, aborted)
            if out and aborted is not None:
                self.shell.user_ns[out] = aborted
            # The cell still ends interrupted (Run All stops), but the Aborted view says what
            # happened: IPython's showtraceback prints an exception's `_render_traceback_`
            # lines instead of its traceback (the hook ipyparallel uses).
            what = f"{fn.name}: the invocation was aborted and its environment reset"
            exc._render_traceback_ = lambda: [f"KeyboardInterrupt: {what}"]  # type: ignore[attr-defined]
            raise
        self._finish(view, handle, inv)
        if out:
            self.shell.user_ns[out] = inv
        if self.raise_on_error and inv.status != "success":
            raise FunctionFailed(function_failed_message(inv))
        return inv

    def _check_stdin(self) -> None:
        """pdb's prompt needs a frontend that answers input(): JupyterLab, Notebook 7, VS Code,
        terminal IPython; not a headless runner (nbclient, nbconvert) or a stdin-less kernel."""
        kernel = getattr(self.shell, "kernel", None)
        if kernel is not None and not getattr(kernel, "_allow_stdin", True):
            raise UsageError(
                "--debug: this frontend does not answer input(), so pdb's prompt cannot appear "
                "(run the cell from JupyterLab, Notebook 7 or VS Code)"
            )

    def _finish(self, view: Any, handle: Any, inv: Invocation | None) -> None:
        """The final display: in place of the live one, or once (terminal), or not at all.

        A finished view's bundle is static (text/html + text/plain, no widget mime type), so
        the display update replaces a live widget with what a saved notebook can show; the
        widgets are closed after that, leaving no model in the kernel or the notebook."""
        view.finish(inv)
        if handle is not None:
            handle.update(view)
        elif self.display != "none" and view.inv is not None:
            show(view)
        close = getattr(view, "close", None)
        if close is not None:
            close()

    def _live_updates(self) -> bool:
        """Frontends apply display updates in place; terminal IPython's base publisher prints
        every update anew, so there the result is shown once, at the end."""
        from IPython.core.displaypub import DisplayPublisher

        return type(getattr(self.shell, "display_pub", None)) is not DisplayPublisher

    lambda_line.__doc__ = f"{lambda_line.__doc__}\n\n{LINE_HELP}"  # type: ignore[assignment]


class _Note:
    """One line in place of a view: what a refused request leaves in the output."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render import fragments

        return {"text/plain": self.text, "text/html": fragments.empty_html(self.text)}


class _BuildNote(_Note):
    """A build log: preformatted, muted."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render import fragments

        html = f'<pre class="lnb-build" style="opacity: 0.75;">{fragments.e(self.text)}</pre>'
        return {"text/plain": self.text, "text/html": html}


def _take_out(argv: list[str]) -> tuple[str | None, list[str]]:
    """Split `-o VAR` / `--out VAR` off an argument list handed on to the events catalog."""
    out, rest, i = None, [], 0
    while i < len(argv):
        if argv[i] in ("-o", "--out"):
            if i + 1 >= len(argv):
                raise UsageError(f"{argv[i]} needs a variable name")
            out = argv[i + 1]
            i += 2
            continue
        rest.append(argv[i])
        i += 1
    return out, rest
