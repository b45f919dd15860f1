"""Data Firehose transformation requests: records to transform, data base64-encoded."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._codec import as_text, b64
from lambda_nb.events._common import count_of, pick
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

Payload = str | dict | list
LIMIT = 10_000


@event("firehose.transform", tier=2)
def transform(
    g: Gen,
    data: Payload = "Hello, this is a test 123.",
    records: list[Payload] | None = None,
    count: int = 1,
    delivery_stream: str = "example-delivery-stream",
    source_stream: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Firehose transformation batch; with `source_stream` the records carry Kinesis metadata."""
    n = count_of(count, records, LIMIT, "firehose")
    out: dict[str, Any] = {
        "invocationId": g.uuid(),
        "deliveryStreamArn": arn(
            "firehose", region, account_id, f"deliverystream/{delivery_stream}"
        ),
        "region": region,
    }
    if source_stream is not None:
        out["sourceKinesisStreamArn"] = arn(
            "kinesis", region, account_id, f"stream/{source_stream}"
        )
    sequence = g.rng.randrange(10**55, 5 * 10**55)
    items = []
    for i in range(n):
        arrived = epoch_ms(g.at(-10 * (n - i)))
        sequence += g.rng.randint(1, 10**12)
        record: dict[str, Any] = {
            "recordId": str(sequence) if source_stream is None else f"{sequence}{i:06d}",
            "approximateArrivalTimestamp": arrived,
            "data": b64(as_text(pick(records, data, i))),
        }
        if source_stream is not None:
            record["kinesisRecordMetadata"] = {
                "shardId": "shardId-000000000000",
                "partitionKey": f"key-{i:02d}",
                "approximateArrivalTimestamp": arrived,
                "sequenceNumber": str(sequence),
                "subsequenceNumber": 0,
            }
        items.append(record)
    out["records"] = items
    return out
