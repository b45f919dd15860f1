"""Waiting for a condition instead of sleeping for a guessed time: the suite runs on loaded CI
machines, where "it surely happened after 0.5 s" does not hold.

Imported by the tests as `from waiting import wait_until` (tests/ is on sys.path, as for
`lab_harness` and `pt_models`: the test folders have no __init__.py).
"""

from __future__ import annotations

import _thread
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 30.0,
    interval: float = 0.02,
    message: str = "",
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy; return that.

    After `timeout` seconds raise AssertionError with `message` (or the predicate's name) and
    the last value it returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(f"not true within {timeout:g} s: {what} (last: {value!r})")
        time.sleep(interval)


@contextlib.contextmanager
def interrupt_main_when(ready: Callable[[], object], timeout: float = 60.0) -> Iterator[None]:
    """Inside the block, interrupt the main thread (as Kernel > Interrupt does) once `ready()`
    is true, e.g. once a handler has signalled that it runs. Nothing is interrupted after the
    block ends; if `ready()` never holds, nothing is interrupted at all."""
    done = threading.Event()
    lock = threading.Lock()

    def watch() -> None:
        try:
            wait_until(lambda: done.is_set() or ready(), timeout=timeout)
        except AssertionError:
            return  # the block fails on its own: it was never interrupted
        with lock:
            if not done.is_set():
                _thread.interrupt_main()

    watcher = threading.Thread(target=watch, name="interrupt-main-when", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        with lock:
            done.set()
        watcher.join()
