"""Amazon Lex V2 code hooks (dialog and fulfillment)."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


def _slot(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


@event("lex.v2", tier=3)
def v2(
    g: Gen,
    intent: str = "OrderFlowers",
    slots: dict[str, str | None] | None = None,
    input_transcript: str = "I would like to order roses",
    invocation_source: Literal["DialogCodeHook", "FulfillmentCodeHook"] = "DialogCodeHook",
    bot: str = "FlowerBot",
    locale: str = "en_US",
) -> dict[str, Any]:
    """Amazon Lex V2 code hook: the interpreted intent, its slots and the session state."""
    given = slots if slots is not None else {"FlowerType": "roses", "PickupDate": None}
    typed = {name: _slot(v) for name, v in given.items()}
    filled = all(v is not None for v in given.values())
    state = "ReadyForFulfillment" if filled else "InProgress"
    intent_obj = {"name": intent, "slots": typed, "state": state, "confirmationState": "None"}
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": g.digits(15),
        "inputTranscript": input_transcript,
        "bot": {
            "id": g.upper(10),
            "name": bot,
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
            "localeId": locale,
            "version": "DRAFT",
        },
        "interpretations": [
            {"intent": intent_obj, "nluConfidence": 0.95},
            {"intent": {**intent_obj, "name": "FallbackIntent", "slots": {}}},
        ],
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": {},
            "intent": intent_obj,
            "originatingRequestId": g.uuid(),
        },
    }
