"""The error paths of lambda_nb's Python runtime client (see bootstrap.py).

Loaded only when something fails, so the modules they need (traceback, for one) stay out of a
normal cold start. Everything here reproduces awslambdaric's output text for text: error
bodies, the `[ERROR]` log record, the X-Ray cause, and simplejson's wording of a bad event.
"""

from __future__ import annotations

import os
import sys
import time

# The record logged before an init failure is reported (awslambdaric lambda_literals.py).
UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START "
    "log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate "
    "this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

PREVIEW_RUNTIME_ENVS = {"AWS_Lambda_python3.15"}

ERROR_LOG_INDENT = "\u00a0"  # leading spaces of traceback lines become NO-BREAK SPACEs
JSON_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def preview_runtime_warning() -> str | None:
    """The warning a preview runtime logs at start-up, or None on a released runtime."""
    if os.environ.get("LAMBDA_DISABLE_PREVIEW_WARN", ""):
        return None
    if os.environ.get("AWS_EXECUTION_ENV", "") not in PREVIEW_RUNTIME_ENVS:
        return None
    in_china = os.environ.get("AWS_REGION", "").startswith("cn-")
    host = "amazonaws.cn" if in_china else "aws.amazon.com"
    return (
        "LAMBDA_WARNING: This is a preview runtime version and should not be used for production "
        "workloads. For further information and to provide feedback, see "
        f"https://docs.{host}/lambda/latest/dg/lambda-runtimes.html\r"
    )


# ---------------------------------------------------------------------------------------------
# Error bodies
# ---------------------------------------------------------------------------------------------


def make_error(
    error_message: str | None,
    error_type: str | None,
    stack_trace: list[str] | None,
    invoke_id: str | None = None,
) -> dict[str, object]:
    """The error body, keys in the order the caller sees them."""
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb: object) -> list[tuple[str, int | None, str, str | None]]:
    """The traceback as (file, line, function, source) tuples, minus the runtime's own frames.

    Leading frames from any file whose path contains "/bootstrap.py" are dropped, exactly
    awslambdaric's rule (its frames and ours both live in a bootstrap.py). Plain tuples also keep
    Python 3.11+'s caret lines out of traceback.format_list.
    """
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[index:]
    return frames


def error_from_exception(
    exc_info: tuple, invoke_id: str | None = None
) -> tuple[dict[str, object], dict[str, object]]:
    """The error body and X-Ray cause for an exception the function raised."""
    import traceback

    error_class, value, tb = exc_info
    frames = user_frames(tb)
    xray_fault = make_xray_fault(error_class.__name__, str(value), os.getcwd(), frames)
    error = make_error(str(value), error_class.__name__, traceback.format_list(frames), invoke_id)
    return error, xray_fault


def make_xray_fault(
    error_type: str, message: str, working_dir: str, frames: list[tuple]
) -> dict[str, object]:
    """The `Lambda-Runtime-Function-XRay-Error-Cause` document.

    awslambdaric lists `paths` from a set, in hash order; we keep first-seen order instead.
    """
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    return {
        "working_directory": working_dir,
        "exceptions": [{"message": message, "type": error_type, "stack": stack}],
        "paths": list(dict.fromkeys(path for path, _, _, _ in frames)),
    }


# ---------------------------------------------------------------------------------------------
# The log record of an unhandled error
# ---------------------------------------------------------------------------------------------


def text_error_lines(error: dict[str, object]) -> list[str]:
    """`[ERROR] Type: message`, then the stack trace with NO-BREAK SPACE indentation."""
    description = "[ERROR]"
    error_type = error.get("errorType")
    if error_type:
        description += " " + str(error_type)
    message = error.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + str(message)
    lines = [description]
    stack_trace = error.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:  # type: ignore[attr-defined]
            if element == "":
                lines.append("")
            else:
                lines.extend(_nbsp_indent(line) for line in element.splitlines())
    return lines


def _nbsp_indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


