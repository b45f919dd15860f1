"""CloudFormation custom resource requests (Create, Update, Delete)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def request(
    g: Gen,
    *,
    kind: str,
    properties: dict | None,
    stack: str,
    logical_id: str,
    resource_type: str,
    function: str,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    """The fields every request type shares; ServiceToken repeats inside ResourceProperties."""
    token = arn("lambda", region, account_id, f"function:{function}")
    stack_id = arn("cloudformation", region, account_id, f"stack/{stack}/{g.uuid()}")
    request_id = g.uuid()
    expires = 1_700_000_000 + g.rng.randint(0, 10**8)
    url = (
        f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
        f".s3.amazonaws.com/{quote(stack_id, safe='')}%7C{quote(logical_id, safe='')}"
        f"%7C{request_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200"
        f"&X-Amz-Signature={g.hex(64)}&Expires={expires}"
    )
    return {
        "RequestType": kind,
        "ServiceToken": token,
        "ResponseURL": url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": token, **(properties or {"Key": "Value"})},
    }


def _physical(g: Gen, stack: str, logical_id: str, given: str | None) -> str:
    return given if given is not None else f"{stack}-{logical_id}-{g.upper(12)}"


@event("cloudformation.create", tier=2)
def create(
    g: Gen,
    properties: dict | None = None,
    stack: str = "MyStack",
    logical_id: str = "MyCustomResource",
    resource_type: str = "Custom::MyCustomResource",
    function: str = "custom-resource-handler",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CloudFormation custom resource Create request (reply with a PUT to ResponseURL)."""
    return request(
        g, kind="Create", properties=properties, stack=stack, logical_id=logical_id,
        resource_type=resource_type, function=function, region=region, account_id=account_id,
    )  # fmt: skip


@event("cloudformation.update", tier=2)
def update(
    g: Gen,
    properties: dict | None = None,
    old_properties: dict | None = None,
    physical_id: str | None = None,
    stack: str = "MyStack",
    logical_id: str = "MyCustomResource",
    resource_type: str = "Custom::MyCustomResource",
    function: str = "custom-resource-handler",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CloudFormation custom resource Update request with OldResourceProperties."""
    out = request(
        g, kind="Update", properties=properties or {"Key": "NewValue"}, stack=stack,
        logical_id=logical_id, resource_type=resource_type, function=function, region=region,
        account_id=account_id,
    )  # fmt: skip
    out["PhysicalResourceId"] = _physical(g, stack, logical_id, physical_id)
    old = old_properties if old_properties is not None else {"Key": "Value"}
    out["OldResourceProperties"] = {"ServiceToken": out["ServiceToken"], **old}
    return out


@event("cloudformation.delete", tier=2)
def delete(
    g: Gen,
    properties: dict | None = None,
    physical_id: str | None = None,
    stack: str = "MyStack",
    logical_id: str = "MyCustomResource",
    resource_type: str = "Custom::MyCustomResource",
    function: str = "custom-resource-handler",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """CloudFormation custom resource Delete request for PhysicalResourceId."""
    out = request(
        g, kind="Delete", properties=properties, stack=stack, logical_id=logical_id,
        resource_type=resource_type, function=function, region=region, account_id=account_id,
    )  # fmt: skip
    out["PhysicalResourceId"] = _physical(g, stack, logical_id, physical_id)
    return out
