"""A debugged invocation: pdb in the handler, its prompt at the caller's, the clock stopped.

`fn.invoke(event, debug=...)` hands the engine a *prompt*: a callable given what pdb wrote
(ending with its `(Pdb) ` prompt) that returns the line the user typed, or raises EOFError for
Ctrl-D. The engine knows nothing of where that line comes from: the Function layer supplies
`input()` (in a notebook, the kernel's stdin channel: an input box in the cell; in a shell, the
terminal). A prompt may also have a `write(text)` method for output pdb leaves without asking
for a line (rare: `interact` output just before the handler returns).

How it travels: the event carries the header `Lambda-Nb-Debug: breakpoint` (or `post-mortem`),
which only lambda_nb's runtime clients read (runtimes/python/_lnb_debug.py; for Node.js's
`debugger;` statements, runtimes/nodejs/debug-prompt.mjs, a small pdb-like prompt). That client
talks back over the environment's own Runtime API endpoint, on the private path
`/lambda-nb/debug/<request id>/<kind>`:

- `stop` / `resume`: pdb took hold of the program / let it go. Between the two, the clock is
  stopped: no timeout, and that time is left out of Duration and Billed Duration (as SAM stops
  the timeout while a debugger holds the function). The REPORT line says how long in
  `Debug Pause Duration: N ms` (JSON: `debugPauseDurationMs`), present on every debugged
  invocation, so a figure is never silently smaller than the wall time. This field is
  lambda_nb's, not AWS's: real Lambda has no debugger.
- `read`: pdb's output so far; the answer is the caller's line (header `Lambda-Nb-Eof` for EOF).
- `write`: output with no read after it.

Every reply carries `Lambda-Nb-Paused-Ms`, the engine's count of the stops that ended, so the
context's remaining time in the runtime (`get_remaining_time_in_millis`) moves by what the
engine skipped, and stays put during a stop (the runtime adds the current stop itself).

With `debug_port` an IDE attaches instead: the header says `debugpy:<port>:<dir>` (Python:
debugpy imported from the caller's `dir`) or `inspector:<port>` (Node.js: Node's inspector,
runtimes/nodejs/rapid-client.mjs); the first such invoke waits for the IDE. In the sandbox the
caller's debugpy is shown read-only at /var/lambda_nb/debugpy (`sandbox_binds`), off the
function's sys.path, and the header names that folder. How long the IDE
holds the program is not known here, so the timeout is off for those invocations (as with
`sam local invoke --debug-port`), the REPORT claims no pause, and the environment is not
frozen between invokes (the IDE's link and debugpy's adapter must stay responsive).

`read` and `write` are parked by the Runtime API thread and answered on the caller's thread
(`serve`), where `input()` must run; `stop` and `resume` are answered at once.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambda_nb.engine.errors import ConfigError, LambdaNbError

if TYPE_CHECKING:
    from lambda_nb.engine.runtime_api import Connection
    from lambda_nb.engine.runtime_family import RuntimeCommand

PREFIX = "/lambda-nb/debug/"
HEADER = "Lambda-Nb-Debug"
Prompt = Callable[[str], str]


class DebugUnsupported(ConfigError):
    """This function's runtime cannot stop in a debugger here."""


class NothingToDebug(LambdaNbError, LookupError):
    """`debug_last()` with no failed invocation to run again."""


def check_runtime(runtime: RuntimeCommand, attach: bool = False, post_mortem: bool = False) -> None:
    """Only lambda_nb's own runtime clients have the debug channel: Python's (pdb), and
    Node.js's (`debugger;` statements, through Node's inspector; an IDE on a debug port)."""
    from lambda_nb.engine.runtime_nodejs import NODE_BOOTSTRAP
    from lambda_nb.engine.runtime_python import BOOTSTRAP

    if runtime.family == "python" and str(BOOTSTRAP) in runtime.argv:
        return
    ours = str(NODE_BOOTSTRAP.parent / "index.mjs") in runtime.argv
    if ours and (attach or not post_mortem):
        return
    if runtime.family == "python":
        why = "AWS's awslambdaric has no debug channel; use the runtime client lambda_nb"
    elif runtime.family == "nodejs" and attach:
        why = "AWS's aws-lambda-ric has no inspector hook; use the runtime client lambda_nb"
    elif runtime.family == "nodejs" and ours:
        why = (
            "no post-mortem for Node.js functions (a rejected promise has no frames left to "
            "stop in): debug_last(post_mortem=False) with a `debugger;` statement"
        )
    elif runtime.family == "nodejs":
        why = "AWS's aws-lambda-ric has no debug channel; use the runtime client lambda_nb"
    elif runtime.family == "java":
        why = "lambda_nb's Java runtime client has no debug channel yet"
    else:
        why = "a custom runtime's bootstrap is its own program, with no debug channel"
    raise DebugUnsupported(f"debug: {runtime.name}: {why}")


def debugpy_dir() -> str:
    """The folder that holds the caller's debugpy (the runtime imports it from there)."""
    import importlib.util

    spec = importlib.util.find_spec("debugpy")
    if spec is None or spec.origin is None:
        raise DebugUnsupported("debug_port needs debugpy: pip install debugpy")
    return os.path.dirname(os.path.dirname(spec.origin))


