"""Invocations in every status, with a log of every level, for the views' browser tests.

Imported by a notebook cell inside JupyterLab (the test copies this file next to the notebook)
and by the test itself (the plain-white-page check), so both draw the same records.
"""

from __future__ import annotations

import json

from lambda_nb.engine.records import LogRecord, Report
from lambda_nb.function import Invocation
from lambda_nb.render import cells

RID = "8f507cfc-1b2c-4697-b07a-ac58fc914c95"
SOURCE = '# %%lambda\ndef lambda_handler(event, context):\n    raise ValueError("boom")\n'
STATUSES = ("running", "success", "error", "timeout", "crash", "out_of_memory", "aborted")


def _logs() -> list[LogRecord]:
    t = 1_800_000_000.0
    logs = [
        LogRecord(t, "INIT_START Runtime Version: python:3.12.v1\n", "platform"),
        LogRecord(t, f"START RequestId: {RID} Version: $LATEST\n", "platform"),
        LogRecord(t, "a plain print\n", "stdout"),
        LogRecord(t, "written to stderr\n", "stderr", "ERROR"),
    ]
    for level in ("TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        text = f"[{level}]\t2026-12-01T00:00:00Z\t{RID}\ta {level} line\n"
        logs.append(LogRecord(t, text, "runtime", level))
        record = json.dumps({"level": level, "message": f"json {level}"})
        logs.append(LogRecord(t, record + "\n", "stdout"))
    logs += [
        LogRecord(t, f"END RequestId: {RID}\n", "platform"),
        LogRecord(t, f"REPORT RequestId: {RID}\tDuration: 0.72 ms\n", "platform"),
    ]
    return logs


def invocations() -> list[Invocation]:
    """One invocation per status; the error ones carry a trace into the cell."""
    cells.remember("samples", 1, "lambda_function.py", SOURCE)
    out = []
    for n, status in enumerate(STATUSES):
        failed = status not in ("running", "success", "aborted")
        inv = Invocation(
            request_id=RID, function_name="samples", version="$LATEST", event={"n": n},
            revision=1, environment="2026/12/01/[$LATEST]abc", started_at=1_800_000_000.0,
            timeout=3.0, memory_size=128, deadline_ms=1_800_000_003_000, cold=n % 2 == 0,
            invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:samples",
            status=status, logs=_logs(),  # type: ignore[arg-type]
        )  # fmt: skip
        if status == "success":
            inv.payload = {"statusCode": 200, "headers": {"X-Id": "1"}, "body": '{"ok": false}'}
        if failed:
            frame = '  File "/var/task/lambda_function.py", line 3, in lambda_handler\n'
            inv.error = {
                "errorType": "ValueError", "errorMessage": "boom",
                "stackTrace": [frame + '    raise ValueError("boom")\n'],
            }  # fmt: skip
        if status != "running":
            init = 201.5 if inv.cold else None
            inv.report = Report(
                RID, 0.72, 203, 128, 36, init_duration_ms=init, status="error" if failed else None
            )
        out.append(inv)
    return out
