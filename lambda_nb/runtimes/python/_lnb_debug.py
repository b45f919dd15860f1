"""pdb inside a handler, at the caller's prompt: lambda_nb's own, loaded only for an invoke whose
caller asked for it (`fn.invoke(event, debug=True)`; the `Lambda-Nb-Debug` header of the event).

Without that header nothing here runs and a `breakpoint()` meets what it meets on AWS: the
runtime's stdin is empty (/dev/null), pdb reads EOF at its first prompt, quits, and the handler
fails with `BdbQuit` (its "(Pdb) " prompt is in the log).

With it, pdb's stdin and stdout are a channel to the engine (engine/debugger.py): what pdb writes
is sent with each line it reads, over the environment's own Runtime API endpoint, and the line
comes back from the caller (an input box in the notebook cell, or the terminal). The clock stops
while pdb holds the program (`Pdb.interaction`): the engine is told when it stops and resumes, so
the time at the prompt counts neither against the timeout nor in the REPORT's Duration, and the
context's remaining time stays where it was when the program stopped.

This module may run while the debugger traces the program, so between a stop and the moment the
trace function is off it calls no Python code outside modules pdb skips (`_lnb_*`, `__main__`):
only C functions and _lnb_core's socket client, so that `n` never lands in our plumbing.
"""

from __future__ import annotations

import sys
import time

import _lnb_core as core

PREFIX = "/lambda-nb/debug/"
HEADER = "lambda-nb-debug"  # the event's header: "breakpoint" or "post-mortem"
PAUSED_HEADER = "lambda-nb-paused-ms"  # the engine's count of time stopped, in each reply
EOF_HEADER = "lambda-nb-eof"  # the caller ended input (Ctrl-D): pdb reads "" (EOF)
SKIP = ("_lnb_*", "__main__")  # the runtime's modules: bootstrap.py runs as __main__

_session: Session | None = None
_pdb_class: type | None = None


class Channel:
    """pdb's stdin and stdout: output is held until pdb reads, then sent with the read."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, session: Session) -> None:
        self.session = session
        self._out: list[str] = []

    def write(self, text: str) -> int:
        self._out.append(text)
        return len(text)

    def writelines(self, lines: object) -> None:
        for line in lines:  # type: ignore[attr-defined]
            self.write(line)

    def flush(self) -> None:
        pass

    def pending(self) -> str:
        text = "".join(self._out)
        self._out.clear()
        return text

    def readline(self, size: int = -1) -> str:
        return self.session.read(self.pending())

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        """`exit()` in `interact` closes sys.stdin; the channel stays open for pdb."""


class Session:
    """One debugged invocation: its channel, the clock's stops, and its context's deadline."""

    def __init__(self, address: str, request_id: str, mode: str) -> None:
        self.client = core.RuntimeApiClient(address, "lambda_nb-debug")
        self.address = address
        self.request_id = request_id
        self.post_mortem = mode == "post-mortem"
        self.channel = Channel(self)
        self.context: object = None
        self.deadline_ms = 0
        self.paused_ms = 0  # the engine's count, as of its last reply
        self.stopped_at: float | None = None  # time.monotonic() when the program stopped
        self.previous_hook = sys.breakpointhook
        self.pdb_hook: object = None

    def call(self, kind: str, body: bytes = b"") -> tuple[dict[str, str], bytes]:
        path = PREFIX + self.request_id + "/" + kind
        headers = [("Host", self.address), ("content-length", str(len(body)))]
        status, reply_headers, reply = self.client._call("POST", path, headers, body)
        if status != 200:
            raise core.RuntimeApiError(f"debug channel: HTTP {status}: {reply!r}")
        paused = reply_headers.get(PAUSED_HEADER)
        if paused:
            self.paused_ms = int(paused)
        return reply_headers, reply

    # -- the clock ------------------------------------------------------------------------------
    def stop(self) -> None:
        """The program stops: the engine's clock too, and the context's remaining time."""
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()
            self.call("stop")
            self._freeze()

    def resume(self) -> None:
        if self.stopped_at is not None:
            self.call("resume")
            self.stopped_at = None
            self._freeze()

    def _freeze(self) -> None:
        """Push the context's deadline out by the time stopped, so far: it reads as frozen."""
        if self.context is None:
            return
        paused = self.paused_ms
        if self.stopped_at is not None:
            paused += int((time.monotonic() - self.stopped_at) * 1000)
        try:
            self.context._epoch_deadline_time_in_ms = self.deadline_ms + paused  # type: ignore[attr-defined]
        except AttributeError:
            pass

    # -- the prompt -----------------------------------------------------------------------------
    def read(self, output: str) -> str:
        headers, line = self.call("read", output.encode("utf-8"))
        self._freeze()
        if headers.get(EOF_HEADER):
            return ""
        text = line.decode("utf-8", "replace")
        return text if text.endswith("\n") else text + "\n"

    def flush_output(self) -> None:
        text = self.channel.pending()
        if text:
            self.call("write", text.encode("utf-8"))

    # -- the invocation -------------------------------------------------------------------------
    def begin(self, context: object) -> None:
        self.context = context
        self.deadline_ms = getattr(context, "_epoch_deadline_time_in_ms", 0)
        sys.breakpointhook = self.breakpoint
        # pdb.set_trace() too, whenever pdb gets imported (at once if it is already).
        self.pdb_hook = core.ConfigureOnImport("pdb", pdb_class)

    def end(self) -> None:
        sys.settrace(None)  # first: nothing below may be stepped into
        global _session
        _session = None
        sys.breakpointhook = self.previous_hook
        if self.pdb_hook in sys.meta_path:
            sys.meta_path.remove(self.pdb_hook)
        self.resume()
        self.flush_output()

    def breakpoint(self, *args: object, **kwargs: object) -> None:
        """sys.breakpointhook: stop the clock first (importing pdb takes a while), then pdb."""
        self.stop()
        debugger = pdb_class()()
        debugger.set_trace(sys._getframe(1))

    def debug_exception(self, tb: object) -> None:
        """Post-mortem: pdb at the frame that raised, with its locals."""
        self.stop()
        debugger = pdb_class()()
        try:
            debugger.reset()
            debugger.interaction(None, tb)
        finally:
            sys.settrace(None)  # `n` or `s` at a post-mortem prompt traces whatever comes next


