"""The one readable syntax for choosing a catalog event in an `--event` option.

`s3.put`, `s3.put(bucket="b", key="a b.txt")`, `sqs.receive(count=3)`: a catalog name, optionally
followed by Python-style keyword arguments whose values are literals (strings, numbers, True,
False, None, lists, dicts). The arguments are parsed with `ast`, never evaluated.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from lambda_nb.events._catalog import get, names
from lambda_nb.events._errors import EventError
from lambda_nb.events._registry import canonical

_NAME = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+)\s*")
SYNTAX = 'SOURCE.TYPE or SOURCE.TYPE(param=value, ...), e.g. s3.put(bucket="b", key="a b.txt")'


def split_spec(text: str) -> tuple[str, str | None] | None:
    """(name, argument text or None) when `text` has the shape of a spec, else None."""
    m = _NAME.match(text)
    if m is None:
        return None
    rest = text[m.end() :].strip()
    if not rest:
        return m.group(1), None
    if rest.startswith("(") and rest.endswith(")"):
        return m.group(1), rest[1:-1]
    return None


def is_spec(text: object) -> bool:
    """True when `text` names a catalog type, with or without arguments (not yet validated)."""
    if not isinstance(text, str):
        return False
    split = split_spec(text)
    return split is not None and canonical(split[0]) in names()


def looks_like_spec(text: str) -> bool:
    """True for spec-shaped text that names a known source or has arguments (maybe misspelt)."""
    split = split_spec(text)
    if split is None:
        return False
    source = canonical(split[0]).split(".", 1)[0]
    return split[1] is not None or any(n.startswith(source + ".") for n in names())


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """(canonical name, params) from a spec; EventError for bad syntax, type or parameter."""
    split = split_spec(text) if isinstance(text, str) else None
    if split is None:
        raise EventError(f"not an event spec: {text!r}; write {SYNTAX}")
    name, args = split
    etype = get(name)
    params = _arguments(etype.name, args)
    etype.check(params)
    return etype.name, params


def _arguments(name: str, args: str | None) -> dict[str, Any]:
    if args is None or not args.strip():
        return {}
    try:
        tree = ast.parse(f"f({args})", mode="eval")
    except SyntaxError as exc:
        raise EventError(
            f"{name}: cannot parse arguments ({args}): {exc.msg}; write {SYNTAX}"
        ) from None
    call = tree.body
    if (
        not isinstance(call, ast.Call)
        or not isinstance(call.func, ast.Name)
        or call.args
        or any(k.arg is None for k in call.keywords)
    ):
        raise EventError(f"{name}: arguments are name=value pairs; write {SYNTAX}")
    out: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg in out:
            raise EventError(f"{name}: {kw.arg}= given twice")
        try:
            out[str(kw.arg)] = ast.literal_eval(kw.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise EventError(
                f"{name}: {kw.arg}= must be a literal "
                "(string, number, True/False/None, list, dict), "
                f"got {ast.get_source_segment(f'f({args})', kw.value)}"
            ) from None
    return out
