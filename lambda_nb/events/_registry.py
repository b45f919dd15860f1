"""The catalog itself: every builder registers here with its name, description and parameters.

A builder is a plain function `def put(g: Gen, bucket: str = "...", ...) -> dict`. Registering it
reads the parameters from its signature and type hints, so the catalog, `build`, the `--event`
syntax and the CLI all agree with the code without a second list to keep in sync.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from lambda_nb.events._common import CHECKS
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen

Builder = Callable[..., dict[str, Any]]

_REGISTRY: dict[str, EventType] = {}
_RESERVED = {"seed"}


@dataclass(frozen=True)
class Param:
    """One parameter a user can vary: `name`, readable `type`, `default` (None: a sample)."""

    name: str
    type: str
    default: Any
    annotation: Any = field(repr=False, compare=False, default=Any)

    @property
    def cli_name(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def choices(self) -> tuple[Any, ...]:
        """The allowed values when the parameter is a `Literal[...]`, else empty."""
        return literal_values(self.annotation)


@dataclass(frozen=True)
class EventType:
    """A catalog entry: `SOURCE.TYPE` name, one-line description, parameters and builder."""

    name: str
    description: str
    params: tuple[Param, ...]
    tier: int
    builder: Builder = field(repr=False, compare=False)

    @property
    def source(self) -> str:
        return self.name.split(".", 1)[0]

    def param(self, name: str, style: str = "python") -> Param:
        """The parameter called `name` (a CLI `--dash-name` when style="cli"), or EventError."""
        key = name[2:].replace("-", "_") if style == "cli" and name.startswith("--") else name
        for p in self.params:
            if p.name == key:
                return p
        if key == "seed":
            return SEED
        raise EventError(self._unknown_param(name, style))

    def check(self, params: dict[str, Any]) -> None:
        """Raise EventError for an unknown parameter or a value of the wrong type."""
        for name, value in params.items():
            p = self.param(name)
            if not matches(value, p.annotation):
                raise EventError(
                    f"{self.name}: parameter {name!r} expects {p.type}, got {value!r}"
                    + (f" (one of {', '.join(map(repr, p.choices))})" if p.choices else "")
                )
            if name in CHECKS:
                CHECKS[name](value)

    def build(self, seed: int | None = None, **params: Any) -> dict[str, Any]:
        """Build one event; a fresh one per call unless `seed` is given."""
        self.check(params)
        if seed is not None and not matches(seed, int):
            raise EventError(f"seed must be an int, got {seed!r}")
        return self.builder(Gen(seed), **params)

    def _unknown_param(self, name: str, style: str) -> str:
        shown = [p.cli_name if style == "cli" else p.name for p in self.params]
        msg = f"{self.name} has no parameter {name!r}"
        close = difflib.get_close_matches(name, shown, n=3, cutoff=0.6)
        if close:
            msg += f"; did you mean {' or '.join(map(repr, close))}?"
        return msg + f"\nparameters of {self.name}: {', '.join(shown) or '(none)'}"


SEED = Param("seed", "int | None", None, int | None)


def literal_values(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) is Literal:
        return typing.get_args(tp)
    if is_union(tp):
        return tuple(v for arg in typing.get_args(tp) for v in literal_values(arg))
    return ()


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def matches(value: Any, tp: Any) -> bool:
    """A small runtime type check for the annotations builders use (no third-party validator)."""
    if tp is Any:
        return True
    if tp is None or tp is type(None):
        return value is None
    origin = typing.get_origin(tp)
    if is_union(tp):
        return any(matches(value, arg) for arg in typing.get_args(tp))
    if origin is Literal:
        return value in typing.get_args(tp) and all(
            type(value) is type(arg) for arg in typing.get_args(tp) if arg == value
        )
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = typing.get_args(tp)
        return not args or all(matches(v, args[0]) for v in value)
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            return False
        args = typing.get_args(tp)
        return not args or all(
            matches(k, args[0]) and matches(v, args[1]) for k, v in value.items()
        )
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, tp)


def type_name(tp: Any) -> str:
    """A readable name for an annotation: `str`, `int | None`, `list[str]`, `'a' | 'b'`."""
    if tp is Any:
        return "any"
    if tp is None or tp is type(None):
        return "None"
    if is_union(tp):
        return " | ".join(type_name(arg) for arg in typing.get_args(tp))
    if typing.get_origin(tp) is Literal:
        return " | ".join(repr(v) for v in typing.get_args(tp))
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin is not None and args:
        return f"{origin.__name__}[{', '.join(type_name(a) for a in args)}]"
    return getattr(tp, "__name__", str(tp))


def event(name: str, tier: int) -> Callable[[Builder], Callable[..., dict[str, Any]]]:
    """Register a builder as `name`; the returned function takes the parameters and `seed`."""

    def register(fn: Builder) -> Callable[..., dict[str, Any]]:
        hints = typing.get_type_hints(fn)
        sig = inspect.signature(fn)
        params = []
        for p in list(sig.parameters.values())[1:]:  # the first one is the Gen
            if p.name in _RESERVED or p.default is inspect.Parameter.empty:
                raise TypeError(f"{fn.__name__}: parameter {p.name!r} needs a default")
            ann = hints.get(p.name, Any)
            params.append(Param(p.name, type_name(ann), p.default, ann))
        doc = inspect.getdoc(fn) or ""
        etype = EventType(name, doc.split("\n", 1)[0], tuple(params), tier, fn)
        if name in _REGISTRY:
            raise RuntimeError(f"event type {name!r} registered twice")
        _REGISTRY[name] = etype

        @functools.wraps(fn)
        def public(*, seed: int | None = None, **kwargs: Any) -> dict[str, Any]:
            return etype.build(seed=seed, **kwargs)

        keyword = [
            inspect.Parameter(
                p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=p.annotation
            )
            for p in params
        ]
        seed = inspect.Parameter(
            "seed", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=int | None
        )
        public.__signature__ = sig.replace(parameters=[*keyword, seed])  # type: ignore[attr-defined]
        public.event_type = etype  # type: ignore[attr-defined]
        return public

    return register


def registry() -> dict[str, EventType]:
    return _REGISTRY


def canonical(name: str) -> str:
    """Names are case-insensitive and accept `-` for `_` (`cognito.pre-signup`)."""
    return name.strip().lower().replace("-", "_")


def lookup(name: str) -> EventType:
    """The event type called `name`, or EventError listing what exists with a did-you-mean."""
    key = canonical(name)
    if key in _REGISTRY:
        return _REGISTRY[key]
    names = sorted(_REGISTRY)
    msg = f"unknown event type {name!r}"
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
    if not close and "." in key:  # a known source with a misspelt type: suggest its types
        source = key.split(".", 1)[0]
        close = [n for n in names if n.startswith(source + ".")][:8]
    if close:
        msg += f"; did you mean {' or '.join(map(repr, close))}?"
    raise EventError(f"{msg}\nknown event types: {', '.join(names)}")