_listening: int | None = None  # the port debugpy listens on in this process


def attach(mode: str) -> None:
    """`debugpy:<port>:<dir>`: an IDE attaches with the Debug Adapter Protocol (debugpy, from
    `dir`, the caller's site-packages). Listen once per process, on 127.0.0.1; before each
    invoke, wait until a client is attached. Breakpoints are the IDE's."""
    global _listening
    _, port_text, path = mode.split(":", 2)
    port = int(port_text)
    import os

    # pydevd's note about frozen modules is for people debugging Python itself
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if "debugpy" not in sys.modules and path:
        sys.path.insert(0, path)
        try:
            import debugpy
        finally:
            sys.path.remove(path)
    import debugpy

    if _listening != port:
        debugpy.listen(("127.0.0.1", port))
        _listening = port
        root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
        print(f"debugpy: listening on 127.0.0.1:{port}; the code is in {root} (launch.json's"
              " pathMappings remoteRoot); waiting for the IDE to attach")  # fmt: skip
    if not debugpy.is_client_connected():
        debugpy.wait_for_client()


def start(address: str, request_id: str, mode: str) -> Session:
    global _session
    _session = Session(address, request_id, mode)
    return _session


def pdb_class() -> type:
    """pdb.Pdb, made to talk to the caller while a session is on (also for `pdb.set_trace()`,
    `pdb.post_mortem()` and any code that makes a `pdb.Pdb()`): installed as pdb.Pdb."""
    global _pdb_class
    if _pdb_class is not None:
        return _pdb_class
    import os
    import pdb

    here = os.path.dirname(os.path.abspath(__file__))

    class LambdaPdb(pdb.Pdb):  # type: ignore[name-defined,misc]
        def __init__(self, completekey="tab", stdin=None, stdout=None, skip=None, **kwargs):  # type: ignore[no-untyped-def]
            session = _session
            if session is not None and stdin is None and stdout is None:
                stdin = stdout = session.channel
                kwargs.setdefault("nosigint", True)
                kwargs.setdefault("readrc", False)
            skip = [*(skip or ()), *SKIP]
            super().__init__(completekey, stdin, stdout, skip, **kwargs)

        def interaction(self, frame, tb):  # type: ignore[no-untyped-def]
            session = _session
            if session is None:
                return super().interaction(frame, tb)
            session.stop()
            try:
                return super().interaction(frame, tb)
            finally:
                session.resume()

        def get_stack(self, f, t):  # type: ignore[no-untyped-def]
            """The stack from the handler down: the runtime's own frames are not the user's."""
            stack, index = super().get_stack(f, t)
            cut = 0
            while cut < index and os.path.dirname(stack[cut][0].f_code.co_filename) == here:
                cut += 1
            return stack[cut:], index - cut

        def do_interact(self, arg):  # type: ignore[no-untyped-def]
            """`interact` reads and writes through sys.stdin/stdout: the caller's, meanwhile;
            `exit()` or EOF returns to pdb."""
            session = _session
            if session is None:
                return super().do_interact(arg)
            saved = sys.stdin, sys.stdout, sys.stderr
            sys.stdin = sys.stdout = sys.stderr = session.channel  # type: ignore[assignment]
            try:
                return super().do_interact(arg)
            except SystemExit:
                self.message("*exit from pdb interact command*")
            finally:
                sys.stdin, sys.stdout, sys.stderr = saved

    LambdaPdb.__name__ = LambdaPdb.__qualname__ = "Pdb"
    pdb.Pdb = LambdaPdb
    _pdb_class = LambdaPdb
    return LambdaPdb
