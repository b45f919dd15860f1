"""Stage throttling of an API Gateway API: a token bucket with a rate and a burst.

An API's stage (or route) can be given a rate limit (requests per second, refilled
continuously) and a burst limit (the bucket's size); a request that finds the bucket empty is
refused by the gateway itself with 429, before any invoke (triggers.md 1.8 and 1.9, AG23
`http-api-throttling`). Function URLs have no such setting: their throttle is the function's
concurrency (triggers.md 4).
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        if not rate > 0 or isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(
                f"throttle ({rate!r}, {burst!r}): expected (requests per second > 0, burst >= 1)"
            )
        self.rate = float(rate)
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """One request: True if the bucket had a token for it."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False
