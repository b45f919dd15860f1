"""S3 features that invoke Lambda outside bucket notifications: Batch Operations, Object Lambda,
and notifications routed through EventBridge."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import quote

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn, global_arn, partition
from lambda_nb.events._codec import s3_key
from lambda_nb.events._common import source_ip as pick_ip
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event
from lambda_nb.events.eventbridge import envelope
from lambda_nb.events.s3 import DEFAULT_BUCKET, DEFAULT_KEY


@event("s3.batch", tier=3)
def batch(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    version_id: str | None = None,
    schema_version: Literal["1.0", "2.0"] = "2.0",
    user_arguments: dict[str, str] | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 Batch Operations task (schema 1.0 or 2.0); `s3Key` is URL-encoded."""
    task: dict[str, Any] = {
        "taskId": g.token(40).replace("+", "").replace("/", ""),
        "s3Key": s3_key(key),
    }
    task["s3VersionId"] = version_id
    job: dict[str, Any] = {"id": g.uuid()}
    if schema_version == "2.0":
        task["s3Bucket"] = bucket
        job["userArguments"] = dict(user_arguments) if user_arguments is not None else {"k1": "v1"}
    else:
        task["s3BucketArn"] = f"arn:{partition(region)}:s3:::{bucket}"
    return {
        "invocationSchemaVersion": schema_version,
        "invocationId": g.token(60).replace("+", "").replace("/", ""),
        "job": job,
        "tasks": [task],
    }


_ACCESS_POINT = re.compile(r"[a-z0-9][a-z0-9-]{1,48}[a-z0-9]")


@event("s3.object_lambda", tier=3)
def object_lambda(
    g: Gen,
    key: str = DEFAULT_KEY,
    access_point: str = "my-access-point",
    object_lambda_access_point: str = "my-object-lambda-ap",
    payload: str = "",
    user: str = "caller",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """S3 Object Lambda GetObject: presigned input URL, output route/token, the user's request."""
    for name in (access_point, object_lambda_access_point):
        if not _ACCESS_POINT.fullmatch(name):
            raise EventError(f"access point names are 3-50 of a-z, 0-9 and -, got {name!r}")
    path = "/" + quote(key, safe="/")
    ap_host = f"{access_point}-{account_id}.s3-accesspoint.{region}.amazonaws.com"
    olap_host = f"{object_lambda_access_point}-{account_id}.s3-object-lambda.{region}.amazonaws.com"
    return {
        "xAmzRequestId": g.uuid(),
        "getObjectContext": {
            "inputS3Url": (
                f"https://{ap_host}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Expires=61&X-Amz-Signature={g.hex(64)}"
            ),
            "outputRoute": f"io-{g.lower(3)}-cell001",
            "outputToken": g.token(120),
        },
        "configuration": {
            "accessPointArn": arn(
                "s3-object-lambda", region, account_id, f"accesspoint/{object_lambda_access_point}"
            ),
            "supportingAccessPointArn": arn(
                "s3", region, account_id, f"accesspoint/{access_point}"
            ),
            "payload": payload,
        },
        "userRequest": {
            "url": f"https://{olap_host}{path}",
            "headers": {
                "Host": olap_host,
                "Accept-Encoding": "identity",
                "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
            },
        },
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDA" + g.upper(17),
            "arn": global_arn("iam", region, account_id, f"user/{user}"),
            "accountId": account_id,
            "accessKeyId": "AKIA" + g.upper(16),
        },
        "protocolVersion": "1.00",
    }


@event("s3.eventbridge", tier=3)
def eventbridge(
    g: Gen,
    detail_type: Literal[
        "Object Created", "Object Deleted", "Object Restore Completed"
    ] = "Object Created",
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 1024,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """S3 notification through EventBridge: the key is plain here (not URL-encoded)."""
    obj: dict[str, Any] = {"key": key}
    if detail_type != "Object Deleted":
        obj["size"] = size
    obj["etag"] = g.hex(32)
    obj["sequencer"] = g.hex(18, upper=True)
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket},
        "object": obj,
        "request-id": g.upper(16),
        "requester": account_id,
        "source-ip-address": pick_ip(g, source_ip),
        "reason": {"Object Created": "PutObject", "Object Deleted": "DeleteObject"}.get(
            detail_type, "RestoreObject"
        ),
    }
    if detail_type == "Object Deleted":
        detail["deletion-type"] = "Permanently Deleted"
    return envelope(
        g, source="aws.s3", detail_type=detail_type, detail=detail,
        resources=[f"arn:{partition(region)}:s3:::{bucket}"], region=region, account_id=account_id,
    )  # fmt: skip
