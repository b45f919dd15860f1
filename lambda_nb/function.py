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

from lambda_nb.engine.errors import ConfigError, InvokeError

# `from lambda_nb import Function` stays cheap (issue 13: <= 10 ms): the engine (~50 ms of
# imports) loads when a function is first created, and what only annotations need is here.
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path
    from types import EllipsisType
    from typing import Any, Literal, overload

    from lambda_nb.aws.http_server import Server
    from lambda_nb.engine import records
    from lambda_nb.engine.config import FunctionConfig
    from lambda_nb.engine.log_store import LogEvent
    from lambda_nb.engine.records import AsyncRequest, LogRecord
    from lambda_nb.engine.service import FunctionRevision, LambdaService

# history_frame(): one column per figure a user compares across invocations, in this order.
HISTORY_COLUMNS = (
    "request_id", "status", "cold", "started", "duration_ms", "billed_duration_ms",
    "init_duration_ms", "memory_size_mb", "max_memory_used_mb", "error_type", "revision",
    "version", "environment",
)  # fmt: skip


_invocation: type[records.Invocation] | None = None


def _invocation_class() -> type[records.Invocation]:
    """`lambda_nb.function.Invocation`, defined on first use (it subclasses the engine's)."""
    global _invocation
    if _invocation is None:
        from lambda_nb.engine import records

        class Invocation(records.Invocation):
            """The engine's record of one invocation, as `Function.invoke` returns it, with the
            notebook display the magic shows once a run is over: the static view, with no
            widget state, so the last expression of a cell and a `%%lambda` cell look the same,
            saved or live. The engine itself knows nothing of displays (it never imports
            `render`): the service makes records of this class because a Function handle asks
            it to (`LambdaService.record_class`)."""

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
                from lambda_nb.render.static import mimebundle

                return mimebundle(self)

        Invocation.__qualname__ = "Invocation"  # pickled and shown as lambda_nb.function's
        _invocation = Invocation
    return _invocation


