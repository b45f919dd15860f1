"""The function options are declared once (lambda_nb/options.py) and reach the magic and the CLI
alike: same flags, same help, same conversions, same defaults."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from lambda_nb import options
from lambda_nb.cli import build_parser
from lambda_nb.commands import CommandError
from lambda_nb.engine.config import FunctionConfig
from lambda_nb.magic import LambdaMagics


def _actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions}


def _cli_invoke() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["invoke"]


def test_magic_and_cli_parse_the_same_options() -> None:
    magic = _actions(LambdaMagics.lambda_.parser)
    cli = _actions(_cli_invoke())
    for option in (*options.FUNCTION, options.EVENT):
        m, c = magic[option.dest], cli[option.dest]
        assert m.option_strings == c.option_strings == list(option.flags)
        assert m.help == c.help and option.help in str(m.help)
        assert (m.type, m.nargs, m.metavar) == (c.type, c.nargs, c.metavar)
        assert m.default is None and c.default is None  # unset stays detectable


def test_defaults_are_the_engines() -> None:
    config = FunctionConfig()
    assert options.TIMEOUT.default == config.timeout
    assert options.MEMORY.default == config.memory
    assert options.LOG_FORMAT.default == config.log_format
    assert options.RUNTIME_CLIENT.default == config.runtime_client
    # the magic's configurable defaults start from the same declarations
    traits = LambdaMagics.class_traits()
    assert traits["timeout"].default_value == options.TIMEOUT.default
    assert traits["memory"].default_value == options.MEMORY.default
    assert traits["runtime_client"].default_value == options.RUNTIME_CLIENT.default
    assert "(default 3)" in str(_actions(_cli_invoke())["timeout"].help)


def _parse(*argv: str) -> argparse.Namespace:
    return _cli_invoke().parse_args(["f.py", *argv])


def test_settings_given_over_configured() -> None:
    args = _parse("--timeout", "7", "--env", "A=1", "B=x y", "--log-format", "JSON")
    configured: dict[str, Any] = {"timeout": 10.0, "memory": 512, "runtime": None}
    assert options.settings(args, configured) == {
        "timeout": 7.0,
        "memory": 512,
        "environment": {"A": "1", "B": "x y"},
        "log_format": "JSON",
    }
    assert options.settings(_parse(), {}) == {}  # nothing given: the engine's defaults


def test_settings_reject_bad_env() -> None:
    with pytest.raises(CommandError, match="--env expects KEY=VALUE"):
        options.settings(_parse("--env", "NOEQUALS"), {})


def test_completion_values() -> None:
    assert options.find("--log-format") is options.LOG_FORMAT
    assert options.find("-e") is options.EVENT
    assert options.find("--nope") is None
    runtimes = options.RUNTIME.values() if options.RUNTIME.values else []
    assert "nodejs22.x" in runtimes and "provided.al2023" in runtimes


def test_ephemeral_storage_option() -> None:
    assert options.EPHEMERAL_STORAGE.default == FunctionConfig().ephemeral_storage == 512
    settings = options.settings(_parse("--ephemeral-storage", "2048"), {})
    assert settings["ephemeral_storage"] == 2048
    assert "/tmp size in MB, 512-10240" in str(_actions(_cli_invoke())["ephemeral_storage"].help)
