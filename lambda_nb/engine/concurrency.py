"""Concurrency: how many invocations of a function run at once, and when Lambda says no.

Each concurrent invocation has its own execution environment (the service makes more as they
are needed). Reserved concurrency caps a function and sets that much of the account's pool
aside; an invoke over the cap is throttled: a synchronous caller gets 429
`TooManyRequestsException` with `Reason` `ReservedFunctionConcurrentInvocationLimitExceeded`,
an asynchronous event goes back to its queue. Facts: triggers.md 4 (the account's 1,000, the
unreserved floor of 100 and its error text, reserved 0 throttling everything) and
lambda-runtime.md 5.9 (the throttle's body).
"""

from __future__ import annotations

import threading

from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    TooManyRequestsException,
    ValidationException,
)

ACCOUNT_LIMIT = 1000  # concurrent executions per Region, the default quota
UNRESERVED_MIN = 100  # what reservations must leave to the other functions


class Concurrency:
    """Running counts per function, reserved concurrency, and the throttle decision."""

    def __init__(self, account_limit: int = ACCOUNT_LIMIT) -> None:
        self.account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserved(self, name: str) -> int | None:
        return self._reserved.get(name)

    def running(self, name: str) -> int:
        return self._running.get(name, 0)

    def reserve(self, name: str, value: int | None) -> None:
        """Set (or with None remove) a function's reserved concurrency, as PutFunctionConcurrency
        checks it."""
        with self._lock:
            if value is None:
                self._reserved.pop(name, None)
                return
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationException(
                    f"reservedConcurrentExecutions must be a whole number, not {value!r}"
                )
            if value < 0:
                raise ValidationException(
                    f"1 validation error detected: Value '{value}' at "
                    "'reservedConcurrentExecutions' failed to satisfy constraint: Member must "
                    "have value greater than or equal to 0"
                )
            others = sum(v for k, v in self._reserved.items() if k != name)
            if others + value > self.account_limit - UNRESERVED_MIN:
                raise InvalidParameterValueException(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MIN}]."
                )
            self._reserved[name] = value

    def enter(self, name: str) -> None:
        """One more invocation of `name` starts, or the throttle is raised."""
        with self._lock:
            running = self._running.get(name, 0)
            reserved = self._reserved.get(name)
            if reserved is not None and running >= reserved:
                raise TooManyRequestsException()
            if sum(self._running.values()) >= self.account_limit:
                raise TooManyRequestsException(reason="ConcurrentInvocationLimitExceeded")
            self._running[name] = running + 1

    def leave(self, name: str) -> None:
        with self._lock:
            self._running[name] = max(self._running.get(name, 0) - 1, 0)
