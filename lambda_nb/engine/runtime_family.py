"""A runtime family as one record: everything lambda_nb knows about a language's runtimes.

A family (python, nodejs, java, provided) decides, for every runtime identifier it owns: the
console's default handler, the name the code gets in the task root, the comment token that keeps
a cell's line N the file's line N, how its runtime client is started (`resolve`, which finds the
interpreter or JDK), what the build step does with the code (Java compiles it), and how the views
read its stack frames and Text-format log lines. Adding a language is one record (in
`runtime_<family>.py`) plus its client folder under `lambda_nb/runtimes/<language>/`, which
holds only what runs inside the execution environment.

Families, in the order a stack-trace entry is tried against their frame patterns:
python, nodejs, java, provided (`families()`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_nb.engine.errors import RuntimeNotFound


@dataclass(frozen=True)
class RuntimeCommand:
    """How to start one runtime: argv, the AWS_EXECUTION_ENV it announces, its version label."""

    name: str  # e.g. "python3.11", "nodejs22.x", "provided.al2023"
    argv: tuple[str, ...]  # a relative argv[0] is the bootstrap in the task root
    execution_env: str | None  # AWS_EXECUTION_ENV; absent on OS-only runtimes
    runtime_version: str  # INIT_START's "Runtime Version", e.g. "python:3.11.v7"
    family: str = "python"  # "python", "nodejs", "java" or "provided"
    runtime_dir: str | None = None  # LAMBDA_RUNTIME_DIR; None = the task root
    env: dict[str, str] = field(default_factory=dict)  # variables only this family gets
    # The language binary (python3.X, node, java) that runs the client; None for provided.*.
    # Its folder is /var/lang/bin on AWS: it leads the function's PATH, and a sandbox mounts it.
    interpreter: str | None = None
    # What the build step needs to know of the toolchain (Java: the JDK's home and release).
    toolchain: Mapping[str, str] = field(default_factory=dict)
    # Host folders the interpreter reads outside its own installation, which a sandbox binds
    # read-only at the same path (Debian's JDK links its conf/ to /etc/java-17-openjdk).
    mounts: tuple[str, ...] = ()

    def command(self, task_root: Path) -> list[str]:
        """The argv to exec, with a bootstrap that came with the code resolved in `task_root`."""
        first = self.argv[0]
        if not os.path.isabs(first):
            first = str(task_root / first)
        return [first, *self.argv[1:]]

    def environment(self, task_root: Path) -> dict[str, str]:
        """The variables this runtime adds to the execution environment's."""
        return {"LAMBDA_RUNTIME_DIR": self.runtime_dir or str(task_root), **self.env}


@dataclass(frozen=True)
class FramePattern:
    """How the views read one language's stack-trace entries.

    `pattern` matches one entry, with the groups `path`, `line` (may be absent, e.g. Java's
    `(Native Method)`), `func` and optionally `code` (the quoted source line). `runtime_path`
    marks frames of a runtime client by their file (hidden, as AWS's runtimes hide theirs);
    `runtime_function` does the same by function name (Java's JDK reflection frames).
    `innermost_first`: the language lists the most recent call first (Node.js, Java).
    """

    pattern: re.Pattern[str]
    runtime_path: re.Pattern[str] | None = None
    runtime_function: re.Pattern[str] | None = None
    innermost_first: bool = False


@dataclass(frozen=True)
class RuntimeFamily:
    """One language's runtimes, as one record (see the module's docstring)."""

    name: str
    owns: Callable[[str | None], bool]  # is this runtime identifier ours?
    default_handler: str  # the console's default for a new function
    comment: str | None  # a line comment's token; None: the code must start as it is (#!)
    # (handler, bootstrap) -> the code's file name in the task root when none is given
    code_file: Callable[[str, str | None], str]
    # (runtime, runtime_client, handler, bootstrap) -> how to start it (finds the interpreter)
    resolve: Callable[[str | None, str, str, str | None], RuntimeCommand]
    names: Callable[[], list[str]]  # the identifiers this machine can run (help, completion)
    identifiers: tuple[str, ...]  # every identifier it owns (python's are open-ended: none)
    help: str  # the --runtime help text's part for this family
    frames: FramePattern | None = None
    # A Text-format log line's level prefix, e.g. "[INFO]\t" (Python)
    text_level: re.Pattern[str] | None = None
    suffixes: tuple[str, ...] = ()  # code-file suffixes (a file cell's header comment)
    clients: tuple[str, ...] = ("lambda_nb", "awslambdaric")  # runtime_client values
    takes_bootstrap: bool = False  # `bootstrap=PATH` (a custom runtime's executable)
    # The handler a cell's source implies when none is given (Java: its public class).
    handler_for_source: Callable[[str], str] | None = None
    # (source, handler) -> the code's file name when the source decides it (Java: Class.java)
    file_for_source: Callable[[str, str], str] | None = None
    # (handler, file stem) -> the handler for `from_file` (`app.lambda_handler`)
    handler_for_file: Callable[[str], str] | None = None
    # The build step: (command, files, on_line) -> a folder whose files join the task root
    # (Java's classes). It raises BuildError (nothing is published) for code that cannot be
    # built; on_line receives notes for the build log.
    build: (
        Callable[[RuntimeCommand, Mapping[str, Any], Callable[[str], None] | None], Path | None]
        | None
    ) = None


