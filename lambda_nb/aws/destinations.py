"""Asynchronous invocation destinations in the local AWS: SQS queues, SNS topics and
EventBridge buses (lambda-runtime.md 8, triggers.md 5).

The engine's event queue hands an event's destination record to a `ServiceDestinations`
(engine/destinations.py) for any ARN that is not a function; this module is that provider,
registered when the local AWS starts. What each destination receives, as Lambda sends it:
- SQS: a message whose body is the record (JSON);
- SNS: a notification whose Message is the record;
- EventBridge: an event with source "lambda", detail-type "Lambda Function Invocation Result -
  Success" (or "- Failure"), the record as detail, and resources [bus ARN, function ARN].
"""

from __future__ import annotations

import json
from typing import Any

from lambda_nb.engine import destinations as engine_destinations

_registered: list[engine_destinations.ServiceDestinations] = []


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) >= 6 else ""


def accepts(arn: str) -> bool:
    """An existing queue, topic or bus of the running local AWS."""
    from lambda_nb.aws.server import LOCAL

    if not LOCAL.running or _service(arn) not in ("sqs", "sns", "events"):
        return False
    try:
        _locate(arn)
    except Exception:
        return False
    return True


def _locate(arn: str) -> tuple[Any, str]:
    from lambda_nb.aws.server import LOCAL

    parts = arn.split(":", 5)
    service, account, resource = parts[2], parts[4], parts[5]
    if service == "sqs":
        sqs = LOCAL.client("sqs")
        url = sqs.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)
        return sqs, str(url["QueueUrl"])
    if service == "sns":
        sns = LOCAL.client("sns")
        sns.get_topic_attributes(TopicArn=arn)
        return sns, arn
    if not resource.startswith("event-bus/"):
        raise ValueError(f"not an event bus: {arn}")
    events = LOCAL.client("events")
    events.describe_event_bus(Name=resource[len("event-bus/") :])
    return events, resource[len("event-bus/") :]


def deliver(arn: str, record: dict[str, Any]) -> None:
    client, where = _locate(arn)
    service = _service(arn)
    body = json.dumps(record)
    if service == "sqs":
        client.send_message(QueueUrl=where, MessageBody=body)
    elif service == "sns":
        client.publish(TopicArn=where, Message=body)
    else:
        success = record.get("requestContext", {}).get("condition") == "Success"
        function_arn = record.get("requestContext", {}).get("functionArn", "")
        client.put_events(
            Entries=[
                {
                    "Source": "lambda",
                    "DetailType": "Lambda Function Invocation Result - "
                    + ("Success" if success else "Failure"),
                    "Detail": body,
                    "EventBusName": where,
                    "Resources": [arn, function_arn],
                }
            ]
        )


def dead_letter(arn: str, payload: bytes, attributes: dict[str, tuple[str, str]]) -> None:
    """A failed asynchronous event to the function's dead-letter queue or topic: the event
    itself as the body, with RequestID, ErrorCode and ErrorMessage attributes."""
    client, where = _locate(arn)
    typed = {
        name: {"DataType": kind, "StringValue": value} for name, (kind, value) in attributes.items()
    }
    body = payload.decode("utf-8", "replace")
    if _service(arn) == "sqs":
        client.send_message(QueueUrl=where, MessageBody=body, MessageAttributes=typed)
    elif _service(arn) == "sns":
        client.publish(TopicArn=where, Message=body, MessageAttributes=typed)


def register() -> None:
    """Offer the local AWS's queues, topics and buses as destinations (once)."""
    if _registered:
        return
    provider = engine_destinations.ServiceDestinations(
        accepts=accepts, deliver=deliver, dead_letter=dead_letter
    )
    _registered.append(provider)
    engine_destinations.SERVICE_DESTINATIONS.append(provider)
