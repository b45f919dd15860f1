"""`Function`: the user's handle on a Lambda function in the local service.

    fn = Function.from_source(code, name="my-function", timeout=3, memory=128)
    inv = fn.invoke({"key": "value"})

    Function.from_source(js, runtime="nodejs22.x")                        # index.mjs, index.handler
    Function.from_source(js, runtime="nodejs22.x", filename="index.cjs")  # CommonJS
    Function.from_source(sh, runtime="provided.al2023")                   # the code is `bootstrap`
    Function.from_source("", runtime="provided.al2023", bootstrap="./my-runtime")

Creating a function with a name that exists publishes a new revision of it (the next invoke is a
cold start), as re-running a `%%lambda` cell does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from types import EllipsisType
from typing import Any, Literal, overload

from lambda_nb.engine import records
from lambda_nb.engine.config import FunctionConfig, validate
from lambda_nb.engine.errors import InvokeError
from lambda_nb.engine.invoke import encode_event  # noqa: F401  (its old home; kept importable)
from lambda_nb.engine.records import AsyncRequest, LogRecord
from lambda_nb.engine.service import FunctionRevision, LambdaService, default_service
from lambda_nb.runtimes import registry

# history_frame(): one column per figure a user compares across invocations, in this order.
HISTORY_COLUMNS = (
    "request_id", "status", "cold", "started", "duration_ms", "billed_duration_ms",
    "init_duration_ms", "memory_size_mb", "max_memory_used_mb", "error_type", "revision",
    "version", "environment",
)  # fmt: skip


class Invocation(records.Invocation):
    """The engine's record of one invocation, as `Function.invoke` returns it, with the notebook
    display the magic shows once a run is over: the static view, with no widget state, so the
    last expression of a cell and a `%%lambda` cell look the same, saved or live. The engine
    itself knows nothing of displays (it never imports `render`): the service makes records of
    this class because a Function handle asks it to (`LambdaService.record_class`)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render.static import mimebundle

        return mimebundle(self)


