"""CORS as a function URL or an HTTP API applies it when it is configured (triggers.md 1.6).

The configuration has the API's own keys: `AllowOrigins`, `AllowMethods`, `AllowHeaders`,
`ExposeHeaders`, `AllowCredentials`, `MaxAge`. The front end then adds the
`Access-Control-*` headers to every response to a request with an allowed `Origin`, and they
replace any the function returned. A preflight (`OPTIONS` with `Origin` and
`Access-Control-Request-Method`) is answered by the front end without invoking the function,
as SAM does (whether AWS invokes for it is UNCONFIRMED in the spec). A REST API has no such
setting (its CORS is methods and responses of its own), so it is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_nb.aws.http_response import HttpResponse

KEYS = ("AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "AllowCredentials",
        "MaxAge")  # fmt: skip
DEFAULT_MAX_AGE = 5  # seconds, the function URL default (triggers.md 1.6)


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int = DEFAULT_MAX_AGE

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> Cors:
        unknown = sorted(set(config) - set(KEYS))
        if unknown:
            raise ValueError(f"cors: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")

        def names(key: str) -> tuple[str, ...]:
            value = config.get(key) or ()
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"cors: {key} must be a list of strings")
            return tuple(value)

        max_age = config.get("MaxAge", DEFAULT_MAX_AGE)
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
            raise ValueError("cors: MaxAge must be a whole number of seconds")
        return cls(
            names("AllowOrigins"), names("AllowMethods"), names("AllowHeaders"),
            names("ExposeHeaders"), bool(config.get("AllowCredentials", False)), max_age,
        )  # fmt: skip

    def allowed_origin(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for `origin`, None if it is not allowed."""
        if not origin:
            return None
        if "*" in self.allow_origins:
            return "*" if not self.allow_credentials else origin
        return origin if origin in self.allow_origins else None

    @staticmethod
    def is_preflight(method: str, origin: str, requested_method: str) -> bool:
        return method == "OPTIONS" and bool(origin) and bool(requested_method)

    def preflight(self, origin: str) -> HttpResponse:
        response = HttpResponse(200)
        allowed = self.allowed_origin(origin)
        if allowed is not None:
            response.headers.append(("Access-Control-Allow-Origin", allowed))
            if self.allow_methods:
                response.headers.append(
                    ("Access-Control-Allow-Methods", ",".join(self.allow_methods))
                )
            if self.allow_headers:
                response.headers.append(
                    ("Access-Control-Allow-Headers", ",".join(self.allow_headers))
                )
            response.headers.append(("Access-Control-Max-Age", str(self.max_age)))
            if self.allow_credentials:
                response.headers.append(("Access-Control-Allow-Credentials", "true"))
        return response

    def apply(self, response: HttpResponse, origin: str) -> None:
        """Replace the function's Access-Control-* headers with the configured ones."""
        response.headers = [
            (n, v) for n, v in response.headers if not n.lower().startswith("access-control-")
        ]
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return
        response.headers.append(("Access-Control-Allow-Origin", allowed))
        if self.expose_headers:
            response.headers.append(
                ("Access-Control-Expose-Headers", ",".join(self.expose_headers))
            )
        if self.allow_credentials:
            response.headers.append(("Access-Control-Allow-Credentials", "true"))
