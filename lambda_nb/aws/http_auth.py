"""Function URL auth type AWS_IAM: who signed the request (triggers.md 1.7, DG23 `urls-auth`).

With `AWS_IAM` a function URL takes only requests signed with Signature Version 4 for the
`lambda` service; any other gets 403 and the recorded `Forbidden` body (http_errors.py). The
event then carries the caller in `requestContext.authorizer.iam`, and `accountId` is the
owner's instead of `anonymous`.

Here the signature's form is checked (algorithm, credential scope for `lambda`, signed headers,
signature) but not its value: the local service has no IAM and no secret keys to check it
against, so any well-formed signature passes, as with any access key in a local emulator.
"""

from __future__ import annotations

import re
from typing import Any

from lambda_nb.aws.http_request import ACCOUNT_ID, HttpRequest
from lambda_nb.events._gen import Gen

AUTH_TYPES = ("NONE", "AWS_IAM")
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[A-Z0-9]{16,128})/(?P<date>\d{8})/"
    r"(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)


def signer(request: HttpRequest) -> str | None:
    """The access key id of a well-formed SigV4 signature for `lambda`, else None."""
    found = _SIGV4.match(request.header("Authorization").strip())
    if found is None or found["service"] != "lambda":
        return None
    if "host" not in found["signed"].split(";"):
        return None
    return found["key"]


def iam_authorizer(access_key: str, g: Gen) -> dict[str, Any]:
    """`requestContext.authorizer` of a signed request, in the catalog's shape
    (lambda_nb/events/functionurl.py)."""
    user_id = "AIDA" + g.upper(17)
    return {
        "iam": {
            "accessKey": access_key,
            "accountId": ACCOUNT_ID,
            "callerId": user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/caller",
            "userId": user_id,
        }
    }
