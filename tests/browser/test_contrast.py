"""Every text of the views reads at WCAG AA (4.5:1) in JupyterLab's light and dark themes and
on a plain white page: measured in Debian's chromium from the page's own computed styles.

A notebook displays an invocation in every status, with log lines of every level, and the
history view; each text element's colour is composited over its effective background (the
first opaque background up the tree, alpha layers blended) and the WCAG contrast computed.
Screenshots: test-artifacts/browser/contrast-{light,dark}-{success,error,running,history}.png
and contrast-white.png.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab_harness import (
    LabServer,
    chromium,
    lab_server,
    open_notebook,
    run_all,
    set_theme,
    wait_all_ran,
)  # fmt: skip

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
NOTEBOOK = "contrast.ipynb"
# The finished views, the history, and a live widget view (running) with its streamed log.
SELECTOR = ".lnb-invocation, .lnb-history, .lnb-view"

# For each visible element with its own text: colour over effective background, WCAG ratio.
MEASURE = """sel => {
  function parse(c) {
    let m = c.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) { const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
             return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1]; }
    m = c.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) { const p = m[1].split(/[ \\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    throw new Error('unknown colour format: ' + c);
  }
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [1, 1, 1, 1];  // the canvas
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  }
  const lum = c => { const f = v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  document.querySelectorAll('details').forEach(d => d.open = true);
  const out = [];
  for (const root of document.querySelectorAll(sel)) {
    for (const el of root.querySelectorAll('*')) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
      if (!own.length || !el.getClientRects().length) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const [a, b] = [lum(fg), lum(bg)];
      out.push({text: own.map(n => n.textContent.trim()).join(' ').slice(0, 60),
                cls: el.className, color: style.color,
                ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)});
    }
  }
  return out;
}"""


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext lambda_nb"),
        nbformat.v4.new_code_cell(
            "from IPython.display import display\n"
            "import view_samples\n"
            "from lambda_nb.render.history import HistoryStatic\n"
            "invs = view_samples.invocations()\n"
            "for inv in invs:\n"
            "    display(inv)\n"
            "HistoryStatic('samples', invs)"
        ),
        nbformat.v4.new_code_cell(
            "from lambda_nb.render.widgets import InvocationWidget\n"
            "live = InvocationWidget('samples rev 1')\n"
            "live.update(invs[0])  # running: header, progress, streamed log\n"
            "live"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _check(found: list[dict[str, Any]], where: str) -> float:
    assert len(found) > 150, f"{where}: only {len(found)} text elements measured"
    coloured = {f["color"] for f in found}
    assert len(coloured) >= 5, f"{where}: the views lost their colours: {coloured}"
    bad = [f for f in found if f["ratio"] < 4.5]
    assert not bad, f"{where}: below 4.5:1: {bad[:10]}"
    lowest: dict[str, float] = {}
    for f in found:
        lowest[f["color"]] = min(f["ratio"], lowest.get(f["color"], 99.0))
    for color, ratio in sorted(lowest.items(), key=lambda kv: kv[1]):
        print(f"  {where}: {ratio:5.2f}:1  {color}")
    return min(f["ratio"] for f in found)


@pytest.fixture(scope="module")
def contrast_lab(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("contrast")
    _notebook(base / NOTEBOOK)
    shutil.copy(HERE / "view_samples.py", base / "view_samples.py")
    with lab_server([base / NOTEBOOK, base / "view_samples.py"]) as server:
        yield server


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_contrast_in_jupyterlab(contrast_lab: LabServer, artifacts: Path, dark: bool) -> None:
    with chromium(viewport=(1100, 2400)) as page:
        page.set_default_timeout(60_000)
        open_notebook(page, contrast_lab, NOTEBOOK)
        run_all(page)
        wait_all_ran(page)
        page.wait_for_selector(".lnb-history img.lnb-chart")
        page.wait_for_selector(".lnb-view .lnb-log-stream .lnb-log")
        set_theme(page, dark)
        page.wait_for_timeout(500)  # let the theme's transition end before the screenshots
        name = "dark" if dark else "light"
        views = page.locator(".lnb-invocation")  # as shown: the outcome open, the rest closed
        for i, status in ((1, "success"), (2, "error"), (0, "running")):
            views.nth(i).screenshot(path=str(artifacts / f"contrast-{name}-{status}.png"))
        page.locator("div.lnb-history").screenshot(path=str(artifacts / f"contrast-{name}-history.png"))
        page.locator(".lnb-view").screenshot(path=str(artifacts / f"contrast-{name}-live.png"))
        found = page.evaluate(MEASURE, SELECTOR)  # every section opened
        worst = _check(found, f"JupyterLab {name}")
        print(f"contrast JupyterLab {name}: {len(found)} texts, lowest {worst:.2f}:1")


def test_contrast_on_a_plain_white_page(browser_ready: None, artifacts: Path) -> None:
    sys.path.insert(0, str(HERE))
    import view_samples

    from lambda_nb.render import static
    from lambda_nb.render.history import HistoryStatic

    invs = view_samples.invocations()
    body = "".join(static.to_html(inv) for inv in invs)
    body += HistoryStatic("samples", invs)._repr_mimebundle_()["text/html"]
    with chromium() as page:
        page.set_content(f"<!doctype html><html><body style='background:#fff'>{body}</body></html>")
        found = page.evaluate(MEASURE, SELECTOR)
        page.screenshot(path=str(artifacts / "contrast-white.png"), full_page=True)
    worst = _check(found, "plain white page")
    print(f"contrast white page: {len(found)} texts, lowest {worst:.2f}:1")
