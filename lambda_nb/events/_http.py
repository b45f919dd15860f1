"""Request pieces shared by the HTTP-shaped events (API Gateway v1/v2, Function URL, ALB, ...).

Each source flattens headers and query strings its own way; this module turns what the user
gives (dicts with str or list values, or a raw query string) into ordered (name, value) pairs that
each source then folds as its format requires.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from lambda_nb.events._codec import b64
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen

Pairs = list[tuple[str, str]]
Multi = dict[str, str | list[str]]

USER_AGENT = "curl/8.5.0"


def pairs(values: Multi | None) -> Pairs:
    """Flatten `{name: value or [values]}` into ordered pairs; an empty list drops the name."""
    out: Pairs = []
    for name, value in (values or {}).items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            out.append((str(name), str(v)))
    return out


def query_pairs(query: Multi | str | None) -> Pairs:
    """A query as pairs: from a dict, or from a raw string like `a=1&b=x%20y` (decoded)."""
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return pairs(query)


def raw_query(items: Pairs) -> str:
    """The query string as a client would send it (percent-encoded, `%20` for space)."""
    return urlencode(items, quote_via=quote)


def merge(defaults: Pairs, given: Pairs) -> Pairs:
    """The usual headers overridden, case-insensitively, by the ones the user gave."""
    names = {n.lower() for n, _ in given}
    return [(n, v) for n, v in defaults if n.lower() not in names] + given


def last_and_all(items: Pairs, lower: bool = False) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single-value view (last value wins) and multi-value view, as REST API and ALB send."""
    multi: dict[str, list[str]] = {}
    for name, value in items:
        multi.setdefault(name.lower() if lower else name, []).append(value)
    return {k: v[-1] for k, v in multi.items()}, multi


def joined(items: Pairs, lower: bool = False) -> dict[str, str]:
    """Comma-joined duplicates, as payload format 2.0 sends headers and query parameters."""
    out: dict[str, list[str]] = {}
    for name, value in items:
        out.setdefault(name.lower() if lower else name, []).append(value)
    return {k: ",".join(v) for k, v in out.items()}


def body_fields(body: Any, binary: bool) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): `binary` sends the UTF-8 bytes base64-encoded; "" is no body."""
    if body is None or body == "":
        return None, False
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return (b64(text), True) if binary else (text, False)


def content_type(body: Any, binary: bool) -> str:
    if binary:
        return "application/octet-stream"
    if not isinstance(body, str) or body.lstrip()[:1] in ("{", "["):
        return "application/json"
    return "text/plain; charset=utf-8"


_PARAM = re.compile(r"\{([^{}/]+?)(\+?)\}")


def match_route(template: str, path: str) -> dict[str, str] | None:
    """Path parameters of `path` under a route like `/items/{id}` or `/{proxy+}`, else None."""
    pattern, names, pos = "", [], 0
    for m in _PARAM.finditer(template):
        pattern += re.escape(template[pos : m.start()])
        pattern += "(.*)" if m.group(2) else "([^/]*)"
        names.append(m.group(1))
        pos = m.end()
    pattern += re.escape(template[pos:])
    found = re.fullmatch(pattern, path, flags=re.DOTALL)
    if found is None:
        return None
    return dict(zip(names, found.groups(), strict=True))


def path_parameters(
    template: str, path: str, given: dict[str, str] | None, where: str
) -> dict[str, str] | None:
    """Given path parameters win; otherwise they come from the route; None when there are none."""
    if given is not None:
        return dict(given) or None
    found = match_route(template, path)
    if found is None:
        raise EventError(f"{where}: path {path!r} does not match route {template!r}")
    return found or None


def client_headers(g: Gen, host: str, source_ip: str, body: Any, binary: bool) -> Pairs:
    """What a typical HTTPS client plus the AWS front end put on a request."""
    out = [
        ("Accept", "*/*"),
        ("Host", host),
        ("User-Agent", USER_AGENT),
        ("X-Amzn-Trace-Id", g.trace_id()),
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    if body not in (None, ""):
        out.insert(1, ("Content-Type", content_type(body, binary)))
    return out


def header_value(items: Pairs, name: str, default: str) -> str:
    """The last value of header `name` (case-insensitive), e.g. the User-Agent for identity."""
    found = [v for n, v in items if n.lower() == name.lower()]
    return found[-1] if found else default