class Burst(list[records.Invocation | InvokeError]):
    """What `invoke_many` returns: one result per event, in order, which displays as the
    burst's timeline (one lane per execution environment) in a notebook."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render.timeline import burst_mimebundle

        return burst_mimebundle(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's text/plain of a list subclass comes from its pretty printer, not the bundle.
        from lambda_nb.render.timeline import burst_mimebundle

        printer.text(burst_mimebundle(self)["text/plain"])


class Function:
    """A named function: its current revision, its invocation history and its log group."""

    def __init__(self, name: str, service: LambdaService) -> None:
        self.name = name
        self.service = service
        service.record_class = Invocation
        # The service keeps the history; the handle holds on to it, so it stays readable
        # after `close()`.
        self.history: list[records.Invocation] = service.history(name)

    # ------------------------------------------------------------ creation
    @classmethod
    def from_source(
        cls,
        code: str | bytes,
        name: str = "my-function",
        handler: str | None = None,
        timeout: float = 3,
        memory: int = 128,
        environment: dict[str, str] | None = None,
        log_format: str = "Text",
        log_level: str | None = None,
        runtime: str | None = None,
        runtime_client: str = "lambda_nb",
        service: LambdaService | None = None,
        filename: str | None = None,
        bootstrap: str | Path | None = None,
        ephemeral_storage: int = 512,
    ) -> Function:
        """Publish `code` as the handler module of function `name` (a new revision if it exists).

        `handler` defaults to the runtime's (`lambda_function.lambda_handler`, `index.handler`,
        `function.handler`). `filename` is the code's name in the task root, by default derived
        from the handler and runtime (`lambda_function.py`, `index.mjs`, `bootstrap`): for
        Node.js, `index.js` or `index.cjs` makes the code CommonJS, as on Lambda. `bootstrap` is
        an executable custom runtime, run in place like a layer's /opt/bootstrap (runtime
        provided.al2023 or provided.al2, the default when it is given). `ephemeral_storage` is
        /tmp's size in MB (512-10240), enforced where the sandbox runs (`isolation`).
        """
        runtime = registry.runtime_for(runtime, bootstrap)
        handler = registry.default_handler(runtime) if handler is None else handler
        config = validate(
            FunctionConfig(
                name=name,
                handler=handler,
                runtime=runtime,
                timeout=timeout,
                memory=memory,
                environment=dict(environment or {}),
                log_format=log_format,
                log_level=log_level,
                runtime_client=runtime_client,
                bootstrap=None if bootstrap is None else str(bootstrap),
                ephemeral_storage=ephemeral_storage,
            )
        )
        filename = filename or registry.code_file(runtime, handler, config.bootstrap)
        files: dict[str, str | bytes] = {filename: code} if code or not config.bootstrap else {}
        service = service or default_service()
        service.publish(config, files, code_file=filename)
        fn = service.functions.get(name)
        if fn is None:
            fn = service.functions[name] = cls(name, service)
        return fn

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Function:
        """Publish a code file under its own name (`app.py`, `index.cjs`, ...); the default
        handler is `<file stem>.<the runtime's function>` (`app.lambda_handler`,
        `index.handler`). For a custom runtime the file is the `bootstrap` itself."""
        path = Path(path)
        runtime = registry.runtime_for(options.get("runtime"), options.get("bootstrap"))
        if registry.family(runtime) != "provided" or options.get("bootstrap") is not None:
            function = registry.default_handler(runtime).rpartition(".")[2]
            options.setdefault("handler", f"{path.stem}.{function}")
            options.setdefault("filename", path.name)
        return cls.from_source(path.read_bytes(), **options)

    # ----------------------------------------------------------- properties
    @property
    def _revision(self) -> FunctionRevision:
        return self.service.require(self.name)

    @property
    def config(self) -> FunctionConfig:
        return self._revision.config

    @property
    def revision(self) -> int:
        return int(self._revision.revision)

    @property
    def runtime(self) -> str:
        """The runtime this revision runs on, e.g. `python3.12` (also when none was asked for:
        then the kernel's own Python), `nodejs22.x` or `provided.al2023`."""
        return str(self._revision.runtime.name)

    @property
    def isolation(self) -> str:
        """How this function's execution environments run: "sandbox" (bubblewrap namespaces,
        laid out as Lambda's) or "process" (a process group on this machine, as the kernel's
        user); `isolation_reason` says why when it is "process". That of its newest live
        environment, else the mode a new one would get."""
        return str(self._isolation().mode)

    @property
    def isolation_reason(self) -> str | None:
        """Why the sandbox is not used (None in sandbox mode)."""
        reason = self._isolation().reason
        return None if reason is None else str(reason)

    def _isolation(self) -> Any:
        from lambda_nb.engine.sandbox import isolation

        live = [e for e in self._revision.environments if not e.discarded]
        return live[-1].isolation if live else isolation()

    @property
    def code_file(self) -> str | None:
        """The name of the code's file in the task root (`lambda_function.py`, `index.mjs`...)."""
        return self._revision.code_file

    @property
    def log_group(self) -> dict[str, list[LogRecord]]:
        """Every log stream of this function (one per execution environment) and its records."""
        return self.service.log_groups.get(f"/aws/lambda/{self.name}", {})

    @property
    def environments(self) -> list[str]:
        """Log stream names of the live execution environments."""
        return [e.log_stream for e in self._revision.environments if not e.discarded]

    # ------------------------------------------------------------- invoke
    @overload
    def invoke(
        self,
        event: Any = None,
        invocation_type: Literal["RequestResponse"] = "RequestResponse",
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> records.Invocation: ...

    @overload
    def invoke(
        self,
        event: Any,
        invocation_type: Literal["Event"],
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> AsyncRequest: ...

    @overload
    def invoke(
        self,
        event: Any,
        invocation_type: str,
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> records.Invocation | AsyncRequest | None: ...

    def invoke(
        self,
        event: Any = None,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> records.Invocation | AsyncRequest | None:
        """Invoke and return the finished Invocation (the service's Invoke operation).

        `invocation_type="Event"` queues the event and returns its `AsyncRequest` at once, as
        `invoke_async` does; `"DryRun"` checks the request and runs nothing (returns None).
        `log_type="Tail"` sets `inv.log_result` to the base64 of the last 4 KB of the log, as
        the API returns it. `client_context` (a dict) reaches `context.client_context`.
        `on_progress(inv)` runs on this thread at most every 50 ms while the handler runs.
        Ctrl-C / a kernel interrupt aborts the invocation (environment reset) and re-raises.
        A throttled invoke raises `TooManyRequestsException`.
        """
        return self.service.invoke(
            self.name,
            event,
            invocation_type=invocation_type,
            qualifier=qualifier,
            log_type=log_type,
            client_context=client_context,
            on_progress=on_progress,
        )

    def invoke_async(self, event: Any = None, qualifier: str | None = None) -> AsyncRequest:
        """Queue `event` (InvocationType Event): the answer comes at once, the function runs in
        the background with retries, and `AsyncRequest.wait()` waits for the outcome."""
        return self.service.invoke_async(self.name, event, qualifier)

    def invoke_many(
        self, events: Iterable[Any], concurrency: int = 4, qualifier: str | None = None
    ) -> Burst:
        """A burst: `events` invoked synchronously by `concurrency` callers at once. One result
        per event, in order: its Invocation, or the error the request got (a
        TooManyRequestsException when throttled); a list, shown in a notebook as the burst's
        timeline."""
        from lambda_nb.engine.burst import invoke_many

        return Burst(invoke_many(self.service, self.name, list(events), concurrency, qualifier))

    def configure_async(
        self,
        maximum_retry_attempts: int = 2,
        maximum_event_age: int = 21600,
        on_success: Function | str | None = None,
        on_failure: Function | str | None = None,
    ) -> None:
        """What happens to asynchronous events: retries (0-2), the oldest an event may get
        (60-21600 s) and destinations, another function (it receives the destination record
        as its event) given as a Function, a name or an ARN.

        Like PutFunctionEventInvokeConfig this replaces the whole configuration: a destination
        left out is removed. (`%lambda configure` merges into the current one, as
        UpdateFunctionEventInvokeConfig does.)"""
        self.service.configure_async(
            self.name,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_event_age=maximum_event_age,
            on_success=_target(on_success),
            on_failure=_target(on_failure),
        )

    def configure(
        self,
        reserved_concurrency: int | EllipsisType | None = ...,
        provisioned_concurrency: int | EllipsisType | None = ...,
        qualifier: str | None = None,
    ) -> None:
        """Concurrency; a setting left out stays as it is.

        `reserved_concurrency`: at most that many invocations at once (0 throttles every
        invoke; None removes the reservation). `provisioned_concurrency`: that many environments
        of a published version or alias (`qualifier`) initialised now, so its first invokes are
        warm (None or 0 removes them); on $LATEST Lambda refuses it, and so does this.
        """
        if reserved_concurrency is not ...:
            self.service.configure_concurrency(self.name, reserved_concurrency)
        if provisioned_concurrency is not ...:
            self.service.configure_provisioned(self.name, qualifier, provisioned_concurrency)

    # ----------------------------------------------------- versions, aliases
    def publish_version(self, description: str = "") -> str:
        """Freeze the current code and configuration as version "1", "2", ...: `$LATEST` goes
        on changing with each cell run, a version does not. Nothing new is published when
        nothing changed since the last version (its number is returned)."""
        return self.service.publish_version(self.name, description)

    def create_alias(
        self, name: str, version: str, routing: dict[str, float] | None = None
    ) -> None:
        """Point alias `name` at `version`; `routing={"2": 0.1}` sends a tenth of its invokes to
        version 2. An existing alias is updated (UpdateAlias), so a cell can be run again."""
        self.service.create_alias(self.name, name, version, routing, update=True)

    @property
    def versions(self) -> list[str]:
        return self.service.versions(self.name)

    @property
    def aliases(self) -> dict[str, Any]:
        return self.service.aliases(self.name)

    def history_frame(self) -> Any:
        """The invocations as a `pandas.DataFrame`, one row each, oldest first (`HISTORY_COLUMNS`).

        pandas is not a dependency of lambda_nb: it is imported here, when asked for. Figures
        an invocation does not have (no REPORT after an abort, no init on a warm start) are
        missing values; `started` is a UTC timestamp.
        """
        try:
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ModuleNotFoundError(
                "Function.history_frame() needs pandas, which lambda_nb does not install: "
                "pip install pandas",
                name="pandas",
            ) from None
        rows = [_history_row(inv) for inv in list(self.history)]
        frame = pandas.DataFrame(rows, columns=list(HISTORY_COLUMNS))
        frame["started"] = pandas.to_datetime(frame["started"], unit="s", utc=True)
        dtypes = {
            "cold": "boolean",
            "billed_duration_ms": "Int64",
            "memory_size_mb": "Int64",
            "max_memory_used_mb": "Int64",
            "duration_ms": "Float64",
            "init_duration_ms": "Float64",
            "revision": "Int64",
        }
        return frame.astype(dtypes)

    def reset(self) -> None:
        """End this function's environments: the next invoke is a cold start."""
        self.service.reset(self.name)

    def close(self) -> None:
        """Delete the function: its environments end; history stays readable."""
        self.service.remove(self.name)

    def __repr__(self) -> str:
        try:
            cfg = self.config
        except LookupError:
            return f"<Function {self.name} (closed)>"
        return (
            f"<Function {self.name} rev {self.revision} {self.runtime} "
            f"timeout={cfg.timeout:g}s memory={cfg.memory}MB>"
        )


def _target(target: Function | str | None) -> str | None:
    return target.name if isinstance(target, Function) else target


def _history_row(inv: records.Invocation) -> dict[str, Any]:
    report = inv.report
    return {
        "request_id": inv.request_id,
        "status": inv.status,
        "cold": inv.cold,
        "started": inv.started_at or None,
        "duration_ms": None if report is None else report.duration_ms,
        "billed_duration_ms": None if report is None else report.billed_duration_ms,
        "init_duration_ms": None if report is None else report.init_duration_ms,
        "memory_size_mb": inv.memory_size or (None if report is None else report.memory_size_mb),
        "max_memory_used_mb": None if report is None else report.max_memory_used_mb,
        "error_type": inv.error_type,
        "revision": inv.revision,
        "version": inv.version,
        "environment": inv.environment,
    }

