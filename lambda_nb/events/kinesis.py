"""Kinesis Data Streams batches: base64 data, rising sequence numbers, `shardId:sequence` ids."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, global_arn
from lambda_nb.events._clock import epoch_s_float
from lambda_nb.events._codec import as_text, b64
from lambda_nb.events._common import count_of, pick
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

Payload = str | dict | list
LIMIT = 10_000


@event("kinesis.records", tier=1)
def records(
    g: Gen,
    data: Payload = "Hello, this is a test.",
    records: list[Payload] | None = None,
    count: int = 1,
    partition_key: str | None = None,
    stream: str = "example-stream",
    shard_id: str = "shardId-000000000000",
    role: str = "lambda-kinesis-role",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Kinesis batch of `count` records (or one per item of `records`); data is base64."""
    n = count_of(count, records, LIMIT, "kinesis")
    stream_arn = arn("kinesis", region, account_id, f"stream/{stream}")
    role_arn = global_arn("iam", region, account_id, f"role/{role}")
    # Real sequence numbers are 56 digits and rise within a shard.
    sequence = g.rng.randrange(10**55, 5 * 10**55)
    out = []
    for i in range(n):
        sequence += g.rng.randint(1, 10**12)
        seq = str(sequence)
        out.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": partition_key if partition_key is not None else f"key-{i:02d}",
                    "sequenceNumber": seq,
                    "data": b64(as_text(pick(records, data, i))),
                    "approximateArrivalTimestamp": epoch_s_float(g.at(-10 * (n - i))),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{seq}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": role_arn,
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": out}
