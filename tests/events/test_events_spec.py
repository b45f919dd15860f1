"""The `--event` syntax: `SOURCE.TYPE` or `SOURCE.TYPE(param=literal, ...)`, parsed with ast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lambda_nb.events as ev


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3.put", ("s3.put", {})),
        ("  s3.put  ", ("s3.put", {})),
        ("s3.put()", ("s3.put", {})),
        ('s3.put(bucket="b", key="a b.txt")', ("s3.put", {"bucket": "b", "key": "a b.txt"})),
        ("sqs.receive(count=3)", ("sqs.receive", {"count": 3})),
        ("SQS.Receive(count=3,)", ("sqs.receive", {"count": 3})),
        ("cognito.pre-signup(user_name='x')", ("cognito.pre_signup", {"user_name": "x"})),
        (
            'sqs.receive(bodies=[{"a": 1}, "b"], attributes={"n": 1.5, "ok": True})',
            ("sqs.receive", {"bodies": [{"a": 1}, "b"], "attributes": {"n": 1.5, "ok": True}}),
        ),
        (
            "s3.put(key='quote \" and \\\\ and \\n ü')",
            ("s3.put", {"key": 'quote " and \\ and \n ü'}),
        ),
        (
            "apigateway.rest(body=None, binary=False)",
            ("apigateway.rest", {"body": None, "binary": False}),
        ),
        ("s3.put(seed=4)", ("s3.put", {"seed": 4})),
        ("s3.put(\n  key='k',\n  size=1,\n)", ("s3.put", {"key": "k", "size": 1})),
    ],
)
def test_parse_spec(text: str, expected: tuple) -> None:
    assert ev.parse_spec(text) == expected


def test_parsed_spec_builds() -> None:
    name, params = ev.parse_spec('s3.put(key="a b.txt", seed=1)')
    event = ev.build(name, **params)
    assert event["Records"][0]["s3"]["object"]["key"] == "a+b.txt"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s3.putt", "did you mean 's3.put'"),
        ("s3.put(buckt='b')", "did you mean 'bucket'"),
        ("s3.put('b')", "name=value pairs"),
        ("s3.put(**{'bucket': 'b'})", "name=value pairs"),
        ("s3.put(bucket=b)", "must be a literal"),
        ("s3.put(key=__import__('os').system('true'))", "must be a literal"),
        ("s3.put(key='a'", "not an event spec"),
        ("s3.put(key=)", "cannot parse arguments"),
        ("s3.put(key='a') + s3.put(key='b')", "name=value pairs"),
        ("s3.put(size='big')", "expects int"),
        ("s3.put(key='a', key='b')", "key= given twice"),
        ("put", "not an event spec"),
        ("", "not an event spec"),
    ],
)
def test_parse_spec_errors(text: str, message: str) -> None:
    with pytest.raises(ev.EventError, match=message.replace("(", r"\(")):
        ev.parse_spec(text)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("s3.put", True),
        ("S3.PUT", True),
        ("sqs.receive(count=3)", True),
        ("s3.put(broken", False),
        ("s3.put(not=valid=)", True),  # the name is a catalog type; parse_spec reports the rest
        ("s3.putt", False),
        ("event.json", False),
        ('{"a": 1}', False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_is_spec(text: object, answer: bool) -> None:
    assert ev.is_spec(text) is answer


def test_resolve_builds_specs_and_loads_the_rest(tmp_path: Path) -> None:
    assert ev.resolve("sqs.receive(count=2)")["Records"][1]["eventSource"] == "aws:sqs"
    assert ev.resolve('{"a": 1}') == {"a": 1}
    assert ev.resolve({"b": 2}) == {"b": 2}
    path = tmp_path / "s3.put"  # a file that looks like a spec is still a file
    path.write_text('{"from": "file"}')
    assert ev.resolve(str(path)) == {"from": "file"}
    with pytest.raises(ev.EventError, match=r"did you mean 's3\.put'"):
        ev.resolve("s3.putt(key='x')")
    with pytest.raises(ev.EventError, match="no such event file"):
        ev.resolve(str(tmp_path / "missing.json"))
    assert json.loads(json.dumps(ev.resolve("apigateway.http")))["version"] == "2.0"
