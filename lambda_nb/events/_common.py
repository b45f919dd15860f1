"""Checks and small value builders several sources share (IP addresses, methods, regions)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, Literal

from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def source_ip(g: Gen, given: str | None) -> str:
    """The client address: the one given (it must parse as an IP address) or a documentation one."""
    if given is None:
        return g.ip()
    try:
        ipaddress.ip_address(given)
    except ValueError:
        raise EventError(f"source_ip must be an IP address, got {given!r}") from None
    return given


def count_of(count: int, items: list | tuple | None, limit: int, what: str) -> int:
    """How many records to build: len(items) when a list is given, else `count`, within limits."""
    n = len(items) if items is not None else count
    if items is not None and count not in (1, n):
        raise EventError(f"{what}: {count=} disagrees with the {n} items given; give one of them")
    if not 1 <= n <= limit:
        raise EventError(f"{what}: between 1 and {limit} records, got {n}")
    return n


def pick(items: list | tuple | None, single: object, i: int) -> object:
    """Record i's value: from the list when one is given, else the single value for every record."""
    return items[i] if items is not None else single


_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
_ACCOUNT = re.compile(r"[0-9]{12}")


def _check_region(value: Any) -> None:
    if not (isinstance(value, str) and _REGION.fullmatch(value)):
        raise EventError(f"region must look like us-east-1, got {value!r}")


def _check_account(value: Any) -> None:
    if not (isinstance(value, str) and _ACCOUNT.fullmatch(value)):
        raise EventError(f"account_id must be 12 digits, got {value!r}")


# Identifiers that go into ARNs, host names and URLs; values users vary freely are not checked.
CHECKS: dict[str, Callable[[Any], None]] = {"region": _check_region, "account_id": _check_account}
