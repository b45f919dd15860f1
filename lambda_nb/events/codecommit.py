"""CodeCommit repository triggers."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, global_arn
from lambda_nb.events._clock import iso_ms
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("codecommit.push", tier=3)
def push(
    g: Gen,
    repository: str = "my-repo",
    branch: str = "main",
    commit: str | None = None,
    trigger: str = "my-trigger",
    custom_data: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CodeCommit trigger on a push: the updated reference and its commit id."""
    record = {
        "awsRegion": region,
        "codecommit": {
            "references": [{"commit": commit or g.hex(40), "ref": f"refs/heads/{branch}"}]
        },
        "customData": custom_data,
        "eventId": g.uuid(),
        "eventName": "ReferenceChanges",
        "eventPartNumber": 1,
        "eventSource": "aws:codecommit",
        "eventSourceARN": arn("codecommit", region, account_id, repository),
        "eventTime": iso_ms(g.now).replace("Z", "+0000"),
        "eventTotalParts": 1,
        "eventTriggerConfigId": g.uuid(),
        "eventTriggerName": trigger,
        "eventVersion": "1.0",
        "userIdentityARN": global_arn("iam", region, account_id, "user/developer"),
    }
    return {"Records": [record]}
