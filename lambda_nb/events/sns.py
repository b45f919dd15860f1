"""SNS notifications delivered to a Lambda subscription."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, dns_suffix
from lambda_nb.events._clock import iso_ms
from lambda_nb.events._codec import as_text
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def message_attribute(name: str, value: Any) -> dict[str, str]:
    """An SNS attribute `{Type, Value}` from a plain value, a list (String.Array) or a full dict."""
    if isinstance(value, dict):
        if set(value) != {"Type", "Value"}:
            raise EventError(f"SNS attribute {name!r}: give exactly Type and Value")
        return {"Type": str(value["Type"]), "Value": str(value["Value"])}
    if isinstance(value, bool):
        return {"Type": "String", "Value": "true" if value else "false"}
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise EventError(f"SNS attribute {name!r}: numbers are finite, got {value!r}")
        return {"Type": "Number", "Value": str(value)}
    if isinstance(value, (list, tuple)):
        return {"Type": "String.Array", "Value": json.dumps(list(value), ensure_ascii=False)}
    if isinstance(value, str):
        return {"Type": "String", "Value": value}
    raise EventError(f"SNS attribute {name!r}: unsupported value {value!r}")


@event("sns.notification", tier=1)
def notification(
    g: Gen,
    message: str | dict | list = "Hello from SNS!",
    subject: str | None = None,
    attributes: dict[str, Any] | None = None,
    topic: str = "ExampleTopic",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """SNS notification; `Message` is always text (dicts become JSON), Subject null if unset."""
    topic_arn = arn("sns", region, account_id, topic)
    subscription_arn = f"{topic_arn}:{g.uuid()}"
    host = f"https://sns.{region}.{dns_suffix(region)}"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": g.uuid(),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": as_text(message),
                    "Timestamp": iso_ms(g.now),
                    "SignatureVersion": "1",
                    "Signature": g.token(342) + "==",
                    "SigningCertUrl": f"{host}/SimpleNotificationService-{g.hex(32)}.pem",
                    "UnsubscribeUrl": (
                        f"{host}/?Action=Unsubscribe&SubscriptionArn="
                        + quote(subscription_arn, safe=":")
                    ),
                    "MessageAttributes": {
                        name: message_attribute(name, v) for name, v in (attributes or {}).items()
                    },
                },
            }
        ]
    }
