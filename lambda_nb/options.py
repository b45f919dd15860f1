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
from lambda_nb.engine.config import (
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
    """The runtimes a function can have here: this machine's python3.X, Node.js, custom."""
    from lambda_nb.runtimes import registry

    pythons = sorted(registry.pythons_on_path(), key=lambda n: tuple(map(int, n[6:].split("."))))
    return [*pythons, *registry.NODE_RUNTIMES, *registry.PROVIDED_RUNTIMES]


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

    @property
    def dest(self) -> str:
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
    "e.g. lambda_function.lambda_handler, index.handler)",
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
    "python3.X (an interpreter on PATH; default the kernel's), nodejs20.x/22.x/24.x, "
    "provided.al2023",
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
EVENT = Option(
    ("--event", "-e"),
    'JSON literal, @path/to/event.json, a catalog spec such as s3.put(key="a b.txt"); '
    "in a notebook also a variable name, in the shell @- for stdin; default {}",
    metavar="EVENT",
)

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
)


def function_args(func: F) -> F:
    """Decorate a magic with an IPython `@argument` per option, as `script_args` does.

    IPython builds the parser from the decorators in reverse order of application, so they are
    applied last-first to keep the declared order in the help.
    """
    from IPython.core.magic_arguments import argument

    for option in reversed((*FUNCTION, EVENT)):
        func = argument(*option.flags, **option.kwargs())(func)
    return func


def add_to_parser(parser: argparse.ArgumentParser) -> None:
    """Add the function options and --event to an argparse parser (the CLI's `invoke`)."""
    for option in (*FUNCTION, EVENT):
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
        else:
            key = option.dest
        if value is not None:
            out[key] = value
    return out


def find(flag: str, options: Sequence[Option] = (*FUNCTION, EVENT)) -> Option | None:
    """The option spelt `flag` (`--runtime`, `-e`), if any."""
    return next((o for o in options if flag in o.flags), None)