def __getattr__(name: str) -> Any:
    if name == "Invocation":
        return _invocation_class()
    if name == "encode_event":  # its old home; kept importable
        from lambda_nb.engine.invoke import encode_event

        return encode_event
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Burst(list["records.Invocation | InvokeError"]):
    """What `invoke_many` returns: one result per event, in order, which displays as the
    burst's timeline (one lane per execution environment) in a notebook."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render.timeline import burst_mimebundle

        return burst_mimebundle(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's text/plain of a list subclass comes from its pretty printer, not the bundle.
        from lambda_nb.render.timeline import burst_mimebundle

        printer.text(burst_mimebundle(self)["text/plain"])


class LogEvents(list["LogEvent"]):
    """What `Function.logs` returns: the matching events, oldest first, which display in a
    notebook as the log group view (one section per stream)."""

    def __init__(self, name: str, events: Iterable[LogEvent], description: str = "") -> None:
        super().__init__(events)
        self.name = name
        self.description = description

    def view(self) -> Any:
        from lambda_nb.render.static import LogGroupView

        streams: dict[str, list[LogRecord]] = {}
        for event in self:
            streams.setdefault(event.log_stream, []).append(event.record)
        said = f"{len(self):,} events" + (f" ({self.description})" if self.description else "")
        return LogGroupView(self.name, streams, said)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle: dict[str, str] = self.view()._repr_mimebundle_()
        return bundle

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.view().to_text())


class Function:
    """A named function: its current revision, its invocation history and its log group."""

    def __init__(self, name: str, service: LambdaService) -> None:
        self.name = name
        self.service = service
        service.record_class = _invocation_class()
        # The service keeps the history; the handle holds on to it, so it stays readable
        # after `close()`.
        self.history: list[records.Invocation] = service.history(name)
        self._remote: Any = None  # where deploy() put it (lambda_nb.aws.deploy.Target)
        self.debug_port: int | None = None  # an IDE attaches there (from_source's debug_port)

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
        requirements: str | Path | Sequence[str] | None = None,
        layers: Sequence[str | Path] | str | Path | None = None,
        files: Mapping[str, str | bytes | Path] | None = None,
        architecture: str = "x86_64",
        on_build: Callable[[str], None] | None = None,
        debug_port: int | None = None,
        aws: str | None = None,
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

        The code as on AWS (the handler sees only this, never the notebook's packages):
        `requirements` (a list of requirement strings, or a requirements.txt / package.json
        path) are installed with pip (npm for Node.js) for the runtime and `architecture`
        ("x86_64" or "arm64") into lambda_nb's cache, then linked into the task root; `layers`
        (up to 5 folders or .zip files laid out as Lambda layers) are merged into /opt in order;
        `files` are more files of the deployment package, {"helpers.py": "...",
        "data/config.json": b"..."}. `on_build(line)` receives the installer's output. A
        failed build raises `BuildError` and the previous revision stays live.

        `debug_port` (e.g. 5678): the environment listens there for an IDE, a Python one with
        debugpy, a Node.js one with Node's inspector (the log gives the DevTools URL); the
        first synchronous invoke waits until one attaches (VS Code: an `attach` configuration);
        breakpoints are the IDE's, and the timeout is off meanwhile (as SAM's --debug-port).

        `aws` is what the function's SDK reaches: None, no credentials at all; "local", the
        local AWS (`lambda_nb.aws`, started if need be: endpoint, region, dummy credentials);
        "http://host:port", another emulator; "profile:NAME", that profile's real credentials.
        """
        from lambda_nb.aws import credentials
        from lambda_nb.engine import runtime_family
        from lambda_nb.engine.config import FunctionConfig, validate

        aws_choice = credentials.check(aws)
        aws_environment = credentials.function_environment(aws_choice)
        runtime = runtime_family.runtime_for(runtime, bootstrap)
        handler = runtime_family.default_handler(runtime, code) if handler is None else handler
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
                architecture=architecture,
                aws=aws_choice,
                aws_environment=aws_environment,
                ephemeral_storage=ephemeral_storage,
            )
        )
        filename = filename or runtime_family.code_file(runtime, handler, config.bootstrap, code)
        code_files: dict[str, str | bytes | Path] = dict(package_files(files))
        if filename in code_files:
            raise ConfigError(
                f"files: {filename!r} is the function's code file; give its content as `code`"
            )
        if code or not config.bootstrap:
            code_files[filename] = code
        fn = cls._publish(config, code_files, filename, service, requirements, layers, on_build)
        fn.debug_port = None
        if debug_port is not None:  # after publishing: the old revision's environment let go
            from lambda_nb.engine.debugger import check_port, check_runtime

            check_runtime(fn._revision.runtime, attach=True)
            check_port(debug_port)
            fn.debug_port = debug_port
        return fn

    @classmethod
    def _publish(
        cls,
        config: FunctionConfig,
        files: dict[str, str | bytes | Path],
        code_file: str | None,
        service: LambdaService | None,
        requirements: str | Path | Sequence[str] | None,
        layers: Sequence[str | Path] | str | Path | None,
        on_build: Callable[[str], None] | None,
    ) -> Function:
        from lambda_nb.engine.service import default_service

        service = service or default_service()
        service.publish(
            config, files, code_file=code_file, requirements=requirements, layers=layers,
            on_build=on_build,
        )  # fmt: skip
        fn = service.functions.get(config.name)
        if fn is None:
            fn = service.functions[config.name] = cls(config.name, service)
        return fn

    @classmethod
    def from_directory(
        cls,
        path: str | Path,
        handler: str | None = None,
        runtime: str | None = None,
        **options: Any,
    ) -> Function:
        """Publish a code folder, or a .zip of one, as the function's task root (as Lambda
        unzips a deployment package): every file keeps its place, and the handler's file must
        be there (`app.lambda_handler` needs app.py; `index.handler` index.mjs, .js or .cjs).
        Options are `from_source`'s (name, timeout, requirements, layers...)."""
        from pathlib import Path

        from lambda_nb.engine import code_folder, runtime_family
        from lambda_nb.engine.config import FunctionConfig, validate

        handler = runtime_family.default_handler(runtime) if handler is None else handler
        files, code_file = code_folder.read(Path(path), handler, runtime_family.family(runtime))
        extra = options.pop("files", None)
        files.update(package_files(extra))
        service = options.pop("service", None)
        requirements = options.pop("requirements", None)
        layers = options.pop("layers", None)
        on_build = options.pop("on_build", None)
        config = validate(FunctionConfig(handler=handler, runtime=runtime, **options))
        return cls._publish(config, files, code_file, service, requirements, layers, on_build)

    def add_files(self, files: Mapping[str, str | bytes | Path]) -> Function:
        """Publish a new revision with these files added to (or replacing) the function's own,
        with the same configuration, requirements and layers (a `%%lambda NAME --file F`
        cell)."""
        rev = self._revision
        merged = {**rev.sources, **package_files(files)}
        return self._publish(
            rev.config, merged, rev.code_file, self.service, rev.requirements or None,
            rev.layers or None, None,
        )  # fmt: skip

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Function:
        """Publish a code file under its own name (`app.py`, `index.cjs`, ...); the default
        handler is `<file stem>.<the runtime's function>` (`app.lambda_handler`,
        `index.handler`). For a custom runtime the file is the `bootstrap` itself."""
        from pathlib import Path

        from lambda_nb.engine import runtime_family

        path = Path(path)
        runtime = runtime_family.runtime_for(options.get("runtime"), options.get("bootstrap"))
        family = runtime_family.of(runtime)
        if family.name != "provided" or options.get("bootstrap") is not None:
            if family.handler_for_source is None:  # Java's comes from the file's public class
                options.setdefault("handler", runtime_family.handler_for_file(runtime, path.stem))
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
    def log_group(self) -> dict[str, Sequence[LogRecord]]:
        """Every log stream of this function (one per execution environment) and its records,
        read from the service's log store when asked for (engine/log_store.py)."""
        return dict(self.service.log_group(f"/aws/lambda/{self.name}"))

    def logs(
        self,
        filter: str | None = None,
        since: str | float | None = None,
        stream: str | Sequence[str] | None = None,
        until: str | float | None = None,
        limit: int | None = None,
    ) -> LogEvents:
        """CloudWatch's FilterLogEvents over this function's log group, from the log store.

        `filter`: a filter pattern (`ERROR`, `"exact phrase"`, `?ERROR ?WARN`, `-DEBUG`,
        `%regex%`, `{ $.level = "ERROR" }`; engine/log_filter.py); `since` / `until`: a
        duration back from now (`10m`, `2h`, `1d`), an ISO time, or epoch seconds; `stream`:
        log stream names, or the start of their hex id. The events come oldest first, each a
        `LogEvent` (`.to_dict()` has FilterLogEvents' fields); in a notebook they display as
        the log group view. A bad pattern or time is a ValueError.
        """
        from lambda_nb.engine.log_store import parse_since

        streams = [stream] if isinstance(stream, str) else stream
        start, end = parse_since(since), parse_since(until)
        found = self.service.filter_logs(
            f"/aws/lambda/{self.name}", filter, start, end, streams, limit
        )
        said = [
            f"filter {filter!r}" if filter else "", f"since {since}" if since else "",
            f"until {until}" if until else "",
            f"stream {', '.join(streams or ())}" if streams else "",
        ]  # fmt: skip
        return LogEvents(self.name, found, " · ".join(p for p in said if p))

    @property
    def environments(self) -> list[str]:
        """Log stream names of the live execution environments."""
        return [e.log_stream for e in self._revision.environments if not e.discarded]

    # ------------------------------------------------------------- invoke
    if TYPE_CHECKING:  # the overloads are for type checkers only (typing costs ~3 ms to import)

        @overload
        def invoke(
            self,
            event: Any = None,
            invocation_type: Literal["RequestResponse"] = "RequestResponse",
            qualifier: str | None = None,
            log_type: str | None = None,
            client_context: dict[str, Any] | None = None,
            on_progress: Callable[[records.Invocation], None] | None = None,
            debug: bool | Callable[[str], str] | Sequence[str] = False,
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
            debug: bool | Callable[[str], str] | Sequence[str] = False,
        ) -> records.Invocation | AsyncRequest | None: ...

    def invoke(
        self,
        event: Any = None,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: dict[str, Any] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
        debug: bool | Callable[[str], str] | Sequence[str] = False,
    ) -> records.Invocation | AsyncRequest | None:
        """Invoke and return the finished Invocation (the service's Invoke operation).

        `invocation_type="Event"` queues the event and returns its `AsyncRequest` at once, as
        `invoke_async` does; `"DryRun"` checks the request and runs nothing (returns None).
        `log_type="Tail"` sets `inv.log_result` to the base64 of the last 4 KB of the log, as
        the API returns it. `client_context` (a dict) reaches `context.client_context`.
        `on_progress(inv)` runs on this thread at most every 50 ms while the handler runs.
        Ctrl-C / a kernel interrupt aborts the invocation (environment reset) and re-raises.
        A throttled invoke raises `TooManyRequestsException`.
        `debug=True`: `breakpoint()` and `pdb.set_trace()` in the handler (a Node.js one's
        `debugger;` statements) stop it with pdb's prompt at `input()` (a notebook cell's
        input box, or the terminal); the time stopped counts neither against the timeout nor
        in Duration. A callable instead of True is asked for each line (given pdb's output,
        it returns the line); a list of commands (`debug=["p event", "n", "c"]`) is answered
        in order, the session printed as a terminal shows it, then `c` once the list runs
        out. Without it, `breakpoint()` does what it does on AWS: pdb reads EOF and the
        handler fails (BdbQuit).
        """
        port = self.debug_port if invocation_type == "RequestResponse" else None
        inspector = port is not None and self._revision.runtime.family == "nodejs"
        return self.service.invoke(
            self.name,
            event,
            invocation_type=invocation_type,
            qualifier=qualifier,
            log_type=log_type,
            client_context=client_context,
            on_progress=on_progress,
            debug=_debug_session(debug, port=port, inspector=inspector),
        )

    def debug_last(
        self,
        post_mortem: bool = True,
        prompt: Callable[[str], str] | Sequence[str] | None = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> records.Invocation:
        """Re-invoke the event of the last failed invocation in a fresh (cold) environment, as
        a retry would run, with pdb on: `breakpoint()` stops, and with `post_mortem` pdb opens
        at the frame that raised, with its locals; the invocation then fails as before.
        `prompt` as `invoke(debug=prompt)` (a callable or a list of commands); by default
        `input()`."""
        last = self.last_failed()
        arn = last.invoked_function_arn.split(":")
        qualifier = arn[7] if len(arn) > 7 else None
        return self.service.invoke(  # type: ignore[return-value]
            self.name,
            last.event,
            qualifier=qualifier,
            on_progress=on_progress,
            debug=_debug_session(True if prompt is None else prompt, post_mortem),
            fresh=True,
        )

    def last_failed(self) -> records.Invocation:
        """The last invocation that failed (an error, timeout, crash or out-of-memory kill; not
        an abort), or NothingToDebug."""
        failed = [i for i in list(self.history) if i.status not in ("success", "running")]
        failed = [i for i in failed if i.status != "aborted"]
        if not failed:
            from lambda_nb.engine.debugger import NothingToDebug

            raise NothingToDebug(f"{self.name}: no failed invocation to debug")
        return failed[-1]

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
        dead_letter_target: str | EllipsisType | None = ...,
    ) -> None:
        """Concurrency, and the dead-letter queue; a setting left out stays as it is.

        `reserved_concurrency`: at most that many invocations at once (0 throttles every
        invoke; None removes the reservation). `provisioned_concurrency`: that many environments
        of a published version or alias (`qualifier`) initialised now, so its first invokes are
        warm (None or 0 removes them); on $LATEST Lambda refuses it, and so does this.
        `dead_letter_target`: the ARN of an SQS queue or SNS topic of the local AWS
        (DeadLetterConfig) that receives each failed asynchronous event itself, with RequestID,
        ErrorCode and ErrorMessage attributes (None removes it).
        """
        if dead_letter_target is not ...:
            self.service.configure_dead_letter(self.name, dead_letter_target)
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

    # ------------------------------------------------------ HTTP front end
    def serve(
        self,
        port: int = 0,
        api: str = "http",
        *,
        qualifier: str | None = None,
        routes: list[str] | None = None,
        binary_media_types: list[str] | tuple[str, ...] = (),
        integration_timeout: float | None = None,
        cors: dict[str, Any] | None = None,
        auth_type: str = "NONE",
        throttle: tuple[float, int] | None = None,
        on_exchange: Callable[[Any], None] | None = None,
    ) -> Server:
        """Serve this function over real HTTP on 127.0.0.1 (`port` 0: a free one) and return
        the `Server` (`.url`, `.close()`). `api`: "http" (API Gateway HTTP API, payload 2.0),
        "rest" (REST API proxy integration, payload 1.0, served at the root as `sam local
        start-api` does; the event's requestContext.path has the stage) or "url" (a function
        URL). Each
        request is a synchronous invoke, in the history; the events, responses and error
        responses are API Gateway's and Lambda's (lambda_nb/aws/http_*.py). `routes` are
        route keys such as "GET /items/{id}" (default: everything reaches the function);
        `binary_media_types` (REST) the Content-Types sent base64; `integration_timeout` the
        gateway's wait, 29 s (REST) or 30 s (HTTP API) by default; `cors` the HTTP API's or
        function URL's CORS configuration ({"AllowOrigins": ["*"], ...}); `auth_type`
        "AWS_IAM" makes a function URL take only SigV4-signed requests (the signature's form
        is checked, not its value: there are no keys locally); `throttle` (rate per second,
        burst) the stage's throttling of an HTTP or REST API."""
        from lambda_nb.aws.http_frontend import FrontEnd
        from lambda_nb.aws.http_server import Server

        front = FrontEnd(
            self.service, self.name, api, qualifier=qualifier, routes=routes,
            binary_media_types=binary_media_types, integration_timeout=integration_timeout,
            cors=cors, auth_type=auth_type, throttle=throttle,
        )  # fmt: skip
        return Server(front, port, on_exchange=on_exchange)

    @property
    def servers(self) -> list[Server]:
        """The HTTP servers (`serve()`) running in front of this function."""
        import sys

        module = sys.modules.get("lambda_nb.aws.http_server")
        return [] if module is None else module.servers(self.name)

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

    # ------------------------------------------ the way out to AWS (package, export, deploy)
    def package(self, path: str | Path | None = None) -> Path:
        """The deployment .zip of the current revision, as `aws lambda create-function
        --zip-file` takes it: code and installed requirements at the root, POSIX modes, the
        same bytes for the same code. Written to `path` (a file, or a folder for
        `<name>.zip`), by default `./<name>.zip`. Over 250 MB unzipped: AWS's error."""
        from lambda_nb.engine import package

        return package.build(self._revision, package.default_path(self.name, path))

    def export_sam(self, directory: str | Path) -> Path:
        """`directory/template.yaml` (a SAM template that cfn-lint accepts) and the code folder
        it names, ready for `sam build && sam deploy --guided`. Returns the template's path."""
        from lambda_nb import __version__
        from lambda_nb.aws import sam

        return sam.export(self._revision, directory, version=__version__)

    def deploy(
        self, role_arn: str | None = None, region: str | None = None, session: Any = None
    ) -> dict[str, Any]:
        """Create or update this function on AWS with boto3 (the `deploy` extra), using your
        own credentials (or `session`, a boto3.Session), and wait until it is Active with its
        update Successful. Returns its FunctionConfiguration. `role_arn` is the execution role
        Lambda assumes (needed to create; an update keeps the current one when None)."""
        from lambda_nb.aws import deploy

        target, config = deploy.deploy(
            self._revision, role_arn=role_arn, region=region, session=session
        )
        self._remote = target
        return config

    def invoke_remote(
        self, event: Any = None, qualifier: str | None = None, region: str | None = None,
        session: Any = None,
    ) -> records.Invocation:  # fmt: skip
        """Invoke the function deployed on AWS (RequestResponse, LogType Tail) and return its
        Invocation: the real response or error and the real log tail, in the same views as a
        local invoke. Uses the region and session of the last `deploy()`, unless given."""
        from lambda_nb.aws import deploy

        target = self._remote
        if target is None or region is not None or session is not None:
            target = deploy.target(self.name, region=region, session=session)
        rev = self.service.revision(self.name)
        return deploy.invoke(target, event, qualifier, rev, record_class=_invocation_class())

    def reset(self) -> None:
        """End this function's environments: the next invoke is a cold start."""
        self.service.reset(self.name)

    # ------------------------------------------- triggers (lambda_nb.aws; the local AWS)
    def add_event_source(
        self,
        source_arn: str,
        batch_size: int | None = None,
        maximum_batching_window: int = 0,
        function_response_types: Iterable[str] = (),
        starting_position: str | None = "LATEST",
        bisect_batch_on_function_error: bool = False,
        maximum_retry_attempts: int = -1,
        destination_on_failure: str | None = None,
        enabled: bool = True,
    ) -> Any:
        """An event source mapping (CreateEventSourceMapping): a poller reads the SQS queue
        (standard or FIFO), Kinesis stream or DynamoDB stream of the local AWS in batches and
        invokes this function synchronously with each, as Lambda does. `batch_size` defaults
        to 10 for SQS and 100 for streams. Returns the `EventSourceMapping` (uuid, state,
        enable(), disable(), delete()); each batch appears in the history."""
        from lambda_nb.aws import mappings

        return mappings.create(
            self.service, self.name, source_arn, batch_size=batch_size,
            maximum_batching_window=maximum_batching_window,
            function_response_types=tuple(function_response_types),
            starting_position=starting_position,
            bisect_batch_on_function_error=bisect_batch_on_function_error,
            maximum_retry_attempts=maximum_retry_attempts,
            destination_on_failure=destination_on_failure, enabled=enabled,
        )  # fmt: skip

    def add_s3_trigger(
        self,
        bucket: str,
        events: Iterable[str] | str = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
    ) -> Any:
        """An S3 event notification: an object written to `bucket` of the local AWS (by the
        notebook or by a function) whose key starts with `prefix` and ends with `suffix`
        invokes this function asynchronously with S3's event. Returns the `S3Trigger`."""
        from lambda_nb.aws import s3_notifications

        wanted = (events,) if isinstance(events, str) else tuple(events)
        return s3_notifications.add(self.service, self.name, bucket, wanted, prefix, suffix)

    @property
    def triggers(self) -> list[Any]:
        """This function's event source mappings and S3 triggers."""
        import sys

        found: list[Any] = []
        if "lambda_nb.aws.mappings" in sys.modules:
            found += sys.modules["lambda_nb.aws.mappings"].of_function(self.service, self.name)
        if "lambda_nb.aws.s3_notifications" in sys.modules:
            found += [
                t for t in sys.modules["lambda_nb.aws.s3_notifications"].triggers()
                if t.service is self.service and t.function_name == self.name
            ]  # fmt: skip
        return found

    def close(self) -> None:
        """Delete the function: its triggers stop, its environments end; history stays
        readable."""
        import sys

        stopping: list[Any] = []
        for module in ("lambda_nb.aws.mappings", "lambda_nb.aws.s3_notifications"):
            if module in sys.modules:  # loaded only if triggers were ever made
                stopping += sys.modules[module].remove_function(self.service, self.name) or []
        self.service.remove(self.name)  # ends a batch in flight: its environment goes
        for mapping in stopping:
            mapping.join()

    def __repr__(self) -> str:
        try:
            cfg = self.config
        except LookupError:
            return f"<Function {self.name} (closed)>"
        return (
            f"<Function {self.name} rev {self.revision} {self.runtime} "
            f"timeout={cfg.timeout:g}s memory={cfg.memory}MB>"
        )


