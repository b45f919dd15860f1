"""SQS batches as the Lambda event source mapping delivers them (standard and FIFO queues)."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._codec import as_text
from lambda_nb.events._common import count_of, pick
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event
from lambda_nb.events._sqs_md5 import md5_of_attributes, md5_of_body

Payload = str | dict | list
STANDARD_LIMIT = 10_000
FIFO_LIMIT = 10


def message_attribute(name: str, value: Any) -> dict[str, Any]:
    """A Lambda-cased SQS message attribute from a str, number or bool, or a full dict."""
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": []}
    if isinstance(value, dict):
        low = {k[:1].lower() + k[1:]: v for k, v in value.items()}
        if "dataType" not in low or ("stringValue" not in low and "binaryValue" not in low):
            raise EventError(
                f"message attribute {name!r}: give dataType plus stringValue or binaryValue"
            )
        if low.get("binaryValue") is not None:
            try:
                base64.b64decode(str(low["binaryValue"]), validate=True)
            except binascii.Error:
                raise EventError(f"message attribute {name!r}: binaryValue is not base64") from None
            return {**out, "binaryValue": str(low["binaryValue"]), "dataType": str(low["dataType"])}
        return {**out, "stringValue": str(low["stringValue"]), "dataType": str(low["dataType"])}
    if isinstance(value, bool):
        return {**out, "stringValue": "true" if value else "false", "dataType": "String"}
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise EventError(f"message attribute {name!r}: SQS numbers are finite, got {value!r}")
        return {**out, "stringValue": str(value), "dataType": "Number"}
    if isinstance(value, str):
        return {**out, "stringValue": value, "dataType": "String"}
    raise EventError(f"message attribute {name!r}: unsupported value {value!r}")


def records(
    g: Gen,
    *,
    bodies: list[Payload] | None,
    body: Payload,
    count: int,
    attributes: dict[str, Any] | None,
    queue: str,
    receive_count: int,
    group_id: str | None,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    fifo = queue.endswith(".fifo")
    n = count_of(count, bodies, FIFO_LIMIT if fifo else STANDARD_LIMIT, "sqs")
    if receive_count < 1:
        raise EventError(f"receive_count must be at least 1, got {receive_count}")
    attrs = {name: message_attribute(name, v) for name, v in (attributes or {}).items()}
    attrs_md5 = md5_of_attributes(attrs)
    queue_arn = arn("sqs", region, account_id, queue)
    sender = "AIDA" + g.upper(17)
    sequence = g.rng.randrange(10**19, 9 * 10**19)  # 20 digits, with room to rise
    out = []
    for i in range(n):
        text = as_text(pick(bodies, body, i))
        sent = g.at(-1000 * (n - i) - 1000 * 30 * (receive_count - 1))
        attributes_out = {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(epoch_ms(sent)),
            "SenderId": sender,
            "ApproximateFirstReceiveTimestamp": str(epoch_ms(sent) + g.rng.randint(1, 50)),
        }
        if fifo:
            sequence += g.rng.randint(1, 10**6)
            attributes_out.update(
                SequenceNumber=str(sequence),
                MessageGroupId=group_id or "default",
                MessageDeduplicationId=g.hex(64),
            )
        out.append(
            {
                "messageId": g.uuid(),
                "receiptHandle": "AQEB" + g.token(168),
                "body": text,
                "attributes": attributes_out,
                "messageAttributes": attrs,
                "md5OfBody": md5_of_body(text),
                "md5OfMessageAttributes": attrs_md5,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": out}


@event("sqs.receive", tier=1)
def receive(
    g: Gen,
    body: Payload = "Hello from SQS!",
    bodies: list[Payload] | None = None,
    count: int = 1,
    attributes: dict[str, Any] | None = None,
    queue: str = "MyQueue",
    receive_count: int = 1,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """SQS batch of `count` messages (or one per item of `bodies`); MD5s computed, ids unique."""
    return records(
        g, bodies=bodies, body=body, count=count, attributes=attributes, queue=queue,
        receive_count=receive_count, group_id=None, region=region, account_id=account_id,
    )  # fmt: skip


@event("sqs.fifo", tier=1)
def fifo(
    g: Gen,
    body: Payload = "Hello from SQS FIFO!",
    bodies: list[Payload] | None = None,
    count: int = 1,
    attributes: dict[str, Any] | None = None,
    queue: str = "MyQueue.fifo",
    group_id: str = "group-1",
    receive_count: int = 1,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """SQS FIFO batch (at most 10): MessageGroupId, deduplication id and rising SequenceNumber."""
    if not queue.endswith(".fifo"):
        queue += ".fifo"
    return records(
        g, bodies=bodies, body=body, count=count, attributes=attributes, queue=queue,
        receive_count=receive_count, group_id=group_id, region=region, account_id=account_id,
    )  # fmt: skip
