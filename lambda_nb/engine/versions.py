"""Versions and aliases: what a qualifier names, and how a weighted alias splits traffic.

A published version freezes the function's code and configuration (`$LATEST` goes on changing
with each new revision); an alias names a version, and with routing sends a share of its traffic
to a second one. A qualified invoke runs that version: `context.function_version`, the START
line's `Version` and `AWS_LAMBDA_FUNCTION_VERSION` carry its number, and the invoked ARN carries
the qualifier (lambda-runtime.md 1, 3 and 4.1).

The API's wording for these errors is not in the spec (UNCONFIRMED): the messages follow the
Lambda API's usual forms (`Function not found: <arn>`, validation errors).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from lambda_nb.engine.errors import InvalidParameterValueException, ValidationException

_ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")


@dataclass(frozen=True)
class Alias:
    name: str
    version: str
    routing: dict[str, float] = field(default_factory=dict)  # {version: weight 0..1}, one entry

    def pick(self, rand: float | None = None) -> str:
        """The version one invoke runs: the routed version with its weight, else the primary."""
        r = random.random() if rand is None else rand
        for version, weight in self.routing.items():
            if r < weight:
                return version
        return self.version


def check_alias(name: str, version: str, routing: dict[str, float] | None) -> Alias:
    """An alias as CreateAlias checks it (the versions' existence is the service's to check)."""
    if not isinstance(name, str) or not _ALIAS_NAME.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )
    routing = dict(routing or {})
    if len(routing) > 1:
        raise InvalidParameterValueException(
            "Number of items in AdditionalVersionWeights cannot be greater than 1"
        )
    for extra, weight in routing.items():
        if extra == version:
            raise InvalidParameterValueException(
                f"Invalid function version {extra}. Function version {extra} is already "
                "included in routing configuration."
            )
        if (
            isinstance(weight, bool)
            or not isinstance(weight, (int, float))
            or not (0.0 <= weight <= 1.0)
        ):
            raise ValidationException(
                f"1 validation error detected: Value '{weight}' at "
                "'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
                "Map value must satisfy constraint: [Member must have value less than or equal "
                "to 1.0, Member must have value greater than or equal to 0.0]"
            )
    return Alias(name, version, {k: float(v) for k, v in routing.items()})
