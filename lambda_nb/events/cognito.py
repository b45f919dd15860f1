"""Cognito user-pool Lambda triggers: each builder gives the request Cognito sends.

All triggers share one envelope (version, triggerSource, pool, user, caller context); the
`response` holds the fields the function is expected to fill, as Cognito sends them (unset).
"""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_REGION
from lambda_nb.events._codec import b64
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

USER = "jane.doe"
EMAIL = "jane.doe@example.com"


def _attributes(g: Gen, email: str, extra: dict | None, status: str | None) -> dict[str, Any]:
    """User attributes as Cognito sends them: all values are strings."""
    attrs: dict[str, Any] = {"sub": g.uuid()}
    if status is not None:
        attrs["cognito:user_status"] = status
    attrs.update({"email_verified": "true", "email": email})
    attrs.update(extra or {})
    return attrs


def trigger(
    g: Gen,
    *,
    source: str,
    request: dict[str, Any],
    response: dict[str, Any],
    user_name: str | None,
    user_pool_id: str | None,
    client_id: str | None,
    region: str,
    version: str = "1",
) -> dict[str, Any]:
    """The envelope every user-pool trigger shares."""
    out: dict[str, Any] = {
        "version": version,
        "triggerSource": source,
        "region": region,
        "userPoolId": user_pool_id or f"{region}_{g.chars(9)}",
    }
    if user_name is not None:
        out["userName"] = user_name
    out["callerContext"] = {
        "awsSdkVersion": "aws-sdk-unknown-unknown",
        "clientId": client_id or g.lower(26),
    }
    out["request"] = request
    out["response"] = response
    return out


