"""AWS Config custom rule evaluations: configuration changes and periodic checks."""

from __future__ import annotations

import json
from typing import Any

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, global_arn
from lambda_nb.events._clock import iso_ms
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def _rule(
    g: Gen,
    invoking: dict[str, Any],
    rule: str,
    parameters: dict | None,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    rule_id = f"config-rule-{g.lower(6)}"
    return {
        "version": "1.0",
        # Config double-encodes these two: they are JSON *strings*.
        "invokingEvent": json.dumps(invoking, ensure_ascii=False),
        "ruleParameters": json.dumps(parameters or {}, ensure_ascii=False),
        "resultToken": g.token(200),
        "eventLeftScope": False,
        "executionRoleArn": global_arn(
            "iam", region, account_id,
            "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        ),
        "configRuleArn": arn("config", region, account_id, f"config-rule/{rule_id}"),
        "configRuleName": rule,
        "configRuleId": rule_id,
        "accountId": account_id,
        "evaluationMode": "DETECTIVE",
    }  # fmt: skip


def _resource_arn(resource_type: str, resource_id: str, region: str, account_id: str) -> str:
    """`AWS::EC2::Instance` + id -> `arn:aws:ec2:<region>:<account>:instance/<id>`."""
    parts = resource_type.split("::")
    service, kind = (
        (parts[1].lower(), parts[2].lower()) if len(parts) == 3 else ("config", "resource")
    )
    return arn(service, region, account_id, f"{kind}/{resource_id}")


@event("config.change", tier=3)
def change(
    g: Gen,
    resource_type: str = "AWS::EC2::Instance",
    resource_id: str = "i-0123456789abcdef0",
    configuration: dict | None = None,
    rule: str = "MyConfigRule",
    rule_parameters: dict | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """AWS Config rule triggered by a configuration change; invokingEvent is a JSON string."""
    now = iso_ms(g.now)
    item: dict[str, Any] = {
        "relatedEvents": [],
        "relationships": [],
        "configuration": {"instanceType": "t3.micro"} if configuration is None else configuration,
        "supplementaryConfiguration": {},
        "tags": {},
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": now,
        "configurationStateId": int(g.digits(13)),
        "awsAccountId": account_id,
        "configurationItemStatus": "OK",
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": None,
        "ARN": _resource_arn(resource_type, resource_id, region, account_id),
        "awsRegion": region,
        "availabilityZone": f"{region}a",
        "configurationStateMd5Hash": "",
    }  # fmt: skip
    invoking = {
        "configurationItemDiff": None,
        "configurationItem": item,
        "notificationCreationTime": now,
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return _rule(g, invoking, rule, rule_parameters, region, account_id)


@event("config.periodic", tier=3)
def periodic(
    g: Gen,
    rule: str = "MyConfigRule",
    rule_parameters: dict | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """AWS Config rule run on its schedule (ScheduledNotification)."""
    invoking = {
        "awsAccountId": account_id,
        "notificationCreationTime": iso_ms(g.now),
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return _rule(g, invoking, rule, rule_parameters, region, account_id)
