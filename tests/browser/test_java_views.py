"""A Java function's failures in a real JupyterLab, light and dark: what a person sees.

One kernel runs a short notebook: a java17 cell whose handler throws a few calls deep (an
exception with a cause), `%lambda logs NAME --filter ERROR`, and a cell that does not compile
(a missing semicolon). The tests read the page in both themes: the Error section shows the
errorType, the message and the Java frames mapped to the cell's own lines (`← cell line N`);
the compile error reads like a SyntaxError (cell line and column, the line, a caret); the
filtered log group names its filter. Screenshots: test-artifacts/browser/java-{light,dark}-
{error,logs,compile}.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab_harness import chromium, lab_server, open_notebook, run_all, set_theme, wait_all_ran
from test_contrast import MEASURE

pytestmark = pytest.mark.browser

NOTEBOOK = "java-views.ipynb"

# Cell line 1 is the magic line; the file's line N is the cell's line N.
FAILING = """%%lambda failing --runtime java17 --event '{"order": "o-1"}'
package example;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.Map;

public class Failing {
    public String handleRequest(Map<String, Object> event, Context context) {
        System.out.println("ERROR reading order " + event.get("order"));
        return load(String.valueOf(event.get("order")));
    }

    static String load(String order) {
        try {
            return parse(order);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("order " + order + " could not be read", e);
        }
    }

    static String parse(String order) {
        return "#" + Integer.parseInt(order);
    }
}"""
THROW_LINE = 17  # `throw new IllegalStateException(...)`, the innermost frame in the cell
CALL_LINE = 10  # `return load(...)` in handleRequest
# Lambda's Java response carries the thrown exception's frames only (no cause, as AWS's
# runtime client's fromThrowable): the cause, `Caused by: ...NumberFormatException`, is in the log.

BROKEN = """%%lambda broken --runtime java17 --no-invoke
package example;

public class Broken {
    public static String handleRequest(Object event) {
        return "missing a semicolon"
    }
}"""
BROKEN_LINE, BROKEN_COLUMN = 6, 37


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext lambda_nb"),
        nbformat.v4.new_code_cell(FAILING),
        nbformat.v4.new_code_cell("%lambda logs failing --filter ERROR"),
        # Last: its error stops Run All (the kernel aborts the queue after an error).
        nbformat.v4.new_code_cell(BROKEN),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def java_page(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The notebook run once in one kernel; the page stays open for both themes."""
    base = tmp_path_factory.mktemp("java-views")
    _notebook(base / NOTEBOOK)
    with lab_server([base / NOTEBOOK]) as server, chromium(viewport=(1100, 1600)) as page:
        page.set_default_timeout(60_000)
        open_notebook(page, server, NOTEBOOK)
        run_all(page)
        wait_all_ran(page, timeout_ms=240_000)  # a cold JVM and javac on a shared machine
        page.wait_for_selector(".lnb-invocation .lnb-section-error")
        page.wait_for_selector(".lnb-log-group")
        yield page


def _outputs(page: Any, index: int) -> Any:
    """The output area of the index-th code cell."""
    return page.locator(".jp-CodeCell").nth(index).locator(".jp-OutputArea")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_java_error_views(java_page: Any, artifacts: Path, dark: bool) -> None:
    page = java_page
    set_theme(page, dark)
    page.wait_for_timeout(500)  # the theme's transition, before the screenshots
    name = "dark" if dark else "light"

    failed = page.locator(".lnb-invocation").first
    group = _outputs(page, 2).locator(".lnb-log-group")
    compiled = _outputs(page, 3)
    failed.screenshot(path=str(artifacts / f"java-{name}-error.png"))
    group.screenshot(path=str(artifacts / f"java-{name}-logs.png"))
    compiled.screenshot(path=str(artifacts / f"java-{name}-compile.png"))
    page.screenshot(path=str(artifacts / f"java-{name}-notebook.png"), full_page=True)

    assert "Error" in failed.locator(".lnb-status").inner_text()
    error = failed.locator(".lnb-section-error")
    assert error.get_attribute("open") is not None  # the outcome is the open section
    text = error.locator(".lnb-error").inner_text()
    assert text.startswith("java.lang.IllegalStateException: order o-1 could not be read")
    assert "Stack trace (most recent call first)" in text
    for line in (THROW_LINE, CALL_LINE):
        assert f"cell line {line}" in text, text
    assert 'throw new IllegalStateException("order "' in text  # the cell's own line, quoted
    assert "example.Failing.load" in text and "runtime frames hidden" in text
    assert "jdk.internal.reflect" not in text  # the JDK's reflection frames are hidden
    for needle in ("java.lang.IllegalStateException", f"cell line {THROW_LINE}"):
        assert error.get_by_text(needle).first.is_visible(), needle

    logs = failed.locator(".lnb-section-logs")
    assert 'Caused by: java.lang.NumberFormatException: For input string: "o-1"' in (
        logs.text_content() or ""
    )

    head = group.inner_text()
    assert "/aws/lambda/failing" in head and "filter 'ERROR'" in head
    assert "ERROR reading order o-1" in head

    said = compiled.inner_text()
    assert f"cell line {BROKEN_LINE}, column {BROKEN_COLUMN}" in said, said
    assert "';' expected" in said and 'return "missing a semicolon"' in said

    # Every text of both views reads at WCAG AA (4.5:1) in this theme (test_contrast's measure;
    # it opens every section, so it comes after the screenshots of the views as shown).
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.dataset.was = d.open)")
    found = page.evaluate(MEASURE, ".lnb-invocation, .lnb-log-group")
    page.evaluate(
        "() => document.querySelectorAll('details').forEach(d => d.open = d.dataset.was === 'true')"
    )
    assert len(found) > 30, f"only {len(found)} texts measured"
    for f in sorted(found, key=lambda f: f["ratio"])[:8]:
        print(f"  {name}: {f['ratio']:5.2f}:1 {f['color']} {f['text']!r}")
    low = [f for f in found if f["ratio"] < 4.5]
    assert not low, f"{name}: below 4.5:1: {low[:10]}"
