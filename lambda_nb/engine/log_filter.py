"""CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), for the common cases.

- `""`: every event.
- Terms: `ERROR Exception` (all must appear), `"exact phrase"` (terms with other characters
  than letters, digits and `_` are quoted), `?ERROR ?WARN` (any of them), `ERROR -Timeout`
  (events without the term). Case-sensitive, and a term matches anywhere in the message, as
  moto's FilterLogEvents does.
- Regular expressions: `%ERROR [0-9]+%`.
- JSON patterns: `{ $.level = "ERROR" }`, `{ ($.latency > 100) && ($.path != "/health*") }`,
  with `= != < > <= >=`, `&&` and `||`, parentheses, `*` wildcards in strings, selectors
  `$.a.b` and `$.list[0]`, `IS TRUE`, `IS FALSE`, `IS NULL` and `NOT EXISTS`. Only an event
  whose message is a JSON object can match one (what the JSON log format writes, or a handler
  that prints JSON).

Space-delimited patterns (`[ip, user, ...]`) are refused with a clear error. A pattern that
does not parse raises `FilterPatternError`, as the API answers InvalidParameterException.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[str], bool]
_MISSING = object()


class FilterPatternError(ValueError):
    """The filter pattern does not parse (CloudWatch: InvalidParameterException)."""

    def __init__(self, pattern: str, why: str) -> None:
        super().__init__(f"Invalid filter pattern {pattern!r}: {why}")


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate on a log event's message, for `pattern` (None or "" matches everything)."""
    text = (pattern or "").strip()
    if not text or text == '""':
        return lambda message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise FilterPatternError(pattern or "", "a JSON pattern ends with }")
        return _json_matcher(pattern or "", text[1:-1])
    if text.startswith("["):
        raise FilterPatternError(
            pattern or "", "space-delimited patterns ([...]) are not supported here; use terms, "
            "%regex% or a JSON pattern { $.field = value }",
        )  # fmt: skip
    if len(text) > 1 and text.startswith("%") and text.endswith("%"):
        try:
            regex = re.compile(text[1:-1])
        except re.error as exc:
            raise FilterPatternError(pattern or "", f"bad regular expression: {exc}") from None
        return lambda message: regex.search(message) is not None
    return _terms_matcher(pattern or "", text)


def required_terms(pattern: str | None) -> list[str]:
    """Terms every matching message contains (a term pattern's plain and quoted terms; none
    for other kinds): the store skips a chunk of records that holds none of them unread."""
    text = (pattern or "").strip()
    if not text or text[0] in "{[%" or text == '""':
        return []
    return _split_terms(pattern or "", text)[0]


