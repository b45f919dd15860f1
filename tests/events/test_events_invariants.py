"""Property tests of the spec's section-6 invariants for arbitrary strings and counts.

Every value a user can vary goes through JSON and the derived fields (encodings, digests,
timestamps, ARNs) must agree with it, whatever the characters: quotes, backslashes, newlines,
control characters, unicode and empty strings.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import struct
import typing
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote, unquote, unquote_plus

import pytest
from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer
from aws_lambda_powertools.utilities import data_classes as dc
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pt_models import MODELS

import lambda_nb.events as ev
from lambda_nb.events._registry import is_union

text = st.text(max_size=40)
names = st.text(min_size=1, max_size=12)
counts = st.integers(min_value=1, max_value=40)
regions = st.sampled_from(
    ["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
)
accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ISO_S = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
# LAMBDA_NB_EXAMPLES=2000 runs a deeper search than the quick default.
EXAMPLES = int(os.environ.get("LAMBDA_NB_EXAMPLES", "60"))
FEW = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wire(event: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(event))


def partition(region: str) -> str:
    return (
        "aws-cn"
        if region.startswith("cn-")
        else "aws-us-gov"
        if region.startswith("us-gov-")
        else "aws"
    )


def clf_epoch(value: str) -> int:
    return int(datetime.strptime(value, "%d/%b/%Y:%H:%M:%S %z").timestamp())


# ---------------------------------------------------------------------------- S3


@FEW
@given(key=text, bucket=names, region=regions)
def test_s3_key_is_form_encoded_and_decodes_back(key: str, bucket: str, region: str) -> None:
    for name in ("s3.put", "s3.delete", "s3.multipart"):
        event = wire(ev.build(name, key=key, bucket=bucket, region=region))
        record = event["Records"][0]
        encoded = record["s3"]["object"]["key"]
        assert unquote_plus(encoded) == key
        assert " " not in encoded and encoded.isascii()
        assert dc.S3Event(event).object_key == key
        assert record["awsRegion"] == region
        assert record["s3"]["bucket"]["arn"] == f"arn:{partition(region)}:s3:::{bucket}"
        assert ISO_MS.fullmatch(record["eventTime"])
        assert not record["eventName"].startswith("s3:")
        assert ("size" in record["s3"]["object"]) is (name != "s3.delete")
        int(record["s3"]["object"]["sequencer"], 16)


# ---------------------------------------------------------------------------- SQS


def reference_attributes_md5(attrs: dict[str, dict[str, Any]]) -> str:
    """An independent writing of the SQS digest (struct-packed), to cross-check ours."""
    out = b""
    for name in sorted(attrs):
        a = attrs[name]
        for part in (name, a["dataType"]):
            raw = part.encode()
            out += struct.pack(">I", len(raw)) + raw
        if "binaryValue" in a:
            raw = base64.b64decode(a["binaryValue"])
            out += b"\x02" + struct.pack(">I", len(raw)) + raw
        else:
            raw = a["stringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(out).hexdigest()


@pytest.mark.parametrize(
    ("attributes", "digest"),
    [
        ({"attribName1": "attribValue 1"}, "19e27d4e946b072f3f58da80d94fd778"),
        (
            {
                "customNumberTypeAttrib": {
                    "dataType": "Number.float",
                    "stringValue": "4563442423554324324264524243.32543234",
                }
            },
            "9fe1b90bbd9965bdf77bac517c7d2495",
        ),
        (
            {
                "binaryAttribute": {
                    "dataType": "Binary",
                    "binaryValue": base64.b64encode(b"Hello binary world!").decode(),
                }
            },
            "31a92b15d92f8db860eda32aceb656c3",
        ),
        (
            {
                "attribName1": "attribValue 1",
                "customNumberTypeAttrib": {
                    "DataType": "Number.float",
                    "StringValue": "4563442423554324324264524243.32543234",
                },
                "binaryAttribute": {
                    "DataType": "Binary",
                    "BinaryValue": base64.b64encode(b"Hello binary world!").decode(),
                },
            },
            "c932db14a896c663f83c260297d594ff",
        ),
        ({"ordinal": 1, "category": "test"}, "d21ae90c49061e927f57df5f5d72be1f"),
        ({"timestamp": 1493147359900}, "235c5c510d26fb653d073faed50ae77c"),
        ({"SellerName": "Example Store"}, "cd28f3b68aeee4b2eac9c66f2f694b58"),
    ],
)
def test_sqs_attribute_digest_matches_published_vectors(attributes: dict, digest: str) -> None:
    """Vectors from npm aws-md5-of-message-attributes' tests, sqslite, localstack and the SQS docs."""
    record = ev.build("sqs.receive", attributes=attributes)["Records"][0]
    assert record["md5OfMessageAttributes"] == digest


