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
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOTEBOOK = "05-widgets.ipynb"
# How long a view may take to show what the kernel already sent: generous, for a loaded machine.
UI_TIMEOUT_MS = 60_000

# Watches every DOM change from Run All on (a poll every few ms could miss the moment on a busy
# machine) and keeps the first view's header, stream and progress bar as they were the first
# time it said Running with "tick 2" in its stream: window.lnbStreaming. If the view stops
# running before that, lnbStreaming keeps what it showed then, with `missed: true`.
WATCH_STREAMING = """() => {
  window.lnbStreaming = null;
  let wasRunning = false;
  const snapshot = (view, extra) => {
    const text = (selector) => {
      const node = view.querySelector(selector);
      return node ? node.innerText : '';
    };
    return {head: text('.lnb-header'), stream: text('.lnb-log-stream'),
            progress: text('.lnb-progress'), ...extra};
  };
  const observer = new MutationObserver(() => {
    const view = document.querySelector('.lnb-view');
    const head = view && view.querySelector('.lnb-header');
    if (!head) return;
    const running = head.textContent.includes('Running');
    const stream = view.querySelector('.lnb-log-stream');
    if (running && stream && stream.textContent.includes('tick 2')) {
      window.lnbStreaming = snapshot(view, {});
    } else if (wasRunning && !running) {
      window.lnbStreaming = snapshot(view, {missed: true});
    }
    wasRunning = wasRunning || running;
    if (window.lnbStreaming) observer.disconnect();
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def ran(page: Any, lab: LabServer, artifacts: Path) -> dict[str, Any]:
    """Open the notebook, Run All, catch the streaming moment, wait for every cell."""
    started = time.monotonic()
    open_notebook(page, lab, NOTEBOOK)
    opened = time.monotonic() - started
    page.evaluate(WATCH_STREAMING)
    run_all(page)
    page.wait_for_function("() => window.lnbStreaming", timeout=120_000, polling=100)
    streaming = page.evaluate("() => window.lnbStreaming")
    page.locator(".lnb-view").first.screenshot(path=str(artifacts / "01-streaming.png"))
    wait_all_ran(page)
    page.screenshot(path=str(artifacts / "00-notebook.png"), full_page=True)
    return {"streaming": streaming, "opened_s": opened, "total_s": time.monotonic() - started}


def view(page: Any, index: int) -> Any:
    return page.locator(".lnb-view").nth(index)


def open_tab(v: Any, name: str) -> None:
    v.locator(".lm-TabBar-tab", has_text=name).first.click()


def test_log_lines_stream_in_while_running(ran: dict[str, Any]) -> None:
    seen = ran["streaming"]
    assert not seen.get("missed"), f"the view stopped running before tick 2 showed: {seen}"
    assert "Running" in seen["head"]
    assert "tick 0" in seen["stream"] and "tick 2" in seen["stream"]
    assert "tick 5" not in seen["stream"]  # the handler was still printing
    assert "of 10 s timeout" in seen["progress"]


def test_succeeded_view_with_report(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    first = view(page, 0)
    # The kernel is idle, but the page may still be rendering what it sent: wait for the view.
    expect(first.locator(".lnb-header")).to_contain_text("Succeeded", timeout=UI_TIMEOUT_MS)
    head = first.locator(".lnb-header").inner_text()
    assert "Succeeded" in head and "Cold start" in head and "ticker" in head
    assert "Billed Duration" in head and "Max Memory Used" in head and "of 128 MB" in head
    expect(first.locator(".lnb-progress")).to_have_count(0, timeout=UI_TIMEOUT_MS)  # gone
    response = first.locator(".lnb-response-tab")
    expect(response).to_contain_text("HTTP response", timeout=UI_TIMEOUT_MS)
    assert "200" in response.inner_text()
    first.screenshot(path=str(artifacts / "02-succeeded-response.png"))

    open_tab(first, "Report")
    expect(first.locator(".lnb-report-tab")).to_be_visible(timeout=UI_TIMEOUT_MS)
    report = first.locator(".lnb-report-tab").inner_text()
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

    open_tab(first, "Logs")
    expect(first.locator(".lnb-log-view")).to_be_visible(timeout=UI_TIMEOUT_MS)
    logs = first.locator(".lnb-log-view").inner_text()
    assert "tick 5" in logs and "START RequestId" in logs and "REPORT RequestId" in logs
    assert "almost done" in logs and '"message": "a structured record"' in logs
    first.screenshot(path=str(artifacts / "04-logs.png"))

    open_tab(first, "Context")
    expect(first.locator(".lnb-context-tab")).to_be_visible(timeout=UI_TIMEOUT_MS)
    context = first.locator(".lnb-context-tab").inner_text()
    assert "invoked_function_arn" in context and "arn:aws:lambda:us-east-1" in context


def test_error_view_maps_the_cell_line(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    failed = view(page, 1)
    expect(failed.locator(".lnb-header")).to_contain_text("Error", timeout=UI_TIMEOUT_MS)
    error = failed.locator(".lnb-error-tab")
    expect(error).to_be_visible(timeout=UI_TIMEOUT_MS)  # the Error tab opened by itself
    text = error.inner_text()
    assert text.startswith("ZeroDivisionError: division by zero")
    assert "cell line 3" in text and "return sum(1 / x for x in items) / len(items)" in text
    failed.screenshot(path=str(artifacts / "05-error.png"))


def test_warm_invoke_and_history(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    expect(view(page, 2).locator(".lnb-header")).to_contain_text("Warm", timeout=UI_TIMEOUT_MS)
    history = page.locator(".lnb-history-view")
    expect(history.locator("svg.lnb-chart")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(history.locator(".lnb-bar.lnb-cold")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(history.locator(".lnb-bar.lnb-warm")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(history).to_contain_text("ticker: 2 invocations", timeout=UI_TIMEOUT_MS)
    history.screenshot(path=str(artifacts / "06-history.png"))


def test_playground_invoke_clicks(page: Any, ran: dict[str, Any], artifacts: Path) -> None:
    playground = page.locator(".lnb-playground")
    validation = playground.locator(".lnb-validation-box")
    expect(validation).to_contain_text("valid JSON", timeout=UI_TIMEOUT_MS)
    runs = playground.locator(".lnb-run")
    expect(runs.first).to_be_visible(timeout=UI_TIMEOUT_MS)  # the runs so far are listed
    before = runs.count()
    for clicks in (1, 2):
        playground.locator(".lnb-invoke").click()
        expect(runs).to_have_count(before + clicks, timeout=UI_TIMEOUT_MS)
    header = playground.locator(".lnb-view .lnb-header")
    expect(header).to_contain_text("Succeeded", timeout=UI_TIMEOUT_MS)
    newest = runs.first.inner_text()
    assert "warm" in newest and "Succeeded" in newest
    playground.screenshot(path=str(artifacts / "07-playground.png"))
