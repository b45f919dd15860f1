"""CloudWatch Logs subscription deliveries (gzip + base64) and CloudWatch alarm actions."""

from __future__ import annotations

import json
from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_ms, iso_ms
from lambda_nb.events._codec import as_text, gzip_b64
from lambda_nb.events._common import count_of
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

LIMIT = 10_000
_SAMPLE = (
    "START RequestId: {rid} Version: $LATEST",
    '{{"level": "INFO", "message": "processing order", "requestId": "{rid}"}}',
    "END RequestId: {rid}",
)


def _log_events(g: Gen, messages: list | None, message: Any, count: int) -> list[dict[str, Any]]:
    """Log events from strings, objects (as JSON) or [timestamp_ms, message] pairs.

    With neither `messages` nor `message`, one invocation's START, log line and END (count=1)
    or `count` such lines."""
    if messages is None:
        n = count_of(count, None, LIMIT, "cloudwatch.logs")
        if message is not None:
            messages = [message] * n
        else:
            rid = g.uuid()
            sample = [line.format(rid=rid) for line in _SAMPLE]
            messages = sample if count == 1 else [sample[i % 3] for i in range(n)]
    n = count_of(count, messages, LIMIT, "cloudwatch.logs")
    out = []
    for i, entry in enumerate(messages):
        at = epoch_ms(g.at(-5 * (n - i)))
        if isinstance(entry, (list, tuple)):
            if len(entry) != 2 or not isinstance(entry[0], int) or isinstance(entry[0], bool):
                raise EventError(f"a log event pair is [timestamp_ms, message], got {entry!r}")
            at, entry = entry
        # Event ids are 56 digits and start with the event's timestamp.
        event_id = (str(at) + g.digits(56))[:56]
        out.append({"id": event_id, "timestamp": at, "message": as_text(entry)})
    return out


@event("cloudwatch.logs", tier=2)
def logs(
    g: Gen,
    messages: list | None = None,
    message: str | dict | None = None,
    count: int = 1,
    log_group: str = "/aws/lambda/example-function",
    log_stream: str | None = None,
    filters: list[str] | None = None,
    message_type: Literal["DATA_MESSAGE", "CONTROL_MESSAGE"] = "DATA_MESSAGE",
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CloudWatch Logs subscription: `awslogs.data` is base64(gzip(JSON)) of the log events."""
    if message_type == "CONTROL_MESSAGE":
        payload = {
            "messageType": "CONTROL_MESSAGE",
            "owner": "CloudwatchLogs",
            "logGroup": "",
            "logStream": "",
            "subscriptionFilters": [],
            "logEvents": [
                {
                    "id": "",
                    "timestamp": epoch_ms(g.now),
                    "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda.",
                }
            ],
        }
    else:
        day = g.now.strftime("%Y/%m/%d")
        payload = {
            "messageType": "DATA_MESSAGE",
            "owner": account_id,
            "logGroup": log_group,
            "logStream": log_stream if log_stream is not None else f"{day}/[$LATEST]{g.hex(32)}",
            "subscriptionFilters": list(filters)
            if filters is not None
            else ["lambda-subscription"],
            "logEvents": _log_events(g, messages, message, count),
        }
    return {"awslogs": {"data": gzip_b64(payload)}}


@event("cloudwatch.alarm", tier=3)
def alarm(
    g: Gen,
    alarm_name: str = "HighErrorRate",
    state: Literal["ALARM", "OK", "INSUFFICIENT_DATA"] = "ALARM",
    previous_state: Literal["ALARM", "OK", "INSUFFICIENT_DATA"] = "OK",
    metric: str = "Errors",
    namespace: str = "AWS/Lambda",
    threshold: float = 1.0,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CloudWatch alarm state change invoking Lambda directly (alarm action)."""
    now = g.now
    reason_data = {"version": "1.0", "queryDate": iso_ms(now).replace("Z", "+0000")}
    config = {
        "description": f"{metric} above {threshold}",
        "metrics": [
            {
                "id": g.uuid(),
                "metricStat": {
                    "metric": {"namespace": namespace, "name": metric, "dimensions": {}},
                    "period": 60,
                    "stat": "Sum",
                },
                "returnData": True,
            }
        ],
    }
    return {
        "source": "aws.cloudwatch",
        "alarmArn": arn("cloudwatch", region, account_id, f"alarm:{alarm_name}"),
        "accountId": account_id,
        "time": iso_ms(now).replace("Z", "+0000"),
        "region": region,
        "alarmData": {
            "alarmName": alarm_name,
            "state": {
                "value": state,
                "reason": f"Threshold Crossed: 1 datapoint was greater than {threshold}.",
                "reasonData": json.dumps(reason_data),
                "timestamp": iso_ms(now).replace("Z", "+0000"),
            },
            "previousState": {
                "value": previous_state,
                "reason": "Threshold Crossed: no datapoints were breaching the threshold.",
                "timestamp": iso_ms(g.at(-3_600_000)).replace("Z", "+0000"),
            },
            "configuration": config,
        },
    }
