"""A function's options, declared once for the `%%lambda` magic and the `lambda-nb` CLI.

In the style of IPython's script magics (`script_args`): one list of declarations, `FUNCTION`,
from which `function_args` builds the magic's `@argument` decorators and `add_to_parser` the
CLI's argparse arguments; `settings` turns the parsed namespace into `Function.from_source`
keywords for both. The defaults are the engine's (engine/config.py), and the magic's
configurable traits start from them too, so a default is written in one place.

No IPython here: the CLI works on an install without it. The values offered for completion
(runtimes, log levels...) are computed only when asked for.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from lambda_nb.commands import parse_env
from lambda_nb.engine import runtime_family
from lambda_nb.engine.config import (
    ARCHITECTURES,
    EPHEMERAL_DEFAULT,
    EPHEMERAL_MAX,
    EPHEMERAL_MIN,
    LOG_FORMATS,
    LOG_LEVELS,
    MEMORY_DEFAULT,
    MEMORY_MAX,
    MEMORY_MIN,
    TIMEOUT_DEFAULT,
    TIMEOUT_MAX,
    TIMEOUT_MIN,
)

RUNTIME_CLIENTS = ("lambda_nb", "awslambdaric")
F = TypeVar("F", bound=Callable[..., Any])


def runtime_names() -> list[str]:
    """The runtimes a function can have here: this machine's python3.X, Node.js, Java (its
    JDKs), custom: each runtime family's (engine/runtime_family.py)."""
    return runtime_family.runtime_names()


