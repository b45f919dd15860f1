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
import json
import math
import time

from lambda_nb.engine.config import REGION


def iso_ms(ts: float) -> str:
    """`2020-11-10T05:46:57.874Z`, the timestamp form Lambda uses in its own lines."""
    ms = int(ts * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{ms:03d}Z"


def runtime_version_arn(runtime_version: str) -> str:
    """A stable ARN per runtime version (AWS's is an opaque 64-hex id, too)."""
    digest = hashlib.sha256(runtime_version.encode()).hexdigest()
    return f"arn:aws:lambda:{REGION}::runtime:{digest}"


def init_start(runtime_version: str) -> str:
    return (
        f"INIT_START Runtime Version: {runtime_version}\t"
        f"Runtime Version ARN: {runtime_version_arn(runtime_version)}\n"
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
    debug_pause_ms: float | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_memory_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if debug_pause_ms is not None:  # lambda_nb's own field: a debugged invocation (debugger.py)
        line += f"Debug Pause Duration: {debug_pause_ms:.2f} ms\t"
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


# ---------------------------------------------------------------------------------------------
# JSON log format: system logs are Telemetry API events {"time", "type", "record"}
# (lambda-runtime.md 4.7). Which events CloudWatch shows is UNCONFIRMED; we write initStart,
# initReport (on failures, as in Text), start, runtimeDone (where Text has END) and report.


def _event(kind: str, record: dict[str, object], ts: float | None = None) -> str:
    body = {"time": iso_ms(time.time() if ts is None else ts), "type": kind, "record": record}
    return json.dumps(body, separators=(",", ":")) + "\n"


def json_init_start(
    runtime_version: str,
    function_name: str,
    function_arn: str,
    memory_mb: int,
    instance_id: str,
    version: str = "$LATEST",
    initialization_type: str = "on-demand",
) -> str:
    return _event(
        "platform.initStart",
        {
            "initializationType": initialization_type,
            "phase": "init",
            "runtimeVersion": runtime_version,
            "runtimeVersionArn": runtime_version_arn(runtime_version),
            "functionName": function_name,
            "functionArn": function_arn,
            "functionVersion": version,
            "instanceId": instance_id,
            "instanceMaxMemory": memory_mb,
        },
    )


def json_init_report(
    duration_ms: float,
    phase: str,
    status: str,
    error_type: str | None,
    initialization_type: str = "on-demand",
) -> str:
    record: dict[str, object] = {
        "initializationType": initialization_type,
        "phase": phase,
        "status": status,
    }
    if error_type:
        record["errorType"] = error_type
    record["metrics"] = {"durationMs": round(duration_ms, 3)}
    return _event("platform.initReport", record)


def json_start(request_id: str, version: str) -> str:
    return _event("platform.start", {"requestId": request_id, "version": version})


def json_runtime_done(
    request_id: str, status: str, error_type: str | None, duration_ms: float
) -> str:
    record: dict[str, object] = {"requestId": request_id, "status": status}
    if error_type:
        record["errorType"] = error_type
    record["metrics"] = {"durationMs": round(duration_ms, 3)}
    return _event("platform.runtimeDone", record)


def json_report(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_memory_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
    debug_pause_ms: float | None = None,
) -> str:
    metrics: dict[str, object] = {
        "durationMs": round(duration_ms, 3),
        "billedDurationMs": billed_ms,
        "memorySizeMB": memory_mb,
        "maxMemoryUsedMB": max_memory_mb,
    }
    if init_duration_ms is not None:
        metrics["initDurationMs"] = round(init_duration_ms, 3)
    if debug_pause_ms is not None:  # lambda_nb's own (debugger.py)
        metrics["debugPauseDurationMs"] = round(debug_pause_ms, 3)
    record: dict[str, object] = {"requestId": request_id, "metrics": metrics}
    record["status"] = status or "success"
    if error_type:
        record["errorType"] = error_type
    return _event("platform.report", record)


class PlatformLines:
    """The platform's lines in a function's log format: Text lines, or JSON telemetry events.

    The timeout and crash lines stay text in both formats (their JSON form is UNCONFIRMED).
    `outcome` is the invocation's result for the JSON events' `status`: success, timeout, or
    error (a function error, an init failure, a crash or an out-of-memory kill alike).
    """

    def __init__(
        self,
        log_format: str,
        function_name: str,
        function_arn: str,
        memory_mb: int,
        version: str = "$LATEST",
        initialization_type: str = "on-demand",
    ) -> None:
        self.json = log_format == "JSON"
        self.function = (function_name, function_arn, memory_mb)
        self.version = version
        self.initialization_type = initialization_type

    def init_start(self, runtime_version: str, instance_id: str) -> str:
        if self.json:
            return json_init_start(
                runtime_version, *self.function, instance_id, self.version,
                self.initialization_type,
            )  # fmt: skip
        return init_start(runtime_version)

    def init_report(self, duration_ms: float, phase: str, status: str, error: str | None) -> str:
        if self.json:
            return json_init_report(duration_ms, phase, status, error, self.initialization_type)
        return init_report(duration_ms, phase, status, error)

    def start(self, request_id: str, version: str) -> str:
        return json_start(request_id, version) if self.json else start(request_id, version)

    def end(self, request_id: str, outcome: str, error_type: str | None, duration_ms: float) -> str:
        if self.json:
            return json_runtime_done(request_id, outcome, error_type, duration_ms)
        return end(request_id)

    def report(
        self,
        request_id: str,
        duration_ms: float,
        billed_ms: int,
        memory_mb: int,
        max_memory_mb: int,
        init_duration_ms: float | None,
        status: str | None,
        error_type: str | None,
        outcome: str,
        debug_pause_ms: float | None = None,
    ) -> str:
        if self.json:
            return json_report(
                request_id, duration_ms, billed_ms, memory_mb, max_memory_mb,
                init_duration_ms, status or outcome, error_type, debug_pause_ms,
            )  # fmt: skip
        return report(
            request_id, duration_ms, billed_ms, memory_mb, max_memory_mb,
            init_duration_ms, status, error_type, debug_pause_ms,
        )  # fmt: skip
