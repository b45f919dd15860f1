"""Errors the caller of the engine sees (not function errors: those are Invocation results)."""

from __future__ import annotations

import time


class LambdaNbError(Exception):
    """Base class of every error lambda_nb raises itself."""


class ConfigError(LambdaNbError, ValueError):
    """An invalid function setting; the message names the limit, in AWS's wording where known."""


class RuntimeNotFound(ConfigError):
    """The requested runtime cannot be run on this machine."""


class InvokeError(LambdaNbError):
    """The Invoke request itself was refused, as the Lambda API refuses it (no invocation ran)."""

    error_code = "InvokeError"

    def __str__(self) -> str:
        return f"{self.error_code}: {self.args[0]}" if self.args else self.error_code


class RequestEntityTooLargeException(InvokeError):
    error_code = "RequestEntityTooLargeException"


class InvalidRequestContentException(InvokeError):
    error_code = "InvalidRequestContentException"


class ResourceNotFoundException(InvokeError, LookupError):
    error_code = "ResourceNotFoundException"


class ValidationException(InvokeError, ValueError):
    """A request parameter outside what the API accepts (an unknown InvocationType, a client
    context over its size limit)."""

    error_code = "ValidationException"


class InvalidParameterValueException(InvokeError, ValueError):
    """A setting the API refuses for what it means, not its form (a function as its own
    destination, a destination that does not exist)."""

    error_code = "InvalidParameterValueException"


class TooManyRequestsException(InvokeError):
    """The function is throttled: its reserved concurrency is in use (HTTP 429).

    `reason` is the API's `Reason` field; `status_code` its HTTP status
    (lambda-runtime.md 5.9, triggers.md 4)."""

    error_code = "TooManyRequestsException"
    status_code = 429

    def __init__(
        self,
        message: str = "Rate Exceeded.",
        reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded",
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.at = time.time()  # when Lambda said no (a burst's timeline marks it)


class ResourceConflictException(InvokeError):
    """The resource exists already, or is changing (HTTP 409)."""

    error_code = "ResourceConflictException"


class BuildError(LambdaNbError, ValueError):
    """The function's code could not be built (a requirement failed to install, a layer is
    missing or too large): nothing was published, the previous revision stays live. The
    message is pip's or npm's own, or AWS's wording for a limit."""
