"""Event source mappings against the local AWS: SQS (standard, FIFO), Kinesis and DynamoDB
Streams, read by lambda_nb's pollers and delivered to real execution environments. Messages and
records are sent and read back through boto3; nothing of lambda_nb is mocked."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from waiting import interrupt_main_when, wait_until

pytest.importorskip("moto")
pytest.importorskip("boto3")

import lambda_nb.aws as aws
from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
    ValidationException,
)

REGION_ACCOUNT = "us-east-1:123456789012"


@pytest.fixture(scope="module", autouse=True)
def local_aws() -> Iterator[str]:
    endpoint = aws.start()
    yield endpoint
    aws.stop()
    assert not esm_threads()


@pytest.fixture(autouse=True)
def no_poller_left() -> Iterator[None]:
    yield
    # make_function's teardown closes the functions first (fixture order: this one is
    # requested first, so it finishes last): then no poller may be running.
    wait_until(lambda: not esm_threads(), timeout=60, message="every poller thread ended")


def powertools_model(name: str) -> Any:
    """aws-lambda-powertools' parser model `name`: an independent check of an event's shape."""
    models = pytest.importorskip("aws_lambda_powertools.utilities.parser.models")
    return getattr(models, name)


def esm_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("lambda_nb-esm")]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_queue(name: str, **attributes: Any) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def bodies(inv: Any) -> list[str]:
    return [r["body"] for r in inv.event["Records"]]


def drain(url: str, expected: int, timeout: float = 90) -> list[dict[str, Any]]:
    """Receive (and delete) messages from a queue until `expected` arrived."""
    sqs = aws.client("sqs")
    got: list[dict[str, Any]] = []

    def more() -> bool:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
        )  # fmt: skip
        for msg in answer.get("Messages", []):
            got.append(msg)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
        return len(got) >= expected

    wait_until(more, timeout=timeout, interval=0, message=f"{expected} message(s) in {url}")
    return got


# ------------------------------------------------------------------------ SQS
PARTIAL = """def lambda_handler(event, context):
    failed = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
"""


def test_sqs_partial_batch_failures_end_in_the_dlq_after_max_receive_count(make_function):
    dlq_url, dlq_arn = make_queue(unique("dlq"))
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, arn = make_queue(unique("work"), VisibilityTimeout=1, RedrivePolicy=redrive)
    sqs = aws.client("sqs")
    fn = make_function(PARTIAL, timeout=1)
    mapping = fn.add_event_source(
        arn, batch_size=10, function_response_types=["ReportBatchItemFailures"], enabled=False
    )
    assert mapping.state == "Disabled"
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(["ok-1", "bad-1", "ok-2"])],
    )
    mapping.enable()
    assert mapping.state == "Enabled"
    (dead,) = drain(dlq_url, 1)
    assert dead["Body"] == "bad-1"  # the original body, moved by SQS's redrive
    delivered = [b for inv in fn.history for b in bodies(inv)]
    assert sorted(delivered) == ["bad-1", "bad-1", "ok-1", "ok-2"]  # only the failure came back
    retry = next(inv for inv in fn.history if bodies(inv) == ["bad-1"])
    record = retry.event["Records"][0]
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1" and len(record["md5OfBody"]) == 32
    first = next(inv for inv in fn.history if "bad-1" in bodies(inv))
    first_bad = next(r for r in first.event["Records"] if r["body"] == "bad-1")
    assert first_bad["messageId"] == record["messageId"]  # the same message, received again
    assert first_bad["receiptHandle"] != record["receiptHandle"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert mapping.batches == len(fn.history)
    powertools_model("SqsModel").model_validate(first.event)


FAIL_ALL_AT_FIRST = """import os
def lambda_handler(event, context):
    if event["Records"][0]["attributes"]["ApproximateReceiveCount"] == "1":
        raise RuntimeError("not yet")
    return [r["body"] for r in event["Records"]]
