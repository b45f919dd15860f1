"""The local variables of the function's own frames when it raised: lambda_nb's own, for the
error view (issue 15). Loaded on the error path only, so the success path pays nothing.

The caller's error body is AWS's and stays untouched: the locals travel separately, to the
environment's Runtime API endpoint on the private path `/lambda-nb/locals/<request id>`, just
before the error itself is posted. Only frames of files in the task root (the function's code,
not the standard library or the runtime client) are kept; reprs are short and bounded, and
variables whose names look like secrets are masked.
"""

from __future__ import annotations

import os
import re

PATH = "/lambda-nb/locals/"
MAX_FRAMES = 10
MAX_NAMES = 25  # per frame
MAX_REPR = 120  # characters per value
MASK = "******"
_SECRET = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api_?key|access_?key|private|credential|auth|"
    r"session_?key|signature|^pwd$|^key$",
    re.IGNORECASE,
)


def capture(tb: object, task_root: str) -> list[dict[str, object]]:
    """[{file, line, function, locals: [[name, repr], ...]}, ...], outermost first, for the
    frames whose code lives under `task_root`."""
    import reprlib

    short = reprlib.Repr()
    short.maxstring = short.maxother = MAX_REPR
    short.maxlevel = 3
    root = os.path.join(os.path.realpath(task_root), "")
    frames: list[dict[str, object]] = []
    while tb is not None:
        frame = tb.tb_frame  # type: ignore[attr-defined]
        path = frame.f_code.co_filename
        # A function's own frames: files in the task root ("<string>" is not one), and not a
        # module's top level, whose "locals" are its globals.
        mine = os.path.isabs(path) and os.path.realpath(path).startswith(root)
        if mine and frame.f_code.co_name != "<module>":
            names = []
            for name, value in list(frame.f_locals.items())[:MAX_NAMES]:
                names.append([name, MASK if _SECRET.search(name) else _repr(short, value)])
            frames.append(
                {
                    "file": path,
                    "line": tb.tb_lineno,  # type: ignore[attr-defined]
                    "function": frame.f_code.co_name,
                    "locals": names,
                }
            )
        tb = tb.tb_next  # type: ignore[attr-defined]
    return frames[-MAX_FRAMES:]


def _repr(short: object, value: object) -> str:
    try:
        text = short.repr(value)  # type: ignore[attr-defined]
    except Exception as exc:  # a __repr__ that fails must not change the error
        return f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


def send(client: object, request_id: str, tb: object) -> None:
    """Capture and post; never raises (the error is what matters)."""
    try:
        import json

        task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
        frames = capture(tb, task_root)
        if not frames:
            return
        body = json.dumps(frames).encode("utf-8")
        headers = [("Host", client.address), ("content-length", str(len(body)))]  # type: ignore[attr-defined]
        client._call("POST", PATH + request_id, headers, body)  # type: ignore[attr-defined]
    except Exception:
        pass