SANDBOX_DEBUGPY = "/var/lambda_nb"  # where the sandbox shows the caller's debugpy package


def sandbox_binds() -> list[tuple[str, str]]:
    """The caller's debugpy package (host -> sandbox), read-only, for debug_port in the sandbox,
    which shows no host folder else. Outside /var/runtime and /var/task: on the function's
    sys.path it would make `import debugpy` work where Lambda's would fail. None without it."""
    try:
        site = debugpy_dir()
    except DebugUnsupported:
        return []
    return [(os.path.join(site, "debugpy"), f"{SANDBOX_DEBUGPY}/debugpy")]


def check_port(port: int) -> None:
    """A clear error now rather than a failed listen inside the environment."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"debug_port: {port!r} is not a TCP port (1-65535)")
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # only a listener is "in use"
    try:
        probe.bind(("127.0.0.1", port))
    except OSError as exc:
        raise ConfigError(f"debug_port: 127.0.0.1:{port} is in use ({exc.strerror})") from None
    finally:
        probe.close()


class DebugSession:
    """The debug channel of one invocation, and how long its program was stopped."""

    def __init__(
        self,
        prompt: Prompt | None = None,
        post_mortem: bool = False,
        port: int | None = None,
        inspector: bool = False,
    ) -> None:
        self.prompt = prompt
        self.post_mortem = post_mortem
        self.port = port  # an IDE attaches over debugpy (Node.js: the inspector) instead
        self.inspector = inspector
        self.paused_s = 0.0  # stops that ended
        self.stopped_at: float | None = None  # time.monotonic() of the current stop
        self.stops = 0
        self.pending: tuple[Connection, str, bytes] | None = None  # a read/write to answer

    def headers(self, sandboxed: bool = False) -> dict[str, str]:
        """`sandboxed`: the runtime is in the sandbox, where debugpy is at SANDBOX_DEBUGPY."""
        if self.port is not None and self.inspector:
            return {HEADER: f"inspector:{self.port}"}
        if self.port is not None:
            where = debugpy_dir()  # raises DebugUnsupported without debugpy, in either mode
            return {HEADER: f"debugpy:{self.port}:{SANDBOX_DEBUGPY if sandboxed else where}"}
        return {HEADER: "post-mortem" if self.post_mortem else "breakpoint"}

    @property
    def measured(self) -> bool:
        """The time stopped is known (a prompt); with an IDE attached it is not."""
        return self.port is None

    # -- the clock ------------------------------------------------------------------------------
    def paused(self, now: float | None = None) -> float:
        """Seconds stopped so far, the current stop included."""
        if self.stopped_at is None:
            return self.paused_s
        return self.paused_s + ((time.monotonic() if now is None else now) - self.stopped_at)

    def deadline(self, deadline: float) -> float:
        """The invocation's deadline moved by the time stopped; none while stopped, and none
        at all while an IDE may hold the program (debug_port: as SAM's --debug-port)."""
        if self.stopped_at is not None or self.port is not None:
            return math.inf
        return deadline + self.paused_s

    def _paused_header(self) -> dict[str, str]:
        """The stops that ended (the runtime counts the current one itself)."""
        return {"Lambda-Nb-Paused-Ms": str(int(self.paused_s * 1000))}

    # -- the Runtime API side (its connection thread, under the environment's lock) -------------
    def receive(self, conn: Connection, kind: str, body: bytes) -> bool:
        """A message from the runtime. True when it waits for the caller's thread (`serve`)."""
        if kind == "stop":
            if self.stopped_at is None:
                self.stopped_at = time.monotonic()
                self.stops += 1
        elif kind == "resume":
            if self.stopped_at is not None:
                self.paused_s += time.monotonic() - self.stopped_at
                self.stopped_at = None
        elif kind in ("read", "write"):
            if self.pending is not None:  # one at a time: pdb reads on one thread
                conn.send(409, b"")
                return False
            self.pending = (conn, kind, body)
            return True
        else:
            conn.send(404, b"")
            return False
        conn.send(200, b"", self._paused_header(), content_type="text/plain")
        return False

    # -- the caller's side ----------------------------------------------------------------------
    def serve(self) -> None:
        """Answer the parked read or write: ask the prompt for a line, or show the output.
        Whatever the prompt raises (KeyboardInterrupt at the prompt, say) propagates: the
        invocation is aborted."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        conn, kind, body = pending
        text = body.decode("utf-8", "replace")
        headers = self._paused_header()
        if kind == "write":
            write = getattr(self.prompt, "write", None)
            if write is not None and text:
                write(text)
            conn.send(200, b"", headers, content_type="text/plain")
            return
        if self.prompt is None:
            conn.send(200, b"", {**headers, "Lambda-Nb-Eof": "1"}, content_type="text/plain")
            return
        try:
            line = self.prompt(text)
        except EOFError:
            headers["Lambda-Nb-Eof"] = "1"
            line = ""
        conn.send(200, line.encode("utf-8"), headers, content_type="text/plain")
