"""CodeDeploy lifecycle event hooks."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._codec import b64
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("codedeploy.hook", tier=3)
def hook(g: Gen, deployment_id: str | None = None) -> dict[str, Any]:
    """CodeDeploy lifecycle hook (BeforeAllowTraffic, ...): report back with the execution id."""
    return {
        "DeploymentId": deployment_id or "d-" + g.upper(9),
        "LifecycleEventHookExecutionId": b64(g.token(120)),
    }
