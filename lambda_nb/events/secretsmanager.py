"""Secrets Manager rotation steps."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("secretsmanager.rotation", tier=3)
def rotation(
    g: Gen,
    step: Literal["createSecret", "setSecret", "testSecret", "finishSecret"] = "createSecret",
    secret: str = "MySecret",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Secrets Manager rotation: one of the four steps for the version in ClientRequestToken."""
    return {
        "SecretId": arn("secretsmanager", region, account_id, f"secret:{secret}-{g.chars(6)}"),
        "ClientRequestToken": g.uuid(),
        "Step": step,
    }