@dataclass(frozen=True)
class Option:
    """One option: its flags, how argparse reads it, its default and its help text.

    `default` is what the function gets when the option is not given; argparse itself always
    defaults to None, so the magic can fill in its configured defaults instead. `values` lists
    the accepted values for tab completion (a callable, so nothing is computed at import).
    """

    flags: tuple[str, ...]
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    action: str | None = None
    nargs: str | None = None
    values: Callable[[], Sequence[str]] | None = None
    name: str | None = None  # the parsed value's name, when not the long flag's

    @property
    def dest(self) -> str:
        if self.name is not None:
            return self.name
        long = next((f for f in self.flags if f.startswith("--")), self.flags[0])
        return long.lstrip("-").replace("-", "_")

    @property
    def takes_value(self) -> bool:
        return self.action not in ("store_true", "store_false")

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of argparse's `add_argument` (and IPython's `@argument`)."""
        default = f"{self.default:g}" if isinstance(self.default, float) else self.default
        text = self.help if default is None else f"{self.help} (default {default})"
        out: dict[str, Any] = {"help": text, "dest": self.dest, "default": None}
        for key in ("metavar", "type", "action", "nargs"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def _choices(values: Sequence[str]) -> Callable[[], Sequence[str]]:
    return lambda: values


HANDLER = Option(
    ("--handler",),
    "handler as module.function (default: the code's module and the runtime's function, "
    "e.g. lambda_function.lambda_handler, index.handler; Java: pkg.Class::method, default "
    "the cell's public class::handleRequest)",
    metavar="H",
)
TIMEOUT = Option(
    ("--timeout",),
    f"timeout in seconds, {TIMEOUT_MIN}-{TIMEOUT_MAX}",
    metavar="S",
    type=float,
    default=float(TIMEOUT_DEFAULT),
)
MEMORY = Option(
    ("--memory",),
    f"memory size in MB, {MEMORY_MIN}-{MEMORY_MAX}",
    metavar="MB",
    type=int,
    default=MEMORY_DEFAULT,
)
EPHEMERAL_STORAGE = Option(
    ("--ephemeral-storage",),
    f"/tmp size in MB, {EPHEMERAL_MIN}-{EPHEMERAL_MAX}",
    metavar="MB",
    type=int,
    default=EPHEMERAL_DEFAULT,
)
ENV = Option(("--env",), "environment variables", metavar="K=V", nargs="+", action="extend")
LOG_FORMAT = Option(
    ("--log-format",),
    " or ".join(LOG_FORMATS),
    metavar="F",
    default=LOG_FORMATS[0],
    values=_choices(LOG_FORMATS),
)
LOG_LEVEL = Option(
    ("--log-level",),
    "application log level (JSON log format only)",
    metavar="L",
    values=_choices(LOG_LEVELS),
)
RUNTIME = Option(
    ("--runtime",),
    runtime_family.runtime_help(),  # each family's part, e.g. "nodejs20.x/22.x/24.x (...)"
    metavar="R",
    values=runtime_names,
)
FILENAME = Option(
    ("--filename",),
    "the code's file name, e.g. index.cjs or index.js for CommonJS on Node.js",
    metavar="NAME",
)
BOOTSTRAP = Option(
    ("--bootstrap",),
    "an executable custom runtime to run the code (implies provided.al2023)",
    metavar="PATH",
)
RUNTIME_CLIENT = Option(
    ("--runtime-client",),
    "lambda_nb, or AWS's awslambdaric (Linux only)",
    metavar="C",
    default=RUNTIME_CLIENTS[0],
    values=_choices(RUNTIME_CLIENTS),
)
REQUIREMENTS = Option(
    ("--requirements",),
    "packages the function needs, installed with pip (npm for Node.js) into its package: "
    "requirement strings, or a requirements.txt / package.json path",
    metavar="REQ",
    nargs="+",
    action="extend",
)
LAYERS = Option(
    ("--layer",),
    "a layer: a folder or .zip laid out as python/, nodejs/node_modules/, bin/, lib/ "
    "(up to 5, merged into /opt in order)",
    metavar="PATH",
    action="append",
)
ARCHITECTURE = Option(
    ("--architecture",),
    "x86_64 or arm64: which wheels and npm binaries the requirements get",
    metavar="A",
    default=ARCHITECTURES[0],
    values=_choices(ARCHITECTURES),
)
FILE = Option(
    ("--file",),
    "a file of the deployment package: in a notebook the cell is that file (e.g. helpers.py) "
    "and joins function NAME; in the shell a path to add next to the code",
    metavar="NAME",
    action="append",
    name="package_file",  # the CLI's FILE argument is the code itself
)
# What the function's boto3 reaches (lambda_nb/aws/credentials.py checks the value).
AWS = Option(
    ("--aws",),
    "what the function's AWS SDK reaches: local (lambda_nb's local AWS), profile:NAME (that "
    "profile's real credentials), or an emulator's URL; default none (no credentials)",
    metavar="A",
    values=_choices(("local", "profile:", "http://127.0.0.1:4566")),
)
EVENT = Option(
    ("--event", "-e"),
    'JSON literal, @path/to/event.json, a catalog spec such as s3.put(key="a b.txt"); '
    "in a notebook also a variable name, in the shell @- for stdin; default {}",
    metavar="EVENT",
)

# The invocation's, not the function's: pdb in the handler stops at the caller's prompt.
DEBUG = Option(
    ("--debug",),
    "breakpoint() and pdb in the handler (Node.js: debugger;) stop at a prompt here (an input "
    "box in a notebook, the terminal in a shell); the time stopped does not count against the "
    "timeout",
    action="store_true",
)
DEBUG_PORT = Option(
    ("--debug-port",),
    "an IDE attaches on 127.0.0.1:PORT (debugpy for Python, the inspector for Node.js; VS "
    "Code's launch.json `attach`); the timeout is off meanwhile",
    metavar="PORT",
    type=int,
)
INVOKE: tuple[Option, ...] = (EVENT, DEBUG)  # options of one invocation, after the function's

# The function's configuration, in the order the help lists it.
FUNCTION: tuple[Option, ...] = (
    HANDLER,
    TIMEOUT,
    MEMORY,
    EPHEMERAL_STORAGE,
    ENV,
    LOG_FORMAT,
    LOG_LEVEL,
    RUNTIME,
    FILENAME,
    BOOTSTRAP,
    RUNTIME_CLIENT,
    REQUIREMENTS,
    LAYERS,
    ARCHITECTURE,
    DEBUG_PORT,
    AWS,
)


# Taking a function to AWS (`%lambda deploy`, `lambda-nb deploy`): boto3's own settings.
ROLE = Option(
    ("--role",),
    "the execution role's ARN, which Lambda assumes (needed to create the function)",
    metavar="ARN",
)
REGION = Option(("--region",), "the AWS region (default: your profile's)", metavar="R")
DEPLOY: tuple[Option, ...] = (ROLE, REGION)


def add_deploy_args(parser: argparse.ArgumentParser) -> None:
    """Add --role and --region (the magic's `deploy` and the CLI's `deploy`)."""
    for option in DEPLOY:
        parser.add_argument(*option.flags, **option.kwargs())


# ------------------------------------------------- serve: the HTTP front end (lambda_nb/aws)
API_KINDS = ("http", "rest", "url")  # http_frontend.API_KINDS, without importing it here
PORT = Option(
    ("--port",),
    "the port on 127.0.0.1 to serve on; 0 picks a free one",
    metavar="PORT",
    type=int,
    default=0,
)
API = Option(
    ("--api",),
    "http (API Gateway HTTP API, payload 2.0), rest (REST API, payload 1.0) or url "
    "(a function URL)",
    metavar="API",
    default=API_KINDS[0],
    values=_choices(API_KINDS),
)
SERVE: tuple[Option, ...] = (PORT, API)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """--port and --api, for `%lambda serve` and `lambda-nb serve`."""
    for option in SERVE:
        parser.add_argument(*option.flags, **option.kwargs())


def serve_settings(args: argparse.Namespace) -> dict[str, Any]:
    """`Function.serve` keywords from parsed options (a missing one gets its default)."""
    out = {}
    for option in SERVE:
        value = getattr(args, option.dest, None)
        out[option.dest] = option.default if value is None else value
    return out


# ------------------------------- logs: FilterLogEvents over a log group (engine/log_store.py)
FILTER = Option(
    ("--filter",),
    'a CloudWatch filter pattern: ERROR Exception (all), "exact phrase", ?ERROR ?WARN (any), '
    '-DEBUG (not), %%regex%%, { $.level = "ERROR" } (JSON, with = != < > && ||)',
    metavar="PATTERN",
)
SINCE = Option(
    ("--since",),
    "only events since this long ago (30s, 10m, 2h, 1d) or this time (2026-12-01T10:00:00Z)",
    metavar="WHEN",
)
STREAM = Option(
    ("--stream",),
    "only this log stream: its name or the start of its hex id (may be repeated)",
    metavar="S",
    action="append",
)
LOGS: tuple[Option, ...] = (FILTER, SINCE, STREAM)


def add_logs_options(parser: argparse.ArgumentParser) -> None:
    """--filter, --since and --stream, for `%lambda logs` and `lambda-nb logs`."""
    for option in LOGS:
        parser.add_argument(*option.flags, **option.kwargs())


def logs_settings(args: argparse.Namespace) -> dict[str, Any]:
    """`Function.logs` keywords from parsed options; {} when none was given (the whole log
    group is then shown as it is)."""
    out = {}
    for option, key in ((FILTER, "filter"), (SINCE, "since"), (STREAM, "stream")):
        value = getattr(args, option.dest, None)
        if value is not None:
            out[key] = value
    return out


def function_args(func: F) -> F:
    """Decorate a magic with an IPython `@argument` per option, as `script_args` does.

    IPython builds the parser from the decorators in reverse order of application, so they are
    applied last-first to keep the declared order in the help.
    """
    from IPython.core.magic_arguments import argument

    for option in reversed((*FUNCTION, FILE, *INVOKE)):
        func = argument(*option.flags, **option.kwargs())(func)
    return func


def add_to_parser(parser: argparse.ArgumentParser) -> None:
    """Add the function options, --file, --event and --debug to an argparse parser (the CLI's
    `invoke`)."""
    for option in (*FUNCTION, FILE, *INVOKE):
        parser.add_argument(*option.flags, **option.kwargs())


def settings(args: argparse.Namespace, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """`Function.from_source` keywords from parsed options: a given option wins, else
    `defaults[dest]` (the magic's configuration); options with neither are left out, so the
    function gets the engine's own default. `--env K=V` becomes the environment dict."""
    out: dict[str, Any] = {}
    for option in FUNCTION:
        value = getattr(args, option.dest, None)
        if value is None:
            value = defaults.get(option.dest)
        if option is ENV:
            value = parse_env(value)
            key = "environment"
        elif option is LAYERS:
            key = "layers"
        else:
            key = option.dest
        if value is not None:
            out[key] = value
    return out


def find(
    flag: str, options: Sequence[Option] = (*FUNCTION, FILE, *INVOKE, *SERVE, *LOGS)
) -> Option | None:
    """The option spelt `flag` (`--runtime`, `-e`), if any."""
    return next((o for o in options if flag in o.flags), None)
