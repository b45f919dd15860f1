"""Loads every source module (each registers its builders) and answers catalog queries."""

from __future__ import annotations

import importlib
from typing import Any

from lambda_nb.events._registry import EventType, lookup, registry

# Tier 1 and 2 (typed builders checked against powertools), then tier 3 (plain samples).
SOURCES = (
    "alb",
    "apigateway",
    "cloudformation",
    "cloudwatch",
    "cognito",
    "dynamodb",
    "eventbridge",
    "firehose",
    "functionurl",
    "kafka",
    "kinesis",
    "s3",
    "ses",
    "sns",
    "sqs",
    "websocket",
    "alexa",
    "appsync",
    "bedrock",
    "cloudfront",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "config",
    "connect",
    "iot",
    "lex",
    "mq",
    "s3_services",
    "secretsmanager",
    "stepfunctions",
    "transfer",
    "vpclattice",
)
_loaded = False


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in SOURCES:
            importlib.import_module(f"lambda_nb.events.{module}")
        _loaded = True


def catalog(source: str | None = None) -> list[EventType]:
    """Every event type, sorted by name (only those of `source`, e.g. "s3", when given)."""
    _load_all()
    types = sorted(registry().values(), key=lambda t: t.name)
    return [t for t in types if source is None or t.source == source.lower()]


def names() -> set[str]:
    _load_all()
    return set(registry())


def get(name: str) -> EventType:
    """The event type called `name` (EventError with a did-you-mean when unknown)."""
    _load_all()
    return lookup(name)


def build(name: str, /, seed: int | None = None, **params: Any) -> dict[str, Any]:
    """Build one event of type `name`; fresh ids and times per call, reproducible with `seed`."""
    return get(name).build(seed=seed, **params)
