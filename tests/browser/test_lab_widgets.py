"""notebooks/05-widgets.ipynb in a real JupyterLab, in Debian's chromium: what a person sees.

One module-scoped run of all cells; the tests then read the page: the log line that streamed in
while the first handler was still running, the header and REPORT figures, the error type and
the cell line it maps to, the history chart, and two clicks on the playground's Invoke button.
Screenshots go to test-artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabServer, open_notebook, run_all, wait_all_ran

pytestmark = pytest.mark.browser

NOTEBOOK = "05-widgets.ipynb"

# Resolves while the first view still says Running and its stream shows "tick 2".
STREAMING = """() => {
  const view = document.querySelector('.lnb-view');
  if (!view) return false;
  const head = view.querySelector('.lnb-header');
  const stream = view.querySelector('.lnb-log-stream');
  const progress = view.querySelector('.lnb-progress');
  if (!head || !stream || !head.innerText.includes('Running')) return false;
  if (!stream.innerText.includes('tick 2')) return false;
  return {head: head.innerText, stream: stream.innerText,
          progress: progress ? progress.innerText : ''};
}"""


@pytest.fixture(scope="module")
def ran(page: Any, lab: LabServer, artifacts: Path) -> dict[str, Any]:
    """Open the notebook, Run All, catch the streaming moment, wait for every cell."""
    started = time.monotonic()
    open_notebook(page, lab, NOTEBOOK)
    opened = time.monotonic() - started
    run_all(page)
    streaming = page.wait_for_function(STREAMING, timeout=60_000, polling=50).json_value()
    page.locator(".lnb-view").first.screenshot(path=str(artifacts / "01-streaming.png"))
    wait_all_ran(page)
    page.screenshot(path=str(artifacts / "00-notebook.png"), full_page=True)
    return {"streaming": streaming, "opened_s": opened, "total_s": time.monotonic() - started}


def view(page: Any, index: int) -> Any:
    """The index-th finished invocation: the static view that replaced the live widget."""
    return page.locator(".lnb-invocation").nth(index)


def open_section(v: Any, key: str) -> Any:
    section = v.locator(f".lnb-section-{key}")
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section


def test_log_lines_stream_in_while_running(ran: dict[str, Any]) -> None:
    seen = ran["streaming"]
    assert "Running" in seen["head"]
    assert "tick 0" in seen["stream"] and "tick 2" in seen["stream"]
    assert "tick 5" not in seen["stream"]  # the handler was still printing
    assert "of 10 s timeout" in seen["progress"]


def test_finished_views_replace_the_widgets(page: Any, ran: dict[str, Any]) -> None:
    assert page.locator(".lnb-view").count() == 0  # no live widget left, no model to save
    assert page.locator(".lnb-invocation").count() == 4  # ticker, divide, warm ticker, playground
    assert "model not found" not in page.locator("body").inner_text()


def test_succeeded_view_with_report(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    first = view(page, 0)
    head = first.locator(".lnb-head").inner_text()
    assert "Succeeded" in head and "Cold start" in head and "ticker" in head
    assert "Billed Duration" in head and "Max Memory Used" in head and "of 128 MB" in head
    assert "Init Duration" in head  # a cold start's Duration leaves the init out
    response = first.locator(".lnb-section-response")
    assert response.get_attribute("open") is not None  # the outcome is open
    assert "HTTP response" in response.inner_text() and "200" in response.inner_text()
    first.screenshot(path=str(artifacts / "02-succeeded-response.png"))

    report = open_section(first, "report").inner_text()
    for figure in (
        "Duration",
        "Billed Duration",
        "Memory Size",
        "Max Memory Used",
        "Init Duration",
    ):
        assert figure in report
    assert "Cost per 1M invocations" in report and "x86_64" in report and "$0.2" in report
    first.screenshot(path=str(artifacts / "03-report.png"))

    logs = open_section(first, "logs").inner_text()
    assert "tick 5" in logs and "START RequestId" in logs and "REPORT RequestId" in logs
    assert "almost done" in logs and '"message": "a structured record"' in logs
    first.screenshot(path=str(artifacts / "04-logs.png"))

    context = open_section(first, "context").inner_text()
    assert "invoked_function_arn" in context and "arn:aws:lambda:us-east-1" in context


def test_error_view_maps_the_cell_line(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    failed = view(page, 1)
    assert "Error" in failed.locator(".lnb-status").inner_text()
    error = failed.locator(".lnb-section-error")
    assert error.get_attribute("open") is not None  # the Error section is the open one
    text = error.locator(".lnb-error").inner_text()
    assert text.startswith("ZeroDivisionError: division by zero")
    assert "cell line 3" in text and "return sum(1 / x for x in items) / len(items)" in text
    assert "Traceback (most recent call last)" in text
    failed.screenshot(path=str(artifacts / "05-error.png"))


def test_warm_invoke_and_history(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    assert "Warm" in view(page, 2).locator(".lnb-head").inner_text()
    history = page.locator("div.lnb-history")
    chart = history.locator("img.lnb-chart")
    assert chart.count() == 1 and chart.evaluate("i => i.complete && i.naturalWidth > 0")
    table = history.inner_text()
    assert "ticker: 2 invocations" in table and "cold" in table and "warm" in table
    history.screenshot(path=str(artifacts / "06-history.png"))


def test_playground_invoke_clicks(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    playground = page.locator(".lnb-playground")
    assert "valid JSON" in playground.locator(".lnb-validation-box").inner_text()
    runs = playground.locator(".lnb-run")
    for _ in range(2):
        before = runs.count()
        playground.locator(".lnb-invoke").click()
        page.wait_for_function(
            "n => document.querySelectorAll('.lnb-playground .lnb-run').length > n",
            arg=before,
            timeout=60_000,
        )
    result = playground.locator(".lnb-playground-result .lnb-invocation")
    assert "Succeeded" in result.locator(".lnb-status").inner_text()
    newest = runs.first.inner_text()
    assert "warm" in newest and "Succeeded" in newest
    playground.screenshot(path=str(artifacts / "07-playground.png"))