"""


def test_sqs_a_function_error_returns_the_whole_batch_after_the_visibility_timeout(
    make_function,
):
    url, arn = make_queue(unique("retry"), VisibilityTimeout=1)
    fn = make_function(FAIL_ALL_AT_FIRST, timeout=1)
    fn.add_event_source(arn, batch_size=5, enabled=True)
    aws.client("sqs").send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)]
    )
    wait_until(
        lambda: (
            sorted(b for inv in fn.history if inv.ok for b in inv.payload) == ["m0", "m1", "m2"]
        ),
        timeout=90,
        message="every message processed after its retry",
    )
    failed = [inv for inv in fn.history if inv.status == "error"]
    assert failed and all(inv.error["errorType"] == "RuntimeError" for inv in failed)


def test_sqs_batching_window_gathers_more_than_ten(make_function):
    url, arn = make_queue(unique("window"))
    fn = make_function("def lambda_handler(e, c):\n    return len(e['Records'])\n")
    mapping = fn.add_event_source(arn, batch_size=20, maximum_batching_window=1, enabled=False)
    sqs = aws.client("sqs")
    for chunk in (range(10), range(10, 15)):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in chunk]
        )
    mapping.enable()
    wait_until(lambda: sum(inv.payload or 0 for inv in fn.history if inv.done) == 15, timeout=60)
    assert max(inv.payload for inv in fn.history) > 10  # one batch held more than a receive can


FIFO = """def lambda_handler(event, context):
    seen = [(r["attributes"]["MessageGroupId"], r["body"]) for r in event["Records"]]
    first_bad = next((i for i, (_, body) in enumerate(seen) if body == "b-2"), None)
    if first_bad is not None and event["Records"][first_bad]["attributes"]["ApproximateReceiveCount"] == "1":
        # FIFO: report the first failure and everything after it (lambda-runtime.md 10)
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"][first_bad:]]}
    return seen
"""


def test_fifo_keeps_each_message_group_in_order_through_a_failure(make_function):
    url, arn = make_queue(
        unique("orders") + ".fifo", FifoQueue="true", ContentBasedDeduplication="true",
        VisibilityTimeout=1,
    )  # fmt: skip
    sqs = aws.client("sqs")
    fn = make_function(FIFO, timeout=1)
    mapping = fn.add_event_source(
        arn, batch_size=3, function_response_types=["ReportBatchItemFailures"], enabled=False
    )
    for i in range(1, 6):
        for group in ("a", "b"):
            sqs.send_message(QueueUrl=url, MessageBody=f"{group}-{i}", MessageGroupId=group)
    mapping.enable()  # batches: a-1 b-1 a-2 | b-2 a-3 b-3 (all three reported: b-2 failed) | ...

    def processed() -> dict[str, list[str]]:
        order: dict[str, list[str]] = {"a": [], "b": []}
        for inv in list(fn.history):
            if inv.ok and isinstance(inv.payload, list):
                for group, body in inv.payload:
                    order[group].append(body)
        return order

    wait_until(lambda: sum(map(len, processed().values())) == 10, timeout=90)
    order = processed()
    assert order["a"] == [f"a-{i}" for i in range(1, 6)]
    assert order["b"] == [f"b-{i}" for i in range(1, 6)]  # b-2 retried before b-3 ran
    second = [r["body"] for r in fn.history[1].event["Records"]]
    assert second == ["b-2", "a-3", "b-3"]  # two of group b failed together: b-3 waited
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )


CRASH = """import os
def lambda_handler(event, context):
    received = event["Records"][0]["attributes"]["ApproximateReceiveCount"]
    if received == "1":
        print("processing", len(event["Records"]), "messages, then crashing")
        os._exit(3)  # the runtime dies mid-batch
    return [r["body"] for r in event["Records"]]
