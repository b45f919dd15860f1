"""Encodings events carry: base64, S3 form-encoded keys, gzip+base64 payloads, JSON-as-text."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any
from urllib.parse import quote_plus


def b64(data: str | bytes) -> str:
    """Base64 of the UTF-8 bytes of `data` (str) or of `data` itself (bytes)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def s3_key(key: str) -> str:
    """S3 notifications form-encode keys: space is `+`; `unquote_plus` gives the key back."""
    return quote_plus(key, safe="/")


def gzip_b64(obj: Any) -> str:
    """Base64 of gzip of compact JSON (CloudWatch Logs); mtime=0 keeps seeded builds identical."""
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b64(gzip.compress(raw, mtime=0))


def as_text(value: Any) -> str:
    """A message body: strings as they are, anything else as JSON text (SNS `Message`, SQS body)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def byte_list(text: str) -> list[int]:
    """Kafka and RabbitMQ header values are lists of byte values."""
    return list(text.encode("utf-8"))
