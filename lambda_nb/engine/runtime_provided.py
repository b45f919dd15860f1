"""provided.al2023 and provided.al2 (OS-only): the function's own `bootstrap` executable is the
runtime. It comes with the code (the code *is* the bootstrap, written to the task root and made
executable) or from `bootstrap=PATH`, an executable run in place as a layer's `/opt/bootstrap`
would be; the code then goes next to it in the task root.
"""

from __future__ import annotations

import os
from pathlib import Path

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.engine.runtime_family import RuntimeCommand, RuntimeFamily

PROVIDED_RUNTIMES = ("provided.al2023", "provided.al2")
BOOTSTRAP_FILE = "bootstrap"  # the name a custom runtime's executable must have


def _provided(name: str, bootstrap: str | None) -> RuntimeCommand:
    if bootstrap is None:
        argv: tuple[str, ...] = (BOOTSTRAP_FILE,)  # the code itself, in the task root
        runtime_dir = None
    else:
        path = Path(bootstrap).expanduser().resolve()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise RuntimeNotFound(f"bootstrap {bootstrap!r} is not an executable file")
        argv = (str(path),)
        runtime_dir = str(path.parent)
    return RuntimeCommand(
        name=name,
        argv=argv,
        execution_env=None,  # OS-only runtimes announce none (lambda-runtime.md section 3)
        # AWS prints e.g. `provided:al2023.v98`; N is its release counter, ours is always 1.
        runtime_version=f"{name.replace('.', ':', 1)}.v1",
        family="provided",
        runtime_dir=runtime_dir,
    )


# ------------------------------------------------------------------------------- the record
def _resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None
) -> RuntimeCommand:
    assert runtime is not None
    return _provided(runtime, bootstrap)


def _code_file(handler: str, bootstrap: str | None) -> str:
    """`bootstrap`, or with `bootstrap=PATH` (the runtime lives elsewhere) the handler's module
    part as it is, e.g. `function.handler` -> `function`."""
    if bootstrap is None:
        return BOOTSTRAP_FILE
    return handler.split(".", 1)[0] or "function"


FAMILY = RuntimeFamily(
    name="provided",
    owns=lambda runtime: runtime in PROVIDED_RUNTIMES,
    default_handler="function.handler",  # AWS's custom-runtime tutorial; the runtime reads it
    comment=None,  # the bootstrap must start with its `#!` line
    code_file=_code_file,
    resolve=_resolve,
    names=lambda: list(PROVIDED_RUNTIMES),
    identifiers=PROVIDED_RUNTIMES,
    help="provided.al2023",
    takes_bootstrap=True,
)
