"""DynamoDB Streams batches: INSERT, MODIFY and REMOVE records with typed images."""

from __future__ import annotations

import json
from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import epoch_s
from lambda_nb.events._common import count_of
from lambda_nb.events._dynamo_types import to_item
from lambda_nb.events._errors import EventError
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

ViewType = Literal["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"]
LIMIT = 10_000
Change = tuple[str, dict[str, Any] | None, dict[str, Any] | None]  # (eventName, old, new)


def _sample(g: Gen, i: int) -> dict[str, Any]:
    return {"id": f"item-{i + 1}", "message": "New item!", "count": g.rng.randint(1, 100)}


def _keys(item: dict[str, Any], keys: list[str] | None) -> list[str]:
    """Key attribute names: the given ones, else `id` when present, else the first attribute."""
    if keys:
        names = list(keys)
    elif "id" in item:
        names = ["id"]
    else:
        names = list(item)[:1]
    if not names:
        raise EventError("dynamodb: an item needs at least one attribute, its key")
    missing = [k for k in names if k not in item]
    if missing:
        raise EventError(f"dynamodb: key attribute(s) {missing} missing from item {item!r}")
    return names


def stream(
    g: Gen,
    changes: list[Change],
    *,
    keys: list[str] | None,
    view_type: str,
    table: str,
    ttl: bool,
    region: str,
    account_id: str,
) -> dict[str, Any]:
    """Records for (eventName, old, new) changes, in order, with rising sequence numbers."""
    stream_label = g.at(-86_400_000 * 30).strftime("%Y-%m-%dT%H:%M:%S.") + g.digits(3)
    source_arn = arn("dynamodb", region, account_id, f"table/{table}/stream/{stream_label}")
    sequence = g.rng.randrange(10**20, 9 * 10**20)
    records = []
    for i, (name, old, new) in enumerate(changes):
        item = new if new is not None else old
        assert item is not None
        key_names = _keys(item, keys)
        sequence += g.rng.randint(1, 10**6)
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": epoch_s(g.at(-1000 * (len(changes) - i))),
            "Keys": to_item({k: item[k] for k in key_names}),
        }
        if new is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["NewImage"] = to_item(new)
        if old is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["OldImage"] = to_item(old)
        body["SequenceNumber"] = str(sequence)
        body["SizeBytes"] = len(json.dumps(body, ensure_ascii=False).encode("utf-8")) // 2
        body["StreamViewType"] = view_type
        record: dict[str, Any] = {
            "eventID": g.hex(32),
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": body,
            "eventSourceARN": source_arn,
        }
        if ttl and name == "REMOVE":
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        records.append(record)
    return {"Records": records}


def _items(g: Gen, item: dict | None, items: list[dict] | None, count: int) -> list[dict]:
    n = count_of(count, items, LIMIT, "dynamodb")
    if items is not None:
        return [dict(x) for x in items]
    return [dict(item) if item is not None else _sample(g, i) for i in range(n)]


@event("dynamodb.insert", tier=1)
def insert(
    g: Gen,
    item: dict | None = None,
    items: list[dict] | None = None,
    count: int = 1,
    keys: list[str] | None = None,
    view_type: ViewType = "NEW_AND_OLD_IMAGES",
    table: str = "ExampleTable",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """DynamoDB Streams INSERT records (NewImage only); items are plain dicts, typed for you."""
    changes: list[Change] = [("INSERT", None, x) for x in _items(g, item, items, count)]
    return stream(
        g, changes, keys=keys, view_type=view_type, table=table, ttl=False, region=region,
        account_id=account_id,
    )  # fmt: skip


@event("dynamodb.modify", tier=1)
def modify(
    g: Gen,
    old: dict | None = None,
    new: dict | None = None,
    count: int = 1,
    keys: list[str] | None = None,
    view_type: ViewType = "NEW_AND_OLD_IMAGES",
    table: str = "ExampleTable",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """DynamoDB Streams MODIFY records with OldImage and NewImage."""
    n = count_of(count, None, LIMIT, "dynamodb")
    changes: list[Change] = []
    for i in range(n):
        before = dict(old) if old is not None else _sample(g, i)
        after = dict(new) if new is not None else {**before, "message": "Changed item!"}
        changes.append(("MODIFY", before, after))
    return stream(
        g, changes, keys=keys, view_type=view_type, table=table, ttl=False, region=region,
        account_id=account_id,
    )  # fmt: skip


@event("dynamodb.remove", tier=1)
def remove(
    g: Gen,
    item: dict | None = None,
    items: list[dict] | None = None,
    count: int = 1,
    keys: list[str] | None = None,
    ttl: bool = False,
    view_type: ViewType = "NEW_AND_OLD_IMAGES",
    table: str = "ExampleTable",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """DynamoDB Streams REMOVE records (OldImage only); ttl=True marks a TTL expiry delete."""
    changes: list[Change] = [("REMOVE", x, None) for x in _items(g, item, items, count)]
    return stream(
        g, changes, keys=keys, view_type=view_type, table=table, ttl=ttl, region=region,
        account_id=account_id,
    )  # fmt: skip


@event("dynamodb.update", tier=1)
def update(
    g: Gen,
    item: dict | None = None,
    changes: dict | None = None,
    keys: list[str] | None = None,
    view_type: ViewType = "NEW_AND_OLD_IMAGES",
    table: str = "ExampleTable",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """An item's life in one batch: INSERT, MODIFY (item updated with `changes`), REMOVE."""
    first = dict(item) if item is not None else _sample(g, 0)
    second = {**first, **(changes if changes is not None else {"message": "Changed item!"})}
    life: list[Change] = [
        ("INSERT", None, first),
        ("MODIFY", first, second),
        ("REMOVE", second, None),
    ]
    return stream(
        g, life, keys=keys, view_type=view_type, table=table, ttl=False, region=region,
        account_id=account_id,
    )  # fmt: skip
