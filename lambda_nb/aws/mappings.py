"""Event source mappings: pollers that read a queue or a stream of the local AWS in batches and
invoke a function with each, as Lambda's pollers do (triggers.md 2).

The mapping lives here, not in moto: moto's own mappings run moto's Lambda, which runs no code
without Docker and delivers unfaithful events (triggers.md 3.3). So each mapping is a thread of
this process that reads the source through boto3, exactly as any SQS or Kinesis consumer would
(`sqs_poller`, `stream_poller`), and invokes the function through the service, synchronously,
so every batch is an invocation in the function's history. A mapping is validated as
CreateEventSourceMapping validates it (2.1, AWS's wording), and ends, leaving no thread, when it
is deleted, when its function is closed, and when the local AWS is reset or stopped.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_nb.engine.config import ACCOUNT_ID, REGION
from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation
    from lambda_nb.engine.service import LambdaService

logger = logging.getLogger("lambda_nb")
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
_lock = threading.Lock()
_mappings: dict[str, EventSourceMapping] = {}
_hooked = False


@dataclass(frozen=True)
class Source:
    """What an event source ARN names."""

    kind: str  # "sqs", "kinesis" or "dynamodb"
    arn: str
    name: str  # the queue, the stream, or the table
    region: str
    account: str

    @property
    def fifo(self) -> bool:
        return self.kind == "sqs" and self.name.endswith(".fifo")


def parse_arn(arn: str | None) -> Source:
    """An SQS queue, Kinesis stream or DynamoDB stream ARN; anything else is refused."""
    if not arn:
        raise InvalidParameterValueException("Unrecognized event source.")
    parts = str(arn).split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[1].startswith("aws"):
        service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
        if service == "sqs" and resource and "/" not in resource:
            return Source("sqs", arn, resource, region, account)
        if service == "kinesis" and resource.startswith("stream/") and len(resource) > 7:
            return Source("kinesis", arn, resource[7:].split("/")[0], region, account)
        pieces = resource.split("/")
        if (
            service == "dynamodb"
            and len(pieces) == 4
            and pieces[0] == "table"
            and (pieces[2] == "stream")
        ):
            return Source("dynamodb", arn, pieces[1], region, account)
    raise InvalidParameterValueException(
        f"Unrecognized event source: {arn} (an SQS queue, a Kinesis stream or a DynamoDB "
        "stream ARN, e.g. arn:aws:sqs:us-east-1:123456789012:my-queue)"
    )


def _range(member: str, value: Any, low: int, high: int) -> None:
    """The API's range check, in its words (BOTO ranges; format as recorded in triggers.md 5.1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationException(f"{member} must be a whole number, not {value!r}")
    for bound, word, limit in ((value < low, "greater", low), (value > high, "less", high)):
        if bound:
            raise ValidationException(
                f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                f"constraint: Member must have value {word} than or equal to {limit}"
            )


