"""Step Functions task input: the state's input, which is user-defined JSON."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("stepfunctions.task", tier=3)
def task(g: Gen, input: dict | None = None, with_context: bool = False) -> dict[str, Any]:
    """Step Functions Lambda task: the state input as is (plus `$$.Execution` data if asked)."""
    out = dict(input) if input is not None else {"orderId": g.uuid(), "items": 3, "status": "NEW"}
    if with_context:
        out["execution"] = {
            "Id": f"arn:aws:states:us-east-1:123456789012:execution:OrderFlow:{g.uuid()}",
            "Name": g.uuid(),
        }
    return out
