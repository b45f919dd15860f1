"""S3 event notifications (ObjectCreated, ObjectRemoved, ObjectRestore) as S3 delivers them."""

from __future__ import annotations

from typing import Any

from lambda_nb.events._aws import DEFAULT_REGION, partition
from lambda_nb.events._clock import iso_ms
from lambda_nb.events._codec import s3_key
from lambda_nb.events._common import source_ip as pick_ip
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

DEFAULT_BUCKET = "example-bucket"
DEFAULT_KEY = "test/key"


def notification(
    g: Gen,
    *,
    event_name: str,
    bucket: str,
    key: str,
    size: int | None,
    etag: str | None,
    version_id: str | None,
    region: str,
    client_ip: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One S3 notification record wrapped in `Records`; `size`/`eTag` None leaves them out."""
    obj: dict[str, Any] = {"key": s3_key(key)}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = g.hex(18, upper=True)
    principal = f"AWS:AIDA{g.upper(17)}"
    owner = g.upper(14)
    record: dict[str, Any] = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(g.now),
        "eventName": event_name,
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": pick_ip(g, client_ip)},
        "responseElements": {
            "x-amz-request-id": g.hex(16, upper=True),
            "x-amz-id-2": g.token(76),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "lambda-notification",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": owner},
                "arn": f"arn:{partition(region)}:s3:::{bucket}",
            },
            "object": obj,
        },
    }
    record.update(extra or {})
    return {"Records": [record]}


def _created(
    g: Gen, name: str, bucket: str, key: str, size: int, etag: str | None,
    version_id: str | None, region: str, client_ip: str | None,
) -> dict[str, Any]:  # fmt: skip
    return notification(
        g, event_name=f"ObjectCreated:{name}", bucket=bucket, key=key, size=size,
        etag=etag or g.hex(32), version_id=version_id, region=region,
        client_ip=client_ip,
    )  # fmt: skip


@event("s3.put", tier=1)
def put(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 1024,
    etag: str | None = None,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectCreated:Put notification; the key is URL-encoded as S3 sends it."""
    return _created(g, "Put", bucket, key, size, etag, version_id, region, source_ip)


@event("s3.post", tier=1)
def post(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 1024,
    etag: str | None = None,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectCreated:Post notification (browser form upload)."""
    return _created(g, "Post", bucket, key, size, etag, version_id, region, source_ip)


@event("s3.copy", tier=1)
def copy(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 1024,
    etag: str | None = None,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectCreated:Copy notification."""
    return _created(g, "Copy", bucket, key, size, etag, version_id, region, source_ip)


@event("s3.multipart", tier=1)
def multipart(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 52_428_800,
    parts: int = 10,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectCreated:CompleteMultipartUpload notification; the eTag ends in `-<parts>`."""
    etag = f"{g.hex(32)}-{parts}"
    return _created(
        g, "CompleteMultipartUpload", bucket, key, size, etag, version_id, region, source_ip,
    )  # fmt: skip


@event("s3.delete", tier=1)
def delete(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectRemoved:Delete notification (no size or eTag, as S3 sends it)."""
    return notification(
        g, event_name="ObjectRemoved:Delete", bucket=bucket, key=key, size=None, etag=None,
        version_id=version_id, region=region, client_ip=source_ip,
    )  # fmt: skip


@event("s3.delete_marker", tier=1)
def delete_marker(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    version_id: str | None = None,
    source_ip: str | None = None,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectRemoved:DeleteMarkerCreated notification (versioned bucket)."""
    return notification(
        g, event_name="ObjectRemoved:DeleteMarkerCreated", bucket=bucket, key=key, size=None,
        etag=None, version_id=version_id or g.token(32).replace("+", "_").replace("/", "."),
        region=region, client_ip=source_ip,
    )  # fmt: skip


@event("s3.restore", tier=1)
def restore(
    g: Gen,
    bucket: str = DEFAULT_BUCKET,
    key: str = DEFAULT_KEY,
    size: int = 1024,
    etag: str | None = None,
    days: int = 7,
    storage_class: str = "Standard",
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """S3 ObjectRestore:Completed notification with glacierEventData (expiry after `days`)."""
    expiry = g.at(days * 86_400_000).replace(hour=0, minute=0, second=0, microsecond=0)
    extra = {
        "glacierEventData": {
            "restoreEventData": {
                "lifecycleRestorationExpiryTime": iso_ms(expiry),
                "lifecycleRestoreStorageClass": storage_class,
            }
        }
    }
    out = notification(
        g, event_name="ObjectRestore:Completed", bucket=bucket, key=key, size=size,
        etag=etag or g.hex(32), version_id=None, region=region,
        client_ip=None, extra=extra,
    )  # fmt: skip
    record = out["Records"][0]
    # The restore is done by S3 itself, not by a client.
    record["userIdentity"] = {"principalId": "AmazonCustomer:" + g.upper(14)}
    record["requestParameters"] = {"sourceIPAddress": "s3.amazonaws.com"}
    return out
