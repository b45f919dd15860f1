"""`Function.history_frame()`: the invocations as a pandas DataFrame, pandas not a dependency."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambda_nb.function import HISTORY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent

CODE = """\
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to")
    return event
"""


def test_history_frame(make_function: Callable[..., Any]) -> None:
    pd = pytest.importorskip("pandas")
    fn = make_function(CODE, memory=256)
    assert list(fn.history_frame().columns) == list(HISTORY_COLUMNS)
    assert len(fn.history_frame()) == 0
    cold, warm, failed = fn.invoke({}), fn.invoke({"a": 1}), fn.invoke({"fail": True})
    frame = fn.history_frame()
    assert list(frame.columns) == list(HISTORY_COLUMNS)
    assert list(frame["request_id"]) == [i.request_id for i in (cold, warm, failed)]
    assert list(frame["status"]) == ["success", "success", "error"]
    assert list(frame["cold"]) == [True, False, False]
    assert list(frame["error_type"].fillna("")) == ["", "", "ValueError"]
    for row, inv in zip(frame.itertuples(), (cold, warm, failed), strict=True):
        assert row.duration_ms == inv.report.duration_ms
        assert row.billed_duration_ms == inv.report.billed_duration_ms
        assert row.max_memory_used_mb == inv.report.max_memory_used_mb
        assert row.memory_size_mb == 256 and row.revision == 1 and row.version == "$LATEST"
        assert row.environment == inv.environment
        assert row.started == pd.Timestamp(inv.started_at, unit="s", tz="UTC")
    # Init Duration only on the cold start; a missing value, not 0, on the warm ones
    assert frame["init_duration_ms"][0] == cold.report.init_duration_ms > 0
    assert frame["init_duration_ms"][1:].isna().all()
    assert str(frame["started"].dtype).startswith("datetime64") and frame["started"].dt.tz
    assert frame["billed_duration_ms"].sum() >= 3  # numbers, ready for describe() and plots
    assert frame["billed_duration_ms"].dtype.kind in "iu"


def test_without_pandas_says_how_to_get_it(tmp_path: Path) -> None:
    """In a process where `import pandas` fails (a base install): a clear error; importing
    lambda_nb and the Function API never needed pandas."""
    script = """
import sys
sys.modules["pandas"] = None  # what `import pandas` sees when it is not installed
from lambda_nb import Function
fn = Function.from_source("def lambda_handler(e, c): return 1", name="no-pandas")
try:
    fn.history_frame()
except ModuleNotFoundError as exc:
    print(exc.name, "|", exc)
finally:
    fn.close()
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pandas | Function.history_frame() needs pandas")
    assert "pip install pandas" in proc.stdout


def test_import_stays_cheap() -> None:
    """`import lambda_nb` and the Function API do not import pandas (or IPython)."""
    script = (
        "import sys, lambda_nb, lambda_nb.function, lambda_nb.cli, lambda_nb.options\n"
        "print(sorted(m for m in ('pandas', 'IPython') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