def json_error_record(error: dict[str, object], encoder: object) -> str:
    """The JSON-format record of an unhandled error: timestamp and level, then the error body.

    The level's key is "level", as awslambdaric 4.x writes it; lambda-runtime.md section 4.4
    says "log_level", which no awslambdaric release we could run writes (older spec source?).
    """
    logging = sys.modules.get("logging")
    converter = logging.Formatter.converter if logging is not None else time.gmtime
    record = {
        "timestamp": time.strftime(JSON_TIMESTAMP_FORMAT, converter(time.time())),
        "level": "ERROR",
        **error,
    }
    return encoder.encode(record)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# simplejson's wording of a malformed event
# ---------------------------------------------------------------------------------------------


def json_decode_error_message(body: bytes, exc: BaseException) -> str:
    """Why `body` is not an event, in the words simplejson.loads would use.

    The stdlib scanner that found the problem words some errors differently (and knows no
    "Extra data" range), so a syntax error is located again here by simplejson's rules.
    Anything else (bad UTF-8, integer digit limits, deep nesting) keeps its own message.
    """
    from _lnb_core import ExtraData, NonStandardConstant

    # SystemError: before Python 3.12 the C scanner cannot raise JSONDecodeError while
    # json.decoder is not imported, and fails with "returned NULL without setting an exception".
    syntax_error = isinstance(exc, (StopIteration, SystemError, ExtraData, NonStandardConstant))
    if isinstance(exc, RecursionError):  # simplejson's C scanner words it slightly differently
        return str(exc).replace(" from a unicode string", " from a string")
    if not syntax_error and type(exc).__name__ != "JSONDecodeError":
        return str(exc)
    text = str(body, "utf-8")
    try:
        _SimplejsonGrammar(text).check_document()
    except _SyntaxProblem as problem:
        return problem.describe(text)
    except RecursionError:
        pass
    return str(exc)


