"""From a function's `runtime` setting to the command that starts its runtime client.

Python runtimes run on an interpreter of the requested version found on this machine (the
kernel's own interpreter by default). The runtime client is ours (`python/bootstrap.py`, stdlib
only, run by path) or AWS's own `awslambdaric`, which must be importable by that interpreter.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lambda_nb.engine.errors import RuntimeNotFound

BOOTSTRAP = Path(__file__).resolve().parent / "python" / "bootstrap.py"
_PYTHON_RE = re.compile(r"^python(3\.\d+)$")


@dataclass(frozen=True)
class RuntimeCommand:
    """How to start one runtime: argv, the AWS_EXECUTION_ENV it announces, its version label."""

    name: str  # e.g. "python3.11"
    argv: tuple[str, ...]
    execution_env: str | None  # AWS_EXECUTION_ENV; absent on OS-only runtimes
    runtime_version: str  # INIT_START's "Runtime Version", e.g. "python:3.11.v7"


@functools.cache
def _interpreter_version(path: str) -> tuple[int, int, int]:
    out = subprocess.run(
        [path, "-c", "import sys; print(*sys.version_info[:3])"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    major, minor, micro = (int(x) for x in out.split())
    return major, minor, micro


@functools.cache
def _resolve_shim(path: str, name: str) -> str:
    """pyenv shims are shell scripts that cost ~100 ms per start: use the real interpreter."""
    if "/shims/" not in path:
        return path
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run([pyenv, "which", name], capture_output=True, text=True, timeout=30)
        real = found.stdout.strip()
        if found.returncode == 0 and real:
            return real
    return path


def pythons_on_path() -> dict[str, str]:
    """`python3.X` -> interpreter path, for every version found on PATH (plus our own)."""
    found = {f"python{sys.version_info[0]}.{sys.version_info[1]}": sys.executable}
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if _PYTHON_RE.match(name) and name not in found:
                path = os.path.join(directory, name)
                if os.access(path, os.X_OK):
                    found[name] = path
    return found


def resolve(runtime: str | None, runtime_client: str, handler: str) -> RuntimeCommand:
    """The command for `runtime` ("python3.X" or None for this interpreter)."""
    name = runtime or f"python{sys.version_info[0]}.{sys.version_info[1]}"
    match = _PYTHON_RE.match(name)
    if not match:
        raise RuntimeNotFound(
            f"Unsupported runtime {name!r}: use python3.X (found here: "
            f"{', '.join(sorted(pythons_on_path()))})"
        )
    available = pythons_on_path()
    if name not in available:
        raise RuntimeNotFound(
            f"Runtime {name} needs a {name} interpreter on PATH; found: "
            f"{', '.join(sorted(available, key=_version_key))}"
        )
    interpreter = _resolve_shim(available[name], name)
    version = _interpreter_version(interpreter)
    if f"python{version[0]}.{version[1]}" != name:
        raise RuntimeNotFound(f"{interpreter} is Python {version[0]}.{version[1]}, not {name}")
    if runtime_client == "awslambdaric":
        if sys.platform != "linux":
            raise RuntimeNotFound("awslambdaric (AWS's runtime client) runs on Linux only")
        argv: tuple[str, ...] = (interpreter, "-m", "awslambdaric", handler)
    else:
        argv = (interpreter, str(BOOTSTRAP))
    return RuntimeCommand(
        name=name,
        argv=argv,
        execution_env=f"AWS_Lambda_{name}",
        runtime_version=f"python:{version[0]}.{version[1]}.v{version[2]}",
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name[len("python") :].split("."))
