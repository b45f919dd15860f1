"""SQS message digests: `md5OfBody` and the message-attribute digest SQS computes.

The attribute digest follows the SQS developer guide ("Calculating the MD5 message digest for
message attributes"): names sorted; for each, length-prefixed name and data type, a transport byte
(1 string/number, 2 binary), then the length-prefixed value.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _chunk(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str | None:
    """The digest of Lambda-cased attributes (`dataType`, `stringValue`, ...); None if none."""
    if not attributes:
        return None
    buf = bytearray()
    for name in sorted(attributes):
        attr = attributes[name]
        buf += _chunk(name.encode("utf-8")) + _chunk(attr["dataType"].encode("utf-8"))
        if attr.get("binaryValue") is not None:
            buf += b"\x02" + _chunk(base64.b64decode(attr["binaryValue"]))
        else:
            buf += b"\x01" + _chunk(attr["stringValue"].encode("utf-8"))
    return hashlib.md5(bytes(buf)).hexdigest()
