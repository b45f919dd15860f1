"""What the local AWS holds, for `%lambda aws status` and `lambda_nb.aws.status()`: buckets,
tables, queues and streams with their item counts, and the triggers with their state. Read
through boto3, as a user would list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Status:
    endpoint: str | None
    resources: list[tuple[str, str, str]] = field(default_factory=list)  # kind, name, items
    triggers: list[tuple[str, str, str, str]] = field(default_factory=list)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render.static import TableView

        if self.endpoint is None:
            text = "The local AWS is not running (lambda_nb.aws.start() or %lambda aws start)"
            return {"text/plain": text, "text/html": f"<i>{text}</i>"}
        head = f"Local AWS at {self.endpoint}"
        parts = [
            TableView(
                ["kind", "name", "items"], self.resources, "lnb-aws", empty="It holds nothing yet."
            )._repr_mimebundle_(),
            TableView(
                ["function", "trigger", "state", "settings"],
                self.triggers,
                "lnb-aws",
                empty="No triggers.",
            )._repr_mimebundle_(),
        ]
        return {
            "text/plain": "\n\n".join([head, *(p["text/plain"] for p in parts)]),
            "text/html": '<div style="font-family: var(--jp-code-font-family, monospace);">'
            f"<b>{head}</b>"
            + "".join(f'<div style="margin: 4px 0 10px;">{p["text/html"]}</div>' for p in parts)
            + "</div>",
        }

    def __repr__(self) -> str:
        return self._repr_mimebundle_()["text/plain"]


def status() -> Status:
    from lambda_nb.aws.server import LOCAL

    if not LOCAL.running:
        return Status(None, triggers=trigger_rows())
    found = Status(LOCAL.endpoint)
    s3 = LOCAL.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        count = 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            count += int(page.get("KeyCount", 0))
        found.resources.append(("bucket", bucket["Name"], _count(count, "object")))
    ddb = LOCAL.client("dynamodb")
    for table in ddb.list_tables().get("TableNames", []):
        items = ddb.scan(TableName=table, Select="COUNT").get("Count", 0)
        found.resources.append(("table", table, _count(items, "item")))
    sqs = LOCAL.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        visible = attributes.get("ApproximateNumberOfMessages", "0")
        flight = attributes.get("ApproximateNumberOfMessagesNotVisible", "0")
        name = url.rsplit("/", 1)[-1]
        found.resources.append(
            ("queue", name, f"{_count(int(visible), 'message')} ({flight} in flight)")
        )
    kinesis = LOCAL.client("kinesis")
    for stream in kinesis.list_streams().get("StreamNames", []):
        found.resources.append(("stream", stream, "-"))
    found.triggers = trigger_rows()
    return found


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def trigger_rows() -> list[tuple[str, str, str, str]]:
    import sys

    rows: list[tuple[str, str, str, str]] = []
    mappings = sys.modules.get("lambda_nb.aws.mappings")
    if mappings is not None:
        for m in mappings.all_mappings():
            rows.append((m.function_name, m.source.arn, m.state, describe_mapping(m)))
    notifications = sys.modules.get("lambda_nb.aws.s3_notifications")
    if notifications is not None:
        for t in notifications.triggers():
            where = f"s3://{t.bucket}/{t.prefix}*{t.suffix}"
            rows.append((t.function_name, where, t.state, ", ".join(t.events)))
    return rows


def describe_mapping(m: Any) -> str:
    parts = [f"batch {m.batch_size}"]
    if m.maximum_batching_window:
        parts.append(f"window {m.maximum_batching_window} s")
    if m.function_response_types:
        parts.append("ReportBatchItemFailures")
    if m.source.kind != "sqs":
        parts.append(str(m.starting_position))
        if m.bisect_batch_on_function_error:
            parts.append("bisect")
        if m.maximum_retry_attempts != -1:
            parts.append(f"retries {m.maximum_retry_attempts}")
        if m.destination_on_failure:
            parts.append(f"on failure -> {m.destination_on_failure}")
    parts.append(f"{m.batches} batches, {m.last_processing_result}")
    return ", ".join(parts)
