"""The packages a managed runtime bundles: boto3 & co. for Python, AWS SDK v3 for Node.js.

Installed once per runtime version and architecture into the user cache (a "runtime layer"),
and given to the runtime as its bundled-packages dir (`FunctionRevision.runtime_site`; on
Lambda /var/lang/lib/python3.X/site-packages or /var/runtime/node_modules), after the task root
and the layers, so packaged copies win as on AWS (sandbox-and-packages.md 2.1-2.3).

Versions (sandbox-and-packages.md 2.2, 2.3): AWS publishes no table and the bundled versions
change by region and over time. UNCONFIRMED which versions run today: we pin boto3/botocore
1.38.36, seen on python3.12 and 3.13 in Aug 2025, for every python3.X, and @aws-sdk v3 clients
at one 3.x release. `requests` is not bundled (python3.8+), nor `aws-sdk` (v2) on Node.js 18+.

Node.js: the whole v3 SDK is hundreds of packages, so only the common clients are provided
(NODE_SDK_PACKAGES), installed on the first start of a Node.js function whose code mentions
`@aws-sdk/`; functions that do not use it never pay for the install.

Offline with nothing cached the function still runs, without the SDK; `notice()` says why once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from lambda_nb.engine import cache, requirements
from lambda_nb.engine.errors import BuildError

BOTO3_VERSION = "1.38.36"  # UNCONFIRMED as today's; see the module docstring
PYTHON_SDK = (f"boto3=={BOTO3_VERSION}", f"botocore=={BOTO3_VERSION}")
NODE_SDK_VERSION = "3.840.0"  # UNCONFIRMED as today's bundled @aws-sdk v3 release
NODE_SDK_PACKAGES = tuple(
    f"@aws-sdk/{name}@{NODE_SDK_VERSION}"
    for name in ("client-s3", "client-dynamodb", "client-sqs", "client-sns", "client-lambda",
                 "lib-dynamodb")
)  # fmt: skip
_USES_NODE_SDK = re.compile(r"""['"]@aws-sdk/""")
_JS = (".js", ".mjs", ".cjs", ".ts")
RETRY_AFTER_S = 300.0
_lock = threading.Lock()
_failed_at: dict[str, float] = {}  # when installing a runtime's SDK last failed
_notices: dict[str, str] = {}  # why a runtime's SDK is missing, until a view has said it
_said: set[str] = set()


def for_runtime(
    family: str,
    runtime: str,
    architecture: str,
    code: Mapping[str, str | bytes | Path] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Path | None:
    """The bundled-packages dir for `runtime`, installing it on first use; None when it cannot
    be installed (offline): the function then runs without it and `notice()` says why."""
    if family == "nodejs":
        runtime = "nodejs"  # plain JavaScript: one install serves every Node.js version
        items = list(NODE_SDK_PACKAGES)
        wanted = any(_USES_NODE_SDK.search(_text(c)) for c in (code or {}).values())
    elif family == "python":
        items = list(PYTHON_SDK)
        wanted = True
    else:
        return None
    try:
        cached = _cached(items, family, runtime, architecture)
        if cached is not None or not wanted:
            return cached
        if time.monotonic() - _failed_at.get(runtime, -RETRY_AFTER_S) < RETRY_AFTER_S:
            return None  # offline a moment ago: do not make every publish wait for pip again
        with _lock:
            path, _ = requirements.install(items, family, runtime, architecture, on_line)
    except BuildError as exc:
        _failed_at[runtime] = time.monotonic()
        sdk = "boto3" if family == "python" else "the AWS SDK for JavaScript v3"
        _notices.setdefault(
            runtime,
            f"{sdk} is not available to this function: the runtime's bundled SDK could not be "
            f"installed into lambda_nb's cache ({cache.cache_root()}), so imports of it fail "
            f"here as they would not on AWS. Connect to the package index and re-run the cell "
            f"(it is installed once). The installer said:\n{_last_lines(str(exc))}",
        )
        return None
    _notices.pop(runtime, None)
    return path if family == "python" else path / "node_modules"


def _cached(items: list[str], family: str, runtime: str, architecture: str) -> Path | None:
    path = requirements.cached(items, family, runtime, architecture)
    if path is None:
        return None
    return path if family == "python" else path / "node_modules"


def notice(runtime: str) -> str | None:
    """Why `runtime` runs without its SDK, the first time it is asked (then None)."""
    runtime = "nodejs" if runtime.startswith("nodejs") else runtime
    text = _notices.get(runtime)
    if text is None or runtime in _said:
        return None
    _said.add(runtime)
    return text


def _text(content: str | bytes | Path) -> str:
    """A code file's text; a folder's file only if it is the function's own JavaScript."""
    if isinstance(content, Path):
        own = content.suffix in _JS and "node_modules" not in content.parts
        if not own or content.stat().st_size > 1_000_000:
            return ""
        return content.read_text(encoding="utf-8", errors="replace")
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def _last_lines(text: str, count: int = 3) -> str:
    return "\n".join(text.strip().splitlines()[-count:])
