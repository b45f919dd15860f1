"""`lambda-nb event`: list the catalog or print one event as JSON; `--param value` parsing.

Parameter names on the command line are the builder's names with `-` for `_`. Values are
converted by the parameter's type: text stays text, ints/floats/bools are parsed, dicts and lists
are JSON (a list parameter also accepts the option repeated, one item each).
"""

from __future__ import annotations

import json
import sys
import typing
from typing import Any, Literal

from lambda_nb.events._catalog import catalog, get
from lambda_nb.events._errors import EventError
from lambda_nb.events._registry import SEED, EventType, Param, is_union
from lambda_nb.events._spec import parse_spec, split_spec

PROG = "lambda-nb event"
USAGE = f"""usage: {PROG} --list [--verbose]
       {PROG} SOURCE.TYPE [--param value ...] [--seed N]
       {PROG} SOURCE.TYPE --help

Print a sample Lambda trigger event as JSON. Parameter names are the builder's names with
'-' for '_' (--account-id); dicts and lists are JSON; a list option may also be repeated.
SOURCE.TYPE may carry arguments in the --event syntax: 's3.put(bucket="b")'.
"""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _members(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if is_union(tp) else (tp,)


def _kinds(tp: Any) -> set[Any]:
    """The plain kinds a parameter accepts: str, bool, int, float, list, dict, None, Any."""
    kinds: set[Any] = set()
    for arg in _members(tp):
        origin = typing.get_origin(arg) or arg
        if origin is Literal:
            kinds.update(type(v) for v in typing.get_args(arg))
        elif origin is tuple:
            kinds.add(list)
        else:
            kinds.add(origin)
    return kinds


def _is_list(p: Param) -> bool:
    kinds = _kinds(p.annotation)
    return list in kinds and str not in kinds


def convert(p: Param, raw: str) -> Any:
    """A command-line string as a value of the parameter's type (EventError if it is not)."""
    kinds = _kinds(p.annotation)
    try:
        if str in kinds:
            return raw
        if type(None) in kinds and raw.lower() in ("null", "none"):
            return None
        if bool in kinds:
            low = raw.lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError(raw)
        if int in kinds:
            return int(raw)
        if float in kinds:
            return float(raw)
        if _is_list(p) and not raw.lstrip().startswith("["):
            return [raw]
        return json.loads(raw)
    except ValueError:  # json.JSONDecodeError is a ValueError
        raise EventError(f"{p.cli_name}: expected {p.type}, got {raw!r}") from None


def parse_cli_params(name: str, argv: list[str]) -> dict[str, Any]:
    """`--param value` / `--param=value` pairs for event type `name`, converted and checked."""
    etype = get(name)
    out: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("--") or token == "--":
            raise EventError(f"{etype.name}: expected --param value, got {token!r}")
        option, eq, inline = token.partition("=")
        negated = False
        try:
            p = etype.param(option, style="cli")
        except EventError:
            if not option.startswith("--no-"):
                raise
            p = etype.param("--" + option[5:], style="cli")
            if bool not in _kinds(p.annotation):
                raise
            negated = True
        if negated:
            value: Any = False
        elif eq:
            value = convert(p, inline)
        elif bool in _kinds(p.annotation) and (i + 1 == len(argv) or argv[i + 1].startswith("--")):
            value = True  # a bare flag
        else:
            if i + 1 == len(argv):
                raise EventError(f"{etype.name}: {option} needs a value")
            i += 1
            value = convert(p, argv[i])
        if p.name in out and _is_list(p) and isinstance(value, list):
            out[p.name] = [*out[p.name], *value]
        elif p.name in out:
            raise EventError(f"{etype.name}: {p.cli_name} given twice")
        else:
            out[p.name] = value
        i += 1
    seed = out.pop("seed", None)
    etype.check(out)
    if seed is not None:
        out["seed"] = seed
    return out


def describe(etype: EventType) -> str:
    """A help text for one type: description and its options with types and defaults."""
    lines = [f"{etype.name}: {etype.description}", "", "options:"]
    for p in etype.params:
        default = "a sample" if p.default is None else json.dumps(p.default, ensure_ascii=False)
        lines.append(f"  {p.cli_name} ({p.type}, default {default})")
    lines.append(f"  {SEED.cli_name} (int, default none: fresh ids and times on every call)")
    return "\n".join(lines)


def _write(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
    except UnicodeEncodeError:  # a console that cannot show the characters: escape them
        sys.stdout.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")


def cli_main(argv: list[str]) -> int:
    """Run `lambda-nb event ...`; returns the exit code (0 ok, 2 usage or event error)."""
    try:
        return _main(list(argv))
    except EventError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else 2
    if argv[0] == "--list":
        verbose = any(a in ("-v", "--verbose") for a in argv[1:])
        extra = [a for a in argv[1:] if a not in ("-v", "--verbose")]
        if extra:
            raise EventError(f"--list takes no arguments besides --verbose, got {extra}")
        width = max(len(t.name) for t in catalog())
        for t in catalog():
            _write(f"{t.name:<{width}}  {t.description}" if verbose else t.name)
        return 0
    if argv[0].startswith("-"):
        raise EventError(f"unknown option {argv[0]!r}\n{USAGE}")
    spec, rest = argv[0], argv[1:]
    if any(a in ("-h", "--help") for a in rest):
        _write(describe(get((split_spec(spec) or (spec, None))[0])))
        return 0
    name, params = parse_spec(spec)
    params.update(parse_cli_params(name, rest))
    etype = get(name)
    seed = params.pop("seed", None)
    _write(json.dumps(etype.build(seed=seed, **params), indent=2, ensure_ascii=False))
    return 0
