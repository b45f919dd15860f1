"""The local Lambda service: functions, their code revisions, their execution environments, and
the Invoke operation with each function's invocation history.

Plain Python (no IPython): the magic, the CLI, scripts and tests all use it through
`lambda_nb.Function`, which is only a handle on a name here. One service per process
(`default_service()`); everything it started ends at interpreter exit, and a watchdog (`reaper`)
ends it even if the process is killed.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_nb.engine import invoke as request
from lambda_nb.engine.config import ACCOUNT_ID, REGION, FunctionConfig
from lambda_nb.engine.environment import ExecutionEnvironment
from lambda_nb.engine.errors import InvokeError, ResourceNotFoundException
from lambda_nb.engine.reaper import Reaper
from lambda_nb.engine.records import Invocation, LogRecord
from lambda_nb.runtimes import registry

if TYPE_CHECKING:
    from lambda_nb.function import Function


@dataclass
class FunctionRevision:
    """One publication of a function's code and configuration (its task root is read-only)."""

    config: FunctionConfig
    revision: int
    task_root: Path
    runtime: registry.RuntimeCommand
    environments: list[ExecutionEnvironment] = field(default_factory=list)
    code_file: str | None = None  # the file in `files` that holds the function's code


class LambdaService:
    """Holds functions by name and hands out execution environments, one invocation each."""

    def __init__(self, memory_backend: str | None = None) -> None:
        self.work_dir = Path(tempfile.mkdtemp(prefix="lambda_nb-"))
        self.memory_backend = memory_backend
        self.functions: dict[str, Function] = {}
        self.log_groups: dict[str, dict[str, list[LogRecord]]] = {}
        self._revisions: dict[str, FunctionRevision] = {}
        self._histories: dict[str, list[Invocation]] = {}
        # The class of the records Invoke makes: the Function API asks for its subclass, which
        # knows how to display itself in a notebook; the engine stays free of any view.
        self.record_class: type[Invocation] = Invocation
        self._counts: dict[str, int] = {}
        self._lock = threading.RLock()
        self.reaper = Reaper()
        self._work_dir_watched = False
        self._closed = False

    # ----------------------------------------------------------- functions
    def publish(
        self,
        config: FunctionConfig,
        files: dict[str, str | bytes],
        code_file: str | None = None,
    ) -> FunctionRevision:
        """A new revision of `config.name` with these files; the old environments retire."""
        runtime = registry.resolve(
            config.runtime, config.runtime_client, config.handler, config.bootstrap
        )
        with self._lock:
            number = self._counts.get(config.name, 0) + 1
            self._counts[config.name] = number
            task_root = self.work_dir / "functions" / config.name / str(number) / "task"
            task_root.mkdir(parents=True)
            for rel, content in files.items():
                path = task_root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content, encoding="utf-8")
                if registry.is_executable_code(config.runtime, rel, config.bootstrap):
                    path.chmod(0o755)  # a custom runtime's bootstrap, as it must be in the zip
            old = self._revisions.get(config.name)
            rev = FunctionRevision(config, number, task_root, runtime, code_file=code_file)
            self._revisions[config.name] = rev
            self.log_groups.setdefault(config.log_group, {})
        if old is not None:
            self._retire(old)
        return rev

    def revision(self, name: str) -> FunctionRevision | None:
        return self._revisions.get(name)

    def require(self, name: str, qualifier: str | None = None) -> FunctionRevision:
        """The revision an Invoke of `name` (and `qualifier`) runs, or the API's not-found error."""
        rev = self._revisions.get(name)
        if rev is None or qualifier not in (None, "$LATEST"):
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}:{qualifier or '$LATEST'}"
            raise ResourceNotFoundException(f"Function not found: {arn}")
        return rev

    # -------------------------------------------------------------- invoke
    def history(self, name: str) -> list[Invocation]:
        """Every invocation of `name` since it was created, oldest first: one list for the
        function's life, so a view holding it sees new invocations."""
        with self._lock:
            return self._histories.setdefault(name, [])

    def invoke(
        self,
        name: str,
        event: Any = None,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[Invocation], None] | None = None,
    ) -> Invocation | None:
        """The Invoke operation. The request is checked first, as the API checks it: nothing
        runs and nothing is recorded when it is refused (an `InvokeError`). `DryRun` stops
        there and returns None. Otherwise one invocation runs to its end in an environment of
        the function's current revision and is returned, also kept in `history(name)`.

        `on_progress(inv)` runs on this thread at most every 50 ms while the handler runs.
        A KeyboardInterrupt aborts the invocation (its environment is reset) and propagates.
        """
        request.check_invocation_type(invocation_type)
        tail = request.check_log_type(log_type)
        rev = self.require(name, qualifier)
        payload = request.encode_event(event)
        context_header = request.client_context_header(client_context)
        if invocation_type == "DryRun":
            return None
        if invocation_type == "Event":
            raise InvokeError("Asynchronous invocation (InvocationType Event) is not supported yet")
        inv = self.record_class(
            request_id=str(uuid.uuid4()),
            function_name=name,
            version="$LATEST",
            event=event,
            revision=rev.revision,
            invoked_function_arn=rev.config.function_arn,
        )
        self.history(name).append(inv)
        headers = {}
        if context_header is not None:  # the runtime gets it decoded (lambda-runtime.md 12)
            headers["Lambda-Runtime-Client-Context"] = context_header
        env = None
        try:
            env = self.acquire(rev)
            env.invoke(inv, payload, on_progress, headers)
        finally:
            if env is not None:
                self.release(env)
            if inv.status == "running":  # no environment could be started
                inv.status = "aborted"
            if tail:
                inv.log_result = request.log_result(inv)
            inv._done.set()
        return inv

    def acquire(self, rev: FunctionRevision) -> ExecutionEnvironment:
        """An idle environment of this revision, or a new one (concurrency = more environments)."""
        with self._lock:
            rev.environments = [e for e in rev.environments if not e.discarded]
            for env in rev.environments:
                if not env.busy:
                    env.busy = True
                    return env
            if not self._work_dir_watched:  # the watchdog removes it if we die
                self.reaper.watch_dir(str(self.work_dir))
                self._work_dir_watched = True
            env = ExecutionEnvironment(
                rev.config, rev.revision, rev.task_root, rev.runtime, self.work_dir,
                reaper=self.reaper, memory_backend=self.memory_backend,
            )  # fmt: skip
            env.busy = True
            rev.environments.append(env)
            self.log_groups.setdefault(rev.config.log_group, {})[env.log_stream] = env.records
            return env

    def release(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            env.busy = False
        if env.discarded:
            env.close()

    def reset(self, name: str) -> None:
        """End every environment of `name`; its next invoke is a cold start."""
        rev = self._revisions.get(name)
        if rev is not None:
            self._retire(rev)

    def _retire(self, rev: FunctionRevision, force: bool = False) -> None:
        """End the revision's environments. One still running an invocation finishes it first
        (as on AWS, where new code does not kill invocations in flight) unless `force`."""
        with self._lock:
            envs, rev.environments = rev.environments, []
            for env in envs:
                env.discarded = True
            idle = [env for env in envs if force or not env.busy]
        for env in idle:
            env.close()

    def remove(self, name: str) -> None:
        with self._lock:
            rev = self._revisions.pop(name, None)
            self.functions.pop(name, None)
            self._histories.pop(name, None)  # a handle still holds it; a new function starts afresh
        if rev is not None:
            self._retire(rev, force=True)

    def close(self) -> None:
        """End everything this service started."""
        if self._closed:
            return
        self._closed = True
        for name in list(self._revisions):
            self.remove(name)
        self.reaper.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


_default: LambdaService | None = None
_default_lock = threading.Lock()


def default_service() -> LambdaService:
    """The process-wide service, created on first use and closed at interpreter exit."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = LambdaService()
            atexit.register(_default.close)
        return _default
