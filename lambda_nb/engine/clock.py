"""Lambda time: the clock of the asynchronous invocation model, which a notebook may speed up.

Retries wait about a minute, then two (lambda-runtime.md 8), and an event may age for six hours:
faithful, and too slow to watch in a lesson. `time_scale(60)` makes a minute of such waiting
pass in a second. Only the waiting of the invocation model is scaled (retry delays, throttle
backoff, event age); a function's own timeout and everything inside an execution environment
keep real time, since user code measures them.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Monotonic seconds of Lambda time. Changing the factor re-bases it, so time never jumps."""

    def __init__(self, factor: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._factor = 1.0
        self._base_lambda = 0.0
        self._base_real = time.monotonic()
        self.set_factor(factor)

    @property
    def factor(self) -> float:
        return self._factor

    def set_factor(self, factor: float) -> None:
        if not factor > 0:
            raise ValueError(f"the time scale must be a positive number, not {factor!r}")
        with self._lock:
            real = time.monotonic()
            self._base_lambda += (real - self._base_real) * self._factor
            self._base_real = real
            self._factor = float(factor)

    def now(self) -> float:
        with self._lock:
            return self._base_lambda + (time.monotonic() - self._base_real) * self._factor

    def real_seconds(self, lambda_seconds: float) -> float:
        """How long a wait of `lambda_seconds` takes in real time at the current factor."""
        return max(lambda_seconds, 0.0) / self._factor


class ManualClock(Clock):
    """A clock that moves only when told to: for unit tests of the schedule."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def real_seconds(self, lambda_seconds: float) -> float:
        return 0.001 if lambda_seconds > 0 else 0.0  # poll: only advance() moves time


CLOCK = Clock()  # the process's Lambda time, shared by every service


def time_scale(factor: float) -> float:
    """Make Lambda's waiting `factor` times faster (60: a minute passes in a second); returns the
    previous factor. `time_scale(1)` restores real time."""
    previous = CLOCK.factor
    CLOCK.set_factor(factor)
    return previous
