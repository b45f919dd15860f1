"""Sample Lambda trigger events from typed builders: `build("s3.put", key="a b.txt")`.

Every event is a dict built in Python (never a text template), so any value - quotes, newlines,
unicode, empty strings - gives a valid event, and derived fields (S3 key encoding, SQS MD5s,
base64 payloads, gzip'd log data, timestamps in each source's format, ARNs) stay consistent.

- `catalog()`: every type (`SOURCE.TYPE`), its one-line description and parameters.
- `build(name, seed=None, **params)`: one event; fresh ids/times per call, fixed by `seed`.
- `parse_spec(text)` / `is_spec(text)`: the `--event` syntax, e.g. `sqs.receive(count=3)`.
- `parse_cli_params(name, argv)` / `cli_main(argv)`: `lambda-nb event SOURCE.TYPE --param value`.
- `load(source)` / `resolve(source)`: events from JSON files, folders (a `Batch`), dicts, lists.

Standard library only; importing `lambda_nb` does not import this package.
"""

from __future__ import annotations

from lambda_nb.events._catalog import build, catalog, get
from lambda_nb.events._cli import cli_main, describe, parse_cli_params
from lambda_nb.events._errors import EventError
from lambda_nb.events._load import Batch, load, resolve
from lambda_nb.events._registry import EventType, Param
from lambda_nb.events._spec import SYNTAX, is_spec, parse_spec

__all__ = [
    "SYNTAX",
    "Batch",
    "EventError",
    "EventType",
    "Param",
    "build",
    "catalog",
    "cli_main",
    "describe",
    "get",
    "is_spec",
    "load",
    "parse_cli_params",
    "parse_spec",
    "resolve",
]