class _SyntaxProblem(Exception):
    def __init__(self, message: str, pos: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message, self.pos, self.end = message, pos, end

    def describe(self, doc: str) -> str:
        """simplejson's errmsg(): `msg: line L column C (char P)`, or a range for extra data."""
        line, column = _line_column(doc, self.pos)
        message = self.message.replace("%r", repr(doc[self.pos : self.pos + 1]))
        if self.end is None:
            return f"{message}: line {line} column {column} (char {self.pos})"
        end_line, end_column = _line_column(doc, self.end)
        return (
            f"{message}: line {line} column {column} - line {end_line} column {end_column} "
            f"(char {self.pos} - {self.end})"
        )


def _line_column(doc: str, pos: int) -> tuple[int, int]:
    line = doc.count("\n", 0, pos) + 1
    column = pos + 1 if line == 1 else pos - doc.rindex("\n", 0, pos)
    return line, column


_WHITESPACE = " \t\n\r"
_DIGITS = "0123456789"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_SIMPLE_ESCAPES = '"\\/bfnrt'


class _SimplejsonGrammar:
    """A validating re-read of a JSON document that stops at the first error simplejson would
    report, with simplejson's message and position. It builds no values: the document has
    already failed to parse, only the wording is wanted.
    """

    def __init__(self, text: str) -> None:
        self.s = text

    def check_document(self) -> None:
        idx = 0
        if self.s[:1] == "\ufeff":
            idx = 1
        elif self.s[:3] == "\xef\xbb\xbf":
            idx = 3
        end = self._skip_ws(self.value(self._skip_ws(idx)))
        if end != len(self.s):
            raise _SyntaxProblem("Extra data", end, len(self.s))

    def _skip_ws(self, idx: int) -> int:
        s, n = self.s, len(self.s)
        while idx < n and s[idx] in _WHITESPACE:
            idx += 1
        return min(idx, n)

    def value(self, idx: int) -> int:
        s = self.s
        if idx >= len(s):
            raise _SyntaxProblem("Expecting value", idx)
        char = s[idx]
        if char == '"':
            return self.string(idx + 1)
        if char == "{":
            return self.object(idx + 1)
        if char == "[":
            return self.array(idx + 1)
        for word in ("null", "true", "false"):
            if s.startswith(word, idx):
                return idx + len(word)
        end = self.number(idx)
        if end is None:  # NaN and Infinity included: simplejson.loads refuses them
            raise _SyntaxProblem("Expecting value", idx)
        return end

    def number(self, idx: int) -> int | None:
        """End of the number at idx (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?), or None."""
        s, n = self.s, len(self.s)
        i = idx + 1 if s[idx] == "-" else idx
        if i < n and s[i] == "0":
            i += 1
        elif i < n and s[i] in "123456789":
            i = self._digits(i)
        else:
            return None
        if i + 1 < n and s[i] == "." and s[i + 1] in _DIGITS:
            i = self._digits(i + 1)
        if i < n and s[i] in "eE":
            j = i + 2 if i + 1 < n and s[i + 1] in "+-" else i + 1
            if j < n and s[j] in _DIGITS:
                i = self._digits(j)
        return i

    def _digits(self, i: int) -> int:
        s, n = self.s, len(self.s)
        while i < n and s[i] in _DIGITS:
            i += 1
        return i

    def string(self, end: int) -> int:
        """End of the string whose opening quote is at end - 1."""
        s, n, begin = self.s, len(self.s), end - 1
        while True:
            i = end
            while i < n and s[i] not in '"\\' and s[i] >= " ":
                i += 1
            if i >= n:
                raise _SyntaxProblem("Unterminated string starting at", begin)
            end = i + 1
            if s[i] == '"':
                return end
            if s[i] != "\\":
                raise _SyntaxProblem("Invalid control character %r at", i)
            if end >= n:
                raise _SyntaxProblem("Unterminated string starting at", begin)
            if s[end] != "u":
                if s[end] not in _SIMPLE_ESCAPES:
                    raise _SyntaxProblem("Invalid \\X escape sequence %r", end)
                end += 1
                continue
            code = self._hex4(end + 1)
            end += 5
            if 0xD800 <= code <= 0xDBFF and s[end : end + 2] == "\\u":
                low = self._hex4(end + 2)
                if 0xDC00 <= low <= 0xDFFF:
                    end += 6

    def _hex4(self, idx: int) -> int:
        digits = self.s[idx : idx + 4]
        if len(digits) != 4 or any(d not in _HEX_DIGITS for d in digits):
            raise _SyntaxProblem("Invalid \\uXXXX escape sequence", idx - 2)
        return int(digits, 16)

    def _char(self, idx: int) -> str:
        return self.s[idx : idx + 1]

    def object(self, end: int) -> int:
        """End of the object whose `{` is at end - 1."""
        char = self._char(end)
        if char != '"':
            end = self._skip_ws(end)
            char = self._char(end)
            if char == "}":
                return end + 1
            if char != '"':
                raise _SyntaxProblem(
                    "Expecting property name enclosed in double quotes or '}'", end
                )
        end += 1
        while True:
            end = self._skip_ws(self.string(end))
            if self._char(end) != ":":
                raise _SyntaxProblem("Expecting ':' delimiter", end)
            end = self._skip_ws(self.value(self._skip_ws(end + 1)))
            char = self._char(end)
            end += 1
            if char == "}":
                return end
            if char != ",":
                raise _SyntaxProblem("Expecting ',' delimiter or '}'", end - 1)
            comma = end - 1
            end = self._skip_ws(end)
            char = self._char(end)
            end += 1
            if char != '"':
                if char == "}":
                    raise _SyntaxProblem("Illegal trailing comma before end of object", comma)
                raise _SyntaxProblem("Expecting property name enclosed in double quotes", end - 1)

    def array(self, end: int) -> int:
        """End of the array whose `[` is at end - 1."""
        end = self._skip_ws(end)
        char = self._char(end)
        if char == "]":
            return end + 1
        if char == "":
            raise _SyntaxProblem("Expecting value or ']'", end)
        while True:
            end = self._skip_ws(self.value(end))
            char = self._char(end)
            end += 1
            if char == "]":
                return end
            if char != ",":
                raise _SyntaxProblem("Expecting ',' delimiter or ']'", end - 1)
            comma = end - 1
            end = self._skip_ws(end)
            if self._char(end) == "]":
                raise _SyntaxProblem("Illegal trailing comma before end of array", comma)
