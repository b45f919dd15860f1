"""The caller's side of a debugged invocation: where pdb's prompt appears.

The engine asks a *prompt* (engine/debugger.py) for each line pdb reads. In a notebook or a
script that is `input()`: in a Jupyter kernel, the kernel's stdin channel (an input box in the
cell, in JupyterLab and Notebook 7); in a terminal, the terminal. `lambda-nb invoke --debug`
uses `TerminalPrompt`, which keeps stdout for the response body. `debug=["p event", "c"]` uses
`ScriptedPrompt`: commands given in advance, for a notebook run headless (nbclient cannot answer
input()), a lesson, or a script.

Two environments stopped at once (a burst) ask one after the other: one prompt at a time.
"""

from __future__ import annotations

import builtins
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

_one_at_a_time = threading.Lock()


def split_prompt(text: str) -> tuple[str, str]:
    """pdb's output and its prompt: everything up to the last line, and the last line."""
    head, newline, last = text.rpartition("\n")
    return head + newline, last


class InputPrompt:
    """pdb's output printed to sys.stdout, its prompt asked with `input()` (looked up when
    asked: ipykernel installs its own for each cell it runs)."""

    def __call__(self, text: str) -> str:
        output, prompt = split_prompt(text)
        with _one_at_a_time:
            if output:
                sys.stdout.write(output)
                sys.stdout.flush()
            return str(builtins.input(prompt))

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class TerminalPrompt:
    """The shell's prompt: pdb's output and prompt on stderr (stdout is the response body's),
    lines from stdin; end of input (Ctrl-D, or a pipe that ran dry) is EOF for pdb."""

    def __init__(self, stdin: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdin = stdin
        self.stderr = stderr

    def __call__(self, text: str) -> str:
        stdin, stderr = self.stdin or sys.stdin, self.stderr or sys.stderr
        with _one_at_a_time:
            stderr.write(text)
            stderr.flush()
            line = stdin.readline()
            if line and not _isatty(stdin):  # piped commands: echoed, so the transcript reads
                stderr.write(line if line.endswith("\n") else line + "\n")
                stderr.flush()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    def write(self, text: str) -> None:
        stderr = self.stderr or sys.stderr
        stderr.write(text)
        stderr.flush()


class ScriptedPrompt:
    """pdb's commands given in advance (`debug=["p event", "n", "c"]`), answered in order.

    The transcript goes to sys.stdout as a terminal shows a session: pdb's output, its prompt,
    then the command typed after it. Once the list runs out, pdb's prompt gets `c` (continue)
    for as long as it asks, so a script never hangs; `interact`'s `>>> ` gets end-of-input
    (Ctrl-D), which returns to pdb."""

    def __init__(self, commands: Iterable[str]) -> None:
        if isinstance(commands, (str, bytes)):
            raise TypeError(
                f"debug: a list of pdb commands, e.g. ['p event', 'c'], not {commands!r}"
            )
        self.commands = list(commands)
        for command in self.commands:
            if not isinstance(command, str) or "\n" in command:
                raise TypeError(f"debug: each pdb command is one line of text, not {command!r}")
        self.answered = 0

    def __call__(self, text: str) -> str:
        if self.answered < len(self.commands):
            line: str | None = self.commands[self.answered]
            self.answered += 1
        else:
            line = "c" if text.endswith("(Pdb) ") else None
        with _one_at_a_time:
            sys.stdout.write(text + ("" if line is None else line) + "\n")
            sys.stdout.flush()
        if line is None:
            raise EOFError
        return line

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