def package_files(
    files: Mapping[str, str | bytes | Path] | None,
) -> dict[str, str | bytes | Path]:
    """Extra files of the deployment package, checked: relative paths inside the task root,
    contents as text, bytes or a Path to copy."""
    from pathlib import Path

    out: dict[str, str | bytes | Path] = {}
    for name, content in (files or {}).items():
        rel = str(name).replace("\\", "/")
        parts = rel.split("/")
        if not rel or rel.startswith("/") or ".." in parts or "" in parts:
            raise ConfigError(
                f"files: {name!r} must be a relative path inside the deployment package, e.g. "
                "'helpers.py' or 'data/config.json'"
            )
        if not isinstance(content, (str, bytes, Path)):
            kind = type(content).__name__
            raise ConfigError(f"files: {name!r} must be text or bytes, not {kind}")
        if isinstance(content, Path) and not content.is_file():
            raise ConfigError(f"files: {name!r}: {content} is not a file")
        out[rel] = content
    return out


def _debug_session(
    debug: bool | Callable[[str], str] | Sequence[str],
    post_mortem: bool = False,
    port: int | None = None,
    inspector: bool = False,
) -> Any:
    """The engine's DebugSession for `debug=`: None, input() (True), the given prompt, or a
    list of commands (ScriptedPrompt); or,
    without one, an IDE's on the function's debug port (Node.js: the inspector)."""
    if (debug is False or debug is None) and port is None:
        return None  # every ordinary invoke: before any import (~0.7 us each, bench_debug.py)
    from lambda_nb.engine.debugger import DebugSession

    if debug is False or debug is None:
        return DebugSession(port=port, inspector=inspector)
    from lambda_nb.debugging import InputPrompt, ScriptedPrompt

    if debug is True:
        prompt: Callable[[str], str] = InputPrompt()
    elif callable(debug):
        prompt = debug
    else:  # a list of pdb commands, answered in order
        prompt = ScriptedPrompt(debug)
    return DebugSession(prompt, post_mortem=post_mortem)


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
