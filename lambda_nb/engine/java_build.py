"""Compiling a Java function's sources at publish time (the Java family's build step).

Every `*.java` of the deployment package is compiled together by the runtime's JDK, with `-g`
so stack traces carry line numbers and `--release N` for the runtime's Java version, against
the runtime's API (lambda_nb's re-declared `com.amazonaws.services.lambda.runtime`, or AWS's
own jar from the Maven cache) and the package's own `lib/*.jar`. The classes land in the user
cache, keyed by the sources, the runtime, the JDK and the class path, so re-running an
unchanged cell does not compile again; the revision's task root gets them by hard links.

A compile error raises `CompileError` (a BuildError: no revision is published) that reads like
Python's SyntaxError: file, line, column, javac's message, the line and a caret.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_nb.engine.errors import BuildError
from lambda_nb.engine.runtime_family import RuntimeCommand

_DIAGNOSTIC = re.compile(r"^(?P<file>[^\n]+?\.java):(?P<line>\d+): error: (?P<message>.*)$")


@dataclass(frozen=True)
class JavacError:
    """One of javac's errors, located in the source it compiled."""

    file: str
    line: int
    column: int | None
    message: str
    text: str | None  # the source line javac quoted

    def describe(self, line_word: str = "line") -> str:
        where = f"{self.file}, {line_word} {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        out = [f"{where}: {self.message}"]
        if self.text is not None:
            out.append(f"    {self.text}")
            if self.column is not None:
                out.append("    " + " " * (self.column - 1) + "^")
        return "\n".join(out)


class CompileError(BuildError):
    """javac refused the code: nothing was published (the previous revision stays live)."""

    def __init__(self, errors: list[JavacError], output: str, javac: str) -> None:
        self.errors = errors
        self.output = output  # javac's own text, whole
        self.javac = javac  # "javac 17.0.15 --release 17"
        super().__init__(self.describe())

    def describe(self, line_word: str = "line") -> str:
        """The errors as Python shows a SyntaxError (`line_word` "cell line" in a notebook,
        where the cell's header comment keeps the file's line N the cell's line N)."""
        if not self.errors:
            return f"Compilation failed ({self.javac}):\n{self.output.rstrip()}"
        count = len(self.errors)
        head = f"Compilation failed ({self.javac}): {count} error{'s' if count > 1 else ''}"
        return "\n".join([head, *(e.describe(line_word) for e in self.errors)])


def parse_errors(output: str) -> list[JavacError]:
    """javac's errors: `File.java:5: error: msg`, the source line, a caret line under the
    column (javac copies the line's tabs, so the caret's index is the column), and detail
    lines (`symbol:`, `location:`) that join the message."""
    lines = output.splitlines()
    errors: list[JavacError] = []
    i = 0
    while i < len(lines):
        match = _DIAGNOSTIC.match(lines[i])
        i += 1
        if match is None:
            continue
        message, text, column = match["message"], None, None
        if i + 1 < len(lines) and lines[i + 1].strip() == "^":
            text, column = lines[i], lines[i + 1].index("^") + 1
            i += 2
        while i < len(lines) and lines[i].startswith("  ") and not _DIAGNOSTIC.match(lines[i]):
            message += "\n  " + lines[i].strip()
            i += 1
        errors.append(JavacError(match["file"], int(match["line"]), column, message, text))
    return errors


def _content(value: str | bytes | Path) -> bytes:
    if isinstance(value, Path):
        return value.read_bytes()
    return value.encode("utf-8") if isinstance(value, str) else value


def compile_sources(
    command: RuntimeCommand,
    files: Mapping[str, Any],
    on_line: Callable[[str], None] | None = None,
) -> Path | None:
    """The folder of the classes compiled from `files`' Java sources (None: there are none)."""
    from lambda_nb.engine import cache

    sources = {name: _content(v) for name, v in files.items() if name.endswith(".java")}
    if not sources:
        return None
    jars = {
        name: _content(v)
        for name, v in files.items()
        if name.startswith("lib/") and name.endswith(".jar")
    }
    tool = command.toolchain
    home, release, api = tool["java_home"], tool["release"], tool["classpath"]
    if api.endswith("aws-lambda-java-core.jar") and on_line is not None:
        on_line(f"Compiling against AWS's aws-lambda-java-core from the Maven cache ({api})")
    digests = {n: hashlib.sha256(c).hexdigest() for n, c in {**sources, **jars}.items()}
    key = cache.key(home, tool["jdk_version"], release, api, digests)

    def build(out: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="lambda-nb-javac-") as tmp:
            src = Path(tmp)
            for name, content in {**sources, **jars}.items():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                (src / name).write_bytes(content)
            classpath = ":".join([api, *sorted(str(src / n) for n in jars)])
            javac = [f"{home}/bin/javac", "-J-XX:TieredStopAtLevel=1", "-J-Xshare:auto"]
            args = ["-g", "--release", release, "-encoding", "UTF-8", "-proc:none", "-cp",
                    classpath, "-d", str(out), *sorted(sources)]  # fmt: skip
            done = subprocess.run(
                [*javac, *args], capture_output=True, text=True, cwd=src, timeout=300
            )
            if done.returncode != 0:
                output = done.stderr or done.stdout
                label = f"javac {tool['jdk_version']} --release {release}"
                raise CompileError(parse_errors(output), output, label)

    return cache.entry("java-classes", f"{command.name}-{key}", build)[0]
