"""A code folder or a .zip of one as a function's task root (Function.from_directory).

The folder is the deployment package as Lambda unzips it into /var/task: every file keeps its
relative path. A zip is checked as a direct upload is (sandbox-and-packages.md 3.2) and
extracted once into the user cache, keeping each member's Unix mode. The handler's file must be
in it, found as the runtime finds it: Python `module.function` -> module.py (or a package's
__init__.py), Node.js `file.export` -> file, file.js, file.mjs or file.cjs.
"""

from __future__ import annotations

import os
from pathlib import Path

from lambda_nb.engine import layers
from lambda_nb.engine.errors import BuildError


def read(path: Path, handler: str, family: str) -> tuple[dict[str, str | bytes | Path], str]:
    """(files by relative path, the handler's file) of a code folder or zip."""
    source = path.expanduser().resolve()
    if not source.exists():
        raise BuildError(f"Code folder {os.fspath(path)!r} does not exist")
    if source.is_file():
        layers.check_zip(source, "Code")
        source = layers.snapshot(source)
    files: dict[str, str | bytes | Path] = {}
    for dirpath, dirs, names in os.walk(source):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            full = Path(dirpath) / name
            files[full.relative_to(source).as_posix()] = full
    code_file = handler_file(files, handler, family)
    if code_file is None:
        wanted = " or ".join(candidates(handler, family)) or handler
        raise BuildError(
            f"The handler's file is missing: {wanted} is not in {os.fspath(path)!r} "
            f"(handler {handler!r})"
        )
    return files, code_file


def candidates(handler: str, family: str) -> list[str]:
    if family == "provided":
        return []
    if family == "java":  # `pkg.Outer$Inner::method`: its source or its compiled class
        path = handler.rsplit("::", 1)[0].split("$", 1)[0].replace(".", "/")
        return [f"{path}.java", f"{path}.class", f"{path.rsplit('/', 1)[-1]}.java"]
    if family == "nodejs":
        folder, _, name = handler.rpartition("/")
        module = name.partition(".")[0]
        base = f"{folder}/{module}" if folder else module
        return [base, f"{base}.js", f"{base}.mjs", f"{base}.cjs"]
    module = handler.rpartition(".")[0].replace(".", "/")
    return [f"{module}.py", f"{module}/__init__.py"] if module else []


def handler_file(files: dict[str, str | bytes | Path], handler: str, family: str) -> str | None:
    """The file in `files` that holds the handler, if any (a custom runtime needs none)."""
    names = candidates(handler, family)
    if not names:
        return next(iter(sorted(files)), "") if family == "provided" else None
    return next((n for n in names if n in files), None)
