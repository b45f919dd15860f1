"""Events from elsewhere: a JSON file, a folder of JSON files (a batch), JSON text, a dict or list.

`resolve` is the single entry point for an `--event` value: a catalog spec is built, anything
else is loaded, so the magic and the CLI accept the same things.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lambda_nb.events._catalog import build
from lambda_nb.events._errors import EventError
from lambda_nb.events._spec import is_spec, looks_like_spec, parse_spec


class Batch(list[Any]):
    """Events read from a folder, sorted by file name: one invocation each (`names` says which)."""

    def __init__(self, events: list[Any], names: list[str]) -> None:
        super().__init__(events)
        self.names = names


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise EventError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EventError(f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _is_json_text(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def load(source: Any) -> Any:
    """An event from a .json path, a folder (a Batch, by file name), JSON text, dict or list."""
    if isinstance(source, (dict, list)):
        return source
    if isinstance(source, str) and _is_json_text(source):
        try:
            return json.loads(source)
        except json.JSONDecodeError as exc:
            raise EventError(
                f"invalid JSON event at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if path.is_dir():
            files = sorted(
                (p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file()),
                key=lambda p: p.name,
            )
            if not files:
                raise EventError(f"no .json files in folder {path}")
            return Batch([_read(p) for p in files], [p.name for p in files])
        if path.is_file():
            return _read(path)
        raise EventError(f"no such event file or folder: {os.fspath(source)}")
    raise EventError(
        f"cannot load an event from a {type(source).__name__}; give a path, dict or list"
    )


def resolve(source: Any) -> Any:
    """An `--event` value as an event: a catalog spec is built, anything else is loaded."""
    if _names_event(source):
        name, params = parse_spec(source)  # raises with a did-you-mean when misspelt
        return build(name, **params)
    return load(source)


def _names_event(source: Any) -> bool:
    """Spec-shaped text that is not an existing path (a file may be called `s3.json`)."""
    if not isinstance(source, str) or _is_json_text(source):
        return False
    if Path(source).expanduser().exists():
        return False
    return is_spec(source) or looks_like_spec(source)
