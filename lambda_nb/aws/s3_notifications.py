"""S3 event notifications to functions: an object written to a local bucket invokes them.

How it is wired (triggers.md 3.3 says why lambda_nb must do it itself: moto's own Lambda
notifications run moto's Lambda, which runs no code without Docker): the local AWS runs in this
process, and moto's S3 backend reports every object operation (put, post, copy, multipart
completion, delete, tagging, restore) to one function, `moto.s3.notifications.send_event(
account_id, event_name, bucket, key)`, inside the request that made the change. `install()`
wraps that function once: moto's own behaviour runs first, unchanged (queue, topic and
EventBridge notifications configured on the bucket still work), then the triggers declared
here are matched and each matching function is invoked asynchronously (InvocationType Event,
so retries, destinations and the history follow the async model; triggers.md 2.5). So the
notebook's writes and the functions' own writes (their boto3 talks to the same server) are
heard alike, at once, with no polling and nothing stored in the bucket's own notification
configuration, which stays the user's.

The hook is on moto's internal API: `install()` checks that it is there and says so if a moto
version ever moves it (the `aws` extra pins the versions this was written against). The
considered alternative, a queue configuration on each bucket consumed by a poller (3.3 hook 2),
would rewrite the user's notification configuration and add a poll interval to every delivery.

The event is S3's record (events.md 6, as lambda_nb.events.s3 builds samples): the bucket, the
URL-encoded key (`quote_plus`, `/` kept), size and eTag (not for deletes), versionId when
versioned, and a sequencer that rises with each event, as S3's does for one key.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from lambda_nb.engine.config import REGION
from lambda_nb.engine.errors import InvalidParameterValueException, InvokeError

if TYPE_CHECKING:
    from lambda_nb.engine.service import LambdaService

_lock = threading.Lock()
_triggers: list[S3Trigger] = []
_installed: dict[str, Any] = {}
_sequencer = itertools.count(time.time_ns() // 1000)
_OWNER = "A3NL1KOZZKEXAM"  # the bucket owner's canonical id, 14 characters as on S3


class S3TriggerError(InvalidParameterValueException):
    """A notification that S3 refuses (no such bucket, a bad event type, overlapping filters)."""


@dataclass
class S3Trigger:
    """One notification configuration: a bucket's events that invoke a function."""

    function_name: str
    service: LambdaService
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deliveries: int = 0

    def matches(self, bucket: str, event_name: str, key: str) -> bool:
        if bucket != self.bucket or not key.startswith(self.prefix):
            return False
        if not key.endswith(self.suffix):
            return False
        return any(_event_matches(pattern, event_name) for pattern in self.events)

    def delete(self) -> None:
        """Remove this notification; objects written later invoke nothing."""
        with _lock:
            if self in _triggers:
                _triggers.remove(self)

    @property
    def state(self) -> str:
        return "Enabled" if self in triggers() else "Deleted"

    def __repr__(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}*{self.suffix}"
        return f"<S3Trigger {where} {','.join(self.events)} -> {self.function_name}>"


def _event_matches(pattern: str, event_name: str) -> bool:
    if pattern.endswith(":*"):
        return event_name.startswith(pattern[:-1])
    return pattern == event_name


def triggers() -> list[S3Trigger]:
    with _lock:
        return list(_triggers)


def add(
    service: LambdaService,
    function_name: str,
    bucket: str,
    events: tuple[str, ...] | list[str] | str = ("s3:ObjectCreated:*",),
    prefix: str = "",
    suffix: str = "",
) -> S3Trigger:
    """Declare that `events` on `bucket` (filtered by key prefix and suffix) invoke the function.
    The bucket must exist in the local AWS (which is started if need be)."""
    from lambda_nb.aws.server import LOCAL, require

    service.require(function_name)
    wanted = (events,) if isinstance(events, str) else tuple(events)
    names = require("moto.s3.notifications").S3NotificationEvent
    for name in wanted:
        if not names.is_event_valid(name) or not name.startswith("s3:"):
            raise S3TriggerError(
                f"The event is not supported for notifications: {name} "
                "(e.g. s3:ObjectCreated:*, s3:ObjectCreated:Put, s3:ObjectRemoved:*)"
            )
    if not wanted:
        raise S3TriggerError("A notification needs at least one event type")
    s3 = LOCAL.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception as exc:
        raise S3TriggerError(
            f"The specified bucket does not exist: {bucket} (create it first, e.g. "
            f"lambda_nb.aws.client('s3').create_bucket(Bucket={bucket!r}))"
        ) from exc
    install()
    made = S3Trigger(function_name, service, bucket, wanted, prefix, suffix)
    with _lock:
        for other in _triggers:
            shared = set(_expand(other.events)) & set(_expand(made.events))
            overlap = (other.prefix.startswith(prefix) or prefix.startswith(other.prefix)) and (
                other.suffix.endswith(suffix) or suffix.endswith(other.suffix)
            )
            if other.bucket == bucket and shared and overlap:
                # S3's words when two configurations could both match one object (S3UG).
                raise S3TriggerError(
                    "Configurations overlap. Configurations on the same bucket cannot share a "
                    f"common event type. ({other!r} already has it)"
                )
        _triggers.append(made)
    return made


