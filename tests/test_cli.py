"""`lambda-nb` / `python -m lambda_nb`: real subprocess runs against real environments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_nb.cli import main
from lambda_nb.commands import CommandError, events_module, parse_env, resolve_event

ROOT = Path(__file__).resolve().parent.parent

OK = """\
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    print("hello from", context.function_name)
    logger.info("event %s", event)
    return {"echo": event}
"""

FAILS = """\
def lambda_handler(event, context):
    raise KeyError("missing")
"""

SLEEPS = """\
import time

def lambda_handler(event, context):
    time.sleep(30)
"""


def run(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lambda_nb", *args], capture_output=True, text=True,
        cwd=cwd, env=env, input=stdin, timeout=120,
    )  # fmt: skip


@pytest.fixture
def handler(tmp_path: Path) -> Path:
    path = tmp_path / "lambda_function.py"
    path.write_text(OK)
    return path


# ------------------------------------------------------------------------- pure helpers


def test_resolve_event_forms(tmp_path: Path) -> None:
    (tmp_path / "ev.json").write_text('{"a": 1}')
    assert resolve_event(None) == {}
    assert resolve_event('{"a": [1]}') == {"a": [1]}
    assert resolve_event("'[1, 2]'") == [1, 2]
    assert resolve_event("@ev.json", base=tmp_path) == {"a": 1}
    assert resolve_event(f"@{tmp_path / 'ev.json'}") == {"a": 1}
    assert resolve_event("x", {"x": {"v": 2}}) == {"v": 2}
    assert resolve_event("null", {}) is None
    with pytest.raises(CommandError, match="no variable named 'y'"):
        resolve_event("y", {"x": 1})
    with pytest.raises(CommandError, match="expected JSON, @file or a catalog spec"):
        resolve_event("{nope}")
    with pytest.raises(CommandError, match="cannot read"):
        resolve_event("@missing.json", base=tmp_path)


def test_parse_env() -> None:
    assert parse_env(None) is None
    assert parse_env(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(CommandError, match="KEY=VALUE"):
        parse_env(["=1"])


def test_usage_errors_in_process(capsys: pytest.CaptureFixture[str], handler: Path) -> None:
    assert main([]) == 2
    assert main(["invoke"]) == 2
    assert main(["invoke", str(handler), "--timeout", "abc"]) == 2
    assert main(["invoke", str(handler.with_name("nope.py"))]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["invoke", str(handler), "--memory", "64"]) == 2
    assert "between 128 and 10240" in capsys.readouterr().err
    assert main(["invoke", str(handler), "--event", "{nope"]) == 2
    assert "--event {nope" in capsys.readouterr().err
    assert main(["--version"]) == 0


# ------------------------------------------------------------------------- subprocesses


def test_invoke_success(handler: Path) -> None:
    proc = run("invoke", str(handler), "--event", '{"k": "v"}', "--name", "cli-ok")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"echo": {"k": "v"}}
    err = proc.stderr.splitlines()
    assert err[0].startswith("INIT_START Runtime Version: ")
    start = next(i for i, line in enumerate(err) if line.startswith("START RequestId: "))
    assert err[start].endswith(" Version: $LATEST")
    assert "hello from cli-ok" in err
    assert any(line.startswith("[INFO]\t") and line.endswith("event {'k': 'v'}") for line in err)
    assert err[-2].startswith("END RequestId: ")
    assert err[-1].startswith("REPORT RequestId: ") and "\tInit Duration: " in err[-1]


def test_invoke_error_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(FAILS)
    proc = run("invoke", str(path))  # handler defaults to app.lambda_handler
    assert proc.returncode == 1
    body = json.loads(proc.stdout)
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (body["errorType"], body["errorMessage"]) == ("KeyError", "'missing'")
    assert "[ERROR] KeyError: 'missing'" in proc.stderr


def test_invoke_timeout_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "lambda_function.py"
    path.write_text(SLEEPS)
    proc = run("invoke", str(path), "--timeout", "1")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in proc.stderr
    assert "Status: timeout" in proc.stderr.splitlines()[-1]


def test_event_file_stdin_and_options(handler: Path, tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text('{"from": "file"}')
    proc = run(
        "invoke",
        handler.name,
        "--event",
        "@event.json",
        "--memory",
        "256",
        "--log-format",
        "JSON",
        "--handler",
        "lambda_function.lambda_handler",
        "--env",
        "A=1",
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"echo": {"from": "file"}} and proc.stderr == ""
    proc = run("invoke", str(handler), "--event", "@-", stdin="[1, 2]")
    assert json.loads(proc.stdout) == {"echo": [1, 2]}
    assert "Memory Size: 128 MB" in proc.stderr


def test_json_log_format(handler: Path) -> None:
    proc = run("invoke", str(handler), "--log-format", "JSON", "--log-level", "INFO")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert any(r.get("level") == "INFO" and r.get("message") == "event {}" for r in records)


def test_usage_error_exits_2(handler: Path) -> None:
    proc = run("invoke", str(handler), "--bogus")
    assert proc.returncode == 2 and "unrecognized arguments: --bogus" in proc.stderr
    proc = run("invoke", str(handler), "--runtime", "python2.0")
    assert proc.returncode == 2 and "python2.0" in proc.stderr


def test_event_catalog_spec_and_subcommand(handler: Path) -> None:
    if events_module() is None:
        pytest.skip("events catalog not available yet")
    proc = run("invoke", str(handler), "--event", 's3.put(key="a b.txt")', "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["echo"]["Records"][0]["eventSource"] == "aws:s3"
    proc = run("event", "s3.put", "--key", "x.txt")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Records"][0]["s3"]["object"]["key"] == "x.txt"


def test_console_script_help() -> None:
    proc = run("--help")
    assert proc.returncode == 0 and "invoke" in proc.stdout and "event" in proc.stdout
    proc = run("invoke", "--help")
    assert proc.returncode == 0 and "--event EVENT" in proc.stdout


# ------------------------------------------------------------------ a reader that goes away


def _with_closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `lambda-nb ARGS` with stdout a pipe whose reader has already gone, as `| head` is
    once it has its lines: every write to it fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [sys.executable, "-m", "lambda_nb", *args], stdout=write_end, stderr=subprocess.PIPE,
            text=True, env=env, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args", [("event", "--list"), ("event", "--list", "--verbose"), ("--help",)]
)
def test_closed_pipe_exits_quietly(args: tuple[str, ...]) -> None:
    if args[0] == "event" and events_module() is None:
        pytest.skip("events catalog not available")
    proc = _with_closed_stdout(*args)
    assert proc.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored" at exit
    # 128 + SIGPIPE, what a shell reports for `yes | head`. For --help, argparse's own output
    # swallows the error in newer Pythons (3.11.7 here: its _print_message ignores OSError),
    # so it exits 0; older ones (Debian's 3.11.2) let it reach our handler: 141. Both quiet.
    assert proc.returncode in ((0, 141) if args == ("--help",) else (141,))


def test_pipe_into_head() -> None:
    """The user's pipeline, `lambda-nb event --list --verbose | head -n 2`: the lines come
    through and nothing reaches stderr. (Whether the writer meets the closed pipe here depends
    on which process is faster; the test above makes it certain.)"""
    if events_module() is None:
        pytest.skip("events catalog not available")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"'{sys.executable}' -m lambda_nb event --list --verbose | head -n 2"
    proc = subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert len(proc.stdout.splitlines()) == 2


# ----------------------------------------------------------------- the invocation model


def test_async_invoke_retries_and_prints_the_outcome(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(FAILS)
    out = run("invoke", "lambda_function.py", "--async", "--retries", "1", "--time-scale", "600",
              cwd=tmp_path)  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.startswith("202 Accepted: request ")
    assert "failed: RetriesExhausted after 2 attempt(s)" in out.stderr
    assert out.stderr.count("START RequestId") == 2
    assert json.loads(out.stdout)["errorType"] == "KeyError"


def test_a_burst_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(OK)
    out = run("invoke", "lambda_function.py", "--count", "4", "--concurrency", "2", "-q",
              "--event", '{"n": 1}', cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert [json.loads(line) for line in out.stdout.splitlines()] == [{"echo": {"n": 1}}] * 4
    assert "Events: 4" in out.stderr and "Throttled: 0" in out.stderr


def test_a_burst_over_reserved_concurrency_prints_throttles(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(OK)
    out = run("invoke", "lambda_function.py", "--count", "1", "--reserved-concurrency", "0",
              cwd=tmp_path)  # fmt: skip
    assert out.returncode == 1
    assert json.loads(out.stdout) == {
        "errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded.",
    }  # fmt: skip