"""


def test_a_handler_crashing_mid_batch_loses_no_message(make_function):
    url, arn = make_queue(unique("crash"), VisibilityTimeout=2)
    fn = make_function(CRASH, timeout=2)
    fn.add_event_source(arn, batch_size=10)
    aws.client("sqs").send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(4)]
    )
    wait_until(
        lambda: (
            sorted(b for inv in fn.history if inv.ok for b in inv.payload)
            == ["m0", "m1", "m2", "m3"]
        ),
        timeout=90,
    )
    crashed = [inv for inv in fn.history if not inv.ok]
    assert crashed and crashed[0].error["errorType"] == "Runtime.ExitError"


SLOW = """import time
def lambda_handler(event, context):
    time.sleep(60)
"""


def test_closing_a_function_with_a_batch_in_flight_leaves_no_thread(make_function):
    url, arn = make_queue(unique("inflight"), VisibilityTimeout=120)
    fn = make_function(SLOW, timeout=90)
    mapping = fn.add_event_source(arn)
    aws.client("sqs").send_message(QueueUrl=url, MessageBody="slow")
    wait_until(lambda: fn.history and fn.history[-1].started_at, timeout=60)
    assert esm_threads()
    started = time.monotonic()
    fn.close()
    assert time.monotonic() - started < 30  # not the handler's 60 s
    assert mapping.state == "Deleted" and not esm_threads()


WAITS_AT_GATE = """import time
def lambda_handler(event, context):
    __import__("socket").create_connection(("127.0.0.1", event["started"])).close()
    while True:
        time.sleep(0.05)
"""


def test_interrupting_the_kernel_leaves_the_pollers_running(make_function, gate):
    """Kernel > Interrupt stops the notebook's own invoke, not the background pollers."""
    url, arn = make_queue(unique("interrupt"))
    worker = make_function(
        "def lambda_handler(e, c):\n    return [r['body'] for r in e['Records']]\n"
    )
    mapping = worker.add_event_source(arn)
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="before")
    wait_until(lambda: any(inv.ok and inv.payload == ["before"] for inv in worker.history))
    stuck = make_function(WAITS_AT_GATE, timeout=60)
    with pytest.raises(KeyboardInterrupt), interrupt_main_when(lambda: gate.arrived > 0):
        # as the magic invokes (its display ticks): interrupt_main() is no real signal, and
        # only a thread that runs Python code notices it
        stuck.invoke({"started": gate.port}, on_progress=lambda inv: None)
    assert stuck.history[-1].status == "aborted"
    sqs.send_message(QueueUrl=url, MessageBody="after")
    wait_until(lambda: any(inv.ok and inv.payload == ["after"] for inv in worker.history))
    assert mapping.state == "Enabled" and esm_threads()


def test_a_closed_service_ends_the_pollers_of_its_functions():
    """No Function.close(): the service itself is closed (as at interpreter exit)."""
    from lambda_nb import Function
    from lambda_nb.engine.service import LambdaService

    _, arn = make_queue(unique("idle"))
    service = LambdaService()
    try:
        fn = Function.from_source("def lambda_handler(e, c):\n    return None\n", service=service)
        active = fn.add_event_source(arn)
        paused = fn.add_event_source(arn, enabled=False)
        assert len(esm_threads()) == 2
    finally:
        service.close()
    wait_until(lambda: not esm_threads(), timeout=30, message="the idle pollers ended")
    assert active.state == paused.state == "Deleted"


def test_stopping_the_local_aws_ends_its_pollers(make_function):
    _, arn = make_queue(unique("stop"))
    fn = make_function("def lambda_handler(e, c):\n    return None\n")
    mapping = fn.add_event_source(arn)
    assert mapping.state == "Enabled" and esm_threads()
    aws.stop()
    try:
        assert mapping.state == "Deleted" and not esm_threads()
        with pytest.raises(ResourceNotFoundException):
            mapping.enable()
    finally:
        aws.start()


