"""The local AWS (moto, in this process) as functions and the notebook use it: through boto3,
with real execution environments, no mocks of lambda_nb. S3 notifications are here too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from waiting import wait_until

pytest.importorskip("moto")
pytest.importorskip("boto3")

import lambda_nb.aws as aws
from lambda_nb.engine.errors import ConfigError, InvalidParameterValueException

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def local_aws() -> Iterator[str]:
    endpoint = aws.start()
    yield endpoint
    aws.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def esm_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("lambda_nb-esm")]


# ------------------------------------------------------------------ the server itself
def test_importing_lambda_nb_aws_loads_neither_moto_nor_boto3() -> None:
    code = (
        "import sys, lambda_nb, lambda_nb.aws, lambda_nb.function; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('moto', 'boto3', 'botocore', 'flask', 'werkzeug')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_without_moto_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['moto'] = None\n"
        "from lambda_nb import Function\n"
        "try:\n"
        "    Function.from_source('', aws='local')\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "pip install 'lambda-nb[aws]'" in out.stdout, out.stderr


def test_start_is_idempotent_reset_empties_and_restart_keeps_the_port(local_aws: str) -> None:
    assert aws.start() == local_aws
    assert urllib.parse.urlparse(local_aws).hostname == "127.0.0.1"
    s3 = aws.client("s3")
    bucket = unique("reset")
    s3.create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    aws.reset()
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.create_bucket(Bucket=bucket)
    aws.stop()
    aws.stop()  # idempotent
    assert not any(t.name == "lambda_nb-local-aws" for t in threading.enumerate())
    port = urllib.parse.urlparse(local_aws).port
    with socket.socket() as probe:  # another process on this busy machine may have taken it
        free = probe.connect_ex(("127.0.0.1", port)) != 0
    restarted = aws.start()
    if free:
        assert restarted == local_aws  # the same port: functions published before reach it
    assert bucket not in [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


# ------------------------------------------------------------- functions reach it
WRITE_S3 = """import boto3, os
def lambda_handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=event["bucket"], Key=event["key"], Body=event["body"].encode())
    return {"endpoint": os.environ.get("AWS_ENDPOINT_URL"), "region": os.environ["AWS_REGION"]}
"""


def test_handler_writes_to_s3_and_the_notebook_reads_it_back(make_function) -> None:
    s3 = aws.client("s3")
    bucket = unique("state")
    s3.create_bucket(Bucket=bucket)
    fn = make_function(WRITE_S3, aws="local", timeout=30)
    inv = fn.invoke({"bucket": bucket, "key": "dir/hello world.txt", "body": "from a handler"})
    assert inv.status == "success", inv.error
    assert inv.payload == {"endpoint": aws.endpoint(), "region": "us-east-1"}
    body = s3.get_object(Bucket=bucket, Key="dir/hello world.txt")["Body"].read()
    assert body == b"from a handler"


COUNTER = """import boto3
table = boto3.resource("dynamodb").Table("{table}")
in_memory = 0  # lost on every cold start

def lambda_handler(event, context):
    global in_memory
    in_memory += 1
    item = table.update_item(
        Key={{"id": "visits"}}, UpdateExpression="ADD n :one",
        ExpressionAttributeValues={{":one": 1}}, ReturnValues="UPDATED_NEW",
    )
    return {{"stored": int(item["Attributes"]["n"]), "in_memory": in_memory}}
