"""`lambda-nb event`: `--param value` parsing, `--list`, JSON output and errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import lambda_nb.events as ev


@pytest.mark.parametrize(
    ("name", "argv", "expected"),
    [
        ("s3.put", ["--bucket", "b", "--key", "a b.txt"], {"bucket": "b", "key": "a b.txt"}),
        ("s3.put", ["--key=x=y", "--size", "12"], {"key": "x=y", "size": 12}),
        ("s3.put", ["--key", "123"], {"key": "123"}),  # text stays text
        ("sqs.receive", ["--count", "3", "--seed", "9"], {"count": 3, "seed": 9}),
        ("sqs.receive", ["--body", '{"a": 1}'], {"body": '{"a": 1}'}),  # str | dict: text
        ("sqs.receive", ["--bodies", '["a", {"b": 2}]'], {"bodies": ["a", {"b": 2}]}),
        ("sqs.receive", ["--bodies", "a", "--bodies", "b"], {"bodies": ["a", "b"]}),
        ("sqs.receive", ["--attributes", '{"n": 1}'], {"attributes": {"n": 1}}),
        ("apigateway.rest", ["--binary"], {"binary": True}),
        ("apigateway.rest", ["--binary", "--body", "x"], {"binary": True, "body": "x"}),
        ("apigateway.rest", ["--binary", "false"], {"binary": False}),
        ("apigateway.rest", ["--no-binary"], {"binary": False}),
        ("apigateway.rest", ["--query", "a=1&b=2"], {"query": "a=1&b=2"}),
        ("apigateway.rest", ["--headers", '{"X": ["1", "2"]}'], {"headers": {"X": ["1", "2"]}}),
        ("apigateway.rest", ["--method", "POST"], {"method": "POST"}),
        ("cloudwatch.alarm", ["--threshold", "2.5"], {"threshold": 2.5}),
        ("dynamodb.insert", ["--keys", "pk", "--keys", "sk", "--item", '{"pk": 1, "sk": 2}'],
         {"keys": ["pk", "sk"], "item": {"pk": 1, "sk": 2}}),
        ("cognito.pre_signup", ["--user-name", ""], {"user_name": ""}),
        ("kafka.msk", ["--key", "null"], {"key": "null"}),
    ],
)  # fmt: skip
def test_parse_cli_params(name: str, argv: list[str], expected: dict) -> None:
    assert ev.parse_cli_params(name, argv) == expected


@pytest.mark.parametrize(
    ("name", "argv", "message"),
    [
        ("s3.put", ["--buckt", "b"], "did you mean '--bucket'"),
        ("s3.put", ["--bucket"], "--bucket needs a value"),
        ("s3.put", ["bucket", "b"], "expected --param value"),
        ("s3.put", ["--size", "big"], "--size: expected int"),
        ("sqs.receive", ["--attributes", "{not json"], "--attributes: expected"),
        ("apigateway.rest", ["--binary", "maybe"], "--binary: expected bool"),
        ("apigateway.rest", ["--method", "FETCH"], "one of 'GET'"),
        ("s3.put", ["--key", "a", "--key", "b"], "--key given twice"),
        ("s3.put", ["--no-key"], "no parameter '--no-key'"),
        ("s3.put", ["--account-id", "1"], "no parameter '--account-id'"),
        ("s3.putt", [], "did you mean 's3.put'"),
    ],
)
def test_parse_cli_params_errors(name: str, argv: list[str], message: str) -> None:
    with pytest.raises(ev.EventError, match=message.replace("(", r"\(")):
        ev.parse_cli_params(name, argv)


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert ev.cli_main(["--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [t.name for t in ev.catalog()]
    assert ev.cli_main(["--list", "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("alb.multi_value ") and lines[0].endswith(
        "multiValueQueryStringParameters."
    )


def test_build_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert ev.cli_main(["s3.put", "--bucket", "b", "--key", "a b.txt", "--seed", "1"]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event == ev.build("s3.put", bucket="b", key="a b.txt", seed=1)
    assert ev.cli_main(["sqs.receive(count=2)", "--body", 'ü\n"x"']) == 0
    records = json.loads(capsys.readouterr().out)["Records"]
    assert [r["body"] for r in records] == ['ü\n"x"'] * 2


def test_help_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert ev.cli_main(["s3.put", "--help"]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("s3.put: S3 ObjectCreated:Put")
        and '--bucket (str, default "example-bucket")' in out
    )
    assert "--seed" in out
    assert ev.cli_main(["--help"]) == 0
    assert "usage: lambda-nb event --list" in capsys.readouterr().out
    assert ev.cli_main([]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["s3.putt"], "did you mean 's3.put'"),
        (["s3.put", "--buckt", "b"], "did you mean '--bucket'"),
        (["--lst"], "unknown option '--lst'"),
        (["--list", "extra"], "--list takes no arguments"),
        (["s3.put", "--region", "moon"], "region must look like"),
    ],
)
def test_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert ev.cli_main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("lambda-nb event: error: ") and message in captured.err


def test_real_subprocess() -> None:
    """`python -m lambda_nb.events`, as a user's shell runs it."""

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lambda_nb.events", *argv], capture_output=True, text=True,
            encoding="utf-8", timeout=60,
        )  # fmt: skip

    listed = run("--list")
    assert listed.returncode == 0 and "s3.put" in listed.stdout.split()
    built = run("s3.put", "--key", "a b ü.txt", "--seed", "2")
    assert built.returncode == 0
    assert json.loads(built.stdout) == ev.build("s3.put", key="a b ü.txt", seed=2)
    bad = run("sqs.recieve", "--count", "2")
    assert bad.returncode == 2 and "did you mean 'sqs.receive'" in bad.stderr and not bad.stdout