@FEW
@given(
    bodies=st.lists(text, min_size=1, max_size=15),
    attributes=st.dictionaries(names, text | st.integers(-(10**6), 10**6), max_size=4),
    queue=names,
    region=regions,
    account=accounts,
)
def test_sqs_digests_ids_and_attributes(
    bodies: list[str], attributes: dict, queue: str, region: str, account: str
) -> None:
    event = wire(
        ev.build("sqs.receive", bodies=bodies, attributes=attributes, queue=queue, region=region,
                 account_id=account)
    )  # fmt: skip
    records = event["Records"]
    assert [r["body"] for r in records] == bodies
    assert len({r["messageId"] for r in records}) == len(bodies)
    for r in records:
        assert r["md5OfBody"] == hashlib.md5(r["body"].encode()).hexdigest()
        if attributes:
            assert r["md5OfMessageAttributes"] == reference_attributes_md5(r["messageAttributes"])
        else:
            assert r["md5OfMessageAttributes"] is None
        assert all(isinstance(v, str) for v in r["attributes"].values())
        assert r["attributes"]["SentTimestamp"].isdigit()
        assert int(r["attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(
            r["attributes"]["SentTimestamp"]
        )
        assert r["eventSourceARN"] == f"arn:{partition(region)}:sqs:{region}:{account}:{queue}"
        assert r["awsRegion"] == region
        assert ("MessageGroupId" in r["attributes"]) is queue.endswith(".fifo")
    MODELS["sqs.receive"][0].model_validate(event)


@FEW
@given(count=st.integers(1, 10))
def test_sqs_fifo_sequence_rises(count: int) -> None:
    records = ev.build("sqs.fifo", count=count)["Records"]
    sequence = [int(r["attributes"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(set(sequence)) and all(len(str(s)) == 20 for s in sequence)
    sent = [int(r["attributes"]["SentTimestamp"]) for r in records]
    assert sent == sorted(sent)


# --------------------------------------------------------------- HTTP-shaped sources

header_maps = st.dictionaries(
    st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
        min_size=1,
        max_size=10,
    ),
    text | st.lists(text, min_size=1, max_size=3),
    max_size=4,
)
query_maps = st.dictionaries(names, text | st.lists(text, min_size=1, max_size=3), max_size=4)


@FEW
@given(
    body=text, binary=st.booleans(), headers=header_maps, query=query_maps, path=text, stage=names
)
def test_rest_api_v1(
    body: str, binary: bool, headers: dict, query: dict, path: str, stage: str
) -> None:
    event = wire(ev.build("apigateway.rest", body=body, binary=binary, headers=headers, query=query,
                          path=path, stage=stage))  # fmt: skip
    MODELS["apigateway.rest"][0].model_validate(event)
    proxy = dc.APIGatewayProxyEvent(event)
    if body:
        assert proxy.decoded_body == body and event["isBase64Encoded"] is binary
    else:
        assert event["body"] is None and event["isBase64Encoded"] is False
    for name, values in event["multiValueHeaders"].items():
        assert event["headers"][name] == values[-1]
    assert set(event["headers"]) == set(event["multiValueHeaders"])
    if event["multiValueQueryStringParameters"] is None:
        assert event["queryStringParameters"] is None
    else:
        for name, values in event["multiValueQueryStringParameters"].items():
            assert event["queryStringParameters"][name] == values[-1]
    ctx = event["requestContext"]
    assert event["path"].startswith("/")
    assert ctx["path"] == f"/{stage}{event['path']}"
    assert ctx["resourcePath"] == event["resource"] and ctx["httpMethod"] == event["httpMethod"]
    assert clf_epoch(ctx["requestTime"]) == ctx["requestTimeEpoch"] // 1000
    assert event["pathParameters"] == {"proxy": event["path"][1:]} or event["path"] == "/"


@FEW
@given(
    name=st.sampled_from(["apigateway.http", "functionurl.request"]),
    body=text,
    binary=st.booleans(),
    headers=header_maps,
    cookies=st.lists(st.text(alphabet="abc=;", min_size=1, max_size=5), max_size=3),
    query=query_maps,
)
def test_payload_v2(
    name: str, body: str, binary: bool, headers: dict, cookies: list, query: dict
) -> None:
    event = wire(
        ev.build(name, body=body, binary=binary, headers=headers, cookies=cookies, query=query)
    )
    MODELS[name][0].model_validate(event)
    assert event["version"] == "2.0"
    assert all(k == k.lower() for k in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["rawPath"] == event["requestContext"]["http"]["path"]
    assert (
        clf_epoch(event["requestContext"]["time"]) == event["requestContext"]["timeEpoch"] // 1000
    )
    assert ("body" in event) is bool(body)
    if body:
        assert dc.APIGatewayProxyEventV2(event).decoded_body == body
        assert event["isBase64Encoded"] is binary
    for key, value in query.items():
        values = value if isinstance(value, list) else [value]
        assert event["queryStringParameters"][key] == ",".join(values)
    if name == "functionurl.request":
        assert event["routeKey"] == event["requestContext"]["stage"] == "$default"
        assert event["requestContext"]["domainPrefix"] == event["requestContext"]["apiId"]


@FEW
@given(body=text, binary=st.booleans(), headers=header_maps, query=query_maps, multi=st.booleans())
def test_alb(body: str, binary: bool, headers: dict, query: dict, multi: bool) -> None:
    event = wire(ev.build("alb.request", body=body, binary=binary, headers=headers, query=query,
                          multi_value=multi))  # fmt: skip
    single_keys = {"headers", "queryStringParameters"}
    multi_keys = {"multiValueHeaders", "multiValueQueryStringParameters"}
    assert (single_keys <= set(event)) is not multi and (multi_keys <= set(event)) is multi
    assert not (single_keys & set(event)) or not (multi_keys & set(event))
    header_map = event["multiValueHeaders" if multi else "headers"]
    assert all(k == k.lower() for k in header_map)
    queries = event["multiValueQueryStringParameters" if multi else "queryStringParameters"]
    assert len(queries) == len(query)
    for key, value in query.items():
        values = value if isinstance(value, list) else [value]
        got = queries[quote(key, safe="")]  # ALB leaves the query as the client encoded it
        assert [unquote(v) for v in (got if multi else [got])] == (values if multi else values[-1:])
    if not multi:
        MODELS["alb.request"][0].model_validate(event)
    assert dc.ALBEvent(event).decoded_body == (body or "")
    assert event["isBase64Encoded"] is (binary and bool(body))


# ------------------------------------------------------------------------- streams


@FEW
@given(records=st.lists(text, min_size=1, max_size=20), region=regions, account=accounts)
def test_kinesis(records: list[str], region: str, account: str) -> None:
    event = wire(ev.build("kinesis.records", records=records, region=region, account_id=account))
    MODELS["kinesis.records"][0].model_validate(event)
    out = event["Records"]
    assert [base64.b64decode(r["kinesis"]["data"]).decode() for r in out] == records
    sequence = [int(r["kinesis"]["sequenceNumber"]) for r in out]
    assert sequence == sorted(set(sequence))
    for r in out:
        assert r["eventID"] == f"shardId-000000000000:{r['kinesis']['sequenceNumber']}"
        assert isinstance(r["kinesis"]["approximateArrivalTimestamp"], float)
        assert (
            r["eventSourceARN"]
            == f"arn:{partition(region)}:kinesis:{region}:{account}:stream/example-stream"
        )
        assert r["invokeIdentityArn"].startswith(f"arn:{partition(region)}:iam::{account}:role/")


@FEW
@given(records=st.lists(text, min_size=1, max_size=20), source=st.none() | names)
def test_firehose(records: list[str], source: str | None) -> None:
    event = wire(ev.build("firehose.transform", records=records, source_stream=source))
    MODELS["firehose.transform"][0].model_validate(event)
    assert [base64.b64decode(r["data"]).decode() for r in event["records"]] == records
    assert all(type(r["approximateArrivalTimestamp"]) is int for r in event["records"])
    assert len({r["recordId"] for r in event["records"]}) == len(records)
    assert ("sourceKinesisStreamArn" in event) is (source is not None)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | text
    | st.floats(min_value=-1e100, max_value=1e100, allow_nan=False).filter(
        lambda x: x == 0 or abs(x) > 1e-100
    )
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


def plain(value: Any) -> Any:
    """Numbers as Decimals (as DynamoDB keeps them), sets as sorted lists, for comparing."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return [plain(v) for v in value]


@FEW
@given(
    items=st.lists(st.dictionaries(names, json_values, max_size=5).map(lambda d: {"id": "k", **d}),
                   min_size=1, max_size=6),
    view=st.sampled_from(["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"]),
    name=st.sampled_from(["dynamodb.insert", "dynamodb.remove"]),
)  # fmt: skip
def test_dynamodb_typed_images(items: list[dict], view: str, name: str) -> None:
    event = wire(ev.build(name, items=items, view_type=view))
    MODELS[name][0].model_validate(event)
    deserialize = TypeDeserializer().deserialize
    records = event["Records"]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(set(sequence))
    for item, r in zip(items, records, strict=True):
        body = r["dynamodb"]
        assert type(body["ApproximateCreationDateTime"]) is int
        image_key = "NewImage" if name == "dynamodb.insert" else "OldImage"
        other = "OldImage" if name == "dynamodb.insert" else "NewImage"
        assert other not in body
        shows = view == "NEW_AND_OLD_IMAGES" or view == (
            "NEW_IMAGE" if image_key == "NewImage" else "OLD_IMAGE"
        )
        assert (image_key in body) is shows
        if shows:
            image = {k: deserialize(v) for k, v in body[image_key].items()}
            assert plain(image) == plain(item)
            assert set(body["Keys"]) <= set(body[image_key])
        assert {k: deserialize(v) for k, v in body["Keys"].items()} == {"id": "k"}


@FEW
@given(messages=st.lists(text, min_size=1, max_size=20), group=text)
def test_cloudwatch_logs_gzip_base64(messages: list[str], group: str) -> None:
    event = wire(ev.build("cloudwatch.logs", messages=messages, log_group=group))
    MODELS["cloudwatch.logs"][0].model_validate(event)
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    assert [e["message"] for e in payload["logEvents"]] == messages
    assert payload["logGroup"] == group
    assert len({e["id"] for e in payload["logEvents"]}) == len(messages)
    assert all(type(e["timestamp"]) is int for e in payload["logEvents"])
    assert dc.CloudWatchLogsEvent(event).parse_logs_data().log_group == group


@FEW
@given(values=st.lists(text, min_size=1, max_size=10), headers=st.dictionaries(names, text, max_size=3),
       key=st.none() | text)  # fmt: skip
def test_kafka(values: list[str], headers: dict, key: str | None) -> None:
    event = wire(
        ev.build("kafka.msk", values=values, headers=headers, key=key, topic="t", partition=2)
    )
    MODELS["kafka.msk"][0].model_validate(event)
    ((name, records),) = event["records"].items()
    assert name == "t-2"
    assert [base64.b64decode(r["value"]).decode() for r in records] == values
    assert [r["offset"] for r in records] == list(range(15, 15 + len(values)))
    for r in records:
        assert r["key"] == (None if key is None else base64.b64encode(key.encode()).decode())
        assert {k: bytes(v).decode() for h in r["headers"] for k, v in h.items()} == headers


# ------------------------------------------------------------------- notifications


@FEW
@given(message=text | st.dictionaries(names, text, max_size=3), subject=st.none() | text, topic=names,
       region=regions)  # fmt: skip
def test_sns(message: Any, subject: str | None, topic: str, region: str) -> None:
    event = wire(
        ev.build("sns.notification", message=message, subject=subject, topic=topic, region=region)
    )
    MODELS["sns.notification"][0].model_validate(event)
    sns = event["Records"][0]["Sns"]
    assert isinstance(sns["Message"], str)
    assert sns["Message"] == (
        message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    )
    assert sns["Subject"] == subject and sns["Type"] == "Notification"
    assert ISO_MS.fullmatch(sns["Timestamp"])
    assert event["Records"][0]["EventSubscriptionArn"].startswith(sns["TopicArn"] + ":")
    assert sns["TopicArn"].startswith(f"arn:{partition(region)}:sns:{region}:")


@FEW
@given(detail=st.dictionaries(names, json_values, max_size=4), source=text, detail_type=text)
def test_eventbridge(detail: dict, source: str, detail_type: str) -> None:
    event = wire(
        ev.build("eventbridge.custom", detail=detail, source=source, detail_type=detail_type)
    )
    MODELS["eventbridge.custom"][0].model_validate(event)
    assert event["detail"] == json.loads(json.dumps(detail))
    assert ISO_S.fullmatch(event["time"]) and event["version"] == "0"
    assert (event["source"], event["detail-type"]) == (source, detail_type)


@FEW
@given(parameters=st.dictionaries(names, text, max_size=3))
def test_config_strings_are_json(parameters: dict) -> None:
    event = wire(ev.build("config.change", rule_parameters=parameters))
    assert json.loads(event["ruleParameters"]) == parameters
    assert (
        json.loads(event["invokingEvent"])["messageType"] == "ConfigurationItemChangeNotification"
    )


# ---------------------------------------------------------------- whole catalog

BATCHES: dict[str, tuple[str, int, str]] = {  # records key, size limit, id field
    "sqs.receive": ("Records", 10_000, "messageId"),
    "sqs.fifo": ("Records", 10, "messageId"),
    "kinesis.records": ("Records", 10_000, "eventID"),
    "firehose.transform": ("records", 10_000, "recordId"),
    "dynamodb.insert": ("Records", 10_000, "eventID"),
    "dynamodb.modify": ("Records", 10_000, "eventID"),
    "dynamodb.remove": ("Records", 10_000, "eventID"),
    "mq.activemq": ("messages", 10_000, "messageID"),
    "mq.rabbitmq": ("", 10_000, ""),
    "kafka.msk": ("", 10_000, ""),
    "cloudwatch.logs": ("", 10_000, ""),
}


@FEW
@given(name=st.sampled_from(sorted(k for k, v in BATCHES.items() if v[0])), count=counts)
def test_batches_have_count_records_with_unique_ids(name: str, count: int) -> None:
    key, limit, id_field = BATCHES[name]
    count = min(count, limit)
    records = ev.build(name, count=count)[key]
    assert len(records) == count
    assert len({r[id_field] for r in records}) == count


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_batch_counts_outside_limits_are_errors(name: str) -> None:
    _, limit, _ = BATCHES[name]
    for bad in (0, -1, limit + 1):
        with pytest.raises(ev.EventError, match="between 1 and"):
            ev.build(name, count=bad)


def _free_text_params() -> list[tuple[str, str]]:
    """(type, parameter) pairs where any string is an acceptable value."""
    skip = {"region", "account_id", "source_ip"}
    out = []
    for t in ev.catalog():
        for p in t.params:
            members = typing.get_args(p.annotation) if is_union(p.annotation) else (p.annotation,)
            if (
                p.name not in skip
                and str in members
                and typing.get_origin(p.annotation) is not Literal
            ):
                out.append((t.name, p.name))
    return out


FREE_TEXT = _free_text_params()
# Strings that must match something else: a route template, an access-point name, a broker list.
MAY_REFUSE = {
    "route_key",
    "resource",
    "access_point",
    "object_lambda_access_point",
    "bootstrap_servers",
}


def test_free_text_parameters_cover_the_catalog() -> None:
    covered = {name for name, _ in FREE_TEXT}
    assert {t.name for t in ev.catalog() if t.tier < 3} <= covered
    assert len(FREE_TEXT) > 150


@settings(max_examples=EXAMPLES * 7, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=st.sampled_from(FREE_TEXT), value=text)
def test_any_string_in_any_parameter_gives_a_valid_event(pair: tuple[str, str], value: str) -> None:
    name, param = pair
    try:
        event = ev.build(name, **{param: value})
    except ev.EventError:
        assert param in MAY_REFUSE, (name, param, value)
        return
    assert json.loads(json.dumps(event)) == event
    assume(name in MODELS)
    model, _, fix = MODELS[name]
    received = wire(event)
    model.model_validate(fix(received) if fix else received)


def test_timestamps_are_now_for_unseeded_builds() -> None:
    now = datetime.now(timezone.utc).timestamp()
    event = ev.build("apigateway.rest")
    assert abs(event["requestContext"]["requestTimeEpoch"] / 1000 - now) < 60
