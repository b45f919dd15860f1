"""The asynchronous invocation queue: events wait here, a poller invokes the function, failures
are retried, and the outcome goes to a destination.

As Lambda does it (lambda-runtime.md 8, triggers.md 4 and 5):
- a function error or timeout is retried up to `maximum_retry_attempts` times, about a minute
  before the first retry and two before the second, with the same request id;
- the event's age is checked before each retry: if the retry would start after
  `maximum_event_age`, the event ends at once as `EventAgeExceeded`;
- a throttled event (reserved concurrency in use) goes back to the queue with exponential
  backoff, 1 s doubling to 5 min, until its age runs out; throttles are not attempts;
- with reserved concurrency 0 nothing runs: the on-failure destination gets the record at once,
  `ZeroReservedConcurrency` with `approximateInvokeCount` 0.

The queue knows nothing of functions: the service gives it four callables (run one attempt, read
the config, read the reserved concurrency, deliver a record). Waits are in Lambda time
(`engine.clock`), so `time_scale` speeds them up and unit tests can drive a manual clock.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_nb.engine.clock import Clock
from lambda_nb.engine.destinations import RETRY_DELAYS, EventInvokeConfig, destination_record
from lambda_nb.engine.errors import TooManyRequestsException
from lambda_nb.engine.records import AsyncRequest, AsyncStatus, Invocation

THROTTLE_BACKOFF_FIRST, THROTTLE_BACKOFF_MAX = 1.0, 300.0


def _logger() -> Any:
    """lambda_nb's logger, for failures of the queue's own threads (imported when one fails:
    logging costs every `lambda-nb` command a few milliseconds)."""
    import logging

    return logging.getLogger("lambda_nb")


_POLL_REAL_S = 0.05  # the scheduler re-reads the clock at least this often (the scale may change)


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    request: AsyncRequest = field(compare=False)


@dataclass
class QueueHooks:
    """What the queue needs from the service."""

    attempt: Callable[[AsyncRequest], Invocation | None]  # None: the function is gone
    config: Callable[[str], EventInvokeConfig]
    reserved: Callable[[str], int | None]
    deliver: Callable[[str, dict[str, Any]], AsyncRequest | None]  # (destination, record)
    function_arn: Callable[[AsyncRequest], str]  # qualified, as the record names it
    # The function's dead-letter queue (DeadLetterConfig): gets a failed event itself.
    dead_letter: Callable[[AsyncRequest, Invocation | None], None] | None = None


class EventQueue:
    """Every function's queued events, one scheduler thread, one thread per running attempt."""

    def __init__(self, hooks: QueueHooks, clock: Clock) -> None:
        self.hooks = hooks
        self.clock = clock
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._running: set[threading.Thread] = set()
        # Bumped when a function's events are dropped (it was deleted): an attempt of an older
        # generation that comes back to be retried is dropped, not run on a new function.
        self._generation: dict[str, int] = {}
        self._closed = False
        self._scheduler: threading.Thread | None = None

    # ------------------------------------------------------------- entry
    def submit(self, request: AsyncRequest) -> AsyncRequest:
        """Queue a new event; it is attempted as soon as the scheduler gets to it."""
        request.enqueued_at = self.clock.now()
        with self._cv:
            request.generation = self._generation.get(request.function_name, 0)
        self._schedule(request, request.enqueued_at, "queued")
        return request

    def _schedule(self, request: AsyncRequest, at: float, status: AsyncStatus) -> None:
        with self._cv:
            gone = request.generation != self._generation.get(request.function_name, 0)
            if self._closed or gone:
                self._drop(request)
                return
            request.status = status
            heapq.heappush(self._heap, _Due(at, next(self._seq), request))
            if self._scheduler is None:
                self._scheduler = threading.Thread(
                    target=self._schedule_loop, name="lambda_nb-event-queue", daemon=True
                )
                self._scheduler.start()
            self._cv.notify_all()

    # ---------------------------------------------------------- scheduler
    def _schedule_loop(self) -> None:
        while True:
            with self._cv:
                while True:
                    if self._closed:
                        return
                    if self._heap:
                        wait = self._heap[0].at - self.clock.now()
                        if wait <= 0:
                            due = heapq.heappop(self._heap)
                            break
                        real = min(self.clock.real_seconds(wait), _POLL_REAL_S)
                    else:
                        real = None
                    self._cv.wait(real)
                worker = threading.Thread(
                    target=self._run, args=(due.request,), name="lambda_nb-async", daemon=True
                )
                self._running.add(worker)
            worker.start()

    def _run(self, request: AsyncRequest) -> None:
        try:
            self._attempt(request)
        finally:
            with self._cv:
                self._running.discard(threading.current_thread())
                self._cv.notify_all()

    def _attempt(self, request: AsyncRequest) -> None:
        config = self.hooks.config(request.function_name)
        if self.hooks.reserved(request.function_name) == 0:  # nothing may run: fail at once
            self._end(request, "failed", "ZeroReservedConcurrency", None)
            return
        try:  # the service sets "running" once an environment has the event
            inv = self.hooks.attempt(request)
        except TooManyRequestsException:
            self._throttled(request, config)
            return
        except Exception:  # the service could not run it at all (not the function's error)
            _logger().exception(
                "lambda_nb: an asynchronous attempt of %s failed", request.request_id
            )
            self._end(request, "failed", "RetriesExhausted", None)
            return
        if inv is None or inv.status == "aborted":
            self._drop(request)
            return
        request.attempts.append(inv)
        if inv.status == "success":
            self._end(request, "succeeded", "Success", inv)
            return
        retries_done = len(request.attempts) - 1
        if retries_done >= config.maximum_retry_attempts:
            self._end(request, "failed", "RetriesExhausted", inv)
            return
        delay = RETRY_DELAYS[min(retries_done, len(RETRY_DELAYS) - 1)]
        self._again(request, delay, "retrying", config)

    def _throttled(self, request: AsyncRequest, config: EventInvokeConfig) -> None:
        """Back to the queue with backoff; the next attempt sees a reserved concurrency of 0."""
        delay = min(THROTTLE_BACKOFF_FIRST * 2**request.throttles, THROTTLE_BACKOFF_MAX)
        request.throttles += 1
        self._again(request, delay, "retrying" if request.attempts else "queued", config)

    def _again(
        self, request: AsyncRequest, delay: float, status: AsyncStatus, config: EventInvokeConfig
    ) -> None:
        """Queue the event again in `delay` seconds of Lambda time, unless it would be older
        than its maximum age by then: then it ends now, with its last response if any."""
        at = self.clock.now() + delay
        if at - request.enqueued_at > config.maximum_event_age:
            last = request.attempts[-1] if request.attempts else None
            self._end(request, "expired", "EventAgeExceeded", last)
            return
        self._schedule(request, at, status)

    # ------------------------------------------------------------- outcome
    def _end(
        self, request: AsyncRequest, status: AsyncStatus, condition: str, last: Invocation | None
    ) -> None:
        """The event is done: tell its destination, then wake whoever waits on it (whatever
        the delivery does: a record it cannot deliver is lost, as on AWS)."""
        request.status = status
        request.condition = condition
        try:
            config = self.hooks.config(request.function_name)
            response = None
            if last is not None:
                failed = last.status != "success"
                body = last.raw_payload if not failed else _error_bytes(last)
                response = (last.version, body, failed)
            request.record = destination_record(
                request.request_id,
                self.hooks.function_arn(request),
                condition,
                len(request.attempts),
                request.payload,
                response,
            )
            target = config.on_success if condition == "Success" else config.on_failure
            if target is not None:
                request.delivery = self.hooks.deliver(target, request.record)
        except Exception:  # the event is done all the same; say why its record went nowhere
            _logger().exception("lambda_nb: the record of %s was not delivered", request.request_id)
        try:  # a failed event also goes to the function's dead-letter queue, if it has one
            if condition != "Success" and self.hooks.dead_letter is not None:
                self.hooks.dead_letter(request, last)
        except Exception:
            _logger().exception("lambda_nb: %s missed the dead-letter queue", request.request_id)
        finally:
            request._done.set()

    @staticmethod
    def _drop(request: AsyncRequest) -> None:
        request.status = "dropped"
        request._done.set()

    # ------------------------------------------------------------ shutdown
    def drop(self, function_name: str | None = None) -> list[AsyncRequest]:
        """Remove the queued events of one function (or all); they end as "dropped", and so
        does an attempt running now if it comes back to be retried."""
        with self._cv:
            if function_name is not None:
                self._generation[function_name] = self._generation.get(function_name, 0) + 1
            keep, dropped = [], []
            for due in self._heap:
                if function_name is None or due.request.function_name == function_name:
                    dropped.append(due.request)
                else:
                    keep.append(due)
            heapq.heapify(keep)
            self._heap = keep
        for request in dropped:
            self._drop(request)
        return dropped

    def close(self) -> list[AsyncRequest]:
        """Stop taking events: the queued ones are dropped (and returned). Attempts already
        running go on until their environments end; `join` waits for them."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        return self.drop()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until no attempt is running; False if some still are after `timeout`."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._running, timeout)

    @property
    def pending(self) -> int:
        with self._cv:
            return len(self._heap) + len(self._running)


def _error_bytes(inv: Invocation) -> bytes | None:
    return None if inv.error is None else json.dumps(inv.error).encode()