@event("cognito.pre_signup", tier=2)
def pre_signup(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    validation_data: dict[str, str] | None = None,
    client_metadata: dict[str, str] | None = None,
    trigger_source: Literal[
        "PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"
    ] = "PreSignUp_SignUp",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito pre sign-up trigger: decide whether to confirm or verify the new user."""
    request: dict[str, Any] = {
        "userAttributes": {"email": email, **(attributes or {})},
        "validationData": validation_data,
    }
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    return trigger(
        g, source=trigger_source, request=request,
        response={"autoConfirmUser": False, "autoVerifyPhone": False, "autoVerifyEmail": False},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.post_confirmation", tier=2)
def post_confirmation(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    client_metadata: dict[str, str] | None = None,
    trigger_source: Literal[
        "PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"
    ] = "PostConfirmation_ConfirmSignUp",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito post confirmation trigger: the user has just confirmed sign-up."""
    request: dict[str, Any] = {"userAttributes": _attributes(g, email, attributes, "CONFIRMED")}
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    return trigger(
        g, source=trigger_source, request=request, response={}, user_name=user_name,
        user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.pre_authentication", tier=2)
def pre_authentication(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    validation_data: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito pre authentication trigger: accept or deny a sign-in attempt."""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "validationData": validation_data,
        "userNotFound": False,
    }
    return trigger(
        g, source="PreAuthentication_Authentication", request=request, response={},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.post_authentication", tier=2)
def post_authentication(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    new_device_used: bool = False,
    client_metadata: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito post authentication trigger: the user has signed in."""
    request: dict[str, Any] = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "newDeviceUsed": new_device_used,
    }
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    return trigger(
        g, source="PostAuthentication_Authentication", request=request, response={},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


TokenSource = Literal[
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
]


def _groups(groups: list[str] | None) -> dict[str, Any]:
    return {"groupsToOverride": list(groups or []), "iamRolesToOverride": [], "preferredRole": None}


@event("cognito.pre_token_generation", tier=2)
def pre_token_generation(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    groups: list[str] | None = None,
    trigger_source: TokenSource = "TokenGeneration_Authentication",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito pre token generation trigger (version 1): override ID-token claims and groups."""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "groupConfiguration": _groups(groups),
    }
    return trigger(
        g, source=trigger_source, request=request, response={"claimsOverrideDetails": None},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.pre_token_generation_v2", tier=2)
def pre_token_generation_v2(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    groups: list[str] | None = None,
    scopes: list[str] | None = None,
    trigger_source: TokenSource = "TokenGeneration_Authentication",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito pre token generation trigger (version 2): claims and scopes of both tokens."""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "groupConfiguration": _groups(groups),
        "scopes": list(scopes) if scopes is not None else ["aws.cognito.signin.user.admin"],
    }
    return trigger(
        g, source=trigger_source, request=request,
        response={"claimsAndScopeOverrideDetails": None}, user_name=user_name,
        user_pool_id=user_pool_id, client_id=client_id, region=region, version="2",
    )  # fmt: skip


@event("cognito.custom_message", tier=2)
def custom_message(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    client_metadata: dict[str, str] | None = None,
    trigger_source: Literal[
        "CustomMessage_SignUp",
        "CustomMessage_AdminCreateUser",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_VerifyUserAttribute",
        "CustomMessage_Authentication",
    ] = "CustomMessage_SignUp",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito custom message trigger: write the email/SMS text around the code placeholder."""
    request: dict[str, Any] = {
        "userAttributes": _attributes(g, email, attributes, "UNCONFIRMED"),
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": None,
    }
    if trigger_source == "CustomMessage_AdminCreateUser":
        request["usernameParameter"] = "{username}"
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    return trigger(
        g, source=trigger_source, request=request,
        response={"smsMessage": None, "emailMessage": None, "emailSubject": None},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


def _session(session: list[dict] | None) -> list[dict[str, Any]]:
    if session is not None:
        return [dict(s) for s in session]
    return [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]


@event("cognito.define_auth_challenge", tier=2)
def define_auth_challenge(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    session: list[dict] | None = None,
    attributes: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito define auth challenge trigger: pick the next challenge from the session so far."""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "session": _session(session),
        "userNotFound": False,
    }
    return trigger(
        g, source="DefineAuthChallenge_Authentication", request=request,
        response={"challengeName": None, "issueTokens": None, "failAuthentication": None},
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.create_auth_challenge", tier=2)
def create_auth_challenge(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    challenge_name: str = "CUSTOM_CHALLENGE",
    session: list[dict] | None = None,
    attributes: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito create auth challenge trigger: produce the challenge and its secret answer."""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "challengeName": challenge_name,
        "session": _session(session),
        "userNotFound": False,
    }
    return trigger(
        g, source="CreateAuthChallenge_Authentication", request=request,
        response={
            "publicChallengeParameters": None,
            "privateChallengeParameters": None,
            "challengeMetadata": None,
        },
        user_name=user_name, user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.verify_auth_challenge", tier=2)
def verify_auth_challenge(
    g: Gen,
    answer: str = "42",
    expected: str = "42",
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito verify auth challenge response trigger: is `answer` the private `expected`?"""
    request = {
        "userAttributes": _attributes(g, email, attributes, "CONFIRMED"),
        "privateChallengeParameters": {"answer": expected},
        "challengeAnswer": answer,
        "userNotFound": False,
    }
    return trigger(
        g, source="VerifyAuthChallengeResponse_Authentication", request=request,
        response={"answerCorrect": False}, user_name=user_name, user_pool_id=user_pool_id,
        client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.user_migration", tier=2)
def user_migration(
    g: Gen,
    user_name: str = USER,
    password: str = "correct horse battery staple",
    validation_data: dict[str, str] | None = None,
    client_metadata: dict[str, str] | None = None,
    trigger_source: Literal[
        "UserMigration_Authentication", "UserMigration_ForgotPassword"
    ] = "UserMigration_Authentication",
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito user migration trigger: an unknown user signs in; look them up elsewhere."""
    request: dict[str, Any] = {"password": password, "validationData": validation_data}
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    response = {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    return trigger(
        g, source=trigger_source, request=request, response=response, user_name=user_name,
        user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


def _sender(
    g: Gen, source: str, kind: str, user_name: str, email: str, attributes: dict | None,
    user_pool_id: str | None, client_id: str | None, region: str,
) -> dict[str, Any]:  # fmt: skip
    request = {
        "type": kind,
        # The code arrives encrypted with the pool's KMS key: opaque base64 ciphertext.
        "code": b64(bytes(g.rng.getrandbits(8) for _ in range(64))),
        "userAttributes": _attributes(g, email, attributes, "UNCONFIRMED"),
    }
    return trigger(
        g, source=source, request=request, response={}, user_name=user_name,
        user_pool_id=user_pool_id, client_id=client_id, region=region,
    )  # fmt: skip


@event("cognito.custom_email_sender", tier=2)
def custom_email_sender(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito custom email sender trigger: send the (KMS-encrypted) code yourself."""
    return _sender(
        g, "CustomEmailSender_SignUp", "customEmailSenderRequestV1", user_name, email,
        attributes, user_pool_id, client_id, region,
    )  # fmt: skip


@event("cognito.custom_sms_sender", tier=2)
def custom_sms_sender(
    g: Gen,
    user_name: str = USER,
    email: str = EMAIL,
    attributes: dict[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """Cognito custom SMS sender trigger: send the (KMS-encrypted) code yourself."""
    return _sender(
        g, "CustomSMSSender_SignUp", "customSMSSenderRequestV1", user_name, email,
        attributes, user_pool_id, client_id, region,
    )  # fmt: skip
