"""Which route (HTTP API) or resource (REST API) a request reaches, as API Gateway chooses.

A front end has a list of route keys, `"METHOD /path"` with `{name}` variables and a greedy
`{proxy+}`, `ANY` for every method, and for an HTTP API the catch-all `$default`. The most
specific match wins: a route for the request's method over `ANY`, literal segments over
variables, variables over a greedy path; `$default` takes what nothing else takes
(triggers.md 1.6). No match is the front end's own error: 404 for an HTTP API, 403
`Missing Authentication Token` for a REST API (http_errors.py). Function URLs route every path.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambda_nb.events._http import match_route

DEFAULT_ROUTE = "$default"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


@dataclass(frozen=True)
class Route:
    """One route key, e.g. `GET /items/{id}`, `ANY /{proxy+}` or `$default`."""

    key: str
    method: str = "ANY"
    template: str | None = None  # None for $default

    @classmethod
    def parse(cls, key: str) -> Route:
        """A route key as API Gateway writes it; a bad one is a ValueError that says why."""
        key = key.strip()
        if key == DEFAULT_ROUTE:
            return cls(key)
        method, sep, template = key.partition(" ")
        method = method.upper()
        if not sep or method not in METHODS or not template.startswith("/"):
            raise ValueError(
                f"route {key!r}: expected '$default' or 'METHOD /path' with METHOD one of "
                f"{', '.join(METHODS)} (e.g. 'GET /items/{{id}}', 'ANY /{{proxy+}}')"
            )
        return cls(f"{method} {template}", method, template)

    def rank(self, method: str) -> tuple[int, int, int] | None:
        """How specific this route is for `method` (higher wins), None if the method is not
        its own. A greedy path ranks below any other; then literal segments count; then a
        route for the method beats `ANY`."""
        if self.template is None or self.method not in (method, "ANY"):
            return None
        segments = [s for s in self.template.split("/") if s]
        greedy = any(s.endswith("+}") for s in segments)
        literal = sum(1 for s in segments if not s.startswith("{"))
        return (0 if greedy else 1, literal, 1 if self.method == method else 0)


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str] | None  # None when the route has no variables


def parse_routes(keys: list[str] | tuple[str, ...]) -> tuple[Route, ...]:
    if not keys:
        raise ValueError("routes: give at least one route key, e.g. '$default'")
    return tuple(Route.parse(k) for k in keys)


def choose(routes: tuple[Route, ...], method: str, path: str) -> Match | None:
    """The route `method path` reaches, with its path parameters; None if none does."""
    best: tuple[tuple[int, int, int], Route, dict[str, str]] | None = None
    for route in routes:
        rank = route.rank(method)
        if rank is None or route.template is None:
            continue
        found = match_route(route.template, path)
        if found is None:
            continue
        if best is None or rank > best[0]:
            best = (rank, route, found)
    if best is not None:
        return Match(best[1], best[2] or None)
    fallback = next((r for r in routes if r.template is None), None)
    return Match(fallback, None) if fallback is not None else None
