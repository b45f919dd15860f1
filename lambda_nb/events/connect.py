"""Amazon Connect contact flow invocations."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("connect.contact_flow", tier=3)
def contact_flow(
    g: Gen,
    parameters: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
    phone_number: str = "+12065550100",
    channel: Literal["VOICE", "CHAT", "TASK"] = "VOICE",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """Amazon Connect contact flow: contact data, customer endpoint and the block's parameters."""
    contact = g.uuid()
    instance = arn("connect", region, account_id, f"instance/{g.uuid()}")
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": dict(attributes or {}),
                "Channel": channel,
                "ContactId": contact,
                "CustomerEndpoint": {"Address": phone_number, "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": contact,
                "InitiationMethod": "INBOUND",
                "InstanceARN": instance,
                "PreviousContactId": contact,
                "Queue": None,
                "SystemEndpoint": {"Address": "+12065550199", "Type": "TELEPHONE_NUMBER"},
                "MediaStreams": {
                    "Customer": {
                        "Audio": {
                            "StartFragmentNumber": None,
                            "StartTimestamp": None,
                            "StreamARN": None,
                        }
                    }
                },
            },
            "Parameters": dict(parameters)
            if parameters is not None
            else {"sentAttributeKey": "value"},
        },
    }
