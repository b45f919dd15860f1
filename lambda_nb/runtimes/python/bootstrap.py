"""lambda_nb's Python runtime client: what runs inside a local execution environment.

Started as `python /path/to/bootstrap.py` with the environment real Lambda gives a runtime
(AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, _LAMBDA_TELEMETRY_LOG_FD, ...). It
imports the handler, then loops: fetch the next event from the Runtime API, call the handler,
post its response or error. It needs nothing but the standard library on Python >= 3.9.

It is the counterpart of AWS's awslambdaric and must behave like it to the character: the same
response and error bodies, log records, frame types and Runtime API calls. Where the two differ
on purpose, a comment says so. It must also start fast, so the work is spread over siblings:
  _lnb_core.py     every invoke: Runtime API client, log sinks, context, JSON (eager, cheap)
  _lnb_logging.py  root-logger set-up, loaded only once `logging` is imported
  _lnb_faults.py   error bodies, the [ERROR] record, JSON error wording (error paths only)
The frames that call into user code stay in this file: awslambdaric strips the leading
"/bootstrap.py" frames from a stack trace, and the same rule then strips ours.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # python -P / PYTHONSAFEPATH leave the script's folder out
    sys.path.insert(0, HERE)

import _lnb_core as core  # noqa: E402  (needs the path fix-up above)
from _lnb_core import FaultException, import_private  # noqa: E402


def main() -> None:
    _wait_for_cgroup()
    handler_name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER")
    if not handler_name:
        raise ValueError("Handler not set")
    if len(sys.argv) < 2:  # awslambdaric is started as `python -m awslambdaric <handler>`
        sys.argv.append(handler_name)
    _set_import_path(os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd())
    runtime = Runtime.from_environment()
    request_handler = runtime.load_handler(handler_name)
    runtime.serve_forever(request_handler)


def _wait_for_cgroup() -> None:
    """lambda_nb's own: the platform moves this process into its memory cgroup while the
    interpreter starts, and closes this pipe once it is there; user code runs only inside."""
    fd = os.environ.pop("_LAMBDA_NB_CGROUP_FD", None)
    if fd:
        os.read(int(fd), 1)
        os.close(int(fd))


def _set_import_path(task_root: str) -> None:
    """sys.path as Lambda's runtime builds it (_lnb_path), with our own folder gone: the
    function sees the task root, /opt's layers, the bundled boto3, the standard library."""
    import_private("_lnb_path").set_import_path(task_root, None, drop=(HERE,))


