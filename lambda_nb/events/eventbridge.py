"""EventBridge events: custom/AWS events on a bus, scheduled rules and EventBridge Scheduler."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import iso_s
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def envelope(
    g: Gen,
    *,
    source: str,
    detail_type: str,
    detail: Any,
    resources: list[str],
    region: str,
    account_id: str,
) -> dict[str, Any]:
    """The EventBridge envelope: version "0", hyphenated `detail-type`, time without ms."""
    return {
        "version": "0",
        "id": g.uuid(),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": iso_s(g.now),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }


@event("eventbridge.custom", tier=1)
def custom(
    g: Gen,
    source: str = "com.example.orders",
    detail_type: str = "OrderPlaced",
    detail: dict | None = None,
    resources: list[str] | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """EventBridge event from a custom (or AWS) source; `detail` is an object."""
    if detail is None:
        detail = {"orderId": g.uuid(), "amount": 42.5, "currency": "EUR"}
    return envelope(
        g, source=source, detail_type=detail_type, detail=detail, resources=resources or [],
        region=region, account_id=account_id,
    )  # fmt: skip


@event("eventbridge.scheduled", tier=1)
def scheduled(
    g: Gen,
    rule: str = "ExampleRule",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """EventBridge scheduled rule (cron/rate): source aws.events, empty detail, the rule's ARN."""
    return envelope(
        g, source="aws.events", detail_type="Scheduled Event", detail={},
        resources=[arn("events", region, account_id, f"rule/{rule}")], region=region,
        account_id=account_id,
    )  # fmt: skip


@event("eventbridge.scheduler", tier=1)
def scheduler(
    g: Gen,
    schedule: str = "ExampleSchedule",
    group: str = "default",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """EventBridge Scheduler invocation with the default payload: source aws.scheduler."""
    return envelope(
        g, source="aws.scheduler", detail_type="Scheduled Event", detail="{}",
        resources=[arn("scheduler", region, account_id, f"schedule/{group}/{schedule}")],
        region=region, account_id=account_id,
    )  # fmt: skip
