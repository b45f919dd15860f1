"""The Kinesis and DynamoDB Streams poller of an event source mapping (triggers.md 2.3, 2.4).

One shard iterator per shard, read with GetRecords through boto3; the checkpoint (where each
shard's next batch starts) is kept here, in lambda_nb, as Lambda keeps it on its side. Records
reach the function in shard order, one batch per shard at a time. When the function fails, the
whole batch is retried and the shard waits (other shards go on), until it succeeds or
`maximum_retry_attempts` retries are spent (-1: until then, forever here, as records do not
expire locally). `bisect_batch_on_function_error` splits a failed batch in two and retries each
half (a split does not spend a retry). With ReportBatchItemFailures the batch is retried from
the lowest reported sequence number (lambda-runtime.md 10). A batch given up is discarded and,
if `destination_on_failure` names an SQS queue or SNS topic, the on-failure record (2.4: the
shard and sequence range, not the data) is sent there.

Shards are polled once a second for Kinesis and four times a second for DynamoDB Streams (2.3).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_nb.aws import mappings
from lambda_nb.engine.config import ACCOUNT_ID
from lambda_nb.engine.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from lambda_nb.aws.mappings import EventSourceMapping
    from lambda_nb.engine.records import Invocation


@dataclass
class _Batch:
    records: list[dict[str, Any]]  # as GetRecords returned them
    invokes: int = 0
    retries: int = 0


class _Shard:
    def __init__(self, shard_id: str, iterator: str | None) -> None:
        self.id = shard_id
        self.iterator = iterator
        self.pending: deque[_Batch] = deque()
        self.gathering: list[dict[str, Any]] = []
        self.gather_started = 0.0


class StreamPoller:
    def __init__(self, mapping: EventSourceMapping) -> None:
        from lambda_nb.aws.server import LOCAL

        self.mapping = mapping
        self.source = mapping.source
        self.kinesis = self.source.kind == "kinesis"
        self.client = LOCAL.own_client("kinesis" if self.kinesis else "dynamodbstreams")
        self.idle_wait = 1.0 if self.kinesis else 0.25
        self.shards: dict[str, _Shard] = {}
        try:
            ids = self._shard_ids()
        except Exception as exc:
            if "ResourceNotFound" not in str(exc) and "not found" not in str(exc).lower():
                raise
            raise InvalidParameterValueException(f"Stream not found: {self.source.arn}") from None
        for shard_id in ids:
            self.shards[shard_id] = _Shard(shard_id, self._iterator(shard_id))
        if mapping.destination_on_failure is not None:
            self._check_destination(mapping.destination_on_failure)

    # ------------------------------------------------------------------ reading
    def _shard_ids(self) -> list[str]:
        if self.kinesis:
            answer = self.client.list_shards(StreamARN=self.source.arn)
            return [s["ShardId"] for s in answer["Shards"]]
        answer = self.client.describe_stream(StreamArn=self.source.arn)
        return [s["ShardId"] for s in answer["StreamDescription"]["Shards"]]

    def _iterator(self, shard_id: str) -> str:
        position = self.mapping.starting_position or "LATEST"
        if self.kinesis:
            answer = self.client.get_shard_iterator(
                StreamARN=self.source.arn, ShardId=shard_id, ShardIteratorType=position
            )
        else:
            answer = self.client.get_shard_iterator(
                StreamArn=self.source.arn, ShardId=shard_id, ShardIteratorType=position
            )
        return str(answer["ShardIterator"])

    def _read(self, shard: _Shard, limit: int) -> list[dict[str, Any]]:
        if shard.iterator is None:
            return []
        if self.kinesis:
            answer = self.client.get_records(
                ShardIterator=shard.iterator, Limit=limit, StreamARN=self.source.arn
            )
        else:
            answer = self.client.get_records(ShardIterator=shard.iterator, Limit=limit)
        shard.iterator = answer.get("NextShardIterator")
        return list(answer.get("Records", []))

    def poll_once(self) -> bool:
        """One round over the shards; True if any batch was invoked."""
        import time

        busy = False
        m = self.mapping
        for shard in list(self.shards.values()):
            if m._stop.is_set() or not m._enabled.is_set():
                break
            if not shard.pending:
                want = m.batch_size - len(shard.gathering)
                fresh = self._read(shard, max(1, min(want, 10000)))
                if fresh and not shard.gathering:
                    shard.gather_started = time.monotonic()
                shard.gathering += fresh
                window_over = time.monotonic() - shard.gather_started >= m.maximum_batching_window
                if shard.gathering and (len(shard.gathering) >= m.batch_size or window_over):
                    shard.pending.append(_Batch(shard.gathering))
                    shard.gathering = []
            if shard.pending:
                self._process(shard)
                busy = True
        return busy

    # --------------------------------------------------------------- processing
    def _process(self, shard: _Shard) -> None:
        m = self.mapping
        batch = shard.pending[0]
        event = {"Records": [self.record(shard.id, r) for r in batch.records]}
        inv = m.invoke(event)
        batch.invokes += 1
        sequence = [self._sequence(r) for r in batch.records]
        if m.report_batch_item_failures:
            failed = mappings.failed_items(inv, sequence)
        else:
            failed = None if inv.status != "success" else set()
        if failed is not None and not failed:
            shard.pending.popleft()
            m.last_processing_result = "OK"
            return
        m.last_processing_result = "OK" if inv.status == "success" else "PROBLEM: Function error"
        remaining = batch.records
        if failed:  # retry from the lowest reported sequence number (the checkpoint)
            first = min(sequence.index(s) for s in failed)
            remaining = batch.records[first:]
        if m.bisect_batch_on_function_error and len(remaining) > 1:
            half = len(remaining) // 2
            shard.pending.popleft()
            shard.pending.appendleft(_Batch(remaining[half:], batch.invokes, batch.retries))
            shard.pending.appendleft(_Batch(remaining[:half], batch.invokes, batch.retries))
            return
        batch.records = remaining
        batch.retries += 1
        limit = m.maximum_retry_attempts
        if limit != -1 and batch.retries > limit:
            shard.pending.popleft()
            self._give_up(shard, batch, inv, "RetryAttemptsExhausted")

    def _give_up(self, shard: _Shard, batch: _Batch, inv: Invocation, condition: str) -> None:
        record = self.failure_record(shard.id, batch, inv, condition)
        self.mapping.failure_records.append(record)
        target = self.mapping.destination_on_failure
        if target is not None:
            self._send(target, record)

    # ------------------------------------------------------------------ records
    def _sequence(self, raw: dict[str, Any]) -> str:
        if self.kinesis:
            return str(raw["SequenceNumber"])
        return str(raw["dynamodb"]["SequenceNumber"])

    def record(self, shard_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        """One record of the event, as Lambda builds it (events.md; lambda_nb.events shapes)."""
        if self.kinesis:
            sequence = str(raw["SequenceNumber"])
            arrival = raw.get("ApproximateArrivalTimestamp")
            return {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": raw["PartitionKey"],
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(raw["Data"]).decode(),
                    "approximateArrivalTimestamp": (
                        round(arrival.timestamp(), 3) if arrival is not None else None
                    ),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": (
                    f"arn:aws:iam::{ACCOUNT_ID}:role/{self.mapping.function_name}-role"
                ),
                "awsRegion": self.source.region,
                "eventSourceARN": self.source.arn,
            }
        body = dict(raw["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if isinstance(created, dt.datetime):
            body["ApproximateCreationDateTime"] = int(created.timestamp())
        out = {k: _jsonable(v) for k, v in raw.items() if k != "dynamodb"}
        if "eventVersion" in out:  # DynamoDB Streams says "1.1" (events.md's samples); moto "1.0"
            out["eventVersion"] = "1.1"
        out["dynamodb"] = _jsonable(body)
        out["eventSourceARN"] = self.source.arn
        return out

    def failure_record(
        self, shard_id: str, batch: _Batch, inv: Invocation, condition: str
    ) -> dict[str, Any]:
        """The on-failure record of triggers.md 2.4, keys in the recorded order."""
        first, last = batch.records[0], batch.records[-1]
        info = {
            "shardId": shard_id,
            "startSequenceNumber": self._sequence(first),
            "endSequenceNumber": self._sequence(last),
            "approximateArrivalOfFirstRecord": self._arrival(first),
            "approximateArrivalOfLastRecord": self._arrival(last),
            "batchSize": len(batch.records),
            "streamArn": self.source.arn,
        }
        record: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.mapping.function_arn,  # unqualified here (2.4)
                "condition": condition,
                "approximateInvokeCount": batch.invokes,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": inv.version,
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": _iso(dt.datetime.now(dt.timezone.utc), milliseconds=True),
        }
        if inv.status == "success":  # a partial batch response: no function error
            del record["responseContext"]["functionError"]
        record["KinesisBatchInfo" if self.kinesis else "DDBStreamBatchInfo"] = info
        return record

    def _arrival(self, raw: dict[str, Any]) -> str | None:
        if self.kinesis:
            when = raw.get("ApproximateArrivalTimestamp")
            return None if when is None else _iso(when, milliseconds=True)
        when = raw["dynamodb"].get("ApproximateCreationDateTime")
        return None if when is None else _iso(when, milliseconds=False)  # no ms for DynamoDB

    # ------------------------------------------------------------- destination
    def _check_destination(self, arn: str) -> None:
        """An SQS queue or SNS topic of the local AWS (S3 destinations are not offered)."""
        from lambda_nb.aws import destinations

        if arn.split(":")[2:3] not in (["sqs"], ["sns"]) or not destinations.accepts(arn):
            raise InvalidParameterValueException(
                f"The provided destination config DestinationConfig(onSuccess=null, "
                f"onFailure=OnFailure(destination={arn})) is invalid. (an SQS queue or an SNS "
                "topic of the local AWS)"
            )

    def _send(self, arn: str, record: dict[str, Any]) -> None:
        """The record as the message body (SQS) or Message (SNS), as Lambda sends it."""
        from lambda_nb.aws import destinations

        try:
            destinations.deliver(arn, record)
        except Exception as exc:  # a record that cannot be delivered is lost, as on AWS
            self.mapping.last_processing_result = (
                f"PROBLEM: the on-failure record was not delivered: {mappings._describe(exc)}"
            )


def _iso(when: dt.datetime, milliseconds: bool) -> str:
    when = when.astimezone(dt.timezone.utc)
    text = f"{when:%Y-%m-%dT%H:%M:%S}"
    return text + (f".{when.microsecond // 1000:03d}Z" if milliseconds else "Z")


def _jsonable(value: Any) -> Any:
    """GetRecords' parsed answer back to the JSON Lambda sends: bytes as base64."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return value
