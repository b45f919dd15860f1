"""Layers: folders or .zip files laid out as Lambda layers (python/, nodejs/node_modules/,
bin/, lib/), merged into one /opt in the order given, a later layer's file winning
(sandbox-and-packages.md 3.3: "the function uses the version in the last extracted layer").

AWS's limits, with its wording (sandbox-and-packages.md 3.2): at most 5 layers; a zip uploaded
directly at most 52428800 bytes; the function code and its layers together at most 262144000
bytes unzipped. Each layer is snapshotted once into the user cache (keyed by its files' names,
sizes and modification times, or the zip's), so a revision's /opt is made of hard links and a
re-run cell copies nothing; editing a layer's files makes a new snapshot.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from lambda_nb.engine import cache
from lambda_nb.engine.errors import BuildError

MAX_LAYERS = 5
ZIPPED_MAX_BYTES = 52428800
UNZIPPED_MAX_BYTES = 262144000
LAYOUT = "python/, nodejs/node_modules/, bin/, lib/"


def too_many(count: int) -> BuildError:
    return BuildError(
        f"InvalidParameterValueException: Cannot reference more than 5 layers. ({count} given)"
    )


def resolve(layers: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None) -> list[Path]:
    """The layer paths, checked: at most 5, each an existing folder or zip file."""
    if layers is None:
        return []
    if isinstance(layers, (str, os.PathLike)):
        layers = [layers]
    paths = [Path(os.fspath(p)).expanduser().resolve() for p in layers]
    if len(paths) > MAX_LAYERS:
        raise too_many(len(paths))
    for given, path in zip(layers, paths, strict=True):
        if not path.exists():
            raise BuildError(
                f"Layer {os.fspath(given)!r} does not exist: give a folder or a .zip laid out "
                f"as a Lambda layer ({LAYOUT})"
            )
        if path.is_file():
            check_zip(path, "Layer")
        elif not path.is_dir():
            raise BuildError(f"Layer {os.fspath(given)!r} is neither a folder nor a .zip file")
    return paths


def check_zip(path: Path, what: str) -> int:
    """A zip's unzipped size, after AWS's checks on a direct upload: its zipped size, that it
    is a zip at all, its unzipped size."""
    import zipfile  # only when a zip is given: `import lambda_nb` stays cheap

    if path.stat().st_size > ZIPPED_MAX_BYTES:
        raise BuildError(
            f"RequestEntityTooLargeException: Zipped size must be smaller than "
            f"{ZIPPED_MAX_BYTES} bytes ({what} {path} is {path.stat().st_size} bytes)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise BuildError(
            "InvalidParameterValueException: Could not unzip uploaded file. Please check your "
            f"file, then try to upload again. ({what} {path})"
        ) from None
    if total > UNZIPPED_MAX_BYTES:
        raise BuildError(
            f"InvalidParameterValueException: Unzipped size must be smaller than "
            f"{UNZIPPED_MAX_BYTES} bytes ({what} {path} unzips to {total} bytes)"
        )
    return total


def unzipped_size(path: Path) -> int:
    """Bytes of a folder's files, or of a zip's members once extracted."""
    if path.is_file():
        return check_zip(path, "Layer")
    return tree_size(path)


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                total += os.stat(full).st_size
    return total


def check_total(code_bytes: int, layer_bytes: int) -> None:
    total = code_bytes + layer_bytes
    if total > UNZIPPED_MAX_BYTES:
        raise BuildError(
            "InvalidParameterValueException: Function code combined with layers exceeds the "
            f"maximum allowed size of {UNZIPPED_MAX_BYTES} bytes. The actual size is {total} "
            "bytes."
        )


def snapshot(path: Path) -> Path:
    """An immutable copy of the layer in the user cache (made once per content)."""
    if path.is_file():
        st = path.stat()
        name = f"zip-{cache.key(str(path), st.st_size, st.st_mtime_ns)}"
        return cache.entry("layers", name, lambda tmp: extract(path, tmp))[0]
    listing = []
    for dirpath, _dirs, files in os.walk(path):
        for file in sorted(files):
            full = os.path.join(dirpath, file)
            st = os.lstat(full)
            listing.append((os.path.relpath(full, path), st.st_size, st.st_mtime_ns, st.st_mode))
    name = f"dir-{cache.key(str(path), sorted(listing))}"
    return cache.entry("layers", name, lambda tmp: _copy_tree(path, tmp))[0]


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)


def extract(path: Path, target: Path) -> None:
    """Unzip with each member's Unix mode, which `ZipFile.extractall` ignores (an executable
    in bin/ stays executable; sandbox-and-packages.md 1.3)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            out = Path(archive.extract(info, target))
            mode = info.external_attr >> 16
            if mode and not info.is_dir() and stat.S_ISREG(mode):
                out.chmod(stat.S_IMODE(mode))


def merge(snapshots: Sequence[Path], opt_dir: Path) -> None:
    """Layers in order into `opt_dir`: a later layer's file replaces an earlier one's."""
    opt_dir.mkdir(parents=True, exist_ok=True)
    for layer in snapshots:
        cache.link_tree(layer, opt_dir, replace=True)
