"""Tab completion of `%lambda` / `%%lambda` lines through IPython's own completer.

Every test asks `ip.Completer` (what a kernel's complete_request reaches) for completions of a
real line at a real cursor position, as a frontend would.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import IPython
import pytest
from IPython.core.completer import provisionalcompleter
from IPython.utils.capture import capture_output

from lambda_nb.commands import events_module
from lambda_nb.engine.config import LOG_LEVELS
from lambda_nb.magic import LINE_COMMANDS

CODE = "def lambda_handler(event, context):\n    return event\n"


def complete(ip: Any, line: str, cell: str = "") -> list[str]:
    """The completions IPython offers with the cursor at the end of `line` (the first line of
    `line + cell`), each as the text that would be there after accepting it."""
    full = line + ("\n" + cell if cell else "")
    with provisionalcompleter():
        found = list(ip.Completer.completions(full, len(line)))
    if IPython.version_info < (8,):  # IPython 7 lists Jedi's guesses too and nothing can stop it
        found = [c for c in found if c._origin == "custom"]
    return [line[: c.start] + c.text for c in found]


def words(ip: Any, line: str, cell: str = "") -> list[str]:
    """Just the word each completion leaves under the cursor."""
    return [c.rsplit(" ", 1)[-1] for c in complete(ip, line, cell)]


@pytest.fixture
def defined(ip: Any, name: str) -> Iterator[str]:
    """A function defined in the default service (published, not invoked)."""
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", CODE)
    yield name


def need_events() -> None:
    if events_module() is None:
        pytest.skip("events catalog not available")


# ------------------------------------------------------------------------------ %lambda


def test_commands(ip: Any) -> None:
    assert words(ip, "%lambda ")[: len(LINE_COMMANDS)] == list(LINE_COMMANDS)
    assert set(LINE_COMMANDS) >= {"invoke", "list", "logs", "history", "reset", "event", "help"}
    assert words(ip, "%lambda inv") == ["invoke"]
    assert words(ip, "%lambda h") == ["history", "help"]
    assert words(ip, "%lambda help ") == list(LINE_COMMANDS)
    assert words(ip, "%lambda help pl") == ["playground"]


def test_function_names(ip: Any, defined: str) -> None:
    for command in ("invoke", "logs", "history", "reset", "playground"):
        assert defined in words(ip, f"%lambda {command} "), command
        assert words(ip, f"%lambda {command} {defined[:-3]}") == [defined]
    assert defined not in words(ip, "%lambda list ")


def test_options_of_a_command(ip: Any, defined: str) -> None:
    assert words(ip, f"%lambda invoke {defined} --") == [
        "--event", "--async", "--qualifier", "--count", "--concurrency", "--remote", "--debug",
        "--out", "--help",
    ]  # fmt: skip
    assert words(ip, f"%lambda invoke {defined} -") == [
        "--event", "-e", "--async", "--qualifier", "--count", "--concurrency", "--remote",
        "--debug", "-o",
        "--out", "-h", "--help",
    ]  # fmt: skip


def test_event_types_and_parameters(ip: Any, defined: str) -> None:
    need_events()
    assert words(ip, "%lambda event s3.p") == ["s3.post", "s3.put"]
    assert "sqs.receive" in words(ip, "%lambda event ")
    params = words(ip, "%lambda event s3.put --")
    assert {"--bucket", "--key", "--seed", "--out", "--help"} <= set(params)
    assert words(ip, "%lambda event s3.put --ke") == ["--key"]
    assert words(ip, f"%lambda invoke {defined} --event sqs.re") == ["sqs.receive"]
    assert words(ip, f"%lambda invoke {defined} -e sqs.re") == ["sqs.receive"]


def test_event_parameter_values(ip: Any) -> None:
    need_events()
    from lambda_nb.events import catalog

    etype, param = next((t, p) for t in catalog() for p in t.params if p.choices)
    found = words(ip, f"%lambda event {etype.name} {param.cli_name} ")
    assert found == [str(c) for c in param.choices]


def test_parameters_inside_an_event_spec(ip: Any) -> None:
    need_events()
    line = '%%lambda --event s3.put(key="a b.txt", bu'
    assert complete(ip, line) == ['%%lambda --event s3.put(key="a b.txt", bucket=']
    inside = [w.rsplit("(", 1)[-1] for w in words(ip, "%%lambda --event s3.put(")]
    assert "bucket=" in inside and "key=" in inside
    assert "key=" not in [w.split("(")[-1] for w in words(ip, '%%lambda -e s3.put(key="x", ')]


# ----------------------------------------------------------------------------- %%lambda


def test_cell_options(ip: Any) -> None:
    found = words(ip, "%%lambda --", CODE)
    for flag in ("--handler", "--timeout", "--memory", "--env", "--log-format", "--log-level",
                 "--runtime", "--filename", "--bootstrap", "--runtime-client", "--event",
                 "--no-invoke", "--out", "--help"):  # fmt: skip
        assert flag in found, flag
    assert words(ip, "%%lambda --run", CODE) == ["--runtime", "--runtime-client"]
    assert words(ip, "%%lambda my-fn --time", CODE) == ["--timeout"]


def test_runtimes(ip: Any) -> None:
    found = words(ip, "%%lambda --runtime ", CODE)
    own = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert own in found
    assert {"nodejs20.x", "nodejs22.x", "nodejs24.x", "provided.al2023"} <= set(found)
    assert words(ip, "%%lambda --runtime node", CODE) == ["nodejs20.x", "nodejs22.x", "nodejs24.x"]
    pythons = [w for w in found if w.startswith("python")]
    assert pythons == sorted(pythons, key=lambda n: tuple(map(int, n[6:].split("."))))


def test_option_values(ip: Any) -> None:
    assert words(ip, "%%lambda --log-format ", CODE) == ["Text", "JSON"]
    assert words(ip, "%%lambda --log-level ", CODE) == list(LOG_LEVELS)
    assert words(ip, "%%lambda --runtime-client a", CODE) == ["awslambdaric"]


def test_function_names_for_the_cell(ip: Any, defined: str) -> None:
    assert defined in words(ip, "%%lambda ", CODE)
    assert words(ip, f"%%lambda {defined[:-2]}", CODE) == [defined]
    assert words(ip, f"%%lambda {defined} --event sqs.re", CODE) == ["sqs.receive"] or (
        events_module() is None
    )


def test_only_the_magic_line(ip: Any) -> None:
    """The cell's own code, and Python's `lambda`, complete as Python does."""
    cell = "%%lambda --runtime nodejs22.x\nimport o"
    with provisionalcompleter():
        found = [c.text for c in ip.Completer.completions(cell, len(cell))]
    assert "os" in found and "nodejs22.x" not in found
    assert "nodejs20.x" not in words(ip, "f = lambda n")


def test_unloading_removes_the_completer(ip: Any) -> None:
    assert words(ip, "%%lambda --runtime node") != []
    ip.run_line_magic("unload_ext", "lambda_nb")
    try:
        assert "nodejs20.x" not in words(ip, "%%lambda --runtime node")
    finally:
        ip.run_line_magic("load_ext", "lambda_nb")
    ip.run_line_magic("reload_ext", "lambda_nb")
    assert words(ip, "%lambda inv") == ["invoke"]  # once, not twice
