"""`Function`: the user's handle on a Lambda function in the local service.

    fn = Function.from_source(code, name="my-function", timeout=3, memory=128)
    inv = fn.invoke({"key": "value"})

Creating a function with a name that exists publishes a new revision of it (the next invoke is a
cold start), as re-running a `%%lambda` cell does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambda_nb.engine.config import REQUEST_MAX_BYTES, FunctionConfig, validate
from lambda_nb.engine.errors import (
    InvalidRequestContentException,
    RequestEntityTooLargeException,
)
from lambda_nb.engine.records import Invocation, LogRecord
from lambda_nb.engine.service import LambdaService, code_file_for, default_service


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
        code: str,
        name: str = "my-function",
        handler: str = "lambda_function.lambda_handler",
        timeout: float = 3,
        memory: int = 128,
        environment: dict[str, str] | None = None,
        log_format: str = "Text",
        log_level: str | None = None,
        runtime: str | None = None,
        runtime_client: str = "lambda_nb",
        service: LambdaService | None = None,
    ) -> Function:
        """Publish `code` as the handler module of function `name` (a new revision if it exists)."""
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
            )
        )
        service = service or default_service()
        service.publish(config, {code_file_for(handler): code})
        fn = service.functions.get(name)
        if fn is None:
            fn = service.functions[name] = cls(name, service)
        return fn

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Function:
        """Publish a handler file; the default handler is `<file stem>.lambda_handler`."""
        path = Path(path)
        options.setdefault("handler", f"{path.stem}.lambda_handler")
        return cls.from_source(path.read_text(encoding="utf-8"), **options)

    # ----------------------------------------------------------- properties
    @property
    def _revision(self) -> Any:
        rev = self.service.revision(self.name)
        if rev is None:
            raise LookupError(f"Function not found: {self.name} (it was closed)")
        return rev

    @property
    def config(self) -> FunctionConfig:
        return self._revision.config

    @property
    def revision(self) -> int:
        return int(self._revision.revision)

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
        on_progress: Callable[[Invocation], None] | None = None,
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
        env = self.service.acquire(rev)
        try:
            env.invoke(inv, payload, on_progress)
        finally:
            self.service.release(env)
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
