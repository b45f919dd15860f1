"""Amazon Bedrock agent action groups (OpenAPI-schema and function-details flavours)."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def _typed(params: dict[str, Any]) -> list[dict[str, str]]:
    """Agent parameters: name, type and the value as a string."""
    out = []
    for name, value in params.items():
        kind = (
            "boolean" if isinstance(value, bool)
            else "integer" if isinstance(value, int)
            else "number" if isinstance(value, float)
            else "array" if isinstance(value, list)
            else "string"
        )  # fmt: skip
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out.append({"name": str(name), "type": kind, "value": text})
    return out


def _agent(g: Gen, agent: str) -> dict[str, str]:
    return {"name": agent, "id": g.upper(10), "alias": "TSTALIASID", "version": "DRAFT"}


@event("bedrock.agent", tier=3)
def agent(
    g: Gen,
    api_path: str = "/claims/{claimId}",
    http_method: str = "GET",
    parameters: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    input_text: str = "What is the status of claim 20?",
    action_group: str = "ClaimManagementActionGroup",
    agent_name: str = "claims-agent",
) -> dict[str, Any]:
    """Bedrock agent action group (OpenAPI schema): apiPath, method, parameters, request body."""
    out: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": _agent(g, agent_name),
        "inputText": input_text,
        "sessionId": g.digits(15),
        "actionGroup": action_group,
        "apiPath": api_path,
        "httpMethod": http_method,
        "parameters": _typed(parameters if parameters is not None else {"claimId": "20"}),
        "sessionAttributes": {},
        "promptSessionAttributes": {},
    }
    if body is not None:
        out["requestBody"] = {"content": {"application/json": {"properties": _typed(body)}}}
    return out


@event("bedrock.function", tier=3)
def function(
    g: Gen,
    function: str = "submitVacationRequest",
    parameters: dict[str, Any] | None = None,
    input_text: str = "I want to request vacation from March 15 to March 20",
    action_group: str = "VacationsActionGroup",
    agent_name: str = "hr-assistant",
) -> dict[str, Any]:
    """Bedrock agent action group (function details): the function name and its parameters."""
    params = (
        parameters
        if parameters is not None
        else {"startDate": "2025-03-15", "endDate": "2025-03-20"}
    )
    return {
        "messageVersion": "1.0",
        "agent": _agent(g, agent_name),
        "inputText": input_text,
        "sessionId": g.digits(15),
        "actionGroup": action_group,
        "function": function,
        "parameters": _typed(params),
        "sessionAttributes": {},
        "promptSessionAttributes": {},
    }