class Runtime:
    """The runtime loop and everything it reports: responses, errors and error log records."""

    def __init__(
        self,
        client: core.RuntimeApiClient,
        log_sink: core.FramedTelemetryLogSink | core.StandardLogSink,
        encoder: core.SimpleJsonEncoder,
        json_logs: bool,
        logging_hook: core.ConfigureOnImport,
    ) -> None:
        self.client = client
        self.log_sink = log_sink
        self.encoder = encoder
        self.json_logs = json_logs
        self.logging_hook = logging_hook

    @classmethod
    def from_environment(cls) -> Runtime:
        """Read the environment and set up the process as awslambdaric's `run` does."""
        environ = os.environ
        # The variables' casing on Lambda is UNCONFIRMED; read them exactly as awslambdaric
        # does, quirks included ("TRACE" means DEBUG, but "trace" is no level at all).
        json_logs = (environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
        level = environ.get("AWS_LAMBDA_LOG_LEVEL")
        log_level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()  # type: ignore[union-attr]

        sys.stdout = core.Unbuffered(sys.stdout)  # type: ignore[assignment]
        sys.stderr = core.Unbuffered(sys.stderr)  # type: ignore[assignment]
        frame_types = core.JSON_FRAME_TYPES if json_logs else core.TEXT_FRAME_TYPES
        log_sink = core.create_log_sink(frame_types[core.ERROR_LEVEL])
        core.InvokeState.sink = log_sink

        def configure_logging() -> None:
            import_private("_lnb_logging").setup_logging(json_logs, log_level, log_sink)

        # Importing logging costs milliseconds many functions never use: the root logger gets
        # Lambda's handler when (and only if) `logging` is first imported.
        logging_hook = core.ConfigureOnImport("logging", configure_logging)

        version = sys.version_info
        user_agent = f"aws-lambda-python/{version[0]}.{version[1]}.{version[2]}-lambda_nb"
        client = core.RuntimeApiClient(environ["AWS_LAMBDA_RUNTIME_API"], user_agent)
        encoder = core.SimpleJsonEncoder(core.ensure_ascii_for(environ.get("AWS_EXECUTION_ENV")))
        return cls(client, log_sink, encoder, json_logs, logging_hook)

    # -- init ----------------------------------------------------------------------------------

    def load_handler(self, handler_name: str) -> object:
        """Import the handler; on failure report the init error and exit(1), as Lambda does."""
        try:
            self._warn_if_preview_runtime()
            request_handler = _get_handler(handler_name)
        except Exception as exc:
            faults = import_private("_lnb_faults")
            if isinstance(exc, FaultException):
                error = faults.make_error(exc.msg, exc.exception_type, exc.trace)
            else:
                error = faults.make_error(
                    str(exc), type(exc).__name__, _format_frames(exc.__traceback__)
                )
            self._logging().warning(faults.UNHANDLED_EXCEPTION_WARNING)
            self._log_error(error)
            # Still inside `except`, so tools hooking the post see the error in sys.exc_info().
            self.client.post_init_error(self._json(error), str(error["errorType"]))
            sys.exit(1)
        self.logging_hook.settle()
        return request_handler

    def _warn_if_preview_runtime(self) -> None:
        if os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_python3.15"):
            message = import_private("_lnb_faults").preview_runtime_warning()
            if message:
                self._logging().warning(message)

    def _logging(self) -> object:
        """The logging module, with Lambda's root handler however it came to be imported."""
        import logging

        self.logging_hook.settle()
        return logging

    # -- invokes -------------------------------------------------------------------------------

    def serve_forever(self, request_handler: object) -> None:
        handle_event_request = self.handle_event_request
        while True:
            invocation = self.client.next_invocation()
            core.InvokeState.request_id = invocation.request_id
            core.InvokeState.tenant_id = invocation.tenant_id
            _update_trace_id(invocation.trace_id)
            if invocation.debug:  # lambda_nb's own: the caller asked for pdb (_lnb_debug.py)
                handle_event_request(_debugged(request_handler, invocation, self), invocation)
                continue
            # Spelled as in awslambdaric: Python names this line when it warns that a coroutine
            # returned by an `async def` handler was never awaited.
            handle_event_request(
                request_handler,
                invocation,
            )

    def handle_event_request(self, request_handler: object, invocation: core.Invocation) -> None:
        """Run one invoke and post its outcome; the function's own exceptions end up here.

        When the handler cannot even be called (not callable, wrong arity), this frame is the
        whole stack trace; its function name and source line read as in awslambdaric.
        An `async def` handler is not awaited: its coroutine fails to marshal
        (Runtime.MarshalError). That is awslambdaric's code; real Lambda doing the same is
        UNCONFIRMED (lambda-runtime.md section 1), and the most plausible since it runs that code.
        """
        request_id = invocation.request_id
        error = None
        try:
            lambda_context = core.make_context(invocation)
            event = core.unmarshal_event(invocation.body, invocation.content_type)
            response = request_handler(event, lambda_context)
            result, content_type = core.marshal_response(response, self.encoder)
        except FaultException as fault:
            faults = import_private("_lnb_faults")
            xray_fault = faults.make_xray_fault("LambdaValidationError", fault.msg, os.getcwd(), [])
            error = faults.make_error(fault.msg, fault.exception_type, fault.trace, request_id)
        except Exception:
            faults = import_private("_lnb_faults")
            error, xray_fault = faults.error_from_exception(sys.exc_info(), request_id)
            # lambda_nb's own: the frames' locals for the error view, apart from the body
            import_private("_lnb_locals").send(self.client, request_id, sys.exc_info()[2])

        if error is None:
            body = result if isinstance(result, bytes) else result.encode("utf-8")
            self.client.post_response(request_id, body, content_type)
        else:
            self._log_error(error)
            xray_cause = self.encoder.encode(xray_fault)
            if len(xray_cause.encode()) >= core.MAX_XRAY_CAUSE_BYTES:
                xray_cause = ""
            self.client.post_error(request_id, self._json(error), xray_cause)

    # -- reporting -----------------------------------------------------------------------------

    def _json(self, error: dict) -> bytes:
        return self.encoder.encode(error).encode("utf-8")

    def _log_error(self, error: dict) -> None:
        """The [ERROR] record of an unhandled error, as one frame (one CloudWatch event)."""
        faults = import_private("_lnb_faults")
        if self.json_logs:
            self.log_sink.log_error([faults.json_error_record(error, self.encoder)])
        else:
            self.log_sink.log_error(faults.text_error_lines(error))


def _debugged(request_handler: object, invocation: core.Invocation, runtime: Runtime) -> object:
    """The handler, called with pdb at the caller's prompt (see _lnb_debug.py). It lives in
    this file so that its frame, like every bootstrap.py frame, is left out of stack traces:
    the caller's error body stays the one AWS would send."""
    debug = import_private("_lnb_debug")
    if invocation.debug.startswith("debugpy:"):  # an IDE attaches instead (debug_port)
        try:
            debug.attach(invocation.debug)
        except Exception as exc:  # the port is taken, say: the invocation says so
            message = f"debug_port: {exc}"

            def cannot_listen(event: object, context: object) -> object:
                raise RuntimeError(message)

            return cannot_listen
        return request_handler
    session = debug.start(runtime.client.address, invocation.request_id, invocation.debug)

    def debugged(event: object, context: object) -> object:
        session.begin(context)
        try:
            return request_handler(event, context)  # type: ignore[operator]
        except Exception:
            if session.post_mortem:
                session.debug_exception(sys.exc_info()[2])
            raise
        finally:
            session.end()

    return debugged


def _get_handler(handler_name: str) -> object:
    """Import `module.function` (split on the last dot; `/` in the module path becomes `.`)."""
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as exc:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, f"Bad handler '{handler_name}': {exc}"
        ) from None

    import importlib

    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {module_name} as a handler module",
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            f"Unable to import module '{module_name}': {exc}",
        ) from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            f"Syntax error in module '{module_name}': {exc}",
            trace,
        ) from None

    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            f"Handler '{function_name}' missing on module '{module_name}'",
        ) from None


def _format_frames(tb: object) -> list[str]:
    import traceback

    return traceback.format_list(import_private("_lnb_faults").user_frames(tb))


def _update_trace_id(trace_id: str | None) -> None:
    """_X_AMZN_TRACE_ID follows the current invoke's trace header, and goes when it is absent."""
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


if __name__ == "__main__":
    main()
