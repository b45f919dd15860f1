"""An execution environment: one runtime process (group) with its own Runtime API endpoint,
log stream, /tmp and memory cgroup, living through Lambda's lifecycle:

    INIT (runtime starts, module code runs; 10 s limit)  ->  INVOKE  ->  FREEZE  ->  INVOKE ...

- Freeze: once the runtime asks for the next event, its whole process group is stopped
  (SIGSTOP), so threads and children make no progress between invokes; it is continued
  (SIGCONT) just before the next event is delivered.
- Reset: a timeout, crash, out-of-memory kill or abort kills every process of the environment.
  The environment stays (same log stream, /tmp kept); its next invoke initialises again inside the
  invoke phase ("suppressed init"), so module state is lost, and the init time counts against
  the function timeout.
- A failed init is retried once inside the first invoke, as Lambda does; if that fails too the
  invocation fails with the init error and the environment is discarded.

Choices where lambda-runtime.md says UNCONFIRMED are noted in `platform_lines` and below.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_nb.engine import platform_lines as pl
from lambda_nb.engine import sandbox, watchdog
from lambda_nb.engine.config import (
    INIT_TIMEOUT_S,
    REGION,
    RESPONSE_MAX_BYTES,
    FunctionConfig,
)
from lambda_nb.engine.debugger import DebugSession, sandbox_binds
from lambda_nb.engine.logs import LogCollector, log_pipe
from lambda_nb.engine.memory import CgroupMemory, MemoryGuard, descendants, memory_guard
from lambda_nb.engine.poll import readable
from lambda_nb.engine.records import Invocation, LogRecord, Report
from lambda_nb.engine.runtime_api import Connection, RuntimeAPIServer

if TYPE_CHECKING:
    from lambda_nb.engine.reaper import Reaper
    from lambda_nb.engine.runtime_family import RuntimeCommand

PROGRESS_INTERVAL = 0.05  # at most every 50 ms the caller's on_progress runs
_SENT_FROZEN = 16384  # bytes of event that loopback's socket buffers take without a reader
_SIGNAL_NAMES = {  # Go's os/exec wording, which RAPID's "Runtime exited with error" uses
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGILL: "illegal instruction",
    signal.SIGINT: "interrupt",
    signal.SIGHUP: "hangup",
    signal.SIGPIPE: "broken pipe",
    signal.SIGQUIT: "quit",
    signal.SIGTRAP: "trace/breakpoint trap",
}
_PASSTHROUGH_ENV = ("SYSTEMROOT",)  # Windows cannot start a process without it
# Lambda's PATH (lambda-runtime.md 3). /var/lang/bin, where the runtime's own interpreter lives,
# is the interpreter's folder here; HOME is not set on Lambda (sandbox-and-packages.md), so it
# is not passed either.
_LAMBDA_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"


def exit_reason(returncode: int) -> str:
    """RAPID's wording for how a runtime process ended."""
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:  # real-time signals have no name; Go prints "signal 40"
            return f"Runtime exited with error: signal {-returncode}"
        return f"Runtime exited with error: signal: {_SIGNAL_NAMES.get(sig, sig.name)}"
    return f"Runtime exited with error: exit status {returncode}"


_PLATFORM_ERROR_TYPE = re.compile(r"^(Runtime|Function)\.[A-Z][a-zA-Z]+$")


def platform_error_type(runtime_type: object) -> str:
    """The Error Type the platform logs for a runtime-reported fault.

    RAPID keeps the runtime's errorType only if it looks like `Runtime.X`/`Function.X`, else
    `Runtime.Unknown` (RIE fatalerror.go); the caller still gets the runtime's body unchanged.
    """
    if isinstance(runtime_type, str) and _PLATFORM_ERROR_TYPE.match(runtime_type):
        return runtime_type
    return "Runtime.Unknown"


