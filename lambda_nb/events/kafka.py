"""Kafka batches from Amazon MSK and self-managed clusters: records keyed `topic-partition`."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, dns_suffix
from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._codec import as_text, b64, byte_list
from lambda_nb.events._common import count_of, pick
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

Payload = str | dict | list
LIMIT = 10_000


def _records(
    g: Gen,
    *,
    topic: str,
    partition: int,
    value: Payload,
    values: list[Payload] | None,
    count: int,
    key: str | None,
    headers: dict[str, str] | None,
    offset: int,
) -> dict[str, list[dict[str, Any]]]:
    n = count_of(count, values, LIMIT, "kafka")
    batch = []
    for i in range(n):
        batch.append(
            {
                "topic": topic,
                "partition": partition,
                "offset": offset + i,
                "timestamp": epoch_ms(g.at(-5 * (n - i))),
                "timestampType": "CREATE_TIME",
                "key": b64(key) if key is not None else None,
                "value": b64(as_text(pick(values, value, i))),
                "headers": [{name: byte_list(v)} for name, v in (headers or {}).items()],
            }
        )
    return {f"{topic}-{partition}": batch}


@event("kafka.msk", tier=2)
def msk(
    g: Gen,
    value: Payload = "Hello from Kafka!",
    values: list[Payload] | None = None,
    count: int = 1,
    key: str | None = "key-1",
    headers: dict[str, str] | None = None,
    topic: str = "mytopic",
    partition: int = 0,
    offset: int = 15,
    cluster: str = "demo-cluster",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Amazon MSK batch: base64 key/value, headers as byte lists, offsets rising from `offset`."""
    cluster_id = f"{g.uuid()}-{g.rng.randint(1, 9)}"
    brokers = ",".join(
        f"b-{i}.{cluster}.{g.lower(6)}.c2.kafka.{region}.{dns_suffix(region)}:9098" for i in (1, 2)
    )
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": arn("kafka", region, account_id, f"cluster/{cluster}/{cluster_id}"),
        "bootstrapServers": brokers,
        "records": _records(
            g, topic=topic, partition=partition, value=value, values=values, count=count,
            key=key, headers=headers, offset=offset,
        ),
    }  # fmt: skip


@event("kafka.self_managed", tier=2)
def self_managed(
    g: Gen,
    value: Payload = "Hello from Kafka!",
    values: list[Payload] | None = None,
    count: int = 1,
    key: str | None = "key-1",
    headers: dict[str, str] | None = None,
    topic: str = "mytopic",
    partition: int = 0,
    offset: int = 15,
    bootstrap_servers: str = "kafka-1.example.com:9092,kafka-2.example.com:9092",
) -> dict[str, Any]:
    """Self-managed Apache Kafka batch (eventSource SelfManagedKafka, no cluster ARN)."""
    if not bootstrap_servers.strip():
        raise EventError("bootstrap_servers: give host:port[,host:port...]")
    return {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": bootstrap_servers,
        "records": _records(
            g, topic=topic, partition=partition, value=value, values=values, count=count,
            key=key, headers=headers, offset=offset,
        ),
    }  # fmt: skip
