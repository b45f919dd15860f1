"""Errors map to the cell line that raised them, for every runtime, through real runs of
nested calls in the `%%lambda` cell: Python's stackTrace lists the most recent call last,
Node.js's trace lists it first, and the view follows each (line and heading)."""

from __future__ import annotations

from typing import Any

from IPython.utils.capture import capture_output

PYTHON = """\
def inner(x):
    return 1 / x

def outer(x):
    return inner(x) + 1

def lambda_handler(event, context):
    return outer(event["x"])
"""
# cell line 1 is the %%lambda line: `return 1 / x` is line 3, `inner(x) + 1` line 6

NODE = """\
function inner(x) {
  throw new Error(`bad ${x}`);
}
function outer(x) {
  return inner(x) + 1;
}
export const handler = async (event) => outer(event.x);
"""
# `throw` is cell line 3; `inner(x) + 1` line 6; the handler line 8


def _run(ip: Any, line: str, code: str) -> tuple[Any, dict[str, str]]:
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{line} -o _inv", code)
    return ip.user_ns.pop("_inv"), cap.outputs[-1].data


def test_python_nested_calls(ip: Any, name: str) -> None:
    inv, shown = _run(ip, f"{name} --event '{{\"x\": 0}}'", PYTHON)
    assert inv.status == "error" and inv.error["errorType"] == "ZeroDivisionError"
    text = shown["text/plain"]
    assert "ZeroDivisionError: division by zero (cell line 3)" in text
    assert "Traceback (most recent call last):" in text and "most recent call first" not in text
    assert text.index("cell line 9") < text.index("cell line 6") < text.index("   ← cell line 3")
    assert "at <b>cell line 3</b> <code>return 1 / x</code>" in shown["text/html"]


def test_nodejs_nested_calls(ip: Any, name: str) -> None:
    inv, shown = _run(ip, f"{name} --runtime nodejs20.x --event '{{\"x\": 7}}'", NODE)
    assert inv.status == "error" and inv.error["errorMessage"] == "bad 7", inv.log_text()
    text = shown["text/plain"]
    # The innermost frame in the cell (Node lists it first) is the line shown, not the last.
    assert "Error: bad 7 (cell line 3)" in text
    assert "Stack trace (most recent call first):" in text and "Traceback" not in text
    assert text.index("← cell line 3") < text.index("← cell line 6") < text.index("← cell line 8")
    page = shown["text/html"]
    assert "at <b>cell line 3</b> <code>throw new Error(`bad ${x}`);</code>" in page
    assert "Stack trace (most recent call first)" in page and "Traceback" not in page
