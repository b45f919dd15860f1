"""A burst: many events invoked at once by several callers, to watch Lambda scale out.

Each caller thread takes the next event and invokes synchronously; each concurrent invocation
gets an environment of its own (the service makes more as needed) or, over the function's
reserved concurrency, a throttle, which is that event's result. An interrupt of the calling
thread (a kernel interrupt) aborts the invocations in flight, starts no more, and propagates.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from lambda_nb.engine.errors import InvokeError

if TYPE_CHECKING:
    from lambda_nb.engine.records import Invocation
    from lambda_nb.engine.service import LambdaService

_JOIN_S = 0.05  # the caller wakes this often, so an interrupt reaches it


class _Cancelled(BaseException):
    """Raised in a caller thread's progress callback: its environment aborts the invocation."""


def invoke_many(
    service: LambdaService,
    name: str,
    events: list[Any],
    concurrency: int,
    qualifier: str | None = None,
) -> list[Invocation | InvokeError]:
    if not events:
        raise ValueError("invoke_many needs at least one event")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number of at least 1, not {concurrency!r}")
    service.require(name, qualifier)
    results: list[Invocation | InvokeError | None] = [None] * len(events)
    cancel = threading.Event()
    lock = threading.Lock()
    next_index = iter(range(len(events)))

    def check(_inv: Invocation) -> None:
        if cancel.is_set():
            raise _Cancelled

    def caller(finished: threading.Event) -> None:
        try:
            call_until_done()
        finally:
            finished.set()

    def call_until_done() -> None:
        while not cancel.is_set():
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            try:
                results[i] = service.invoke(name, events[i], qualifier=qualifier, on_progress=check)  # type: ignore[assignment]
            except InvokeError as exc:  # a throttle, or a refused event: that event's result
                results[i] = exc
            except _Cancelled:
                return

    # Each caller says when it is finished with an Event of its own. With Thread.join, a
    # KeyboardInterrupt landing inside join() sometimes let a later join() return while the
    # caller still ran (seen in test_async_invoke), and after an interrupt every invocation
    # must have ended before we return.
    finished = [threading.Event() for _ in range(min(concurrency, len(events)))]
    for k, done in enumerate(finished):
        threading.Thread(
            target=caller, args=(done,), name=f"lambda_nb-burst-{k}", daemon=True
        ).start()
    try:
        for done in finished:
            while not done.wait(_JOIN_S):
                pass
    except BaseException:
        cancel.set()
        for done in finished:
            done.wait()
        raise
    answered = [r for r in results if r is not None]
    assert len(answered) == len(events), "every event has its result"
    return answered