# ------------------------------------------------------------------------------ terms
_TERM = re.compile(r'([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def _terms_matcher(pattern: str, text: str) -> Matcher:
    required, any_of, excluded = _split_terms(pattern, text)
    if len(required) == 1 and not any_of and not excluded:  # the common case, kept cheap
        (term,) = required
        return lambda message: term in message

    def matches(message: str) -> bool:
        for t in required:
            if t not in message:
                return False
        for t in excluded:
            if t in message:
                return False
        return not any_of or any(t in message for t in any_of)

    return matches


def _split_terms(pattern: str, text: str) -> tuple[list[str], list[str], list[str]]:
    required: list[str] = []
    any_of: list[str] = []
    excluded: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _TERM.match(text, pos)
        if match is None:  # an unclosed quote
            raise FilterPatternError(pattern, "a quoted term is not closed")
        prefix, quoted, bare = match.groups()
        term = quoted.replace('\\"', '"') if quoted is not None else bare
        if bare is not None and bare.startswith('"'):
            raise FilterPatternError(pattern, "a quoted term is not closed")
        if bare is not None and '"' in bare:
            raise FilterPatternError(pattern, f"quote the whole term: {bare}")
        {"": required, "?": any_of, "-": excluded}[prefix].append(term)
        pos = match.end()
    return required, any_of, excluded


# ------------------------------------------------------------------------------- JSON
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
    |(?P<str>"(?:[^"\\]|\\.)*")
    |(?P<sel>\$(?:\.[A-Za-z_@$][\w@$-]*|\[\d+\]|\.\*)*)
    |(?P<word>[^\s()&|=!<>"]+)
    )""",
    re.VERBOSE,
)
_COMPARE = ("=", "!=", "<", ">", "<=", ">=")


def _tokens(pattern: str, body: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        match = _TOKEN.match(body, pos)
        if match is None or match.end() == pos:
            raise FilterPatternError(pattern, f"unexpected text at {body[pos:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    """Recursive descent over the tokens: or := and ('||' and)*; and := unit ('&&' unit)*."""

    def __init__(self, pattern: str, tokens: list[tuple[str, str]]) -> None:
        self.pattern = pattern
        self.tokens = tokens
        self.pos = 0

    def fail(self, why: str) -> FilterPatternError:
        return FilterPatternError(self.pattern, why)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early")
        self.pos += 1
        return token

    def parse(self) -> Callable[[Any], bool]:
        if not self.tokens:
            raise self.fail("an empty JSON pattern")
        test = self.either()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return test

    def either(self) -> Callable[[Any], bool]:
        parts = [self.both()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else lambda doc: any(p(doc) for p in parts)

    def both(self) -> Callable[[Any], bool]:
        parts = [self.unit()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.unit())
        return parts[0] if len(parts) == 1 else lambda doc: all(p(doc) for p in parts)

    def unit(self) -> Callable[[Any], bool]:
        kind, text = self.take()
        if (kind, text) == ("op", "("):
            inner = self.either()
            if self.peek() != ("op", ")"):
                raise self.fail("a ( is not closed")
            self.take()
            return inner
        if kind != "sel":
            raise self.fail(f"expected a selector such as $.level, got {text!r}")
        path = _path(text)
        kind, op = self.take()
        if kind == "word" and op.upper() in ("IS", "NOT"):
            return self.keyword(path, op.upper())
        if kind != "op" or op not in _COMPARE:
            raise self.fail(f"expected one of {' '.join(_COMPARE)} after {text}, got {op!r}")
        kind, raw = self.take()
        if kind == "str":
            return _compare(path, op, json.loads(raw), quoted=True, fail=self.fail)
        if kind == "word":
            return _compare(path, op, raw, quoted=False, fail=self.fail)
        raise self.fail(f"expected a value after {op}, got {raw!r}")

    def keyword(self, path: list[str | int], first: str) -> Callable[[Any], bool]:
        _, word = self.take()
        word = word.upper()
        if first == "NOT" and word == "EXISTS":
            return lambda doc: _select(doc, path) is _MISSING
        if first == "IS" and word in ("TRUE", "FALSE", "NULL"):
            want = {"TRUE": True, "FALSE": False, "NULL": None}[word]
            return lambda doc: _select(doc, path) is want
        raise self.fail(f"expected IS TRUE, IS FALSE, IS NULL or NOT EXISTS, got {first} {word}")


def _path(selector: str) -> list[str | int]:
    out: list[str | int] = []
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector[1:]):
        out.append(part[0] if part[0] else int(part[1]))
    return out


def _select(doc: Any, path: list[str | int]) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(doc, list) or key >= len(doc):
                return _MISSING
            doc = doc[key]
        elif key == "*":
            return _MISSING if not isinstance(doc, (dict, list)) else doc
        else:
            if not isinstance(doc, dict) or key not in doc:
                return _MISSING
            doc = doc[key]
    return doc


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _compare(
    path: list[str | int], op: str, value: Any, quoted: bool,
    fail: Callable[[str], FilterPatternError],
) -> Callable[[Any], bool]:  # fmt: skip
    """One comparison. A number (unquoted) compares with numbers; a string, with `*` as a
    wildcard, with strings; < > <= >= take numbers only. A missing field never matches."""
    number = None if quoted else _number(value)
    if op in ("<", ">", "<=", ">="):
        if number is None:
            raise fail(f"{op} compares numbers, not {value!r}")
        limit = number
        check = {
            "<": lambda x: x < limit, ">": lambda x: x > limit,
            "<=": lambda x: x <= limit, ">=": lambda x: x >= limit,
        }[op]  # fmt: skip

        def ordered(doc: Any) -> bool:
            found = _select(doc, path)
            return not isinstance(found, bool) and isinstance(found, (int, float)) and check(found)

        return ordered
    if number is not None:

        def equal(found: Any) -> bool:
            return (
                not isinstance(found, bool)
                and isinstance(found, (int, float))
                and (found == number)
            )
    else:
        text = str(value)
        regex = re.compile("".join(".*" if c == "*" else re.escape(c) for c in text) + r"\Z", re.S)

        def equal(found: Any) -> bool:
            return isinstance(found, str) and regex.match(found) is not None

    def test(doc: Any) -> bool:
        found = _select(doc, path)
        if found is _MISSING:
            return False
        return equal(found) if op == "=" else not equal(found)

    return test


def _json_matcher(pattern: str, body: str) -> Matcher:
    test = _Parser(pattern, _tokens(pattern, body)).parse()

    def matches(message: str) -> bool:
        start = message.lstrip()
        if not start.startswith("{"):
            return False
        try:
            doc = json.loads(start)
        except ValueError:
            return False
        return isinstance(doc, dict) and test(doc)

    return matches
