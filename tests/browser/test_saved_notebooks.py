"""A notebook run in JupyterLab (and in Notebook 7), saved, closed and reopened in a fresh
server with default settings: every output still shows its status and figures.

The reopened notebook is untrusted (the fresh server has its own, empty trust database, as for
a notebook from git), so JupyterLab sanitizes its HTML: the <details> sections and the history
chart (an <img> with a data: URI) must survive that. The saved file carries no widget state,
and nbconvert's HTML of it shows every output offline (all network requests refused).
Screenshots: test-artifacts/browser/saved-{jupyterlab,notebook}-*.png and
nbconvert-offline-{jupyterlab,notebook}.png.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab_harness import (
    chromium,
    lab_server,
    open_notebook,
    run_all,
    save_notebook,
    wait_all_ran,
)  # fmt: skip

pytestmark = pytest.mark.browser

NOTEBOOK = "saved.ipynb"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CELLS = [
    "%load_ext lambda_nb",
    '%%lambda greet --event \'{"name": "Ada"}\'\n'
    "def lambda_handler(event, context):\n"
    '    print("hello", event["name"])\n'
    '    return {"greeting": "Hello, " + event["name"]}',
    "%%lambda divide --event '{\"items\": [4, 0]}'\n"
    "def lambda_handler(event, context):\n"
    '    return [1 / x for x in event["items"]]',
    "%%lambda chatty --timeout 20\n"
    "import logging, time\n"
    "logger = logging.getLogger()\n"
    "logger.setLevel(logging.INFO)\n"
    "def lambda_handler(event, context):\n"
    "    for burst in range(8):\n"
    "        for i in range(60):\n"
    '            print(f"line {burst * 60 + i}")\n'
    "        time.sleep(0.4)\n"
    '    logger.critical("all %d lines written", 480)\n'
    '    return "done"',
    "%lambda invoke greet --event '{\"name\": \"Grace\"}'",
    "%lambda history greet",
]
# (function, the status label, a text the output must show)
EXPECTED = [
    ("greet", "Succeeded", "Hello, Ada"),
    ("divide", "Error", "ZeroDivisionError"),
    ("chatty", "Succeeded", "all 480 lines written"),
    ("greet", "Succeeded", "Hello, Grace"),
]


def _write_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _check_outputs(page: Any, where: str) -> None:
    """Every invocation shows its status and REPORT figures; the history its chart."""
    text = page.locator("body").inner_text()
    assert "model not found" not in text and "Error displaying widget" not in text, where
    views = page.locator(".lnb-invocation")
    assert views.count() == len(EXPECTED), where
    for i, (function, label, shown) in enumerate(EXPECTED):
        view = views.nth(i)
        assert view.locator(".lnb-status").inner_text() == label, (where, function)
        head = view.locator(".lnb-head").inner_text()
        assert function in head and "Billed Duration" in head and "Max Memory Used" in head
        assert shown in (view.text_content() or ""), (where, function)  # closed sections too
    assert "Init Duration" in views.nth(0).locator(".lnb-head").inner_text()  # cold start
    # <details> survived (the sanitizer keeps it): the outcome open, the others closed.
    error = views.nth(1).locator("details.lnb-section-error")
    assert error.count() == 1 and error.get_attribute("open") is not None, where
    assert views.nth(1).locator("details.lnb-section-report").get_attribute("open") is None
    divide = views.nth(1).inner_text()
    assert "cell line 3" in divide and "Traceback (most recent call last)" in divide
    chatty = views.nth(2).text_content() or ""
    assert "480 records not shown" not in chatty and "line 0" in chatty and "line 479" in chatty
    chart = page.locator(".lnb-history img.lnb-chart")
    assert chart.count() == 1, where
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), where  # it decoded
    assert "greet: 2 invocations" in page.locator("div.lnb-history").inner_text()


def _saved_has_no_widget_state(path: Path) -> None:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert WIDGET_MIME not in out.get("data", {}), cell["source"]
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert not state.get("state"), "widget state was saved"


@pytest.fixture(scope="module", params=["jupyterlab", "notebook"])
def saved(
    request: pytest.FixtureRequest, browser_ready: None, tmp_path_factory: pytest.TempPathFactory,
    artifacts: Path,
) -> tuple[str, Path]:
    """Run the notebook in app 1, watch the live widget stream, save; the saved file."""
    app = request.param
    base = tmp_path_factory.mktemp(f"saved-{app}")
    _write_notebook(base / NOTEBOOK)
    with lab_server([base / NOTEBOOK], app=app) as server, chromium() as page:
        page.set_default_timeout(60_000)
        open_notebook(page, server, NOTEBOOK, app=app)
        run_all(page)
        # The live widget while `chatty` runs: streaming, as before.
        page.wait_for_function(
            "() => [...document.querySelectorAll('.lnb-view')].some(v =>"
            " v.querySelector('.lnb-header').innerText.includes('Running')"
            " && /line \\d+/.test(v.querySelector('.lnb-log-stream').innerText))",
            timeout=90_000, polling=100,
        )  # fmt: skip
        page.locator(".lnb-view").first.screenshot(path=str(artifacts / f"saved-{app}-live.png"))
        wait_all_ran(page)
        page.wait_for_function("() => !document.querySelector('.lnb-view')", timeout=30_000)
        _check_outputs(page, f"{app}, live")
        save_notebook(page)
        out = base / f"{app}-{NOTEBOOK}"
        shutil.copy(server.root / NOTEBOOK, out)
    return app, out


def test_saved_notebook_has_no_widget_state(saved: tuple[str, Path]) -> None:
    _saved_has_no_widget_state(saved[1])


def test_reopened_in_a_fresh_server(saved: tuple[str, Path], artifacts: Path) -> None:
    app, path = saved
    target = path.parent / "reopen" / NOTEBOOK
    target.parent.mkdir(exist_ok=True)
    shutil.copy(path, target)
    with lab_server([target], app=app) as server, chromium(viewport=(1280, 2400)) as page:
        page.set_default_timeout(60_000)
        open_notebook(page, server, NOTEBOOK, app=app)
        page.wait_for_selector("div.lnb-history img.lnb-chart")
        trusted = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(1).trusted"
        )
        assert trusted is False  # untrusted: the sanitized view is what is checked
        _check_outputs(page, f"{app}, reopened")
        page.locator(".lnb-invocation").nth(1).screenshot(
            path=str(artifacts / f"saved-{app}-reopened-error.png")
        )
        page.locator("div.lnb-history").screenshot(
            path=str(artifacts / f"saved-{app}-reopened-history.png")
        )


def test_nbconvert_html_offline(saved: tuple[str, Path], artifacts: Path) -> None:
    app, path = saved
    html = path.with_suffix(".html")
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(path), "--output", html.name],
        check=True, capture_output=True,
    )  # fmt: skip
    refused: list[str] = []
    with chromium(viewport=(1280, 2400)) as page:
        page.set_default_timeout(30_000)

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(html.as_uri())
        page.wait_for_selector("div.lnb-history img.lnb-chart")
        _check_outputs(page, "nbconvert offline")
        page.screenshot(path=str(artifacts / f"nbconvert-offline-{app}.png"), full_page=True)
    assert not [u for u in refused if "widget" in u or "unpkg" in u], refused  # no widget loader