@dataclass
class EventSourceMapping:
    """One mapping: its settings, its state and its poller thread.

    `state` follows the API: "Creating" then "Enabled" (or "Disabled"), "Enabling",
    "Disabling", "Deleting"; "Deleted" once it is gone. `last_processing_result` is the API's
    field ("No records processed", "OK", "PROBLEM: ..."). `batches` counts invocations."""

    service: LambdaService
    function_name: str
    source: Source
    batch_size: int
    maximum_batching_window: int
    function_response_types: tuple[str, ...]
    starting_position: str | None
    bisect_batch_on_function_error: bool
    maximum_retry_attempts: int
    destination_on_failure: str | None
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = "Creating"
    state_transition_reason: str = ""
    last_processing_result: str = "No records processed"
    batches: int = 0
    failure_records: list[dict[str, Any]] = field(default_factory=list)
    _poller: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _enabled: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def event_source_arn(self) -> str:
        return self.source.arn

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def report_batch_item_failures(self) -> bool:
        return REPORT_BATCH_ITEM_FAILURES in self.function_response_types

    # ------------------------------------------------------------------ control
    def enable(self) -> None:
        """Start (again) reading the source."""
        self._check_live()
        self.state = "Enabled"
        self.state_transition_reason = (
            "USER_INITIATED" if self.source.kind == "sqs" else ("User action")
        )
        self._enabled.set()

    def disable(self) -> None:
        """Stop reading; the batch being processed finishes. Messages stay in the queue."""
        self._check_live()
        self._enabled.clear()
        self.state = "Disabled"

    def delete(self, wait: bool = True) -> None:
        """DeleteEventSourceMapping: the poller ends (after the batch it is processing)."""
        with _lock:
            _mappings.pop(self.uuid, None)
        if self.state != "Deleted":
            self.state = "Deleting"
        self._stop.set()
        self._enabled.set()  # wake a disabled poller so that it can end
        if wait:
            self.join()

    def join(self, timeout: float = 60.0) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            self.state = "Deleted"

    def _check_live(self) -> None:
        if self.state in ("Deleting", "Deleted"):
            raise ResourceNotFoundException("The resource you requested does not exist.")

    # ------------------------------------------------------------------ poller
    def _start(self, enabled: bool) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"lambda_nb-esm-{self.uuid[:8]}", daemon=True
        )
        if enabled:
            self.enable()
        else:
            self.state = "Disabled"
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self.service.revision(self.function_name) is None:
                    break  # the function was deleted, or its service closed, behind our back
                if not self._enabled.is_set():
                    self._enabled.wait(1.0)
                    continue
                try:
                    busy = self._poller.poll_once()
                except ResourceNotFoundException:  # the function was deleted
                    break
                except Exception as exc:  # the source went away, the local AWS stopped...
                    self.last_processing_result = f"PROBLEM: {_describe(exc)}"
                    self._stop.wait(2.0)
                    continue
                if not busy:
                    self._stop.wait(self._poller.idle_wait)
        finally:
            with _lock:
                _mappings.pop(self.uuid, None)
            self.state = "Deleted"
            close = getattr(self._poller, "close", None)
            if close is not None:
                close()

    def invoke(self, event: dict[str, Any]) -> Invocation:
        """One synchronous invoke of the function with a batch, as the poller makes it."""
        inv = self.service.invoke(self.function_name, event)
        assert inv is not None and not isinstance(inv, list)
        self.batches += 1
        return inv  # type: ignore[return-value]

    def __repr__(self) -> str:
        return (
            f"<EventSourceMapping {self.uuid} {self.source.arn} -> {self.function_name} "
            f"{self.state} batch={self.batch_size}>"
        )


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code')}: {error.get('Message')}"
    return f"{type(exc).__name__}: {exc}"


