"""The catalog: its size and names, parameters read from the builders, seeds, errors, imports."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys

import pytest

import lambda_nb.events as ev
from lambda_nb.events._registry import matches

# Every tier 1 and tier 2 source of the spec, with at least these types.
REQUIRED = {
    "apigateway.rest", "apigateway.http", "sqs.receive", "sqs.fifo", "s3.put", "s3.post",
    "s3.copy", "s3.multipart", "s3.delete", "s3.delete_marker", "s3.restore",
    "eventbridge.custom", "eventbridge.scheduled", "eventbridge.scheduler", "sns.notification",
    "dynamodb.insert", "dynamodb.modify", "dynamodb.remove", "dynamodb.update", "kinesis.records",
    "alb.request", "alb.multi_value", "functionurl.request", "cloudwatch.logs",
    "cognito.pre_signup", "cognito.post_confirmation", "cognito.pre_token_generation",
    "cognito.custom_message", "apigateway.authorizer_token", "apigateway.authorizer_request",
    "apigateway.authorizer_http", "websocket.connect", "websocket.disconnect",
    "websocket.message", "firehose.transform", "kafka.msk", "kafka.self_managed",
    "cloudformation.create", "cloudformation.update", "cloudformation.delete", "ses.receive",
}  # fmt: skip


def test_catalog_size_and_tiers() -> None:
    types = ev.catalog()
    names = [t.name for t in types]
    assert len(types) >= 40
    assert names == sorted(names) and len(set(names)) == len(names)
    assert set(names) >= REQUIRED
    assert all(t.tier in (1, 2) for t in types if t.name in REQUIRED)
    assert len({t.source for t in types if t.tier == 3}) >= 10
    assert ev.catalog("S3") == [t for t in types if t.source == "s3"]


@pytest.mark.parametrize("etype", ev.catalog(), ids=lambda t: t.name)
def test_entry_is_well_formed(etype: ev.EventType) -> None:
    assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9_]+", etype.name)
    assert etype.description.endswith((".", "?")) and "\n" not in etype.description
    assert len(etype.description) <= 90
    for p in etype.params:
        assert p.name.isidentifier() and p.name != "seed"
        assert matches(p.default, p.annotation), (p.name, p.default, p.type)
        assert p.cli_name == "--" + p.name.replace("_", "-")
    event = etype.build(seed=7)
    assert json.loads(json.dumps(event)) == event
    assert etype.build(seed=7) == event  # reproducible
    assert etype.build(seed=8) != event  # and the seed matters


def test_fresh_ids_and_times_per_call() -> None:
    for name in ("sqs.receive", "apigateway.rest", "s3.put", "dynamodb.insert", "sns.notification"):
        assert ev.build(name) != ev.build(name)


def test_builder_functions_are_usable_directly() -> None:
    from lambda_nb.events import s3, sqs

    assert s3.put(key="x y", seed=3) == ev.build("s3.put", key="x y", seed=3)
    assert len(sqs.receive(count=4)["Records"]) == 4
    params = inspect.signature(s3.put).parameters
    assert list(params)[:2] == ["bucket", "key"] and "seed" in params and "g" not in params
    assert s3.put.event_type is ev.get("s3.put")  # type: ignore[attr-defined]


def test_get_accepts_case_and_dashes() -> None:
    assert ev.get("Cognito.Pre-Signup").name == "cognito.pre_signup"


def test_unknown_type_lists_types_and_suggests() -> None:
    with pytest.raises(ev.EventError) as info:
        ev.build("s3.putt")
    text = str(info.value)
    assert "did you mean 's3.put'" in text and "sqs.receive" in text
    with pytest.raises(ev.EventError, match=r"did you mean .*'sqs.receive'"):
        ev.get("sqs.recieve")
    with pytest.raises(ev.EventError, match=r"'s3\.copy'"):  # a known source: its types
        ev.get("s3.zzzzzz")
    assert isinstance(info.value, ValueError)


def test_unknown_parameter_lists_parameters_and_suggests() -> None:
    with pytest.raises(ev.EventError) as info:
        ev.build("s3.put", buckt="b")
    text = str(info.value)
    assert "s3.put has no parameter 'buckt'" in text and "did you mean 'bucket'" in text
    assert "parameters of s3.put: bucket, key" in text


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("sqs.receive", {"count": "3"}, "count' expects int"),
        ("sqs.receive", {"count": True}, "count' expects int"),
        ("apigateway.rest", {"method": "FETCH"}, "one of 'GET'"),
        ("s3.put", {"key": 5}, "key' expects str"),
        ("s3.put", {"region": "mars"}, "region must look like us-east-1"),
        ("sqs.receive", {"account_id": "12"}, "account_id must be 12 digits"),
        ("apigateway.rest", {"source_ip": "not-an-ip"}, "source_ip must be an IP address"),
        ("dynamodb.insert", {"item": {"id": float("nan")}}, "finite"),
        ("dynamodb.insert", {"item": {"id": "a"}, "keys": ["pk"]}, "missing from item"),
        (
            "sqs.receive",
            {"attributes": {"a": {"dataType": "Binary", "binaryValue": "!!"}}},
            "base64",
        ),
        ("apigateway.http", {"route_key": "GET /a/{id}", "path": "/b/1"}, "does not match route"),
        ("sqs.receive", {"bodies": ["a"], "count": 2}, "count=2 disagrees with the 1 items"),
        ("sqs.fifo", {"count": 11}, "between 1 and 10 records"),
        ("kafka.self_managed", {"bootstrap_servers": " "}, "bootstrap_servers: give host:port"),
        ("s3.object_lambda", {"access_point": "Bad Name"}, "access point names"),
    ],
)
def test_bad_values_are_clear_errors(name: str, params: dict, message: str) -> None:
    with pytest.raises(ev.EventError, match=re.escape(message)):
        ev.build(name, **params)


def test_seed_must_be_an_int() -> None:
    with pytest.raises(ev.EventError, match=r"seed must be an int"):
        ev.build("s3.put", seed="1")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_import_lambda_nb_does_not_import_events() -> None:
    _run("import sys, lambda_nb; assert 'lambda_nb.events' not in sys.modules")


def test_events_need_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"  # what site.py loaded (e.g. setuptools' .pth hook)
        "import lambda_nb.events as ev\n"
        "[ev.build(t.name) for t in ev.catalog()]\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "third = new - set(sys.stdlib_module_names) - {'lambda_nb'}\n"
        "assert not third, third\n"
    )
    _run(code)
