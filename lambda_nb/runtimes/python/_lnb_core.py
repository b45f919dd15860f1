"""The start-up-critical half of lambda_nb's Python runtime client (see bootstrap.py).

bootstrap.py imports this module before any user code runs, on every cold start, so it imports
only what the interpreter has already loaded (os, sys, time) and small C modules (_socket,
_json). `socket`, `json`, `http.client`, `logging` and `re` each cost milliseconds; they are
left to the error paths (_lnb_faults) or to the user.

It holds the pieces every invoke touches: the Runtime API client, the telemetry log sinks,
the context object and the simplejson-compatible (un)marshalling of events and responses.
"""

from __future__ import annotations

import _json
import _socket
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_CAUSE_HEADER = "lambda-runtime-function-xray-error-cause"
# awslambdaric drops an X-Ray cause this large instead of sending it as a header.
MAX_XRAY_CAUSE_BYTES = 1024 * 1024
PIPELINED_MAX = 1024 * 1024  # a response this small cannot be refused for its size (6 MB)


def import_private(name: str) -> object:
    """Import one of our sibling modules (_lnb_faults, _lnb_logging) when first needed.

    Our folder is not on sys.path while user code runs (bootstrap.py takes it off, so the
    function sees the sys.path awslambdaric gives it); it is put back just for this import.
    """
    module = sys.modules.get(name)
    if module is None:
        sys.path.insert(0, HERE)
        try:
            __import__(name)
        finally:
            sys.path.remove(HERE)
        module = sys.modules[name]
    return module


class FaultException(Exception):
    """A failure the runtime reports under its own `Runtime.*` error type, without a user stack.

    Same role and attribute names as awslambdaric's class, so code that inspects it reads alike.
    """

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# ---------------------------------------------------------------------------------------------
# Runtime API: HTTP/1.1 over one keep-alive socket
# ---------------------------------------------------------------------------------------------


class RuntimeApiError(Exception):
    """The Runtime API refused a call or went away; the runtime cannot go on."""


class Invocation:
    """One event from `GET /invocation/next`: its body and the `Lambda-Runtime-*` headers."""

    __slots__ = (
        "body",
        "client_context",
        "cognito_identity",
        "content_type",
        "deadline_ms",
        "debug",
        "invoked_function_arn",
        "request_id",
        "tenant_id",
        "trace_id",
    )

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        # Absent and empty headers both read as None, as awslambdaric's C client reports them.
        get = headers.get
        self.body = body
        self.request_id = get("lambda-runtime-aws-request-id") or ""
        self.invoked_function_arn = get("lambda-runtime-invoked-function-arn") or ""
        self.deadline_ms = _to_int(get("lambda-runtime-deadline-ms"))
        self.trace_id = get("lambda-runtime-trace-id") or None
        self.client_context = get("lambda-runtime-client-context") or None
        self.cognito_identity = get("lambda-runtime-cognito-identity") or None
        self.tenant_id = get("lambda-runtime-aws-tenant-id") or None
        self.content_type = get("content-type") or None
        self.debug = get("lambda-nb-debug") or None  # lambda_nb's own: pdb for this invoke


def _to_int(text: str | None) -> int:
    try:
        return int(text) if text else 0
    except ValueError:
        return 0


