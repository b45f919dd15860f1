"""Timestamp formats used by AWS events; each source uses its own, and mixing them up is a bug.

Formats are written out by hand rather than with `strftime("%b")`, which follows the C locale.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso_ms(dt: datetime) -> str:
    """ISO-8601 with milliseconds and `Z` (S3 `eventTime`, SNS `Timestamp`)."""
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}Z"


def iso_s(dt: datetime) -> str:
    """ISO-8601 without milliseconds (EventBridge `time`)."""
    return f"{dt:%Y-%m-%dT%H:%M:%S}Z"


def clf(dt: datetime) -> str:
    """Common Log Format `dd/Mon/yyyy:HH:mm:ss +0000` (API Gateway `requestTime`)."""
    return f"{dt.day:02d}/{_MONTHS[dt.month - 1]}/{dt.year:04d}:{dt:%H:%M:%S} +0000"


def epoch_ms(dt: datetime) -> int:
    """Milliseconds since the epoch, exact (no float rounding)."""
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def epoch_s(dt: datetime) -> int:
    """Whole seconds since the epoch (DynamoDB `ApproximateCreationDateTime`)."""
    return (dt - _EPOCH) // timedelta(seconds=1)


def epoch_s_float(dt: datetime) -> float:
    """Seconds since the epoch, to the millisecond (Kinesis `approximateArrivalTimestamp`)."""
    return epoch_ms(dt) / 1000


def rfc2822(dt: datetime) -> str:
    """An email `Date:` header, `Fri, 14 Mar 2025 09:26:53 +0000` (SES commonHeaders.date)."""
    day, month = _DAYS[dt.weekday()], _MONTHS[dt.month - 1]
    return f"{day}, {dt.day:02d} {month} {dt.year:04d} {dt:%H:%M:%S} +0000"