def create(
    service: LambdaService,
    function_name: str,
    source_arn: str,
    batch_size: int | None = None,
    maximum_batching_window: int = 0,
    function_response_types: tuple[str, ...] = (),
    starting_position: str | None = "LATEST",
    bisect_batch_on_function_error: bool = False,
    maximum_retry_attempts: int = -1,
    destination_on_failure: str | None = None,
    enabled: bool = True,
) -> EventSourceMapping:
    """CreateEventSourceMapping, checked as the API checks it; the poller starts at once."""
    service.require(function_name)
    source = parse_arn(source_arn)
    sqs = source.kind == "sqs"
    if batch_size is None:
        batch_size = 10 if sqs else 100
    _range("batchSize", batch_size, 1, 10 if source.fifo else 10000)
    _range("maximumBatchingWindowInSeconds", maximum_batching_window, 0, 300)
    if sqs and batch_size > 10 and maximum_batching_window < 1:
        raise InvalidParameterValueException(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10"
        )
    types = tuple(function_response_types)
    unknown = [t for t in types if t != REPORT_BATCH_ITEM_FAILURES]
    if unknown:
        raise ValidationException(
            f"1 validation error detected: Value '{list(types)}' at 'functionResponseTypes' "
            f"failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{REPORT_BATCH_ITEM_FAILURES}]"
        )
    if sqs:
        if destination_on_failure is not None:
            raise InvalidParameterValueException(
                "Unsupported DestinationConfig parameter for given event source mapping type."
            )
        for name, value, default in (
            ("BisectBatchOnFunctionError", bisect_batch_on_function_error, False),
            ("MaximumRetryAttempts", maximum_retry_attempts, -1),
        ):
            if value != default:
                raise InvalidParameterValueException(
                    f"Unsupported {name} parameter for given event source mapping type."
                )
        position = None
    else:
        _range("maximumRetryAttempts", maximum_retry_attempts, -1, 10000)
        if starting_position is None:
            raise ValidationException(
                "1 validation error detected: Value null at 'startingPosition' failed to "
                "satisfy constraint: Member must not be null."
            )
        position = str(starting_position).upper()
        if position not in STARTING_POSITIONS:
            raise ValidationException(
                f"1 validation error detected: Value '{starting_position}' at "
                "'startingPosition' failed to satisfy constraint: Member must satisfy enum "
                f"value set: [{', '.join(STARTING_POSITIONS)}]"
            )
        if position == "AT_TIMESTAMP":  # DynamoDB refuses it; a Kinesis timestamp is not offered
            raise InvalidParameterValueException(
                f"Unsupported starting position for arn type: {source.arn}"
            )
    mapping = EventSourceMapping(
        service, function_name, source, batch_size, maximum_batching_window, types, position,
        bool(bisect_batch_on_function_error), maximum_retry_attempts, destination_on_failure,
    )  # fmt: skip
    if sqs:
        from lambda_nb.aws.sqs_poller import SqsPoller

        mapping._poller = SqsPoller(mapping)
    else:
        from lambda_nb.aws.stream_poller import StreamPoller

        mapping._poller = StreamPoller(mapping)
    _hook_local_aws()
    with _lock:
        _mappings[mapping.uuid] = mapping
    mapping._start(enabled)
    return mapping


def _hook_local_aws() -> None:
    """Mappings end when the local AWS is reset or stopped: their sources are gone."""
    global _hooked
    from lambda_nb.aws.server import LOCAL

    with _lock:
        if _hooked:
            return
        _hooked = True
    LOCAL.on_stop.append(delete_all)
    LOCAL.on_reset.append(delete_all)


def all_mappings() -> list[EventSourceMapping]:
    with _lock:
        return list(_mappings.values())


def of_function(service: LambdaService, function_name: str) -> list[EventSourceMapping]:
    return [m for m in all_mappings() if m.service is service and m.function_name == function_name]


def get(mapping_uuid: str) -> EventSourceMapping:
    with _lock:
        found = _mappings.get(mapping_uuid)
    if found is None:
        raise ResourceNotFoundException("The resource you requested does not exist.")
    return found


def remove_function(service: LambdaService, function_name: str) -> list[EventSourceMapping]:
    """Stop the function's mappings without waiting (its environments are about to end, which
    ends a batch in flight); the caller joins them afterwards."""
    found = of_function(service, function_name)
    for mapping in found:
        mapping.delete(wait=False)
    return found


def delete_all() -> None:
    found = all_mappings()
    for mapping in found:
        mapping.delete(wait=False)
    deadline = time.monotonic() + 60
    for mapping in found:
        mapping.join(max(deadline - time.monotonic(), 0.1))


# ------------------------------------------------------------ partial batch responses
def failed_items(inv: Invocation, ids: list[str]) -> set[str] | None:
    """Which items of a batch failed, from the function's result (lambda-runtime.md 10): None
    means the whole batch failed (an error, or a response that is not a valid partial batch
    response); an empty set means all succeeded."""
    if inv.status != "success":
        return None
    payload = inv.payload
    if not isinstance(payload, dict):
        return set()  # null, empty or another value: success
    failures = payload.get("batchItemFailures")
    if failures is None or failures == []:
        return set()
    if not isinstance(failures, list):
        return None
    found: set[str] = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not ident or ident not in ids:
            return None
        found.add(ident)
    return found
