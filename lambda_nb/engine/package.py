"""The deployment package: a function revision's task root as the .zip Lambda accepts.

What AWS expects of a zip package (sandbox-and-packages.md 3.1): the handler module and its
dependencies at the zip root (requirements are installed into the task root itself, as
`sam build` puts them); files readable by others and directories searchable (Lambda runs the
code as another user than the one who zipped it), which SAM CLI ensures by adding 0o444 to
files and 0o111 to directories; a custom runtime's `bootstrap` executable at the root.

The zip is deterministic, so the same code gives the same bytes and the same CodeSha256 as
AWS computes it (base64 of the SHA-256 of the zip): entries sorted by path, every timestamp
1980-01-01 (the earliest a zip can hold), modes normalised to 0o644/0o755 whatever the umask,
and no `__pycache__` (bytecode a local interpreter wrote, for its own Python version).

Size limits and their errors are AWS's, word for word (sandbox-and-packages.md 3.2). Plain
Python: no boto3, no IPython.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_nb.engine.errors import (
    InvalidParameterValueException,
    RequestEntityTooLargeException,
)
from lambda_nb.engine.runtime_provided import BOOTSTRAP_FILE

if TYPE_CHECKING:
    from lambda_nb.engine.service import FunctionRevision

# sandbox-and-packages.md 3.2 (quotas: lambda-runtime.md 7).
ZIPPED_MAX_BYTES = 52428800  # Code.ZipFile of a direct upload (CreateFunction/UpdateFunctionCode)
UNZIPPED_MAX_BYTES = 262144000  # the code unzipped, and the code plus its layers
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SKIPPED_DIRS = frozenset({"__pycache__"})
FILE_MODE, EXEC_MODE, DIR_MODE = 0o644, 0o755, 0o755


@dataclass(frozen=True)
class Entry:
    """One file of the package: its path in the zip (POSIX, relative) and where it comes from."""

    name: str
    source: Path
    executable: bool


def zipped_too_large(size: int) -> RequestEntityTooLargeException:
    """AWS's refusal of a direct upload over 50 MB, with what to do instead."""
    return RequestEntityTooLargeException(
        f"Zipped size must be smaller than {ZIPPED_MAX_BYTES} bytes (this package is {size} "
        "bytes zipped; upload it from S3 instead: fn.export_sam(directory), then `sam deploy`)"
    )


def unzipped_too_large(size: int) -> InvalidParameterValueException:
    return InvalidParameterValueException(
        f"Unzipped size must be smaller than {UNZIPPED_MAX_BYTES} bytes (this package is "
        f"{size} bytes unzipped)"
    )


def with_layers_too_large(size: int) -> InvalidParameterValueException:
    return InvalidParameterValueException(
        "Function code combined with layers exceeds the maximum allowed size of "
        f"{UNZIPPED_MAX_BYTES} bytes. The actual size is {size} bytes."
    )


def entries(rev: FunctionRevision) -> list[Entry]:
    """The files of `rev`'s package, sorted by their name in the zip.

    A custom runtime given as `bootstrap=PATH` (run in place here, as a layer's /opt/bootstrap
    would be) goes into the package as `bootstrap`, so the zip runs on AWS on its own.
    """
    found = {e.name: e for e in _walk(rev.task_root)}
    outside = rev.config.bootstrap
    if outside and BOOTSTRAP_FILE not in found:
        found[BOOTSTRAP_FILE] = Entry(BOOTSTRAP_FILE, Path(outside), True)
    return [found[name] for name in sorted(found)]


def _walk(root: Path) -> Iterator[Entry]:
    seen: set[str] = set()  # real directories visited: a symlink loop ends here
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in files:
            path = Path(folder, name)
            try:
                mode = path.stat().st_mode  # follows symlinks (npm's node_modules/.bin)
            except OSError:
                continue  # a dangling symlink: nothing to package
            if not stat.S_ISREG(mode):
                continue
            rel = path.relative_to(root).as_posix()
            yield Entry(rel, path, bool(mode & 0o111))


def unzipped_size(files: list[Entry]) -> int:
    return sum(e.source.stat().st_size for e in files)


def tree_size(root: Path | None) -> int:
    """Bytes of the regular files under `root` (a layer's merged /opt), 0 for None."""
    if root is None or not root.is_dir():
        return 0
    return sum(e.source.stat().st_size for e in _walk(root))


def check_unzipped(rev: FunctionRevision, files: list[Entry]) -> int:
    """The code's unzipped size, or AWS's error when it, or it with the layers, is too big."""
    size = unzipped_size(files)
    if size > UNZIPPED_MAX_BYTES:
        raise unzipped_too_large(size)
    # `opt_dir` is the merged layers, filled by the packages work (absent before it lands).
    layers = tree_size(getattr(rev, "opt_dir", None))
    if layers and size + layers > UNZIPPED_MAX_BYTES:
        raise with_layers_too_large(size + layers)
    return size


def write_zip(files: list[Entry], dest: Path) -> Path:
    """Write `files` as a deterministic zip at `dest`, atomically: a failure leaves no zip."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for folder in _folders(files):
                info = zipfile.ZipInfo(folder + "/", ZIP_EPOCH)
                info.create_system = 3  # Unix: external_attr holds POSIX mode bits
                info.external_attr = ((stat.S_IFDIR | DIR_MODE) << 16) | 0x10  # MS-DOS dir bit
                archive.writestr(info, b"")
            for entry in files:
                info = zipfile.ZipInfo(entry.name, ZIP_EPOCH)
                info.create_system = 3
                mode = EXEC_MODE if entry.executable else FILE_MODE
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with entry.source.open("rb") as src, archive.open(info, "w") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _folders(files: list[Entry]) -> list[str]:
    """Every directory an entry lives in, parents first, as `zip -r` lists them."""
    out: set[str] = set()
    for entry in files:
        parts = entry.name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return sorted(out)


def build(rev: FunctionRevision, dest: Path) -> Path:
    """The revision's deployment package at `dest`, checked against the unzipped limits."""
    files = entries(rev)
    check_unzipped(rev, files)
    return write_zip(files, dest)


def code_sha256(path: Path) -> str:
    """CodeSha256 as Lambda reports it: base64 of the SHA-256 of the zip."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def default_path(name: str, path: str | Path | None) -> Path:
    """Where `package()` writes: `path`, `<path>/<name>.zip` for a folder, else
    `./<name>.zip` (what `aws lambda create-function --zip-file fileb://<name>.zip` reads)."""
    if path is None:
        return Path.cwd() / f"{name}.zip"
    dest = Path(path).expanduser().absolute()
    if dest.is_dir():
        return dest / f"{name}.zip"
    return dest
