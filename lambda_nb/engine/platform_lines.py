"""The platform's own log lines, character for character (lambda-runtime.md 4.1), and billing.

Choices where the spec says UNCONFIRMED:
- error variants of REPORT (`Status: timeout`, `Status: error\\tError Type: X`) do not end in a TAB;
- a handler's ordinary exception adds no `Status` to REPORT (as recorded in 2023); `Status: error`
  is written only for faults the platform sees itself: init failures, exits, crashes, OOM,
  oversize responses;
- no INIT_REPORT line after a successful on-demand init.
"""

from __future__ import annotations

import hashlib
import math
import time

from lambda_nb.engine.config import REGION


def iso_ms(ts: float) -> str:
    """`2020-11-10T05:46:57.874Z`, the timestamp form Lambda uses in its own lines."""
    ms = int(ts * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{ms:03d}Z"


def init_start(runtime_version: str) -> str:
    arn_hash = hashlib.sha256(runtime_version.encode()).hexdigest()
    return (
        f"INIT_START Runtime Version: {runtime_version}\t"
        f"Runtime Version ARN: arn:aws:lambda:{REGION}::runtime:{arn_hash}\n"
    )


def init_report(duration_ms: float, phase: str, status: str, error_type: str | None) -> str:
    line = f"INIT_REPORT Init Duration: {duration_ms:.2f} ms\tPhase: {phase}\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


def start(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None) -> int:
    """1 ms increments; since 1 Aug 2025 the on-demand init phase is billed too."""
    return math.ceil(round(duration_ms + (init_duration_ms or 0.0), 6))


def report(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_memory_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_memory_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if status is None:
        return line + "\n"
    line += f"Status: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


def timed_out(ts: float, request_id: str, timeout_s: float) -> str:
    return f"{iso_ms(ts)} {request_id} Task timed out after {timeout_s:.2f} seconds\n"


def runtime_exited(request_id: str, reason: str, error_type: str) -> str:
    return f"RequestId: {request_id} Error: {reason}\n{error_type}\n"
