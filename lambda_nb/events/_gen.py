"""Randomness and a clock for one build: fresh ids and times per call, reproducible with a seed."""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime, timedelta

from lambda_nb.events._clock import UTC

# A seeded build must not depend on the wall clock, so it starts from a fixed instant.
_SEEDED_START = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
_ALNUM = string.ascii_letters + string.digits


class Gen:
    """Every id, token and timestamp of one event comes from here, so `seed` controls them all."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        if seed is None:
            start = datetime.now(UTC)
        else:
            start = _SEEDED_START + timedelta(milliseconds=self.rng.randrange(86_400_000))
        self.now = start.replace(microsecond=start.microsecond // 1000 * 1000)

    def at(self, offset_ms: int = 0) -> datetime:
        """The build's instant shifted by `offset_ms` (batches use small rising offsets)."""
        return self.now + timedelta(milliseconds=offset_ms)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, n: int, upper: bool = False) -> str:
        text = f"{self.rng.getrandbits(4 * n):0{n}x}"
        return text.upper() if upper else text

    def digits(self, n: int) -> str:
        """`n` decimal digits without a leading zero, so the value keeps its width."""
        return str(self.rng.randrange(10 ** (n - 1), 10**n))

    def chars(self, n: int, alphabet: str = _ALNUM) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def lower(self, n: int) -> str:
        """Lower-case letters and digits, the shape of API ids and URL ids."""
        return self.chars(n, string.ascii_lowercase + string.digits)

    def upper(self, n: int) -> str:
        """Upper-case letters and digits, the shape of IAM unique ids."""
        return self.chars(n, string.ascii_uppercase + string.digits)

    def token(self, n: int) -> str:
        """A base64-looking opaque token (receipt handles, signatures)."""
        return self.chars(n, _ALNUM + "+/")

    def ip(self) -> str:
        """An address from the documentation ranges (RFC 5737), never a real host."""
        net = self.rng.choice(("198.51.100", "203.0.113", "192.0.2"))
        return f"{net}.{self.rng.randint(1, 254)}"

    def trace_id(self) -> str:
        """An X-Ray trace header as load balancers and API Gateway send it."""
        return f"Root=1-{self.hex(8)}-{self.hex(24)}"