"""


def test_dynamodb_state_survives_a_cold_start_memory_does_not(make_function) -> None:
    table = unique("visits")
    aws.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    fn = make_function(COUNTER.format(table=table), aws="local", timeout=30)
    first, second = fn.invoke({}), fn.invoke({})
    assert (first.cold, second.cold) == (True, False)
    assert [first.payload, second.payload] == [
        {"stored": 1, "in_memory": 1},
        {"stored": 2, "in_memory": 2},
    ]
    fn.reset()  # the next invoke is a cold start: a new environment, module state gone
    third = fn.invoke({})
    assert third.cold and third.payload == {"stored": 3, "in_memory": 1}
    item = aws.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "visits"}})["Item"]
    assert item["n"] == {"N": "3"}


WHO_AM_I = """import boto3, os
def lambda_handler(event, context):
    creds = boto3.session.Session().get_credentials()
    keys = ("AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
    return {
        "access_key": None if creds is None else creds.get_frozen_credentials().access_key,
        "env": {k: os.environ.get(k) for k in keys},
    }
"""


def test_without_aws_a_function_has_no_credentials_even_with_the_users(
    make_function, monkeypatch, tmp_path
) -> None:
    # The user's own credentials, where botocore looks for them: none may reach the function.
    home_aws = tmp_path / "credentials"
    home_aws.write_text(
        "[default]\naws_access_key_id = AKIAUSERSOWNKEY\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home_aws))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEKERNEL")
    fn = make_function(WHO_AM_I, timeout=30)
    inv = fn.invoke({})
    assert inv.status == "success", inv.error
    assert inv.payload["access_key"] is None
    assert inv.payload["env"]["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert inv.payload["env"]["AWS_ENDPOINT_URL"] is None


def test_profile_credentials_only_when_asked_and_bad_values_refused(
    make_function, monkeypatch, tmp_path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[demo]\naws_access_key_id = AKIADEMOPROFILE\naws_secret_access_key = secret\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    fn = make_function(WHO_AM_I, aws="profile:demo", timeout=30)
    assert fn.invoke({}).payload["access_key"] == "AKIADEMOPROFILE"
    assert "AKIADEMOPROFILE" not in repr(fn.config)  # secrets stay out of displays
    with pytest.raises(ConfigError, match="profile:nope"):
        make_function(WHO_AM_I, aws="profile:nope")
    with pytest.raises(ConfigError, match="expected 'local'"):
        make_function(WHO_AM_I, aws="localhost")


def test_an_emulator_url_is_used_as_the_endpoint(make_function) -> None:
    fn = make_function(WHO_AM_I, aws=aws.endpoint() + "/", timeout=30)
    payload = fn.invoke({}).payload
    assert payload["env"]["AWS_ENDPOINT_URL"] == aws.endpoint()
    assert payload["access_key"] == "testing"


# ------------------------------------------------------------------ S3 notifications
RECORD_EVENT = """import json, time
def lambda_handler(event, context):
    return {"at": time.time(), "records": event["Records"]}
"""


def s3_invocations(fn: Any, count: int) -> list[Any]:
    """The first `count` finished invocations (S3 invokes asynchronously)."""
    return wait_until(
        lambda: (
            [i for i in fn.history if i.done][:count]
            if len([i for i in fn.history if i.done]) >= count
            else None
        ),
        timeout=60,
        message=f"{count} S3-triggered invocation(s) of {fn.name}",
    )


def test_an_upload_invokes_the_function_with_s3s_event(make_function) -> None:
    s3 = aws.client("s3")
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    fn = make_function(RECORD_EVENT, timeout=30)
    trigger = fn.add_s3_trigger(bucket, prefix="in/", suffix=".txt")
    assert trigger.state == "Enabled" and trigger in fn.triggers
    s3.put_object(Bucket=bucket, Key="out/skip.txt", Body=b"not under the prefix")
    s3.put_object(Bucket=bucket, Key="in/skip.csv", Body=b"wrong suffix")
    put = s3.put_object(Bucket=bucket, Key="in/a b+c.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="in/second.txt", Body=b"hello again")
    first, second = s3_invocations(fn, 2)
    assert first.status == "success", first.error
    records = [first.payload["records"][0], second.payload["records"][0]]
    by_key = {r["s3"]["object"]["key"]: r for r in records}
    assert set(by_key) == {"in/a+b%2Bc.txt", "in/second.txt"}  # URL-encoded, "/" kept
    record = by_key["in/a+b%2Bc.txt"]
    assert urllib.parse.unquote_plus(record["s3"]["object"]["key"]) == "in/a b+c.txt"
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["eventTime"].endswith("Z") and len(record["eventTime"]) == 24
    sequencers = [r["s3"]["object"]["sequencer"] for r in records]
    assert all(len(s) == 18 and int(s, 16) for s in sequencers)
    assert len(set(sequencers)) == 2
    models = pytest.importorskip("aws_lambda_powertools.utilities.parser.models")
    models.S3Model.model_validate({"Records": [record]})  # an independent check of the shape
    assert len(fn.history) == 2  # the filtered-out keys invoked nothing
    trigger.delete()
    s3.put_object(Bucket=bucket, Key="in/after.txt", Body=b"x")
    assert trigger.state == "Deleted" and len(fn.history) == 2


def test_an_object_written_by_a_function_triggers_another(make_function) -> None:
    s3 = aws.client("s3")
    bucket = unique("chain")
    s3.create_bucket(Bucket=bucket)
    writer = make_function(WRITE_S3, aws="local", timeout=30)
    reader = make_function(RECORD_EVENT, timeout=30)
    reader.add_s3_trigger(bucket, events=["s3:ObjectCreated:Put"], prefix="made/")
    assert writer.invoke({"bucket": bucket, "key": "made/x.json", "body": "{}"}).ok
    (inv,) = s3_invocations(reader, 1)
    assert inv.payload["records"][0]["s3"]["object"]["key"] == "made/x.json"


def test_s3_trigger_bad_input_is_refused_clearly(make_function) -> None:
    fn = make_function(RECORD_EVENT)
    missing = unique("missing")
    with pytest.raises(InvalidParameterValueException, match="bucket does not exist"):
        fn.add_s3_trigger(missing)
    bucket = unique("filters")
    aws.client("s3").create_bucket(Bucket=bucket)
    with pytest.raises(InvalidParameterValueException, match="not supported"):
        fn.add_s3_trigger(bucket, events=["s3:ObjectMade:*"])
    fn.add_s3_trigger(bucket, prefix="a/")
    with pytest.raises(InvalidParameterValueException, match="Configurations overlap"):
        fn.add_s3_trigger(bucket, prefix="a/b/")
    assert len(fn.triggers) == 1
    fn.close()
    assert fn.triggers == []


def test_s3_deletes_reach_removed_triggers_without_size_or_etag(make_function) -> None:
    s3 = aws.client("s3")
    bucket = unique("deletes")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    fn = make_function(RECORD_EVENT, timeout=30)
    fn.add_s3_trigger(bucket, events="s3:ObjectRemoved:*")
    s3.delete_object(Bucket=bucket, Key="gone.txt")
    (inv,) = s3_invocations(fn, 1)
    obj = inv.payload["records"][0]["s3"]["object"]
    assert inv.payload["records"][0]["eventName"] == "ObjectRemoved:Delete"
    assert "size" not in obj and "eTag" not in obj and obj["key"] == "gone.txt"


# ------------------------------------------------------------------ magic and CLI
def test_magic_aws_status_and_trigger(ip, name, capsys) -> None:
    bucket = unique("magic")
    ip.run_line_magic("lambda", "aws start")
    assert "Local AWS running at http://127.0.0.1:" in capsys.readouterr().out
    aws.client("s3").create_bucket(Bucket=bucket)
    aws.client("s3").put_object(Bucket=bucket, Key="one", Body=b"1")
    queue = unique("magicq")
    aws.client("sqs").create_queue(QueueName=queue)
    ip.run_cell_magic("lambda", f"{name} --no-invoke", RECORD_EVENT)
    ip.run_line_magic("lambda", f"trigger {name} s3 {bucket} --prefix in/ -o trig")
    out = capsys.readouterr().out
    assert f"s3://{bucket}/in/*" in out and "Enabled" in out
    assert ip.user_ns["trig"].prefix == "in/"
    ip.run_line_magic(
        "lambda", f"trigger {name} sqs {queue} --batch-size 5 --report-batch-item-failures -o esm"
    )
    out = capsys.readouterr().out
    assert f"arn:aws:sqs:us-east-1:123456789012:{queue}" in out and "batch 5" in out
    assert ip.user_ns["esm"].report_batch_item_failures
    status = aws.status()
    text = repr(status)
    assert bucket in text and queue in text
    assert ("bucket", bucket, "1 object") in status.resources
    assert f"s3://{bucket}/in/*" in text and "Enabled" in text
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="NonExistentQueue"):
        ip.run_line_magic("lambda", f"trigger {name} sqs no-such-queue-{uuid.uuid4().hex[:6]}")
    with pytest.raises(UsageError, match="bucket does not exist"):
        ip.run_line_magic("lambda", f"trigger {name} s3 no-such-bucket-{uuid.uuid4().hex[:6]}")
    ip.user_ns["esm"].delete()
    assert not esm_threads()
    ip.run_line_magic("lambda", "help trigger")
    assert "--report-batch-item-failures" in capsys.readouterr().out
    ip.run_line_magic("lambda", "aws --help")
    assert "start, status, reset, stop" in capsys.readouterr().out


def test_cli_aws_start_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambda_nb", "aws", "start"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Local AWS running at http://127.0.0.1:" in line, proc.stderr.read()
        endpoint = line.split(" at ")[1].split()[0]
        s3 = aws.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="from-the-cli")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-the-cli"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_status_when_stopped_says_so() -> None:
    aws.stop()
    try:
        assert "not running" in repr(aws.status())
    finally:
        aws.start()


def test_status_counts_table_items() -> None:
    table = unique("counted")
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        ddb.put_item(TableName=table, Item={"id": {"S": str(i)}, "v": {"S": json.dumps(i)}})
    rows = {(kind, name): items for kind, name, items in aws.status().resources}
    assert rows[("table", table)] == "3 items"


# ------------------------------------------------- async destinations in the local AWS
def queue_with_arn(name: str) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attributes["Attributes"]["QueueArn"]


def receive_one(url: str) -> dict[str, Any]:
    sqs = aws.client("sqs")
    return wait_until(
        lambda: (sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages") or [None])[0],
        timeout=60,
        interval=0,
        message=f"a message in {url}",
    )


FAILS_ON_ASK = """def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": event}
"""


def test_async_destinations_sqs_sns_and_eventbridge(make_function) -> None:
    failures_url, failures_arn = queue_with_arn(unique("on-failure"))
    sns_url, sns_queue_arn = queue_with_arn(unique("via-sns"))
    topic = aws.client("sns").create_topic(Name=unique("results"))["TopicArn"]
    aws.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sns_queue_arn)
    bus_url, bus_queue_arn = queue_with_arn(unique("via-bus"))
    events = aws.client("events")
    bus_name = unique("bus")
    bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
    events.put_rule(
        Name="results", EventBusName=bus_name, EventPattern=json.dumps({"source": ["lambda"]})
    )
    events.put_targets(
        Rule="results", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": bus_queue_arn}]
    )

    fn = make_function(FAILS_ON_ASK, timeout=30)
    fn.configure_async(maximum_retry_attempts=0, on_success=bus_arn, on_failure=failures_arn)
    assert fn.invoke_async({"fail": True}).wait().condition == "RetriesExhausted"
    record = json.loads(receive_one(failures_url)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"fail": True}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert fn.invoke_async({"n": 1}).wait().condition == "Success"
    event = json.loads(receive_one(bus_url)["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["responsePayload"] == {"ok": {"n": 1}}
    assert event["resources"][0] == bus_arn

    fn.configure_async(maximum_retry_attempts=0, on_success=topic)
    fn.invoke_async({"n": 2}).wait()
    envelope = json.loads(receive_one(sns_url)["Body"])
    assert envelope["Type"] == "Notification"
    assert json.loads(envelope["Message"])["responsePayload"] == {"ok": {"n": 2}}

    with pytest.raises(InvalidParameterValueException, match="is invalid"):
        fn.configure_async(on_failure=f"arn:aws:sqs:us-east-1:123456789012:{unique('missing')}")


def test_a_failed_async_event_reaches_the_dead_letter_queue(ip, name, capsys) -> None:
    dlq_url, dlq_arn = queue_with_arn(unique("function-dlq"))
    ip.run_cell_magic("lambda", f"{name} --no-invoke -o fn", FAILS_ON_ASK)
    fn = ip.user_ns["fn"]
    ip.run_line_magic("lambda", f"configure {name} --retries 0 --dead-letter {dlq_arn}")
    assert f"dead-letter -> {dlq_arn}" in capsys.readouterr().out
    request = fn.invoke_async({"fail": True, "id": 7})
    assert request.wait().condition == "RetriesExhausted"
    sqs = aws.client("sqs")
    message = wait_until(
        lambda: (
            sqs.receive_message(
                QueueUrl=dlq_url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
            ).get("Messages")
            or [None]
        )[0],
        timeout=60,
        interval=0,
    )
    assert json.loads(message["Body"]) == {"fail": True, "id": 7}  # the event itself
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"] == {"StringValue": request.request_id, "DataType": "String"}
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "asked to fail"
    assert fn.invoke_async({"fail": False}).wait().condition == "Success"  # successes: nothing
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)
    with pytest.raises(InvalidParameterValueException, match="target arn"):
        fn.configure(dead_letter_target="arn:aws:sqs:us-east-1:123456789012:nowhere")
    ip.run_line_magic("lambda", f"configure {name} --dead-letter none")
    assert "dead-letter" not in capsys.readouterr().out


def test_reset_ends_the_triggers_with_their_sources(make_function) -> None:
    bucket = unique("reset-trigger")
    aws.client("s3").create_bucket(Bucket=bucket)
    queue = aws.client("sqs").create_queue(QueueName=unique("reset-queue"))["QueueUrl"]
    fn = make_function(RECORD_EVENT)
    trigger = fn.add_s3_trigger(bucket)
    mapping = fn.add_event_source(f"arn:aws:sqs:us-east-1:123456789012:{queue.rsplit('/', 1)[1]}")
    assert len(fn.triggers) == 2
    aws.reset()
    assert fn.triggers == [] and trigger.state == "Deleted" and mapping.state == "Deleted"
    assert not esm_threads()
    aws.client("s3").create_bucket(Bucket=bucket)  # a new bucket of the same name: no trigger
    aws.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    assert fn.history == [] and fn.service.events.pending == 0  # nothing queued either
