"""The nodejs20.x, nodejs22.x and nodejs24.x runtimes: Node.js 20, 22 or 24 (the machine's `node`
if it is that version, else one fetched once from the npm registry: `runtimes/node_binaries.py`)
runs our runtime client (`runtimes/nodejs/`, plain ES modules) or AWS's npm `aws-lambda-ric`,
started by a bootstrap script like AWS's `/var/runtime/bootstrap` (it sets NODE_PATH).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.engine.runtime_family import FramePattern, RuntimeCommand, RuntimeFamily

CLIENT = Path(__file__).resolve().parent.parent / "runtimes" / "nodejs"
NODE_BOOTSTRAP = CLIENT / "bootstrap"
NODE_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x")


def aws_node_ric_prefix() -> Path:
    """Where AWS's Node.js runtime clients are installed (`tasks.py` puts them there):
    $LAMBDA_NB_AWS_NODE_RIC, else `<this environment>/aws-lambda-ric`, holding the npm packages
    `aws-lambda-ric-3` (aws-lambda-ric 3.x, nodejs20.x/22.x) and `aws-lambda-ric-4` (4.x,
    nodejs24.x) under node_modules."""
    return Path(os.environ.get("LAMBDA_NB_AWS_NODE_RIC") or Path(sys.prefix) / "aws-lambda-ric")


def aws_node_ric(runtime: str) -> tuple[str, ...] | None:
    """The entry (and its arguments) that runs AWS's client for `runtime`, if installed."""
    modules = aws_node_ric_prefix() / "node_modules"
    if runtime == "nodejs24.x":
        entry = modules / "aws-lambda-ric-4" / "index.mjs"
        return (str(entry),) if entry.is_file() else None
    dist = modules / "aws-lambda-ric-3" / "dist" / "index.mjs"
    return (str(CLIENT / "aws-ric-v3.mjs"), str(dist)) if dist.is_file() else None


def _nodejs(name: str, runtime_client: str) -> RuntimeCommand:
    from lambda_nb.runtimes import node_binaries  # urllib, tarfile: only for Node.js functions

    major = int(name[len("nodejs") : -len(".x")])
    node, (_, minor, _) = node_binaries.find_node(major)  # the version named, or RuntimeNotFound
    client: tuple[str, ...] = (str(CLIENT / "index.mjs"),)
    if runtime_client == "awslambdaric":
        aws = aws_node_ric(name)
        if aws is None:
            raise RuntimeNotFound(
                f"AWS's Node.js runtime client for {name} is not installed in "
                f"{aws_node_ric_prefix()} (`python3 tasks.py venv` installs it with npm)"
            )
        client = aws
    entry = Path(client[0])
    # The bootstrap sets NODE_PATH and the heap limits from the memory size, as AWS's does,
    # then execs `node <entry> [args]`.
    argv = ("/bin/sh", str(NODE_BOOTSTRAP), node, *client)
    label = name[len("nodejs") : -len(".x")]
    return RuntimeCommand(
        name=name,
        argv=argv,
        execution_env=f"AWS_Lambda_{name}",
        # AWS's N is its release counter; ours is the node's minor version (we have no
        # releases). The major is the binary's own: find_node gives only the one named.
        runtime_version=f"nodejs:{label}.v{minor}",
        interpreter=node,
        family="nodejs",
        runtime_dir=str(entry.parent),
    )


# ------------------------------------------------------------------------------- the record
def _resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None
) -> RuntimeCommand:
    assert runtime is not None
    return _nodejs(runtime, runtime_client)


def _code_file(handler: str, bootstrap: str | None) -> str:
    """The handler's module with `.mjs` (`src/app.api.handler` -> `src/app.mjs`), an ES module
    as the console's default `index.mjs`; name the file `index.js` or `index.cjs` instead (the
    `filename` option) for CommonJS, which is how Lambda decides it too."""
    folder, _, name = handler.rpartition("/")  # `dir/app.api.handler`: the module ends at
    module, dot, _ = name.partition(".")  # the name's first dot
    if not (dot and module):
        return "index.mjs"
    return f"{folder}/{module}.mjs" if folder else f"{module}.mjs"


FAMILY = RuntimeFamily(
    name="nodejs",
    owns=lambda runtime: runtime in NODE_RUNTIMES,
    default_handler="index.handler",
    comment="//",
    code_file=_code_file,
    resolve=_resolve,
    names=lambda: list(NODE_RUNTIMES),
    identifiers=NODE_RUNTIMES,
    help="nodejs20.x/22.x/24.x (that Node.js, fetched once if missing)",
    frames=FramePattern(
        re.compile(
            r"^\s*at (?:(?P<func>[^\n(]+?) \()?(?P<path>(?:file://)?[^\s()]+?):(?P<line>\d+)"
            r"(?::\d+)?\)?\s*$"
        ),
        runtime_path=re.compile(
            r"(^node:|/var/runtime/|/lambda_nb/runtimes/|/rapid-client\.mjs$|"
            r"/runtime-interface-client)"
        ),
        innermost_first=True,
    ),
    # "2026-..Z\t<request id>\tINFO\tmessage" (Text format)
    text_level=re.compile(r"^\d{4}-\d\d-\d\dT[^\t]*\t[^\t]*\t(?P<level>[A-Za-z]+)\t"),
    suffixes=("js", "mjs", "cjs", "ts"),
)
