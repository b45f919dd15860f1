"""AWS IoT rule actions: the payload is whatever the rule's SQL selects."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._clock import epoch_ms
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("iot.rule", tier=3)
def rule(
    g: Gen,
    payload: dict | None = None,
    topic: str = "sensors/thermostat-01/telemetry",
    include_topic: bool = True,
) -> dict[str, Any]:
    """AWS IoT rule action: the selected MQTT message (here `SELECT *, topic() AS topic`)."""
    out = (
        dict(payload)
        if payload is not None
        else {
            "deviceId": "thermostat-01",
            "temperature": round(g.rng.uniform(18, 26), 1),
            "humidity": g.rng.randint(30, 60),
            "timestamp": epoch_ms(g.now),
        }
    )
    if include_topic:
        out["topic"] = topic
    return out
