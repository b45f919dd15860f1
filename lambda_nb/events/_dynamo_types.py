"""Plain Python values to DynamoDB's typed AttributeValue JSON (`S`, `N` as text, `M`, `L`, ...).

Users write items as ordinary dicts; stream records carry them typed, so this is the one place
that knows the mapping (and refuses values DynamoDB cannot store, such as NaN or empty sets).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from lambda_nb.events._codec import b64
from lambda_nb.events._errors import EventError


def _number(value: int | float | Decimal) -> str:
    """DynamoDB numbers: finite, at most 38 significant digits, magnitude 1E-130 to 1E+126."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EventError(f"DynamoDB numbers are finite, got {value!r}")
    exact = Decimal(str(value))
    if not exact.is_finite():
        raise EventError(f"DynamoDB numbers are finite, got {value!r}")
    if exact and not (-130 <= exact.adjusted() <= 125):
        raise EventError(f"DynamoDB numbers lie between 1E-130 and 1E+126, got {value!r}")
    if len(exact.normalize().as_tuple().digits) > 38:
        raise EventError(f"DynamoDB numbers have at most 38 significant digits, got {value!r}")
    return str(value)


def to_attribute(value: Any) -> dict[str, Any]:
    """One plain value as a typed AttributeValue."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": b64(bytes(value))}
    if isinstance(value, dict):
        return {"M": to_item(value)}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return _set(value)
    raise EventError(f"no DynamoDB type for {type(value).__name__} value {value!r}")


def _set(values: set | frozenset) -> dict[str, Any]:
    if not values:
        raise EventError("DynamoDB sets cannot be empty")
    if all(isinstance(v, str) for v in values):
        return {"SS": sorted(values)}
    if all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values):
        return {"NS": [_number(v) for v in sorted(values)]}
    if all(isinstance(v, (bytes, bytearray)) for v in values):
        return {"BS": [b64(bytes(v)) for v in sorted(values)]}
    raise EventError(f"a DynamoDB set holds only strings, numbers or bytes: {values!r}")


def to_item(item: dict[str, Any]) -> dict[str, Any]:
    """A plain dict as a typed item (attribute names must be strings)."""
    out = {}
    for name, value in item.items():
        if not isinstance(name, str):
            raise EventError(f"DynamoDB attribute names are strings, got {name!r}")
        out[name] = to_attribute(value)
    return out
