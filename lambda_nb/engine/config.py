"""A function's configuration and its limits (lambda-runtime.md section 7)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambda_nb.engine.errors import ConfigError

TIMEOUT_MIN, TIMEOUT_MAX, TIMEOUT_DEFAULT = 1, 900, 3
MEMORY_MIN, MEMORY_MAX, MEMORY_DEFAULT = 128, 10240, 128
# /tmp in MB: EphemeralStorage.Size (sandbox-and-packages.md 1.1; lambda-runtime.md 7).
EPHEMERAL_MIN, EPHEMERAL_MAX, EPHEMERAL_DEFAULT = 512, 10240, 512
ENV_VARS_MAX_BYTES = 4096
INIT_TIMEOUT_S = 10.0
REQUEST_MAX_BYTES = 6291456  # sync Invoke request: "Request must be smaller than 6291456 bytes"
# Event (asynchronous) Invoke request: 256 KB historically, 1 MB since October 2025
# (lambda-runtime.md 7; the limit in the error text is UNCONFIRMED, presumably this number).
ASYNC_REQUEST_MAX_BYTES = 1048576
RESPONSE_MAX_BYTES = 6291556  # response: 6 MiB + 100, as the real error message says
LOG_FORMATS = ("Text", "JSON")
ARCHITECTURES = ("x86_64", "arm64")
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"

# Keys Lambda reserves; a function may not set them (AWS: "Reserved keys used in this request").
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ENV_KEY_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_HANDLER_RE = re.compile(r"[^\s]{1,128}")


@dataclass(frozen=True)
class FunctionConfig:
    """What CreateFunction/UpdateFunctionConfiguration would hold for one function."""

    name: str = "my-function"
    handler: str = "lambda_function.lambda_handler"
    runtime: str | None = None  # e.g. "python3.12"; None = the interpreter running lambda_nb
    timeout: float = TIMEOUT_DEFAULT
    memory: int = MEMORY_DEFAULT
    environment: dict[str, str] = field(default_factory=dict)
    log_format: str = "Text"
    log_level: str | None = None
    runtime_client: str = "lambda_nb"  # or "awslambdaric" (AWS's own client, Linux)
    bootstrap: str | None = None  # a custom runtime's executable, run in place (provided.*)
    architecture: str = "x86_64"  # Architectures: what requirements are installed for
    # What the function's SDK sees of AWS (`aws=` of Function.from_source; lambda_nb/aws/
    # credentials.py): the choice, and the variables it set (credentials, endpoint), which
    # Lambda sets itself and a user may not (RESERVED_ENV_KEYS). Kept out of repr: secrets.
    aws: str | None = None
    aws_environment: dict[str, str] = field(default_factory=dict, repr=False)
    ephemeral_storage: int = EPHEMERAL_DEFAULT  # /tmp's size in MB (the sandbox enforces it)

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def with_changes(self, **changes: Any) -> FunctionConfig:
        return validate(replace(self, **changes))


def validate(cfg: FunctionConfig) -> FunctionConfig:
    """Check every setting against Lambda's limits; return the normalised config."""
    if not isinstance(cfg.name, str) or not _NAME_RE.fullmatch(cfg.name):  # no trailing "\n"
        raise ConfigError(
            f"1 validation error detected: Value '{cfg.name}' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64} "
            "(letters, digits, hyphens and underscores, at most 64 characters)"
        )
    # Only the handler's form is checked here, as the API does (`[^\s]+`, at most 128
    # characters; sandbox-and-packages.md on CreateFunction): a malformed or missing handler is
    # the runtime's Runtime.MalformedHandlerName / HandlerNotFound at init, which users learn.
    if not isinstance(cfg.handler, str) or not _HANDLER_RE.fullmatch(cfg.handler):
        raise ConfigError(
            f"1 validation error detected: Value '{cfg.handler}' at 'handler' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [^\\s]+ (no spaces or "
            "newlines, 1 to 128 characters)"
        )
    if isinstance(cfg.timeout, bool) or not isinstance(cfg.timeout, (int, float)):
        raise ConfigError(f"timeout must be a number of seconds, not {cfg.timeout!r}")
    if cfg.timeout != int(cfg.timeout):  # Lambda's Timeout is an integer; boto3 says so
        raise ConfigError(
            f"Parameter validation failed:\nInvalid type for parameter Timeout, value: "
            f"{cfg.timeout}, type: <class 'float'>, valid types: <class 'int'>"
        )
    if not TIMEOUT_MIN <= cfg.timeout <= TIMEOUT_MAX:
        raise ConfigError(
            f"1 validation error detected: Value '{cfg.timeout:g}' at 'timeout' failed to satisfy "
            f"constraint: Member must have value between {TIMEOUT_MIN} and {TIMEOUT_MAX} seconds"
        )
    if isinstance(cfg.memory, bool) or not isinstance(cfg.memory, int):
        raise ConfigError(f"memory must be a whole number of MB, not {cfg.memory!r}")
    if not MEMORY_MIN <= cfg.memory <= MEMORY_MAX:
        raise ConfigError(
            f"1 validation error detected: Value '{cfg.memory}' at 'memorySize' failed to satisfy "
            f"constraint: Member must have value between {MEMORY_MIN} and {MEMORY_MAX} MB"
        )
    _check_ephemeral_storage(cfg.ephemeral_storage)
    for key, value in (cfg.environment or {}).items():
        for what, item in ((f"Environment.Variables.{key}", value), ("Environment.Variables", key)):
            if not isinstance(item, str):  # boto3 refuses it; converting would hide the mistake
                raise ConfigError(
                    f"Parameter validation failed:\nInvalid type for parameter {what}, value: "
                    f"{item!r}, type: {type(item)}, valid types: <class 'str'>"
                )
    env = dict(cfg.environment or {})
    for key in env:
        if not _ENV_KEY_RE.fullmatch(key):
            raise ConfigError(
                f"Environment variable name '{key}' is invalid: names start with a letter and "
                "contain only letters, digits and underscores"
            )
    reserved = sorted(k for k in env if k in RESERVED_ENV_KEYS)
    if reserved:
        raise ConfigError(
            f"Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {','.join(reserved)}"
        )
    measured = json.dumps(env, separators=(",", ":"))
    if len(measured.encode()) > ENV_VARS_MAX_BYTES:
        raise ConfigError(
            "Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )
    log_format = _one_of("log format", cfg.log_format, LOG_FORMATS)
    log_level = None if cfg.log_level is None else _one_of("log level", cfg.log_level, LOG_LEVELS)
    if log_level is not None and log_format != "JSON":
        raise ConfigError(
            "Application log level can only be set with the JSON log format "
            "(as on AWS: LoggingConfig.ApplicationLogLevel requires LogFormat JSON)"
        )
    from lambda_nb.engine import runtime_family  # the runtime's record says what it takes

    family = runtime_family.of(cfg.runtime)
    if cfg.runtime_client not in ("lambda_nb", "awslambdaric"):
        raise ConfigError(
            f"runtime_client must be 'lambda_nb' or 'awslambdaric', not {cfg.runtime_client!r}"
        )
    if cfg.runtime_client not in family.clients:
        raise ConfigError(
            f"runtime_client {cfg.runtime_client!r} is not available for {cfg.runtime}: use "
            f"{' or '.join(repr(c) for c in family.clients)}"
        )
    if cfg.architecture not in ARCHITECTURES:  # the API's wording (sandbox-and-packages.md 3.2)
        raise ConfigError(
            f"1 validation error detected: Value '[{cfg.architecture}]' at 'architectures' "
            "failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy "
            "enum value set: [x86_64, arm64], Member must not be null]"
        )
    bootstrap = None
    if cfg.bootstrap is not None:
        if not family.takes_bootstrap:
            raise ConfigError(
                "bootstrap runs a custom runtime: use it with runtime provided.al2023 or "
                f"provided.al2, not {cfg.runtime or 'the default Python runtime'}"
            )
        bootstrap = str(Path(cfg.bootstrap).expanduser().resolve())
    return replace(
        cfg,
        bootstrap=bootstrap,
        timeout=float(cfg.timeout),
        environment=env,
        log_format=log_format,
        log_level=log_level,
    )


def _check_ephemeral_storage(size: object) -> None:
    """boto3's own check below the minimum, the API's above the maximum (the wording of both
    as triggers.md records them for other integer fields)."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise ConfigError(
            f"Parameter validation failed:\nInvalid type for parameter EphemeralStorage.Size, "
            f"value: {size!r}, type: {type(size)}, valid types: <class 'int'>"
        )
    if size < EPHEMERAL_MIN:
        raise ConfigError(
            f"Parameter validation failed:\nInvalid value for parameter EphemeralStorage.Size, "
            f"value: {size}, valid min value: {EPHEMERAL_MIN}"
        )
    if size > EPHEMERAL_MAX:
        raise ConfigError(
            f"1 validation error detected: Value '{size}' at 'ephemeralStorage.size' failed to "
            f"satisfy constraint: Member must have value less than or equal to {EPHEMERAL_MAX}"
        )


def _one_of(what: str, value: str, allowed: tuple[str, ...]) -> str:
    for option in allowed:
        if str(value).lower() == option.lower():
            return option
    raise ConfigError(f"Invalid {what} {value!r}: choose one of {', '.join(allowed)}")