@functools.cache
def families() -> tuple[RuntimeFamily, ...]:
    """Every family, in the order their frame patterns are tried (imported on first use)."""
    from lambda_nb.engine import runtime_java, runtime_nodejs, runtime_provided, runtime_python

    return (runtime_python.FAMILY, runtime_nodejs.FAMILY, runtime_java.FAMILY,
            runtime_provided.FAMILY)  # fmt: skip


def of(runtime: str | None) -> RuntimeFamily:
    """The family of `runtime` (None, the kernel's Python, and unknown names are python's,
    whose resolve explains what is supported)."""
    for fam in families():
        if fam.name != "python" and fam.owns(runtime):
            return fam
    return families()[0]


def by_name(name: str) -> RuntimeFamily:
    return next(fam for fam in families() if fam.name == name)


# ------------------------------------------------------------------ what callers ask
def runtime_for(runtime: str | None, bootstrap: object | None) -> str | None:
    """The runtime a function gets: a `bootstrap` executable implies provided.al2023."""
    if runtime is None and bootstrap is not None:
        return by_name("provided").identifiers[0]
    return runtime


def family(runtime: str | None) -> str:
    """The runtime's family name: python (also for None, the kernel's Python), nodejs, java
    or provided."""
    return of(runtime).name


def default_handler(runtime: str | None, source: str | bytes | None = None) -> str:
    """The console's default handler for a new function of this runtime; a family that reads
    it from the code (Java: the cell's public class) does so when `source` is given."""
    fam = of(runtime)
    if source is not None and fam.handler_for_source is not None:
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        return fam.handler_for_source(text)
    return fam.default_handler


def code_file(
    runtime: str | None,
    handler: str,
    bootstrap: str | None = None,
    source: str | bytes | None = None,
) -> str:
    """The name the function's code gets in the task root when none is given (each family's
    rule: `app.handler` -> `app.py`, `index.handler` -> `index.mjs`, a custom runtime's
    `bootstrap`, a Java cell's `<PublicClass>.java`)."""
    fam = of(runtime)
    if source is not None and fam.file_for_source is not None:
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        return fam.file_for_source(text, handler)
    return fam.code_file(handler, bootstrap)


def handler_for_file(runtime: str | None, stem: str) -> str:
    """`from_file`'s default handler: the file's stem with the family's function name."""
    fam = of(runtime)
    if fam.handler_for_file is not None:
        return fam.handler_for_file(stem)
    return f"{stem}.{fam.default_handler.rpartition('.')[2]}"


def line_comment(runtime: str | None) -> str | None:
    """How the code's language starts a comment line, for a header above the code: `#` or
    `//`; None for a custom runtime, whose bootstrap must start with its `#!` line."""
    return of(runtime).comment


def file_comment(filename: str) -> str | None:
    """The comment token of a code file by its suffix (`helpers.py` -> `#`), else None."""
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    for fam in families():
        if suffix in fam.suffixes:
            return fam.comment
    return None


def is_executable_code(runtime: str | None, filename: str, bootstrap: str | None) -> bool:
    """True for the file that must be executable: a custom runtime's own `bootstrap`."""
    from lambda_nb.engine.runtime_provided import BOOTSTRAP_FILE

    return of(runtime).takes_bootstrap and bootstrap is None and filename == BOOTSTRAP_FILE


def resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None = None
) -> RuntimeCommand:
    """The command for `runtime` (None = this interpreter's python3.X)."""
    return of(runtime).resolve(runtime, runtime_client, handler, bootstrap)


def runtime_names() -> list[str]:
    """Every runtime identifier this machine can run, family by family."""
    return [name for fam in families() for name in fam.names()]


def runtime_help() -> str:
    """The --runtime option's help: each family's part."""
    return ", ".join(fam.help for fam in families())


def unsupported(name: str) -> RuntimeNotFound:
    """The error for a runtime identifier no family owns."""
    python = by_name("python")
    others = [", ".join(fam.identifiers) for fam in families() if fam.identifiers]
    return RuntimeNotFound(
        f"Unsupported runtime {name!r}: use python3.X (found here: "
        f"{', '.join(python.names())}), {', '.join(others[:-1])} or {others[-1]}"
    )
