"""The SQS poller of an event source mapping (triggers.md 2.2).

It does what Lambda's does, through the queue's own API: receive (long polling on standard
queues), gather a batch until `batch_size` or the batching window, invoke the function
synchronously, delete the messages that succeeded. Failed messages are not deleted: they come
back when the queue's visibility timeout ends, with a higher ApproximateReceiveCount, and SQS
itself (moto, on receive) moves a message to the queue's dead-letter queue once it has been
received maxReceiveCount times. With ReportBatchItemFailures only the listed messages stay
(lambda-runtime.md 10). FIFO queues keep each message group in order: SQS does not hand out a
group's later messages while earlier ones are in flight, and one poller thread processes one
batch at a time.

FIFO queues are polled without long polling: moto's long poll spins while a group is blocked
by in-flight messages, so the poller waits between short polls instead. And moto lets a
group's later failed message overtake an earlier one when both come back (its receive skips a
visible message while a sibling is still marked in flight, then hands out the sibling). SQS
keeps them in order, so the poller does what keeps moto in order too: when a FIFO batch fails,
it makes all of the batch's failed messages visible again at once
(ChangeMessageVisibility 0), just as their visibility timeout ends.
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from lambda_nb.aws import mappings
from lambda_nb.engine.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from lambda_nb.aws.mappings import EventSourceMapping

RECEIVE_MAX = 10  # ReceiveMessage's MaxNumberOfMessages limit


def _md5_of_body(body: str) -> str:
    from lambda_nb.events._sqs_md5 import md5_of_body

    return str(md5_of_body(body))


class SqsPoller:
    def __init__(self, mapping: EventSourceMapping) -> None:
        from lambda_nb.aws.server import LOCAL

        self.mapping = mapping
        self.source = mapping.source
        self.sqs = LOCAL.own_client("sqs")
        self.idle_wait = 0.2 if self.source.fifo else 0.0
        self._received_at = 0.0
        try:
            self.queue_url = self.sqs.get_queue_url(
                QueueName=self.source.name, QueueOwnerAWSAccountId=self.source.account
            )["QueueUrl"]
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"]
            )["Attributes"]
        except Exception as exc:
            if "NonExistentQueue" not in str(exc) and "QueueDoesNotExist" not in str(exc):
                raise
            raise InvalidParameterValueException(
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified "
                "queue does not exist."
            ) from None
        visibility = int(attributes.get("VisibilityTimeout", 30))
        self.visibility = visibility
        # FIFO: failed messages to make visible together, and when (see the docstring)
        self._held: list[tuple[float, list[dict[str, str]]]] = []
        timeout = mapping.service.require(mapping.function_name).config.timeout
        if visibility < timeout:  # triggers.md 2.1 (I-VIS), the API's words
            raise InvalidParameterValueException(
                f"Queue visibility timeout: {visibility} seconds is less than Function "
                f"timeout: {int(timeout)} seconds"
            )

    def _release(self) -> None:
        now = time.monotonic()
        due = [entries for at, entries in self._held if at <= now]
        self._held = [(at, entries) for at, entries in self._held if at > now]
        for entries in due:
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        if self._held:
            self._release()
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(RECEIVE_MAX, count)),
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def poll_once(self) -> bool:
        """Receive one batch and process it; False when the queue had nothing."""
        m = self.mapping
        self._received_at = time.monotonic()
        messages = self._receive(m.batch_size, 0 if self.source.fifo else 1)
        if not messages:
            return False
        deadline = time.monotonic() + m.maximum_batching_window
        while len(messages) < m.batch_size and not m._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            wait = 0 if self.source.fifo else max(0, min(1, int(left)))
            more = self._receive(m.batch_size - len(messages), wait)
            messages += more
            if not more and (self.source.fifo or wait == 0):
                m._stop.wait(min(left, 0.2))
        self._process(messages)
        return True

    def _process(self, messages: list[dict[str, Any]]) -> None:
        m = self.mapping
        event = {"Records": [self.record(msg) for msg in messages]}
        inv = m.invoke(event)
        ids = [msg["MessageId"] for msg in messages]
        if m.report_batch_item_failures:
            failed = mappings.failed_items(inv, ids)
        else:
            failed = None if inv.status != "success" else set()
        # The API's LastProcessingResult says whether the invoke worked (a partial batch
        # response is a successful invoke).
        m.last_processing_result = "OK" if inv.status == "success" else "PROBLEM: Function error"
        if failed is None:
            failed = set(ids)  # every message comes back after the visibility timeout
        if failed and self.source.fifo:
            entries = [
                {"Id": str(i), "ReceiptHandle": msg["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, msg in enumerate(messages)
                if msg["MessageId"] in failed
            ]
            self._held.append((self._received_at + self.visibility - 0.1, entries))
        done = [msg for msg in messages if msg["MessageId"] not in failed]
        for start in range(0, len(done), RECEIVE_MAX):
            chunk = done[start : start + RECEIVE_MAX]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": msg["ReceiptHandle"]}
                    for i, msg in enumerate(chunk)
                ],
            )

    def record(self, msg: dict[str, Any]) -> dict[str, Any]:
        """One record of the event, as Lambda builds it from ReceiveMessage's answer
        (events.md 5; the field order of lambda_nb.events.sqs)."""
        from lambda_nb.events._sqs_md5 import md5_of_attributes

        body = str(msg.get("Body", ""))
        attributes = dict(msg.get("Attributes", {}))
        wanted = (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId",
            "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageGroupId",
            "MessageDeduplicationId",
        )  # fmt: skip
        ordered = {k: str(attributes[k]) for k in wanted if k in attributes}
        ordered.update({k: str(v) for k, v in attributes.items() if k not in ordered})
        message_attributes = {
            name: _attribute(value) for name, value in msg.get("MessageAttributes", {}).items()
        }
        record: dict[str, Any] = {
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": body,
            "attributes": ordered,
            "messageAttributes": message_attributes,
            "md5OfBody": msg.get("MD5OfBody") or _md5_of_body(body),
        }
        if message_attributes:
            record["md5OfMessageAttributes"] = msg.get(
                "MD5OfMessageAttributes"
            ) or md5_of_attributes(message_attributes)
        record.update(
            eventSource="aws:sqs", eventSourceARN=self.source.arn, awsRegion=self.source.region
        )
        return record


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute, Lambda-cased (stringValue, binaryValue as base64, dataType)."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [
        base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])
    ]
    out["dataType"] = value.get("DataType", "String")
    return out
