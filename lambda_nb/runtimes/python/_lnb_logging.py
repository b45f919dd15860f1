"""Lambda's logging set-up for the root logger (see bootstrap.py).

Importing `logging` costs a cold start several milliseconds, and many functions never use it.
So bootstrap.py does not import it: this module is loaded the moment `logging` is first
imported (by the function, a library, or the runtime's own warnings) and then configures the
root logger exactly as awslambdaric does at start-up, before the importer gets the module.
"""

from __future__ import annotations

import logging
import time

from _lnb_core import JSON_FRAME_TYPES, TEXT_FRAME_TYPES, InvokeState

TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Whole seconds, as in awslambdaric's source; the docs' example is UNCONFIRMED
# (lambda-runtime.md section 4.4), so we follow the code real Lambda runs.
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord attributes that are not user `extra=` fields, so JSON records leave them out.
_RESERVED_FIELDS = {
    "name",
    "msg",
    "args",
    "levelname",
    "levelno",
    "pathname",
    "filename",
    "module",
    "exc_info",
    "exc_text",
    "stack_info",
    "lineno",
    "funcName",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "processName",
    "process",
    "aws_request_id",
    "tenant_id",
    "_frame_type",
}


def setup_logging(json_format: bool, log_level: str, log_sink: object) -> None:
    """Attach the Lambda handler to the root logger (awslambdaric's _setup_logging).

    Timestamps are UTC for every formatter; the root level changes only when
    AWS_LAMBDA_LOG_LEVEL names a level, so by default `logger.info()` is dropped.
    """
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    handler: logging.Handler
    if json_format or log_level:
        handler = LambdaLoggerHandlerWithFrameType(log_sink)
    else:
        handler = LambdaLoggerHandler(log_sink)
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    if log_level in logging._nameToLevel:
        root.setLevel(log_level)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


def format_log_level(record: logging.LogRecord) -> int:
    """The record's level rounded down to a standard one (0..50), as frame types are keyed."""
    return min(50, max(0, record.levelno)) // 10 * 10


class LambdaLoggerHandler(logging.Handler):
    """Text format without AWS_LAMBDA_LOG_LEVEL: every record goes out as an untyped frame."""

    def __init__(self, log_sink: object) -> None:
        logging.Handler.__init__(self)
        self.log_sink = log_sink

    def emit(self, record: logging.LogRecord) -> None:
        self.log_sink.log(self.format(record))  # type: ignore[attr-defined]


class LambdaLoggerHandlerWithFrameType(logging.Handler):
    """JSON format or an explicit log level: the frame type carries the record's level."""

    def __init__(self, log_sink: object) -> None:
        super().__init__()
        self.log_sink = log_sink

    def emit(self, record: logging.LogRecord) -> None:
        self.log_sink.log(  # type: ignore[attr-defined]
            self.format(record),
            frame_type=(
                getattr(record, "_frame_type", None)
                or TEXT_FRAME_TYPES.get(format_log_level(record))
            ),
        )


class LambdaLoggerFilter(logging.Filter):
    """Stamps each record with the current request id ("" during init) and tenant id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = InvokeState.request_id or ""
        record.tenant_id = InvokeState.tenant_id
        return True


class JsonFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record, keys in Lambda's order."""

    def __init__(self) -> None:
        super().__init__(datefmt=JSON_DATE_FORMAT)
        import json

        # default=str: a non-serialisable `extra` value is written as its str(), not dropped.
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = format_log_level(record)
        record.levelname = logging.getLevelName(record.levelno)
        record._frame_type = JSON_FRAME_TYPES.get(record.levelno, JSON_FRAME_TYPES[0])
        exc_info = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": (
                record.msg
                if isinstance(record.msg, dict) and not record.args
                else record.getMessage()
            ),
            "logger": record.name,
            "stackTrace": _format_stack(exc_info),
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": _location(record) if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED_FIELDS and key not in result
        )
        return self._encode({k: v for k, v in result.items() if v is not None}) + "\n"


def _format_stack(exc_info: object) -> list[str] | None:
    if not exc_info:
        return None
    import traceback

    return traceback.format_tb(exc_info[2])  # type: ignore[index]


def _location(record: logging.LogRecord) -> str:
    return f"{record.pathname}:{record.funcName}:{record.lineno}"