# -------------------------------------------------------------------- validation
def test_mapping_validation_in_the_apis_words(make_function):
    fn = make_function("def lambda_handler(e, c):\n    return None\n", timeout=60)
    _, arn = make_queue(unique("valid"), VisibilityTimeout=60)
    _, short = make_queue(unique("short"), VisibilityTimeout=30)
    missing = f"arn:aws:sqs:{REGION_ACCOUNT}:no-such-queue"
    cases = [
        ({"source_arn": arn, "batch_size": 15}, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
        ({"source_arn": arn, "batch_size": 0}, "Member must have value greater than or equal to 1"),
        ({"source_arn": arn, "batch_size": 10001, "maximum_batching_window": 1}, "less than or equal to 10000"),
        ({"source_arn": arn, "maximum_batching_window": 301}, "less than or equal to 300"),
        ({"source_arn": missing}, "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."),
        ({"source_arn": arn, "destination_on_failure": arn}, "Unsupported DestinationConfig parameter for given event source mapping type."),
        ({"source_arn": short}, "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"),
        ({"source_arn": arn, "function_response_types": ["Nope"]}, "Member must satisfy enum value set"),
        ({"source_arn": "arn:aws:s3:::bucket"}, "Unrecognized event source"),
        ({"source_arn": ""}, "Unrecognized event source."),
        ({"source_arn": f"arn:aws:kinesis:{REGION_ACCOUNT}:stream/no-such-stream"}, f"Stream not found: arn:aws:kinesis:{REGION_ACCOUNT}:stream/no-such-stream"),
        ({"source_arn": f"arn:aws:kinesis:{REGION_ACCOUNT}:stream/s", "starting_position": None}, "Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."),
        ({"source_arn": f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/t/stream/2026", "starting_position": "AT_TIMESTAMP"}, f"Unsupported starting position for arn type: arn:aws:dynamodb:{REGION_ACCOUNT}:table/t/stream/2026"),
    ]  # fmt: skip
    for kwargs, message in cases:
        with pytest.raises((InvalidParameterValueException, ValidationException)) as caught:
            fn.add_event_source(**kwargs)
        assert message in str(caught.value), (kwargs, str(caught.value))
        assert not esm_threads() and fn.triggers == []
    _fifo_url, fifo_arn = make_queue(unique("v") + ".fifo", FifoQueue="true", VisibilityTimeout=60)
    with pytest.raises(ValidationException, match="less than or equal to 10"):
        fn.add_event_source(fifo_arn, batch_size=11, maximum_batching_window=1)


# ------------------------------------------------------------------------ streams
BISECT = """import base64
def lambda_handler(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    if "poison" in data:
        raise ValueError(f"cannot process {data}")
    return data
"""


def test_kinesis_bisects_a_failing_batch_and_reports_the_poison_record(make_function):
    kinesis = aws.client("kinesis")
    stream = unique("clicks")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    failures_url, failures_arn = make_queue(unique("kinesis-failures"))
    sent = ["r1", "r2", "r3", "poison", "r5", "r6"]
    for data in sent:
        kinesis.put_record(StreamName=stream, Data=data.encode(), PartitionKey="user-1")
    fn = make_function(BISECT, timeout=10)
    mapping = fn.add_event_source(
        arn, batch_size=6, starting_position="TRIM_HORIZON",
        bisect_batch_on_function_error=True, maximum_retry_attempts=0,
        destination_on_failure=failures_arn,
    )  # fmt: skip
    (message,) = drain(failures_url, 1)
    record = json.loads(message["Body"])
    info = record["KinesisBatchInfo"]
    poison_seq = info["startSequenceNumber"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"].endswith(f":function:{fn.name}")
    assert record["responseContext"] == {
        "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled",
    }  # fmt: skip
    assert list(record)[:4] == ["requestContext", "responseContext", "version", "timestamp"]
    assert info["batchSize"] == 1 and info["endSequenceNumber"] == poison_seq
    assert info["shardId"] == "shardId-000000000000" and info["streamArn"] == arn
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    wait_until(
        lambda: (
            sorted(d for inv in fn.history if inv.ok for d in inv.payload)
            == ["r1", "r2", "r3", "r5", "r6"]
        ),
        timeout=60,
    )
    ok = [d for inv in fn.history if inv.ok for d in inv.payload]
    assert ok == ["r1", "r2", "r3", "r5", "r6"]  # shard order kept
    poison = [inv for inv in fn.history if inv.event["Records"][0]["kinesis"]["sequenceNumber"] == poison_seq and len(inv.event["Records"]) == 1]  # fmt: skip
    assert len(poison) == 1  # maximum_retry_attempts 0: no retry after the last split
    sizes = [len(inv.event["Records"]) for inv in fn.history]
    assert sizes[0] == 6 and 1 in sizes  # bisected down to the poison record
    first = fn.history[0].event["Records"][0]
    assert first["eventSource"] == "aws:kinesis" and first["eventSourceARN"] == arn
    assert base64.b64decode(first["kinesis"]["data"]) == b"r1"
    assert first["eventID"] == f"shardId-000000000000:{first['kinesis']['sequenceNumber']}"
    assert mapping.failure_records == [record]
    powertools_model("KinesisDataStreamModel").model_validate(fn.history[0].event)


DDB = """def lambda_handler(event, context):
    seen = [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"], r["dynamodb"]["SequenceNumber"]) for r in event["Records"]]
    bad = [r for r in event["Records"] if r["dynamodb"].get("NewImage", {}).get("bad")]
    if bad:
        return {"batchItemFailures": [{"itemIdentifier": bad[0]["dynamodb"]["SequenceNumber"]}]}
    return seen
"""


def test_dynamodb_stream_retries_from_the_reported_record_then_gives_up(make_function):
    ddb = aws.client("dynamodb")
    table = unique("orders")
    created = ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = created["TableDescription"]["LatestStreamArn"]
    topic = aws.client("sns").create_topic(Name=unique("ddb-failures"))["TopicArn"]
    failures_url, failures_arn = make_queue(unique("ddb-sub"))
    aws.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=failures_arn)
    fn = make_function(DDB, timeout=10)
    mapping = fn.add_event_source(
        stream_arn, batch_size=10, maximum_batching_window=3, starting_position="LATEST",
        function_response_types=["ReportBatchItemFailures"], maximum_retry_attempts=1,
        destination_on_failure=topic,
    )  # fmt: skip
    ddb.put_item(TableName=table, Item={"id": {"S": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "2"}, "bad": {"BOOL": True}})
    ddb.put_item(TableName=table, Item={"id": {"S": "3"}})
    (message,) = drain(failures_url, 1)
    record = json.loads(json.loads(message["Body"])["Message"])  # SNS envelope, then the record
    info = record["DDBStreamBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # retries 1: two invokes
    assert info["streamArn"] == stream_arn and info["batchSize"] == 2  # from record 2 on
    assert len(info["approximateArrivalOfFirstRecord"]) == 20  # no milliseconds for DynamoDB
    batches = [
        [r["dynamodb"]["Keys"]["id"]["S"] for r in inv.event["Records"]] for inv in fn.history
    ]
    assert batches[0] == ["1", "2", "3"] and batches[1] == ["2", "3"]
    first = fn.history[0].event["Records"][0]
    assert first["eventSource"] == "aws:dynamodb" and first["eventSourceARN"] == stream_arn
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    powertools_model("DynamoDBStreamModel").model_validate(fn.history[0].event)
    powertools_model("DynamoDBStreamLambdaOnFailureDestinationModel").model_validate(record)
    # later changes flow on: the shard is not blocked any more
    ddb.put_item(TableName=table, Item={"id": {"S": "4"}})
    wait_until(
        lambda: any(
            inv.ok and isinstance(inv.payload, list) and inv.payload[0][1] == "4"
            for inv in fn.history
        ),
        timeout=60,
    )
    assert mapping.state == "Enabled"
