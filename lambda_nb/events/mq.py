"""Amazon MQ batches: ActiveMQ messages and RabbitMQ messages by queue."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._codec import as_text, b64, byte_list
from lambda_nb.events._common import count_of, pick
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

Payload = str | dict | list
LIMIT = 10_000


def _broker_arn(g: Gen, broker: str, region: str, account_id: str) -> tuple[str, str]:
    broker_id = f"b-{g.uuid()}"
    return arn("mq", region, account_id, f"broker:{broker}:{broker_id}"), broker_id


@event("mq.activemq", tier=3)
def activemq(
    g: Gen,
    data: Payload = "Hello from ActiveMQ!",
    messages: list[Payload] | None = None,
    count: int = 1,
    queue: str = "testQueue",
    properties: dict[str, str] | None = None,
    broker: str = "example-broker",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Amazon MQ for ActiveMQ batch: base64 data, JMS text messages, one destination queue."""
    n = count_of(count, messages, LIMIT, "mq.activemq")
    broker_arn, broker_id = _broker_arn(g, broker, region, account_id)
    out = []
    for i in range(n):
        sent = epoch_ms(g.at(-5 * (n - i)))
        out.append(
            {
                "messageID": f"ID:{broker_id}-1.mq.{region}.amazonaws.com-37557-{sent}-4:1:1:1:{i}",
                "messageType": "jms/text-message",
                "data": b64(as_text(pick(messages, data, i))),
                "connectionId": f"ID:{g.lower(8)}",
                "redelivered": False,
                "persistent": True,
                "destination": {"physicalName": queue},
                "timestamp": sent,
                "brokerInTime": sent,
                "brokerOutTime": sent + 1,
                "properties": dict(properties or {}),
            }
        )
    return {"eventSource": "aws:amq", "eventSourceArn": broker_arn, "messages": out}


@event("mq.rabbitmq", tier=3)
def rabbitmq(
    g: Gen,
    data: Payload = "Hello from RabbitMQ!",
    messages: list[Payload] | None = None,
    count: int = 1,
    queue: str = "testQueue",
    virtual_host: str = "/",
    headers: dict[str, str] | None = None,
    broker: str = "example-broker",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Amazon MQ for RabbitMQ batch keyed `queue::vhost`; header values are byte lists."""
    n = count_of(count, messages, LIMIT, "mq.rabbitmq")
    broker_arn, _ = _broker_arn(g, broker, region, account_id)
    out = []
    for i in range(n):
        text = as_text(pick(messages, data, i))
        out.append(
            {
                "basicProperties": {
                    "contentType": "text/plain",
                    "contentEncoding": None,
                    "headers": {k: {"bytes": byte_list(v)} for k, v in (headers or {}).items()},
                    "deliveryMode": 1,
                    "priority": 0,
                    "correlationId": None,
                    "replyTo": None,
                    "expiration": None,
                    "messageId": g.uuid(),
                    "timestamp": None,
                    "type": None,
                    "userId": None,
                    "appId": None,
                    "clusterId": None,
                    "bodySize": len(text.encode("utf-8")),
                },
                "redelivered": False,
                "data": b64(text),
            }
        )
    return {
        "eventSource": "aws:rmq",
        "eventSourceArn": broker_arn,
        "rmqMessagesByQueue": {f"{queue}::{virtual_host}": out},
    }