def platform_error(request_id: str, error_type: str, reason: str) -> dict[str, str]:
    """The caller's body for a fault the platform saw itself: `RequestId: <id> Error: ...`."""
    return {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {reason}"}


def timeout_error(request_id: str, timeout: float) -> dict[str, str]:
    """The caller's body for a timeout (RAPID: `Task timed out after %.2f seconds`, configured)."""
    reason = f"Task timed out after {timeout:.2f} seconds"
    return platform_error(request_id, "Sandbox.Timedout", reason)


def trace_id() -> str:
    return (
        f"Root=1-{int(time.time()):08x}-{random.getrandbits(96):024x};"  # ids, not secrets:
        f"Parent={random.getrandbits(64):016x};Sampled=0"  # no getrandom call per invoke
    )


@dataclass
class _InitOutcome:
    ok: bool
    duration_ms: float
    status: str = ""  # "error" or "timeout" when not ok
    error_type: str | None = None
    error: dict[str, Any] | None = None  # the body the caller gets if this init's failure stands


class ExecutionEnvironment:
    """One sandbox of one function revision. Not thread-safe for concurrent invokes: the
    service hands each environment to one invocation at a time, as Lambda does."""

    def __init__(
        self,
        config: FunctionConfig,
        revision: int,
        task_root: Path,
        runtime: RuntimeCommand,
        work_dir: Path,
        reaper: Reaper | None = None,
        memory_backend: str | None = None,
        version: str = "$LATEST",
        initialization_type: str = "on-demand",
        opt_dir: Path | None = None,
        runtime_site: Path | None = None,
    ) -> None:
        self.config = config
        self.opt_dir = opt_dir  # the merged layers: what the function sees as /opt
        self.runtime_site = runtime_site  # the runtime's bundled SDK (boto3, @aws-sdk v3)
        self.revision = revision
        self.task_root = task_root
        self.runtime = runtime
        self.reaper = reaper
        self.version = version  # AWS_LAMBDA_FUNCTION_VERSION: "$LATEST" or a published number
        self.initialization_type = initialization_type  # or "provisioned-concurrency"
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self.log_stream = f"{day}/[{version}]{uuid.uuid4().hex}"
        # An invocation's records go to its `logs` (the service hands them to its log store
        # when it ends); records outside any invocation go here (the service's store).
        self.stream_sink: Callable[[LogRecord], None] | None = None
        self.tmp = work_dir / f"env-{uuid.uuid4().hex[:12]}" / "tmp"
        self.tmp.mkdir(parents=True)
        self.memory: MemoryGuard = memory_guard(config.memory, memory_backend)
        if self.reaper is not None:
            self.reaper.watch_environment(self.log_stream)
            if hasattr(self.memory, "path"):
                self.reaper.watch_cgroup(str(self.memory.path))
        self._cv = threading.Condition()
        # The invoking thread waits on the connection it holds and on this pair, which
        # `_notify` writes to while it waits (`_polling`): one wait for either, no thread hop.
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._polling = False
        self._runtime_fd: int | None = None  # a pidfd of the runtime process (Linux)
        self._init_unread = False  # an init ran since the last START (see `_drain_init`)
        self._attaching: threading.Thread | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._collector: LogCollector | None = None
        self._pending_next: Connection | None = None
        self._next_at = 0.0
        self._current: Invocation | None = None
        self._target: Invocation | None = None
        self._result: tuple[str, bytes, dict[str, str]] | None = None
        self._delivery: tuple[bytes, dict[str, str]] | None = None  # the current event
        self._init_error: dict[str, Any] | None = None
        self._init_error_header: str | None = None  # its Lambda-Runtime-Function-Error-Type
        self._exited: int | None = None
        self._frozen = False
        self._frozen_pids: set[int] = set()
        self._launcher: int | None = None  # the runtime's process (or its launcher)
        self._in_init = False
        self._debug: DebugSession | None = None  # the current invocation's, if debugged
        self._ide_attached = False  # debug_port: never frozen, so the IDE's link stays alive
        self.started = False  # INIT_START written: the environment exists
        self.closed = False
        self.busy = False  # handed to an invocation by the service
        self.discarded = False
        self.lines = pl.PlatformLines(
            config.log_format, config.name, config.function_arn, config.memory, version,
            initialization_type,
        )  # fmt: skip
        # Sandbox or process mode (engine/sandbox.py), decided once per environment.
        self.isolation = sandbox.isolation()
        self._layout: sandbox.Layout | None = None
        self.sandbox: sandbox.Sandbox | None = None
        self.server = RuntimeAPIServer(self, self._members)

    def _notify(self) -> None:
        """Under the lock: the state changed; wake whoever waits for it."""
        self._cv.notify_all()
        if self._polling:
            self._polling = False
            try:
                self._wake_w.send(b"\0")
            except OSError:  # full (it is awake already) or closed
                pass

    # ------------------------------------------------------------------ logs
    def _sink(self, rec: LogRecord) -> None:
        target = self._target
        if target is not None:
            target.logs.append(rec)
        elif self.stream_sink is not None:
            self.stream_sink(rec)

    def _platform(self, message: str, ts: float | None = None) -> None:
        self._sink(LogRecord(ts if ts is not None else time.time(), message, "platform"))

    def _drain_logs(self) -> None:
        if self._collector is not None:
            self._collector.drain()

    def _drain_init(self) -> None:
        """Lambda's order is INIT_START, what the init printed, then START; the log reader may
        still hold the init's last lines (it gathers writes for a moment), so take them now."""
        if self._init_unread:
            self._init_unread = False
            self._drain_logs()

    # ------------------------------------------------------------- process
    def _environ(self, telemetry_fd: int) -> dict[str, str]:
        cfg = self.config
        env = {k: os.environ[k] for k in _PASSTHROUGH_ENV if k in os.environ}
        interpreter = self.runtime.interpreter  # node's folder, not the bootstrap's /bin/sh
        lang_bin = os.path.dirname(interpreter) if interpreter else ""
        env["PATH"] = f"{lang_bin}:{_LAMBDA_PATH}" if lang_bin else _LAMBDA_PATH
        env.update(
            {
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "AWS_LAMBDA_FUNCTION_NAME": cfg.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory),
                "AWS_LAMBDA_FUNCTION_VERSION": self.version,
                "AWS_LAMBDA_LOG_GROUP_NAME": cfg.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": self.initialization_type,
                "AWS_LAMBDA_RUNTIME_API": self.server.address,
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                "LAMBDA_TASK_ROOT": str(self.task_root),
                "_HANDLER": cfg.handler,
                "_LAMBDA_TELEMETRY_LOG_FD": str(telemetry_fd),
                "TMPDIR": str(self.tmp),
            }
        )
        if self.runtime.execution_env:
            env["AWS_EXECUTION_ENV"] = self.runtime.execution_env
        env.update(self.runtime.environment(self.task_root))  # LAMBDA_RUNTIME_DIR, LC_CTYPE...
        self._import_paths(env)
        if cfg.log_format == "JSON":
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = cfg.log_level or "INFO"
        if self._layout is not None:  # sandbox: Lambda's paths, and /tmp is /tmp (no TMPDIR)
            del env["TMPDIR"]
            env.update(self._layout.env)
        env.update(cfg.aws_environment)  # the role's credentials, the local AWS's endpoint
        env.update(cfg.environment)
        return env

    def _import_paths(self, env: dict[str, str]) -> None:
        """Where the runtime finds /opt and its bundled SDK (sandbox-and-packages.md 2): the
        bootstrap reads `_LAMBDA_NB_IMPORT_PATHS` (the /opt dir, then the SDK dir, either
        empty) and removes it before user code runs. /opt/bin on PATH is the layers' bin."""
        opt = "" if self.opt_dir is None else str(self.opt_dir)
        if opt:
            env["PATH"] = env["PATH"].replace(":/opt/bin", f":{opt}/bin")
        if self.runtime.family in ("python", "nodejs", "java"):
            site = "" if self.runtime_site is None else str(self.runtime_site)
            env["_LAMBDA_NB_IMPORT_PATHS"] = f"{opt}{os.pathsep}{site}"

    # ------------------------------------------------------------- sandbox
    def _sandboxed(self) -> sandbox.Sandbox | None:
        """The running sandbox (built on first use, rebuilt if its keeper died), or None in
        process mode."""
        if self.isolation.mode != "sandbox":
            return None
        if self._layout is None:
            cmd = self.runtime
            packages = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")
            aws_python = cmd.family == "python" and "awslambdaric" in cmd.argv
            self._layout = sandbox.plan(
                cmd.family, cmd.command(self.task_root), self.task_root, cmd.runtime_dir,
                self.opt_dir, self.runtime_site, packages if aws_python else (),
            )  # fmt: skip
            self._layout.binds.extend((path, path) for path in cmd.mounts)  # e.g. a JDK's /etc
            if cmd.family == "python":  # debug_port: the caller's debugpy (engine/debugger.py)
                self._layout.binds.extend(sandbox_binds())
        if self.sandbox is None:
            size = self.config.ephemeral_storage
            marker = {watchdog.MARKER_VARIABLE: self.log_stream}  # bwrap is swept by it too
            self.sandbox = sandbox.Sandbox(self._layout, size, self.tmp.parent, marker)
        if not self.sandbox.alive():
            try:
                self.sandbox.start()
            except OSError as exc:
                # The machine said yes when probed but cannot now: this environment goes on
                # as a process group and says why (sandbox-and-packages.md 5: never silent),
                # rather than failing the invoke as if the function's entrypoint were wrong.
                self.sandbox, self._layout = None, None
                self.isolation = sandbox.Isolation("process", str(exc))
                return None
            if self.reaper is not None and self.sandbox.bwrap is not None:
                self.reaper.watch_group(self.sandbox.bwrap.pid)
        return self.sandbox

    def _runtime_gone(self, pid: int) -> bool:
        """Did the frozen runtime die? Asked of the process itself: its exit may not have been
        reaped yet, and in the sandbox its launcher, stopped too, cannot notice it before thawed.
        Asked before every warm invoke, so through a pidfd kept for the runtime process."""
        if self._runtime_fd is None:
            if self.sandbox is not None:
                kids = descendants(pid)  # the launcher's one child is the runtime
                pid = kids[0] if kids else 0
            if not pid:
                return True
            self._runtime_fd = _pidfd(pid)
            if self._runtime_fd is None:
                return sandbox.process_state(pid) in ("", "Z", "X")
        return bool(readable([self._runtime_fd], 0))  # readable: it has exited

    def _members(self) -> list[int]:
        """The environment's processes, for the Runtime API's peer check."""
        launcher = self._launcher
        if launcher is None:
            return []
        if self.sandbox is not None:
            return self.sandbox.processes(launcher)
        return [launcher, *descendants(launcher), *self.memory.pids()]

    def _spawn(self) -> None:
        """Start the runtime; OSError if it cannot be executed (Runtime.InvalidEntrypoint)."""
        with self._cv:
            self._init_error = None  # before the new process can report one
        box = self._sandboxed()
        command = self.runtime.command(self.task_root)
        if box is not None:
            assert self._layout is not None
            sandbox.check_executable(command[0], self._layout.argv[0])
            command = box.command(self._layout.argv)
        read_out, write_out, write_tel = log_pipe()  # print and logging in call order
        env = self._environ(write_tel)
        fds = [write_tel]  # the runtime's ends: closed here once it has them
        gate = -1  # lambda_nb's Python client waits on the other end until it is in its cgroup
        if os.path.basename(command[-1]) == "bootstrap.py":
            read_gate, gate = os.pipe()
            fds.append(read_gate)
            env["_LAMBDA_NB_CGROUP_FD"] = str(read_gate)
        try:
            proc = subprocess.Popen(
                command,
                cwd=self.task_root if box is None else None,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=write_out,
                stderr=subprocess.PIPE,
                pass_fds=fds,
                start_new_session=True,
            )
        except OSError:
            os.close(read_out)
            if gate >= 0:
                os.close(gate)
            raise
        finally:
            for fd in (write_out, *fds):
                os.close(fd)
        self._launcher = proc.pid  # its connections to the Runtime API are welcome from now
        if box is not None:
            box.launcher = proc.pid
        assert proc.stderr is not None
        self.memory.reset_oom()
        if gate >= 0:
            # Moving a process into a cgroup waits for an RCU grace period (~10 ms on cgroup
            # v1): done while the interpreter starts, which runs no user code before the gate
            # closes; awaited before anything here counts on it (`_attached`).
            self._attaching = threading.Thread(
                target=self._attach, args=(proc.pid, gate), daemon=True
            )
            self._attaching.start()
        else:
            self._attach(proc.pid)
        if self.reaper is not None:
            self.reaper.watch_group(proc.pid)
        err = os.dup(proc.stderr.fileno())
        proc.stderr.close()
        with self._cv:
            self.proc = proc
            self._exited = None
            self._frozen = False
        self._collector = LogCollector(read_out, err, None, self._sink)
        threading.Thread(target=self._wait_exit, args=(proc,), daemon=True).start()

    def _attach(self, pid: int, gate: int = -1) -> None:
        try:
            self.memory.attach(pid)
        except OSError:
            pass
        finally:
            if gate >= 0:
                os.close(gate)

    def _attached(self) -> None:
        """The runtime is in its cgroup (see `_spawn`)."""
        if self._attaching is not None and self._attaching is not threading.current_thread():
            self._attaching.join()

    def _wait_exit(self, proc: subprocess.Popen[bytes]) -> None:
        pidfd = _pidfd(proc.pid)
        if pidfd is not None:  # readable when it exits; waitpid also wakes at every freeze
            try:
                readable([pidfd], None)
            finally:
                os.close(pidfd)
        code = proc.wait()
        with self._cv:
            if self.proc is proc:
                self._exited = code
                self._notify()

    def _signal(self, sig: int, pids: set[int] | None = None) -> None:
        """Send `sig` to the runtime's process group and to the other `pids` given."""
        proc = self.proc
        if proc is None:
            return
        if self.sandbox is not None:  # every process of the namespace, wherever it went
            if sig == signal.SIGSTOP:
                cgroup = isinstance(self.memory, CgroupMemory)  # then `pids` are all of them
                self.sandbox.freeze(proc.pid, pids if cgroup else None)
            elif sig == signal.SIGCONT:
                self.sandbox.thaw(proc.pid)
            elif sig == signal.SIGKILL:
                self.sandbox.kill(proc.pid)
            else:
                self.sandbox.signal_all(sig, proc.pid)
            return
        try:
            os.killpg(proc.pid, sig)
        except OSError:
            pass
        for pid in pids or ():
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    def _freeze(self) -> None:
        if self._ide_attached:  # an IDE's debugger (debugpy and its adapter) must stay alive
            return
        if not self._frozen and self.proc is not None:
            self._attached()
            self.memory.pause()  # first: the cgroup's process list read now is kept till resume
            # A process that left the group (setsid) is still in the cgroup: stop it too.
            self._frozen_pids = set()
            if isinstance(self.memory, CgroupMemory):  # the cgroup lists every process, cheaply
                self._frozen_pids = set(self.memory.pids()) - {self.proc.pid}
            elif self.sandbox is None:  # without one, what is still below the runtime
                self._frozen_pids = set(descendants(self.proc.pid))
            self._signal(signal.SIGSTOP, self._frozen_pids)
            self._frozen = True

    def _thaw(self) -> None:
        if self._frozen:
            self.memory.resume()
            self._signal(signal.SIGCONT, self._frozen_pids)
            self._frozen = False

    def _kill_runtime(self) -> None:
        """Reset: kill every process of the environment; /tmp and the log stream stay."""
        proc = self.proc
        if proc is None:
            return
        self._attached()
        # Everything in the cgroup or below the runtime, even what left the process group.
        self._signal(signal.SIGKILL, set(self.memory.pids()) | set(descendants(proc.pid)))
        if self.sandbox is None and not isinstance(self.memory, CgroupMemory):
            # No cgroup holds what left the group and the tree (setsid, then a double fork):
            # sweep by the environment's marker, as the watchdog does.
            watchdog.kill_marked([watchdog.marker(self.log_stream)])
        # (In the sandbox, the launcher ends once it has reaped the runtime.)
        if not _ends(proc, 5 if self.sandbox is None else 1):
            proc.kill()
            _ends(proc, 5)
        if self.reaper is not None:
            self.reaper.forget_group(proc.pid)
        collector, self._collector = self._collector, None
        if collector is not None:
            collector.close()
        with self._cv:
            # Taken and cleared at once: close() and a timeout may both get here.
            runtime_fd, self._runtime_fd = self._runtime_fd, None
            if runtime_fd is not None:
                os.close(runtime_fd)
            self.proc = None
            if self._frozen:
                self.memory.resume()
                self._frozen = False
            if self._pending_next is not None:
                self._pending_next.close()
                self._pending_next = None

    # ------------------------------------------------------ Runtime API side
    # A runtime that misuses the API gets RAPID's answers (RIE rapi/handler, core/states.go):
    # a post for another request id: 400 InvalidRequestID; a second post for the same one, or
    # /init/error outside init: 403 InvalidStateTransition naming the runtime's state; /next
    # while its invocation is still unanswered: the same event again (the Running state
    # re-renders the current invoke).
    def _state(self) -> str:
        """The runtime's state, by RAPID's state names."""
        if self._in_init:
            return "InitError" if self._init_error is not None else "Started"
        if self._pending_next is not None:
            return "Ready"
        if self._current is not None:
            return "Running" if self._result is None else "RuntimeResponseSentState"
        return "Ready"

    def _invalid_transition(self, target: str) -> tuple[int, object]:
        return 403, {
            "errorMessage": f"State transition from {self._state()} to {target} failed for "
            "runtime. Error: State transition is not allowed",
            "errorType": "InvalidStateTransition",
        }

    def on_next(self, conn: Connection) -> None:
        with self._cv:
            if self._in_init and self._init_error is not None:
                refused = self._invalid_transition("Ready")
            elif self._current is not None and self._result is None and self._delivery:
                refused, (payload, headers) = None, self._delivery
            else:
                conn.held = True  # the invoking thread reads it from now on
                self._pending_next = conn
                self._next_at = time.monotonic()
                self._freeze()  # the runtime is done: nothing runs until the next event
                self._notify()
                return
        if refused is not None:
            conn.send_json(*refused)
        else:
            conn.send(200, payload, headers)

    def on_response(
        self, request_id: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, object]:
        with self._cv:
            refused = self._check_request(request_id, "InvocationResponse")
            if refused:
                return refused
            if len(body) > RESPONSE_MAX_BYTES:
                error = {
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                    f"({RESPONSE_MAX_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
                self._result = ("fault", json.dumps(error).encode(), {})
                self._notify()
                return 413, {
                    "errorMessage": f"Exceeded maximum allowed payload size ({RESPONSE_MAX_BYTES}"
                    " bytes).",
                    "errorType": "RequestEntityTooLarge",
                }
            self._result = ("response", body, headers)
            self._notify()
            return 202, {"status": "OK"}

    def on_error(self, request_id: str, body: bytes, headers: dict[str, str]) -> tuple[int, object]:
        with self._cv:
            refused = self._check_request(request_id, "InvocationErrorResponse")
            if refused:
                return refused
            self._result = ("error", body, headers)
            self._notify()
            return 202, {"status": "OK"}

    def on_init_error(self, body: bytes, headers: dict[str, str]) -> tuple[int, object]:
        with self._cv:
            if not self._in_init or self._init_error is not None:
                return self._invalid_transition("InitError")
            self._init_error = _error_body(body, headers)
            # RAPID classifies the fault by the Lambda-Runtime-Function-Error-Type header
            # (lambda-runtime.md 12): kept where the body's errorType is not a platform type
            # (Java: `java.lang.ExceptionInInitializerError` posted as Runtime.BadFunctionCode).
            self._init_error_header = headers.get("lambda-runtime-function-error-type")
            self._notify()
            return 202, {"status": "OK"}

    def on_debug(self, conn: Connection, path: str, body: bytes) -> None:
        """pdb's channel (engine/debugger.py): `<request id>/<kind>` of the debugged invoke."""
        request_id, _, kind = path.partition("/")
        with self._cv:
            current, debug = self._current, self._debug
            if debug is None or current is None or current.request_id != request_id:
                refused = True
            else:
                refused = False
                debug.receive(conn, kind, body)
                self._notify()
        if refused:
            reply = {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            conn.send_json(400, reply)

    def on_frame_locals(self, request_id: str, body: bytes) -> tuple[int, object]:
        """The locals of the function's frames when it raised (lambda_nb's Python runtime
        client sends them just before the error): kept on the Invocation for the error view;
        the caller's error body is not touched."""
        try:
            frames = json.loads(body)
        except ValueError:
            return 400, {"errorMessage": "not JSON", "errorType": "InvalidRequest"}
        with self._cv:
            current = self._current
            if current is None or current.request_id != request_id or self._result is not None:
                return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            if isinstance(frames, list):
                current.frame_locals = frames
        return 202, {"status": "OK"}

    def _check_request(self, request_id: str, target: str) -> tuple[int, object] | None:
        """A post must name the invocation in progress, once (RAPID refuses anything else)."""
        current = self._current
        if current is None or request_id != current.request_id:
            return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
        if self._result is not None:
            return self._invalid_transition(target)
        return None

    # --------------------------------------------------------------- init
    def _run_init(self, phase: str, deadline: float, request_id: str) -> _InitOutcome:
        """Start the runtime and wait until it asks for an event (init done) or fails."""
        t0 = time.monotonic()
        self._in_init = True
        self._init_unread = True  # what this init prints is drained before the next START
        try:
            self._spawn()
        except OSError as exc:  # not executable, bad interpreter line, wrong architecture...
            self._in_init = False
            return self._entrypoint_fault(exc, request_id)
        try:
            with self._cv:
                while True:
                    if self._pending_next is not None:
                        return _InitOutcome(True, (self._next_at - t0) * 1000)
                    if self._exited is not None:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cv.wait(min(remaining, PROGRESS_INTERVAL))
                init_error, exited = self._init_error, self._exited
        finally:
            self._in_init = False
        duration_ms = (time.monotonic() - t0) * 1000
        if init_error is not None and exited is None:
            # The runtime reported the error and is exiting; give it a moment to finish.
            deadline_exit = time.monotonic() + 1.0
            with self._cv:
                while self._exited is None and time.monotonic() < deadline_exit:
                    self._cv.wait(0.01)
                exited = self._exited
        self._attached()
        oom = self.memory.oom_killed()
        self.memory.peak_mb()  # remember the resident peak before the processes are gone
        self._drain_logs()
        self._kill_runtime()
        if oom:
            return self._init_fault(duration_ms, "Runtime.OutOfMemory", exited or -9, request_id)
        if init_error is not None:
            error_type = platform_error_type(init_error.get("errorType"))
            if error_type == "Runtime.Unknown":
                error_type = platform_error_type(self._init_error_header)
            return _InitOutcome(False, duration_ms, "error", error_type, init_error)
        if exited is not None:
            return self._init_fault(duration_ms, "Runtime.ExitError", exited, request_id)
        return _InitOutcome(False, duration_ms, "timeout")

    def _entrypoint_fault(self, exc: OSError, request_id: str) -> _InitOutcome:
        """RAPID's fork/exec failure, in Go's wording: `fork/exec <path>: exec format error`."""
        reason = (exc.strerror or str(exc)).lower()
        path = self.runtime.command(self.task_root)[0]
        if self._layout is not None:
            path = self._layout.argv[0]
        error_type = "Runtime.InvalidEntrypoint"
        body = platform_error(request_id, error_type, f"fork/exec {path}: {reason}")
        return _InitOutcome(False, 0.0, "error", error_type, body)

    @staticmethod
    def _init_fault(
        duration_ms: float, error_type: str, code: int, request_id: str
    ) -> _InitOutcome:
        body = platform_error(request_id, error_type, exit_reason(code))
        return _InitOutcome(False, duration_ms, "error", error_type, body)

    def initialize(self) -> bool:
        """Run the init phase now, ahead of any invoke (provisioned concurrency), so the first
        invoke is warm and its REPORT has no Init Duration. False if the init failed: the
        environment is discarded, and invokes run on demand instead."""
        with self._cv:
            if self.started:
                return True
            self.started = True
        outcome = self._first_init("")
        if not outcome.ok:
            self.discarded = True
        return outcome.ok

    def _first_init(self, request_id: str) -> _InitOutcome:
        """The environment's init phase: INIT_START, the init under the 10 s limit, and the
        INIT_REPORT when it failed (its retry, if any, is the invoke's)."""
        instance_id = self.log_stream[-32:]  # the stream's hex id names the sandbox
        self._platform(self.lines.init_start(self.runtime.runtime_version, instance_id))
        outcome = self._run_init("init", time.monotonic() + INIT_TIMEOUT_S, request_id)
        if not outcome.ok:
            report = (outcome.duration_ms, "init", outcome.status, outcome.error_type)
            self._platform(self.lines.init_report(*report))
        return outcome

    # ------------------------------------------------------------- invoke
    def invoke(
        self,
        inv: Invocation,
        payload: bytes,
        on_progress: Callable[[Invocation], None] | None = None,
        extra_headers: dict[str, str] | None = None,
        debug: DebugSession | None = None,
    ) -> Invocation:
        """Run one invocation to its end; `inv` is filled in place and returned.

        On KeyboardInterrupt (or any exception raised by `on_progress`) the environment is
        reset, the invocation is recorded as aborted, and the exception propagates.
        `debug`: pdb in the handler answers to that session's prompt (engine/debugger.py).
        """
        if debug is not None:
            sandboxed = self.isolation.mode == "sandbox"
            extra_headers = {**(extra_headers or {}), **debug.headers(sandboxed)}
            self._ide_attached = self._ide_attached or debug.port is not None
        self._debug = debug
        timeout = self.config.timeout
        inv.environment = self.log_stream
        inv.timeout = timeout
        inv.memory_size = self.config.memory
        self._drain_init()  # a provisioned init's lines are the stream's, not this invocation's
        self._target = inv
        init_ms: float | None = None
        with self._cv:
            died_idle = self.proc is not None and self._exited is not None
        if not died_idle and self.proc is not None and self._frozen:
            died_idle = self._runtime_gone(self.proc.pid)
        if died_idle:
            # The runtime died while frozen (killed from outside, say). On Lambda the next
            # invoke would simply get a fresh sandbox: re-initialise quietly, no error.
            self._kill_runtime()
        try:
            if not self.started:
                self.started = True
                inv.cold = True
                first = self._first_init(inv.request_id)
                if self.closed:  # closed during its init: stopped, not failed
                    self._abort(inv)
                    return inv
                if first.ok:
                    init_ms = first.duration_ms
            t_start, mono_start = time.time(), time.monotonic()
            deadline = mono_start + timeout
            inv.deadline_ms = int((t_start + timeout) * 1000)
            if self.proc is None:  # a reset environment, or a failed first init: suppressed init
                inv.cold = True
                again = self._run_init("invoke", deadline, inv.request_id)
                if self.closed:
                    self._abort(inv)
                    return inv
                if not again.ok:
                    return self._fail_init(inv, again, mono_start, timeout)
            return self._deliver(
                inv, payload, mono_start, deadline, init_ms, on_progress, extra_headers
            )
        except BaseException:
            self._abort(inv)
            raise
        finally:
            self._target = None
            self._debug = None

    def _deliver(
        self,
        inv: Invocation,
        payload: bytes,
        mono_start: float,
        deadline: float,
        init_ms: float | None,
        on_progress: Callable[[Invocation], None] | None,
        extra_headers: dict[str, str] | None,
    ) -> Invocation:
        self._drain_init()  # what this invoke's init printed comes before START
        with self._cv:
            conn, self._pending_next = self._pending_next, None
            self._result = None
            self._current = inv
        assert conn is not None
        inv.started_at = time.time()
        self._platform(self.lines.start(inv.request_id, inv.version), inv.started_at)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": inv.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": trace_id(),
            **(extra_headers or {}),
        }
        # A small event is sent before the thaw: the runtime then wakes once, to its event. A
        # large one might not fit the socket's buffers while the runtime is stopped.
        small = len(payload) <= _SENT_FROZEN
        with self._cv:
            self._delivery = (payload, headers)
            if not small:
                self._thaw()
        conn.send(200, payload, headers)
        with self._cv:
            self._thaw()
        outcome = self._wait(inv, deadline, on_progress, conn)
        if not conn.closed and conn is not self._pending_next:
            if outcome == "done":  # the runtime went on on another connection
                self.server.serve(conn)
            else:  # the runtime is reset
                conn.close()
        return self._finish(inv, outcome, mono_start, init_ms)

    def _wait(
        self,
        inv: Invocation,
        deadline: float,
        on_progress: Callable[[Invocation], None] | None,
        conn: Connection,
    ) -> str:
        """Block until the runtime is done, exits, or the deadline passes (a debugged
        invocation's deadline moves by the time its program is stopped at a prompt).
        Meanwhile this thread answers what the runtime sends on `conn`, the connection the
        event went out on: its response, then its next /next."""
        last_progress = time.monotonic()
        debug = self._debug
        while True:
            with self._cv:
                now = time.monotonic()
                if self._result is not None and self._pending_next is not None:
                    return "done"
                if self._exited is not None:
                    return "exited"
                if self.closed:  # closed under the invocation (even stopped at a prompt)
                    return "exited"
                asked = debug is not None and debug.pending is not None
                limit = deadline if debug is None else debug.deadline(deadline)
                if not asked and now >= limit:
                    return "timeout"
                due = on_progress is not None and now - last_progress >= PROGRESS_INTERVAL
                if not (asked or due):
                    wait = min(limit - now, 1.0)
                    if on_progress is not None:
                        wait = min(wait, last_progress + PROGRESS_INTERVAL - now)
                    self._polling = True  # from now on, _notify wakes this thread
            if not (asked or due):
                self._await_runtime(conn, max(wait, 0.0005))
                continue
            self._drain_logs()  # what the handler printed shows before the prompt
            if on_progress is not None:
                on_progress(inv)
            last_progress = time.monotonic()
            if asked:
                assert debug is not None
                debug.serve()

    def _await_runtime(self, conn: Connection, wait: float) -> None:
        """Wait up to `wait` s for a request on `conn` and answer it, or for `_notify`."""
        try:
            request = None if conn.closed else conn.next_request()
            if request is None:
                watched = [self._wake_r] if conn.closed else [self._wake_r, conn.sock]
                ready = readable(watched, wait)
                self._polling = False
                if self._wake_r in ready:
                    self._wake_r.recv(4096)
                if conn.sock in ready:
                    conn.fill()
                    request = conn.next_request()
            self._polling = False
            if request is not None:
                self.server.handle(conn, request)
        except (ConnectionError, OSError, ValueError):
            self._polling = False
            if not conn.closed:
                conn.close()

    def _finish(
        self, inv: Invocation, outcome: str, mono_start: float, init_ms: float | None
    ) -> Invocation:
        rid = inv.request_id
        with self._cv:
            result, exited = self._result, self._exited
            done_at = self._next_at if outcome == "done" else time.monotonic()
            closing = self.closed
        if closing and result is None:
            # The function was closed (deleted) under a running invocation: it was stopped, it
            # did not crash.
            self._abort(inv)
            return inv
        status: str | None = None
        error_type: str | None = None
        peak_mb = self.memory.peak_mb()  # before a reset takes the processes away
        if self._debug is not None:  # time stopped at the prompt is not the function's
            mono_start += self._debug.paused(done_at)
        if outcome == "timeout":
            duration_ms = inv.timeout * 1000
            self._kill_runtime()
            self._time_out(inv, inv.timeout)
            status = "timeout"
        elif outcome == "exited" and result is None:
            duration_ms = (done_at - mono_start) * 1000
            oom = self.memory.oom_killed()
            self._kill_runtime()
            assert exited is not None
            error_type = "Runtime.OutOfMemory" if oom else "Runtime.ExitError"
            reason = exit_reason(-signal.SIGKILL if oom else exited)
            self._platform(pl.runtime_exited(rid, reason, error_type))
            inv.status = "out_of_memory" if oom else "crash"
            inv.error = platform_error(rid, error_type, reason)
            status = "error"
        else:
            # The runtime answered (it may have exited right after; then it is reset).
            duration_ms = (done_at - mono_start) * 1000
            assert result is not None
            kind, body, headers = result
            if outcome == "exited":
                self._kill_runtime()
            if kind == "response":
                inv.status = "success"
                inv.raw_payload = body
                inv.payload = _decode_payload(body)
            else:
                inv.status = "error"
                inv.error = _error_body(body, headers)
                if kind == "fault":
                    status, error_type = "error", inv.error.get("errorType")
        if self._collector is not None:
            self._collector.flush_partial_lines()
        self._end_and_report(inv, duration_ms, init_ms, peak_mb, status, error_type)
        self._clear_invocation()
        return inv

    def _time_out(self, inv: Invocation, timeout: float) -> None:
        """The deadline passed: the timeout line, and the caller's Sandbox.Timedout body."""
        self._platform(pl.timed_out(time.time(), inv.request_id, timeout))
        inv.status = "timeout"
        inv.error = timeout_error(inv.request_id, timeout)

    def _end_and_report(
        self,
        inv: Invocation,
        duration_ms: float,
        init_ms: float | None,
        peak_mb: int,
        status: str | None,
        error_type: str | None,
    ) -> None:
        """Write END and REPORT (or their JSON events) and attach the Report."""
        outcome = inv.status if inv.status in ("success", "timeout") else "error"
        self._platform(self.lines.end(inv.request_id, outcome, error_type, duration_ms))
        billed = pl.billed_duration_ms(duration_ms, init_ms)
        memory = self.config.memory
        debug = self._debug
        pause_ms = round(debug.paused() * 1000, 2) if debug and debug.measured else None
        inv.report = Report(
            request_id=inv.request_id,
            duration_ms=round(duration_ms, 2),
            billed_duration_ms=billed,
            memory_size_mb=memory,
            max_memory_used_mb=peak_mb,
            init_duration_ms=None if init_ms is None else round(init_ms, 2),
            status=status,
            error_type=error_type,
            debug_pause_ms=pause_ms,
        )
        self._platform(
            self.lines.report(
                inv.request_id,
                duration_ms,
                billed,
                memory,
                peak_mb,
                init_ms,
                status,
                error_type,
                outcome,
                debug_pause_ms=pause_ms,
            )
        )

    def _fail_init(
        self, inv: Invocation, outcome: _InitOutcome, mono_start: float, timeout: float
    ) -> Invocation:
        """The suppressed init failed too: the invocation fails with the init's error."""
        rid = inv.request_id
        if outcome.status == "timeout":
            duration_ms = timeout * 1000
            self._platform(self.lines.init_report(outcome.duration_ms, "invoke", "timeout", None))
            inv.started_at = time.time()
            self._platform(self.lines.start(rid, inv.version), inv.started_at)
            self._time_out(inv, timeout)
            status, error_type = "timeout", None
        else:
            duration_ms = (time.monotonic() - mono_start) * 1000
            self._platform(
                self.lines.init_report(outcome.duration_ms, "invoke", "error", outcome.error_type)
            )
            inv.started_at = time.time()
            self._platform(self.lines.start(rid, inv.version), inv.started_at)
            inv.status = "out_of_memory" if outcome.error_type == "Runtime.OutOfMemory" else "error"
            inv.error = outcome.error
            status, error_type = "error", outcome.error_type
            # Lambda discards a sandbox whose init keeps failing; the next invoke starts afresh.
            self.discarded = True
        self._end_and_report(inv, duration_ms, None, self.memory.peak_mb(), status, error_type)
        return inv

    def _clear_invocation(self) -> None:
        """No invocation in progress: Runtime API posts for it are refused from now on."""
        with self._cv:
            self._current = None
            self._result = None
            self._delivery = None

    def _abort(self, inv: Invocation) -> None:
        """Interrupted: reset the environment and record the invocation as aborted.

        Aborting is ours, not Lambda's (a caller cannot stop an invocation there), so the
        error type `Aborted` names no AWS error. END closes the invocation; no REPORT is written.
        """
        self._kill_runtime()
        if not inv.started_at:  # interrupted during init: START was not written yet
            inv.started_at = time.time()
            self._platform(self.lines.start(inv.request_id, inv.version), inv.started_at)
        self._clear_invocation()
        inv.status = "aborted"
        inv.error = platform_error(inv.request_id, "Aborted", "Invocation aborted by the user")
        self._platform(self.lines.end(inv.request_id, "error", None, 0.0))

    # ------------------------------------------------------------- shutdown
    def close(self) -> None:
        """Shutdown: end every process, the endpoint and the cgroup; remove /tmp. Idempotent."""
        with self._cv:
            if self.closed:
                return
            self.closed = True
            self._notify()
        self._kill_runtime()
        if isinstance(self.memory, CgroupMemory):
            # Anything that escaped the cgroup still carries the marker. (Without a cgroup,
            # every reset, this one included, has swept by it already.)
            watchdog.kill_marked([watchdog.marker(self.log_stream)])
        if self.sandbox is not None:
            if self.reaper is not None and self.sandbox.bwrap is not None:
                self.reaper.forget_group(self.sandbox.bwrap.pid)
            self.sandbox.stop()
        self.server.close()
        path = getattr(self.memory, "path", None)
        self.memory.close()
        if self.reaper is not None:
            self.reaper.forget_environment(self.log_stream)
            if path is not None:
                self.reaper.forget_cgroup(str(path))
        shutil.rmtree(self.tmp.parent, ignore_errors=True)
        with self._cv:
            self._polling = False
            self._wake_r.close()
            self._wake_w.close()
        self.discarded = True


def _ends(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until `proc` has exited (the thread in `_wait_exit` reaps it): at once through a
    pidfd, where Popen.wait(timeout) would poll with sleeps growing to 50 ms."""
    pidfd = None if proc.returncode is not None else _pidfd(proc.pid)
    if pidfd is None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        return bool(readable([pidfd], timeout))
    finally:
        os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    """A file descriptor that becomes readable when process `pid` exits (Linux 5.3+)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _decode_payload(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body


def _error_body(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The error JSON as the caller receives it; a non-JSON body is wrapped as RAPID does."""
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            return parsed
    except (ValueError, UnicodeDecodeError):
        pass
    error_type = headers.get("lambda-runtime-function-error-type") or "Runtime.Unknown"
    return {"errorType": error_type, "errorMessage": body.decode("utf-8", "replace")}
