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

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambda_nb.engine import records
from lambda_nb.engine.config import (
    ACCOUNT_ID,
    REGION,
    REQUEST_MAX_BYTES,
    FunctionConfig,
    validate,
)
from lambda_nb.engine.errors import (
    InvalidRequestContentException,
    RequestEntityTooLargeException,
    ResourceNotFoundException,
)
from lambda_nb.engine.records import LogRecord
from lambda_nb.engine.service import LambdaService, default_service
from lambda_nb.runtimes import registry


class Invocation(records.Invocation):
    """The engine's record of one invocation, as `Function.invoke` returns it, with the notebook
    display the magic shows once a run is over: the static view, with no widget state, so the
    last expression of a cell and a `%%lambda` cell look the same, saved or live. The engine
    itself knows nothing of displays (it never imports `render`)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from lambda_nb.render.static import mimebundle

        return mimebundle(self)


class Function:
    """A named function: its current revision, its invocation history and its log group."""

    def __init__(self, name: str, service: LambdaService) -> None:
        self.name = name
        self.service = service
        self.history: list[Invocation] = []

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
    ) -> Function:
        """Publish `code` as the handler module of function `name` (a new revision if it exists).

        `handler` defaults to the runtime's (`lambda_function.lambda_handler`, `index.handler`,
        `function.handler`). `filename` is the code's name in the task root, by default derived
        from the handler and runtime (`lambda_function.py`, `index.mjs`, `bootstrap`): for
        Node.js, `index.js` or `index.cjs` makes the code CommonJS, as on Lambda. `bootstrap` is
        an executable custom runtime, run in place like a layer's /opt/bootstrap (runtime
        provided.al2023 or provided.al2, the default when it is given).
        """
        runtime = registry.runtime_for(runtime, bootstrap)
        handler = handler or registry.default_handler(runtime)
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
    def _revision(self) -> Any:
        rev = self.service.revision(self.name)
        if rev is None:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}:$LATEST"
            raise ResourceNotFoundException(f"Function not found: {arn}")
        return rev

    @property
    def config(self) -> FunctionConfig:
        return self._revision.config

    @property
    def revision(self) -> int:
        return int(self._revision.revision)

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
    def invoke(
        self,
        event: Any = None,
        on_progress: Callable[[records.Invocation], None] | None = None,
    ) -> Invocation:
        """Invoke synchronously (RequestResponse) and return the finished Invocation.

        `on_progress(inv)` runs on this thread at most every 50 ms while the handler runs.
        Ctrl-C / a kernel interrupt aborts the invocation (environment reset) and re-raises.
        """
        payload = encode_event(event)
        rev = self._revision
        inv = Invocation(
            request_id=str(uuid.uuid4()),
            function_name=self.name,
            version="$LATEST",
            event=event,
            revision=rev.revision,
            invoked_function_arn=rev.config.function_arn,
        )
        self.history.append(inv)
        env = None
        try:
            env = self.service.acquire(rev)
            env.invoke(inv, payload, on_progress)
        finally:
            if env is not None:
                self.service.release(env)
            if inv.status == "running":  # no environment could be started
                inv.status = "aborted"
            inv._done.set()
        return inv

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
            f"<Function {self.name} rev {self.revision} {cfg.runtime or 'python'} "
            f"timeout={cfg.timeout:g}s memory={cfg.memory}MB>"
        )


def encode_event(event: Any) -> bytes:
    """The Invoke request body: JSON, at most 6 MB, as the Lambda API requires."""
    if isinstance(event, (bytes, bytearray)):
        body = bytes(event)
        try:
            json.loads(body)
        except ValueError as exc:
            raise InvalidRequestContentException(
                f"Could not parse request body into json: {exc}"
            ) from None
    else:
        try:
            body = json.dumps(event).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidRequestContentException(
                f"Could not parse request body into json: the event is not JSON ({exc})"
            ) from None
    if len(body) > REQUEST_MAX_BYTES:
        raise RequestEntityTooLargeException(
            f"Request must be smaller than {REQUEST_MAX_BYTES} bytes for the InvokeFunction "
            "operation"
        )
    return body