class RuntimeApiClient:
    """Talks to the Runtime API the way awslambdaric's libcurl client does, header for header.

    One socket with TCP_NODELAY, reused for every call: an invoke costs two round trips on an
    open connection and no connect. A keep-alive connection the server has meanwhile closed is
    reopened once, as curl does.
    """

    def __init__(self, address: str, user_agent: str) -> None:
        self.address = address
        self.user_agent = user_agent
        self._sock: _socket.socket | None = None
        self._buffer = b""
        self._unanswered: str | None = None  # a pipelined post, whose answer is still to read

    # -- the four calls ------------------------------------------------------------------------

    def next_invocation(self) -> Invocation:
        headers = [("Host", self.address), ("Accept", "*/*"), ("User-Agent", self.user_agent)]
        status, reply_headers, body = self._call("GET", API_PREFIX + "/invocation/next", headers)
        if status != 200:
            raise RuntimeApiError(f"Failed to get next invocation: HTTP {status}: {body!r}")
        return Invocation(reply_headers, body)

    def post_response(self, request_id: str, body: bytes, content_type: str) -> None:
        """lambda_nb's own: a small response goes out at once, and its answer is read after
        the next /next is sent (HTTP/1.1 pipelining): one round trip less per invoke. The
        calls and their order are awslambdaric's; a refusal still ends the runtime."""
        path = f"{API_PREFIX}/invocation/{request_id}/response"
        extra = [("content-type", content_type)]
        if self._sock is None or len(body) > PIPELINED_MAX:
            self._post(path, body, extra)
            return
        try:
            self._send(_request("POST", path, self._post_headers(body, extra), body))
        except _StaleConnection:
            self._close()
            self._post(path, body, extra)
            return
        self._unanswered = path

    def post_error(self, request_id: str, body: bytes, xray_cause: str) -> None:
        """Report a failed invoke; like awslambdaric, the error type travels only in the body."""
        headers = [("content-type", "application/json")]
        if xray_cause:
            headers.append((XRAY_CAUSE_HEADER, xray_cause))
        self._post(f"{API_PREFIX}/invocation/{request_id}/error", body, headers)

    def post_init_error(self, body: bytes, error_type: str) -> None:
        """Report a failed init with the headers http.client sends for awslambdaric."""
        headers = [
            ("Host", self.address),
            ("Accept-Encoding", "identity"),
            ("Content-Length", str(len(body))),
            (ERROR_TYPE_HEADER, error_type),
        ]
        status, _, reply = self._call("POST", API_PREFIX + "/init/error", headers, body)
        if status != 202:
            raise RuntimeApiError(f"Request to /init/error failed: HTTP {status}: {reply!r}")

    def _post(self, path: str, body: bytes, extra: list[tuple[str, str]]) -> None:
        status, _, reply = self._call("POST", path, self._post_headers(body, extra), body)
        _check_post(path, status, reply)

    def _post_headers(self, body: bytes, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        length = str(len(body))
        return [("Host", self.address), ("Accept", "*/*"), *extra,
                ("User-Agent", self.user_agent), ("content-length", length)]  # fmt: skip

    # -- HTTP/1.1 ------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        request = _request(method, path, headers, body)
        while True:
            reused = self._connect()
            try:
                self._send(request)
                if self._unanswered is not None:  # the pipelined post's answer comes first
                    posted, self._unanswered = self._unanswered, None
                    status, _, reply = self._read_response()
                    _check_post(posted, status, reply)
                return self._read_response()
            except _StaleConnection:
                self._close()
                if not reused or self._unanswered is not None:
                    raise ConnectionError("the Runtime API closed the connection") from None
            except BaseException:
                self._close()
                raise

    def _connect(self) -> bool:
        """Open the socket if needed; True when an existing connection is being reused."""
        if self._sock is not None:
            return True
        family, addr = _resolve(self.address)
        sock = _socket.socket(family, _socket.SOCK_STREAM)
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            sock.connect(addr)
        except BaseException:
            sock.close()
            raise
        self._sock, self._buffer = sock, b""
        return False

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock, self._buffer = None, b""

    def _send(self, request: bytes) -> None:
        try:
            self._sock.sendall(request)  # type: ignore[union-attr]
        except (ConnectionResetError, BrokenPipeError):
            raise _StaleConnection from None

    def _read_response(self) -> tuple[int, dict[str, str], bytes]:
        if not self._buffer:
            try:
                self._buffer = self._sock.recv(65536)  # type: ignore[union-attr]
            except (ConnectionResetError, BrokenPipeError):
                raise _StaleConnection from None
            if not self._buffer:
                raise _StaleConnection
        head = self._read_until(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self._read_exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:  # no framing: the body runs to the end of the connection
            body = self._read_to_close()
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _recv(self) -> bytes:
        data = self._sock.recv(65536)  # type: ignore[union-attr]
        if not data:
            raise ConnectionError("the Runtime API closed the connection mid-response")
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._buffer += self._recv()
        found, _, self._buffer = self._buffer.partition(marker)
        return found

    def _read_exactly(self, size: int) -> bytes:
        chunks, have = [self._buffer], len(self._buffer)
        while have < size:
            data = self._recv()
            chunks.append(data)
            have += len(data)
        data = b"".join(chunks)
        self._buffer = data[size:]
        return data[:size]

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                while self._read_until(b"\r\n"):  # optional trailers, then an empty line
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_exactly(2)  # the CRLF that closes each chunk

    def _read_to_close(self) -> bytes:
        chunks = [self._buffer]
        while True:
            data = self._sock.recv(65536)  # type: ignore[union-attr]
            if not data:
                break
            chunks.append(data)
        self._close()
        return b"".join(chunks)


def _request(method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("utf-8") + b"\r\n" + body


def _check_post(path: str, status: int, reply: bytes) -> None:
    if not 200 <= status < 300:
        raise RuntimeApiError(f"Request to {path} failed: HTTP {status}: {reply!r}")


def _resolve(address: str) -> tuple[int, tuple]:
    """(family, sockaddr) for "host:port"; IP literals (the usual case) skip the resolver.

    The host goes to getaddrinfo as bytes: a str would first be IDNA-encoded, which imports
    encodings.idna and `re` and costs a cold start about ten milliseconds.
    """
    host, _, port_text = address.rpartition(":")
    host, port = host.strip("[]") or "127.0.0.1", int(port_text)
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, host)
        except OSError:
            continue
        return family, (host, port)
    family, _, _, _, addr = _socket.getaddrinfo(host.encode(), port, 0, _socket.SOCK_STREAM)[0]
    return family, addr


class _StaleConnection(Exception):
    """A reused keep-alive connection turned out closed before any byte of the response."""


# ---------------------------------------------------------------------------------------------
# Log sinks and unbuffered standard streams
# ---------------------------------------------------------------------------------------------

# Telemetry frame types (awslambdaric's _TEXT_FRAME_TYPES / _JSON_FRAME_TYPES), keyed by the
# record's level rounded down to a multiple of 10; 0 means "no level".
TEXT_FRAME_TYPES = {
    0: b"\xa5\x5a\x00\x03",
    10: b"\xa5\x5a\x00\x0b",  # DEBUG
    20: b"\xa5\x5a\x00\x0f",  # INFO
    30: b"\xa5\x5a\x00\x13",  # WARNING
    40: b"\xa5\x5a\x00\x17",  # ERROR
    50: b"\xa5\x5a\x00\x1b",  # CRITICAL
}
JSON_FRAME_TYPES = {
    0: b"\xa5\x5a\x00\x02",
    10: b"\xa5\x5a\x00\x0a",
    20: b"\xa5\x5a\x00\x0e",
    30: b"\xa5\x5a\x00\x12",
    40: b"\xa5\x5a\x00\x16",
    50: b"\xa5\x5a\x00\x1a",
}
DEFAULT_FRAME_TYPE = TEXT_FRAME_TYPES[0]
ERROR_LEVEL = 40


class FramedTelemetryLogSink:
    """Writes each log record as one frame on the telemetry pipe, so multi-line records stay whole.

    Frame: type (4 bytes) | message length (4) | timestamp in µs (8) | UTF-8 message; big-endian.
    """

    def __init__(self, fd: int, error_frame_type: bytes) -> None:
        self.fd = fd
        self.error_frame_type = error_frame_type

    def log(self, msg: str, frame_type: bytes | None = None) -> None:
        data = msg.encode("utf8")
        timestamp = time.time_ns() // 1000
        header = (frame_type or DEFAULT_FRAME_TYPE) + len(data).to_bytes(4, "big")
        frame = header + timestamp.to_bytes(8, "big") + data
        while frame:  # a pipe write may be partial for large frames
            frame = frame[os.write(self.fd, frame) :]

    def log_error(self, message_lines: list[str]) -> None:
        self.log("\n".join(message_lines), frame_type=self.error_frame_type)


class StandardLogSink:
    """Without a telemetry pipe, records go to stdout; an error's lines are joined with CR so the
    record still reads as one line, as awslambdaric does."""

    def log(self, msg: str, frame_type: bytes | None = None) -> None:
        sys.stdout.write(msg)

    def log_error(self, message_lines: list[str]) -> None:
        sys.stdout.write("\r".join(message_lines) + "\n")


def create_log_sink(error_frame_type: bytes) -> FramedTelemetryLogSink | StandardLogSink:
    """Take the telemetry fd out of the environment (user code must not see it) and wrap it."""
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    if fd is None:
        return StandardLogSink()
    return FramedTelemetryLogSink(int(fd), error_frame_type)


class Unbuffered:
    """Flushes after every write, so print() output reaches the log as it happens (as the
    Lambda runtime forces); everything else is delegated to the wrapped stream."""

    def __init__(self, stream: object) -> None:
        self.stream = stream

    def __enter__(self) -> Unbuffered:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __getattr__(self, attr: str) -> object:
        return getattr(self.stream, attr)

    def write(self, msg: str) -> None:
        self.stream.write(msg)  # type: ignore[attr-defined]
        self.stream.flush()  # type: ignore[attr-defined]

    def writelines(self, msgs: object) -> None:
        self.stream.writelines(msgs)  # type: ignore[attr-defined]
        self.stream.flush()  # type: ignore[attr-defined]


class InvokeState:
    """What the logging filter stamps on records: the current request id and tenant id."""

    request_id: str | None = None
    tenant_id: str | None = None
    sink: FramedTelemetryLogSink | StandardLogSink | None = None


# ---------------------------------------------------------------------------------------------
# The context object (same attributes, types and reprs as awslambdaric's LambdaContext)
# ---------------------------------------------------------------------------------------------

# The W3C trace-context fields LambdaContext.w3c() exposes from the client context's "w3c" key.
W3C_ALLOWED_FIELDS = ("traceparent", "tracestate", "baggage")


class LambdaContext:
    """The `context` argument of a handler."""

    def __init__(
        self,
        invoke_id: str,
        client_context: dict | None,
        cognito_identity: dict | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        environ = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = _pop_w3c_fields(client_context)
        self.client_context = _slots_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _slots_from_dict(Client, self.client_context.client)
        self.identity = _slots_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (traceparent, tracestate, baggage) the caller sent, if any.

        New in awslambdaric 4.2 (our oracle), not yet in lambda-runtime.md section 1.
        """
        return dict(self._w3c_fields)

    def log(self, msg: object) -> None:
        """Write str(msg) as one log record, with no prefix or newline added.

        Goes through the sink of the root logger's Lambda handler, or to stdout if the function
        removed that handler; before `logging` is imported that handler is our sink.
        """
        logging = sys.modules.get("logging")
        if logging is None:
            if InvokeState.sink is not None:
                InvokeState.sink.log(str(msg))
                return
        else:
            for handler in logging.getLogger().handlers:
                if hasattr(handler, "log_sink"):
                    handler.log_sink.log(str(msg))
                    return
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client:
    __slots__ = (  # noqa: RUF023 (awslambdaric's order, which users can see)
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext:
    __slots__ = ("custom", "env", "client")  # noqa: RUF023 (awslambdaric's order)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}([custom={self.custom},env={self.env},client={self.client}])"
        )


def _slots_from_dict(cls: type, values: dict | None) -> object:
    """An instance of a __slots__ class with every slot read from `values` (missing -> None)."""
    if values is None:
        return None
    obj = cls()
    for name in cls.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


def _pop_w3c_fields(client_context: object) -> dict[str, str]:
    """Remove the "w3c" entry from the client context and keep its allow-listed string fields."""
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return {}
    raw = client_context.pop("w3c")
    if not isinstance(raw, dict):
        return {}
    return {key: raw[key] for key in W3C_ALLOWED_FIELDS if isinstance(raw.get(key), str)}


def make_context(invocation: Invocation) -> LambdaContext:
    client_context = None
    if invocation.client_context:
        client_context = _parse_header_json(invocation.client_context, "Client Context")
    cognito_identity = None
    if invocation.cognito_identity:
        cognito_identity = _parse_header_json(invocation.cognito_identity, "Cognito Identity")
    return LambdaContext(
        invocation.request_id,
        client_context,
        cognito_identity,
        invocation.deadline_ms,
        invocation.invoked_function_arn,
        invocation.tenant_id,
    )


def _parse_header_json(text: str, name: str) -> object:
    """json.loads(text), whose errors awslambdaric reports as LambdaContextUnmarshalError."""
    try:
        return _scan_document(text, 0, _STDLIB_SCANNER)
    except Exception:
        pass
    try:  # rare: let the stdlib produce its exact result or error message
        import json

        return json.loads(text)
    except Exception as exc:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, f"Unable to parse {name} JSON: {exc}"
        ) from None


# ---------------------------------------------------------------------------------------------
# Events in, responses out: simplejson semantics with the stdlib's C speedups
# ---------------------------------------------------------------------------------------------


class NonStandardConstant(ValueError):
    """NaN or Infinity in an event: simplejson, awslambdaric's parser, rejects them."""


def _reject_constant(name: str) -> object:
    raise NonStandardConstant(name)


class _ScannerSettings:
    """The attributes _json.make_scanner reads from a json.JSONDecoder, with its defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_reject_constant)


class _StdlibScannerSettings(_ScannerSettings):
    """json.loads' defaults: NaN and Infinity accepted (used for the context headers)."""

    parse_constant = staticmethod(
        {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__
    )


_SIMPLEJSON_SCANNER = _json.make_scanner(_ScannerSettings())
_STDLIB_SCANNER = _json.make_scanner(_StdlibScannerSettings())
_WHITESPACE = " \t\n\r"


class ExtraData(ValueError):
    """A JSON document followed by more than whitespace."""


def _skip_whitespace(text: str, idx: int) -> int:
    end = len(text)
    while idx < end and text[idx] in _WHITESPACE:
        idx += 1
    return idx


def _scan_document(text: str, idx: int, scanner: object) -> object:
    value, end = scanner(text, _skip_whitespace(text, idx))  # type: ignore[operator]
    if _skip_whitespace(text, end) != len(text):
        raise ExtraData(end)
    return value


def unmarshal_event(body: bytes, content_type: str | None) -> object:
    """The handler's `event`: parsed JSON when the content type says so, else the raw bytes.

    Parses like simplejson.loads (UTF-8 only, a leading BOM skipped, NaN and Infinity refused);
    the stdlib's C scanner does the work, and a failure is re-read by _lnb_faults to phrase the
    error as simplejson would.
    """
    if content_type != "application/json":
        return body
    try:
        text = str(body, "utf-8")
        idx = 0
        if text[:1] == "\ufeff":
            idx = 1
        elif text[:3] == "\xef\xbb\xbf":  # simplejson also skips a BOM decoded as Latin-1
            idx = 3
        return _scan_document(text, idx, _SIMPLEJSON_SCANNER)
    except Exception as exc:
        message = import_private("_lnb_faults").json_decode_error_message(body, exc)
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, f"Unable to unmarshal input: {message}"
        ) from None


def marshal_response(response: object, encoder: SimpleJsonEncoder) -> tuple[str | bytes, str]:
    """The response body and its content type: bytes go out untouched, all else as JSON text.

    The text is UTF-8 encoded later, outside the handler's error handling, as in awslambdaric
    (a lone surrogate there crashes the runtime rather than becoming a MarshalError).
    """
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return encoder.encode(response), "application/json"
    except Exception as exc:
        raise FaultException(
            FaultException.MARSHAL_ERROR, f"Unable to marshal response: {exc}"
        ) from None


def ensure_ascii_for(execution_env: str | None) -> bool:
    """awslambdaric writes raw non-ASCII only on the python3.12+ managed runtimes."""
    return execution_env not in {
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
    }


_INFINITY = float("inf")


class SimpleJsonEncoder:
    """Writes JSON exactly as awslambdaric's encoder (simplejson, allow_nan, Decimal as a number).

    The stdlib encoder differs from simplejson in ways a user sees: namedtuples and other
    objects with `_asdict()` become objects, bytes (values and keys) are decoded as UTF-8,
    Decimal is written as its digits (NaN as NaN). So the walk is ours; only the string escaping
    comes from the stdlib's C helpers, which match simplejson's escaping character for character.
    """

    def __init__(self, ensure_ascii: bool = True) -> None:
        self._quote = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
        # The stdlib's C encoder (json.dumps with allow_nan) for documents where it and
        # simplejson agree byte for byte; see _is_plain_tree.
        self._c_encode = _json.make_encoder(
            None, _not_plain, self._quote, None, ": ", ", ", False, False, True
        )

    def encode(self, obj: object) -> str:
        if _is_plain_tree(obj):
            return "".join(self._c_encode(obj, 0))
        out: list[str] = []
        self._value(obj, out, {})
        return "".join(out)

    def _value(self, o: object, out: list[str], markers: dict[int, object]) -> None:
        scalar = self._scalar(o)
        if scalar is not None:
            out.append(scalar)
            return
        as_dict = _call_asdict(o)
        if as_dict is not None:
            self._container(o, as_dict[0], out, markers)
        elif isinstance(o, (list, tuple, dict)):
            self._container(o, o, out, markers)
        else:
            out.append(self._default(o))

    def _scalar(self, o: object) -> str | None:
        """The JSON text of a string, bytes, number, bool or None; None for anything else."""
        if isinstance(o, str):
            return self._quote(o)
        if isinstance(o, bytes):
            return self._quote(str(o, "utf-8"))
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, int):
            return int.__repr__(o if type(o) is int else int(o))
        if isinstance(o, float):
            return _float_text(o)
        return None

    def _container(self, owner: object, value: object, out: list[str], markers: dict) -> None:
        """Encode a list, tuple or dict; `owner` (the object it came from) guards against cycles."""
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        marker = id(owner)
        if marker in markers:
            raise ValueError("Circular reference detected")
        markers[marker] = owner
        if isinstance(value, dict):
            self._dict(value, out, markers)
        else:
            self._list(value, out, markers)
        del markers[marker]

    def _list(self, items: list | tuple, out: list[str], markers: dict) -> None:
        out.append("[")
        first = True
        for item in items:
            if not first:
                out.append(", ")
            first = False
            self._value(item, out, markers)
        out.append("]")

    def _dict(self, items: dict, out: list[str], markers: dict) -> None:
        out.append("{")
        first = True
        for key, item in items.items():
            if not first:
                out.append(", ")
            first = False
            out.append(self._quote(key if isinstance(key, str) else _key_text(key)))
            out.append(": ")
            self._value(item, out, markers)
        out.append("}")

    @staticmethod
    def _default(o: object) -> str:
        """awslambdaric's Encoder.default: Decimal as its digits (NaN as NaN), else TypeError."""
        decimal_type = _decimal_type()
        if decimal_type is not None and isinstance(o, decimal_type):
            return "NaN" if o.is_nan() else str(o)
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


_PLAIN_SCALARS = frozenset((str, int, float, bool, type(None)))


def _is_plain_tree(obj: object) -> bool:
    """Whether obj is built only of exact dict, list, tuple, str, int, float, bool and None
    (keys included), with no container met twice.

    Such a document (most responses) is written identically by the stdlib's C encoder, which
    with this check still takes half the time of our walk on a large response. Anything else
    (subclasses like namedtuple, bytes, Decimal, shared or circular containers) takes the
    faithful slow path.
    """
    scalars = _PLAIN_SCALARS
    if type(obj) in scalars:
        return True
    seen: set[int] = set()
    pending = [obj]
    while pending:
        container = pending.pop()
        kind = type(container)
        if kind is dict:
            if not scalars.issuperset(map(type, container)):
                return False
            items = container.values()
        elif kind is list or kind is tuple:
            items = container
        else:
            return False
        if not container:  # nothing inside (and `()` is one shared object)
            continue
        if id(container) in seen:
            return False
        seen.add(id(container))
        if not scalars.issuperset(map(type, items)):
            pending += [item for item in items if type(item) not in scalars]
    return True


def _not_plain(o: object) -> object:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _float_text(o: float) -> str:
    if o != o:
        return "NaN"
    if o == _INFINITY:
        return "Infinity"
    if o == -_INFINITY:
        return "-Infinity"
    return float.__repr__(o if type(o) is float else float(o))


def _key_text(key: object) -> str:
    """A non-str dict key as simplejson writes it."""
    if isinstance(key, bytes):
        return str(key, "utf-8")
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key if type(key) is int else int(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _call_asdict(o: object) -> tuple[dict] | None:
    """simplejson encodes anything with an `_asdict()` method (namedtuples...) as its dict.

    A TypeError from the call means "not that kind of object", as in simplejson.
    """
    method = getattr(o, "_asdict", None)
    if not callable(method):
        return None
    try:
        result = method()
    except TypeError:
        return None
    if not isinstance(result, dict):
        raise TypeError(f"_asdict() must return a dict, not {type(result).__name__}")
    return (result,)


def _decimal_type() -> type | None:
    """decimal.Decimal if anything imported it; without that import no Decimal can exist, and
    importing decimal ourselves would slow every cold start."""
    for name in ("decimal", "_decimal"):
        module = sys.modules.get(name)
        if module is not None:
            return module.Decimal
    return None


# ---------------------------------------------------------------------------------------------
# Deferred set-up of a module the runtime must configure but should not import itself
# ---------------------------------------------------------------------------------------------


class ConfigureOnImport:
    """Runs `configure()` once, right after module `name` is first imported (at once if it
    already is).

    A meta-path finder: the import itself is left to the regular finders and loader, only the
    loader's exec_module is wrapped, so the importer receives the module already configured.
    """

    def __init__(self, name: str, configure: object) -> None:
        self.name = name
        self.configure = configure
        self.done = False
        self._searching = False
        if name in sys.modules:
            self._fire()
        else:
            sys.meta_path.insert(0, self)

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname != self.name or self._searching:
            return None
        self._searching = True  # finders that consult the others in turn must not loop
        try:
            spec = self._find_elsewhere(fullname, path, target)
        finally:
            self._searching = False
        if spec is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ConfiguringLoader(spec.loader, self)
        return spec

    def _find_elsewhere(self, fullname: str, path: object, target: object) -> object:
        for finder in list(sys.meta_path):
            find_spec = getattr(finder, "find_spec", None)
            if finder is not self and find_spec is not None:
                spec = find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        return None

    def loaded(self, module: object) -> None:
        # Only the module the import system registered counts (not a private module_from_spec).
        if sys.modules.get(self.name) is module:
            self._fire()

    def settle(self) -> None:
        """Configure now if the module got imported past us (a finder placed before ours)."""
        if not self.done and self.name in sys.modules:
            self._fire()

    def _fire(self) -> None:
        self.done = True
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        self.configure()  # type: ignore[operator]


class _ConfiguringLoader:
    """Delegates to the real loader, then lets the finder configure the fresh module."""

    def __init__(self, loader: object, finder: ConfigureOnImport) -> None:
        self.loader = loader
        self.finder = finder

    def create_module(self, spec: object) -> object:
        return self.loader.create_module(spec)  # type: ignore[attr-defined]

    def exec_module(self, module: object) -> None:
        # The module shows its real loader, as if we had never been there.
        module.__spec__.loader = module.__loader__ = self.loader  # type: ignore[attr-defined]
        self.loader.exec_module(module)  # type: ignore[attr-defined]
        self.finder.loaded(module)
