"""The caller's side of a debugged invocation: where pdb's prompt appears.

The engine asks a *prompt* (engine/debugger.py) for each line pdb reads. In a notebook or a
script that is `input()`: in a Jupyter kernel, the kernel's stdin channel (an input box in the
cell, in JupyterLab and Notebook 7); in a terminal, the terminal. `lambda-nb invoke --debug`
uses `TerminalPrompt`, which keeps stdout for the response body.

Two environments stopped at once (a burst) ask one after the other: one prompt at a time.
"""

from __future__ import annotations

import builtins
import sys
import threading
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
