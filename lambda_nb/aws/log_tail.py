"""Reading the log tail an Invoke with `LogType=Tail` returns (X-Amz-Log-Result) back into log
records and a REPORT, so a remote invocation is drawn by the same views as a local one.

The tail is the last 4 KB of the invocation's log as text, without CloudWatch's timestamps:
one line per record for prints; a Python logging record that spans lines (an error with its
traceback) keeps its continuation lines, which start with whitespace (the runtime indents
traceback lines with no-break spaces) or `Traceback`. Platform
lines are recognised in both log formats: Text (`START RequestId: ...`, `REPORT ...`;
lambda-runtime.md 4.1) and JSON (`{"type": "platform.report", ...}`; lambda-runtime.md 4.7).
Plain Python: no boto3.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from lambda_nb.engine.records import LogRecord, Report, Source

TAIL_BYTES = 4096  # what Lambda returns at most: a full tail starts mid-line

_PLATFORM = re.compile(
    r"^(START RequestId: |END RequestId: |REPORT RequestId: |INIT_START |INIT_REPORT |"
    r"RESTORE_START |RESTORE_REPORT |EXTENSION\t|TELEMETRY\t|RequestId: \S+ Error: |"
    r"\S+Z \S+ Task timed out after )"
)
_PY_LEVEL = re.compile(r"^\[(?P<level>[A-Z]+)\][\t ]")  # `[ERROR] Type: msg` has a space
_NODE_LEVEL = re.compile(r"^\d{4}-\d\d-\d\dT\S*\t\S+\t(?P<level>[A-Z]+)\t")
_REQUEST_ID = re.compile(r"RequestId: (?P<id>[0-9a-fA-F-]{8,})")


@dataclass(frozen=True)
class Tail:
    records: list[LogRecord]
    report: Report | None
    request_id: str | None
    truncated: bool  # the tail is full: older records were cut, the first one may be partial


def decode(log_result: str | None) -> tuple[str, bool]:
    """The tail's text and whether it is a full 4 KB (cut at its start)."""
    if not log_result:
        return "", False
    try:
        raw = base64.b64decode(log_result, validate=True)
    except (binascii.Error, ValueError):
        return "", False
    return raw.decode("utf-8", "replace"), len(raw) >= TAIL_BYTES


def parse(log_result: str | None, timestamp: float) -> Tail:
    """Records (all stamped `timestamp`: the tail carries no times), the REPORT and the
    request id the platform lines name."""
    text, truncated = decode(log_result)
    records: list[LogRecord] = []
    report = None
    request_id = None
    for line in text.split("\n"):
        if not line:
            continue
        source, level = classify(line)
        if source == "platform":
            report = parse_report(line) or report
            found = _REQUEST_ID.search(line) or _json_request_id(line)
            if found is not None and request_id is None:
                request_id = found if isinstance(found, str) else found["id"]
        elif (
            records and records[-1].source == "runtime" and source == "stdout"
            and (line[:1].isspace() or line.startswith("Traceback"))
        ):  # fmt: skip
            last = records[-1]
            message = last.message + line + "\n"
            records[-1] = LogRecord(last.timestamp, message, "runtime", last.level)
            continue
        records.append(LogRecord(timestamp, line + "\n", source, level))
    if truncated and records:
        first = records[0]
        records[0] = LogRecord(first.timestamp, "…" + first.message, first.source, first.level)
    return Tail(records, report, request_id, truncated)


def classify(line: str) -> tuple[Source, str | None]:
    """(source, level) of one tail line."""
    if _PLATFORM.match(line):
        return "platform", None
    data = _json(line)
    if data is not None:
        kind = data.get("type")
        if isinstance(kind, str) and kind.startswith("platform."):
            return "platform", None
        level = data.get("level")
        return "runtime", level.upper() if isinstance(level, str) else None
    match = _PY_LEVEL.match(line) or _NODE_LEVEL.match(line)
    if match:
        return "runtime", match["level"]
    return "stdout", None


def _json(line: str) -> dict[str, Any] | None:
    if not (line.startswith("{") and line.rstrip().endswith("}")):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _json_request_id(line: str) -> str | None:
    data = _json(line)
    record = data.get("record") if data else None
    found = record.get("requestId") if isinstance(record, dict) else None
    return found if isinstance(found, str) else None


def parse_report(line: str) -> Report | None:
    """A REPORT line (Text) or a `platform.report` event (JSON) as a Report; else None."""
    if line.startswith("REPORT RequestId: "):
        fields: dict[str, str] = {}
        for part in line.rstrip("\n").split("\t"):
            key, sep, value = part.partition(": ")
            if sep:
                fields[key.removeprefix("REPORT ")] = value.strip()
        try:
            return Report(
                request_id=fields["RequestId"],
                duration_ms=_number(fields["Duration"]),
                billed_duration_ms=int(_number(fields["Billed Duration"])),
                memory_size_mb=int(_number(fields["Memory Size"])),
                max_memory_used_mb=int(_number(fields["Max Memory Used"])),
                init_duration_ms=(
                    _number(fields["Init Duration"]) if "Init Duration" in fields else None
                ),
                status=fields.get("Status"),
                error_type=fields.get("Error Type"),
            )
        except (KeyError, ValueError):
            return None
    data = _json(line)
    if data is None or data.get("type") != "platform.report":
        return None
    record = data.get("record") or {}
    metrics = record.get("metrics") or {}
    try:
        status = record.get("status")
        return Report(
            request_id=str(record["requestId"]),
            duration_ms=float(metrics["durationMs"]),
            billed_duration_ms=int(metrics["billedDurationMs"]),
            memory_size_mb=int(metrics["memorySizeMB"]),
            max_memory_used_mb=int(metrics["maxMemoryUsedMB"]),
            init_duration_ms=(
                float(metrics["initDurationMs"]) if "initDurationMs" in metrics else None
            ),
            status=None if status in (None, "success") else str(status),
            error_type=record.get("errorType"),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _number(text: str) -> float:
    """`12.34 ms` / `128 MB` -> the number."""
    return float(text.split()[0])