def _expand(events: tuple[str, ...]) -> list[str]:
    """Event types with wildcards resolved to the concrete ones moto reports."""
    from lambda_nb.aws.server import require

    names = [e.value for e in require("moto.s3.notifications").S3NotificationEvent]
    return [n for n in names if not n.endswith("*") and any(_event_matches(p, n) for p in events)]


def remove_function(service: LambdaService, function_name: str | None = None) -> None:
    """Drop the triggers of one function (or all of a service's)."""
    with _lock:
        _triggers[:] = [
            t for t in _triggers
            if not (t.service is service and function_name in (None, t.function_name))
        ]  # fmt: skip


def clear() -> None:
    with _lock:
        _triggers.clear()


# ------------------------------------------------------------------ moto's side
def install() -> None:
    """Wrap moto's S3 `send_event` once (see the module docstring)."""
    from lambda_nb.aws.server import require

    notifications = require("moto.s3.notifications")
    with _lock:
        if _installed:
            return
        original = getattr(notifications, "send_event", None)
        if not callable(original):
            raise RuntimeError(
                "S3 triggers hook moto.s3.notifications.send_event, which this moto version "
                "does not have: install the versions of lambda-nb's `aws` extra"
            )

        def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
            original(account_id, event_name, bucket, key)
            try:
                _dispatch(str(getattr(event_name, "value", event_name)), bucket, key)
            except Exception:  # never break the S3 request that wrote the object
                import logging

                logging.getLogger("lambda_nb").exception("lambda_nb: an S3 trigger failed")

        notifications.send_event = send_event
        _installed["original"] = original
    from lambda_nb.aws.server import LOCAL

    LOCAL.on_reset.append(clear)  # the buckets are gone, and so are their notifications
    LOCAL.on_stop.append(clear)


def _dispatch(event_name: str, bucket: Any, key: Any) -> None:
    name = str(key.name)
    matching = [t for t in triggers() if t.matches(bucket.name, event_name, name)]
    if not matching:
        return
    removed = event_name.startswith("s3:ObjectRemoved")
    obj: dict[str, Any] = {"key": _encode_key(name)}
    if not removed:
        obj["size"] = int(key.size)
        obj["eTag"] = str(key.etag).strip('"')
    version = getattr(key, "version_id", None)
    if version not in (None, "null"):
        obj["versionId"] = str(version)
    obj["sequencer"] = f"{next(_sequencer):018X}"
    now = datetime.now(timezone.utc)
    for trigger in matching:
        record = _record(trigger, event_name, str(bucket.name), dict(obj), now)
        try:
            trigger.service.invoke(
                trigger.function_name, {"Records": [record]}, invocation_type="Event"
            )
            trigger.deliveries += 1
        except InvokeError:  # the function is gone: so is its trigger
            trigger.delete()


def _encode_key(key: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(key, safe="/")  # as S3 does (lambda_nb.events._codec.s3_key)


def _record(
    trigger: S3Trigger, event_name: str, bucket: str, obj: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """One S3 notification record, fields in S3's order (events.md 6)."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z",
        "eventName": event_name[3:],  # the record drops the "s3:" prefix
        "userIdentity": {"principalId": "AWS:AIDALAMBDANBLOCAL"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": secrets.token_urlsafe(57)[:76],
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": trigger.id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": _OWNER},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
