"""Alexa Skills Kit requests."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._clock import iso_s
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event


@event("alexa.intent", tier=3)
def intent(
    g: Gen,
    intent: str = "GetNewFactIntent",
    slots: dict[str, str] | None = None,
    locale: str = "en-US",
    new_session: bool = False,
) -> dict[str, Any]:
    """Alexa Skills Kit IntentRequest: intent, slot values, session and device context."""
    app = {"applicationId": f"amzn1.ask.skill.{g.uuid()}"}
    user = {"userId": "amzn1.ask.account." + g.upper(64)}
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": f"amzn1.echo-api.session.{g.uuid()}",
            "application": app,
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": app,
                "user": user,
                "device": {
                    "deviceId": "amzn1.ask.device." + g.upper(64),
                    "supportedInterfaces": {},
                },
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": g.token(200),
            }
        },
        "request": {
            "type": "IntentRequest",
            "requestId": f"amzn1.echo-api.request.{g.uuid()}",
            "locale": locale,
            "timestamp": iso_s(g.now),
            "intent": {
                "name": intent,
                "confirmationStatus": "NONE",
                "slots": {
                    name: {"name": name, "value": value, "confirmationStatus": "NONE"}
                    for name, value in (slots or {}).items()
                },
            },
        },
    }
