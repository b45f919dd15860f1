"""A handler that prints 100,000 lines: the widget view's comm traffic and the page's fluency.

    python benchmarks/bench_widgets.py [--lines N] [--no-browser]

Targets (issue 4): the widget traffic for the invocation stays under 5 MB, and the page does
not freeze while the log streams in and the final view renders.

1. In-process (IPython's test shell, a recording comm: `lambda_nb.testing.CommRecorder`): the
   bytes and messages the widgets send, the models left open, and the kernel main thread's
   longest `on_progress` tick (the time it is away from the engine's wait loop).
2. In Debian's chromium against a headless JupyterLab (skipped with --no-browser or without
   chromium): the bytes of the kernel websocket's comm messages as the browser received them,
   the longest gap between animation frames while the cell ran (a frozen page has no frames),
   the time until the final (static) view shows "Succeeded", and how long the page takes to
   open its Logs section afterwards.

Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

TRAFFIC_LIMIT = 5_000_000
FRAME_GAP_LIMIT_MS = 1_000.0

HANDLER = """
def lambda_handler(event, context):
    for i in range({lines}):
        print(f"line {{i}} of the widget benchmark's log")
    return {{"lines": {lines}}}
"""

# Animation frames keep coming unless the renderer's main thread is blocked.
HEARTBEAT = """() => {
  window.__lnb = {last: performance.now(), maxGap: 0, frames: 0, run: true};
  const tick = (now) => {
    const s = window.__lnb;
    s.maxGap = Math.max(s.maxGap, now - s.last); s.last = now; s.frames += 1;
    if (s.run) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def in_process(lines: int) -> dict[str, float]:
    from IPython.testing.globalipapp import start_ipython
    from IPython.utils.capture import capture_output

    from lambda_nb.render import widgets
    from lambda_nb.testing import CommRecorder

    ticks: list[float] = []
    original = widgets.InvocationWidget.update

    def timed(self: Any, inv: Any) -> None:
        started = time.perf_counter()
        original(self, inv)
        ticks.append(time.perf_counter() - started)

    widgets.InvocationWidget.update = timed  # type: ignore[method-assign]
    ip = start_ipython()
    ip.run_line_magic("load_ext", "lambda_nb")
    ip.run_line_magic("config", "LambdaMagics.display = 'widget'")
    try:
        with CommRecorder() as rec, capture_output():
            started = time.perf_counter()
            code = HANDLER.format(lines=lines)
            ip.run_cell_magic("lambda", "bench-widgets --timeout 300 -o inv", code)
            wall = time.perf_counter() - started
    finally:
        widgets.InvocationWidget.update = original  # type: ignore[method-assign]
    inv = ip.user_ns["inv"]
    assert inv.status == "success", inv.error
    with capture_output():
        ip.run_line_magic("lambda", "reset bench-widgets")
    return {
        "records": len(inv.logs),
        "handler_ms": inv.report.duration_ms,
        "wall_s": wall,
        "messages": rec.count,
        "bytes": rec.bytes,
        "open_models": rec.open_models(),
        "ticks": len(ticks),
        "max_tick_ms": max(ticks) * 1000,
        "sum_tick_ms": sum(ticks) * 1000,
    }


def in_browser(lines: int) -> dict[str, float]:
    import nbformat
    from lab_harness import chromium, lab_server, open_notebook, run_all, wait_all_ran
    from nbformat.v4 import new_code_cell, new_notebook

    work = Path(tempfile.mkdtemp(prefix="lnb-bench-"))
    notebook = work / "bench-widgets.ipynb"
    cells = [
        new_code_cell("%load_ext lambda_nb"),
        new_code_cell("%%lambda bench-widgets --timeout 300\n" + HANDLER.format(lines=lines)),
    ]
    kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), notebook)
    received = {"comm": 0, "all": 0, "comm_messages": 0}

    def on_frame(payload: str | bytes) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        received["all"] += len(data)
        if b'"msg_type":"comm_' in data or b'"msg_type": "comm_' in data:
            received["comm"] += len(data)
            received["comm_messages"] += 1

    def on_websocket(ws: Any) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", on_frame)

    with lab_server([notebook]) as lab, chromium() as page:
        page.on("websocket", on_websocket)
        open_notebook(page, lab, notebook.name)
        page.evaluate(HEARTBEAT)
        started = time.perf_counter()
        run_all(page)
        view = page.locator(".lnb-invocation").first  # the static view that replaced the widget
        view.locator(".lnb-status", has_text="Succeeded").wait_for(timeout=300_000)
        shown = time.perf_counter() - started
        wait_all_ran(page, timeout_ms=300_000)
        heartbeat = page.evaluate("() => { window.__lnb.run = false; return window.__lnb; }")
        logs = view.locator(".lnb-section-logs")
        started = time.perf_counter()
        logs.locator("summary").click()
        logs.locator(".lnb-logs", has_text="REPORT RequestId").wait_for()
        logs_click = time.perf_counter() - started
        count = logs.locator("summary").inner_text()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        view.screenshot(path=str(ROOT / "test-artifacts" / "bench-widgets-100k.png"))
    return {
        "final_view_s": shown,
        "max_frame_gap_ms": heartbeat["maxGap"],
        "frames": heartbeat["frames"],
        "ws_comm_bytes": received["comm"],
        "ws_comm_messages": received["comm_messages"],
        "ws_all_bytes": received["all"],
        "logs_tab_click_s": logs_click,
        "count_label": count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    ok = True

    proc = in_process(args.lines)
    print(f"in-process, {args.lines:,} printed lines ({proc['records']:,} log records)")
    print(f"  handler Duration          {proc['handler_ms']:>12,.0f} ms")
    print(f"  cell wall time            {proc['wall_s']:>12.2f} s")
    print(f"  comm messages             {proc['messages']:>12,}")
    print(f"  comm bytes                {proc['bytes']:>12,}   (limit {TRAFFIC_LIMIT:,})")
    print(f"  widget models left open   {proc['open_models']:>12,}")
    print(f"  on_progress ticks         {proc['ticks']:>12,}")
    print(f"  longest tick (main thread){proc['max_tick_ms']:>12.1f} ms")
    print(f"  all ticks together        {proc['sum_tick_ms']:>12.1f} ms")
    ok &= proc["bytes"] < TRAFFIC_LIMIT

    from lab_harness import chromium_available

    if args.no_browser or not chromium_available():
        print("browser: skipped (--no-browser or no chromium)")
    else:
        web = in_browser(args.lines)
        print("JupyterLab in chromium")
        print(f"  Run All -> final view     {web['final_view_s']:>12.2f} s")
        print(
            f"  longest frame gap         {web['max_frame_gap_ms']:>12.0f} ms"
            f"   (limit {FRAME_GAP_LIMIT_MS:,.0f}; {web['frames']:,} frames)"
        )
        print(
            f"  kernel ws comm bytes      {web['ws_comm_bytes']:>12,}"
            f"   ({web['ws_comm_messages']:,} messages; limit {TRAFFIC_LIMIT:,})"
        )
        print(f"  kernel ws bytes, all      {web['ws_all_bytes']:>12,}")
        print(f"  Logs section click->shown {web['logs_tab_click_s']:>12.2f} s")
        print(f"  log count label           {web['count_label']}")
        ok &= web["ws_comm_bytes"] < TRAFFIC_LIMIT and web["max_frame_gap_ms"] < FRAME_GAP_LIMIT_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
