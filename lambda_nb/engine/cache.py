"""lambda_nb's user cache: what is built once and shared by every function and kernel.

Requirements installs, extracted layers and the runtimes' bundled SDKs live under
`$XDG_CACHE_HOME/lambda_nb` (`~/.cache/lambda_nb`; `$LAMBDA_NB_CACHE_DIR` overrides it), one
folder per content key. An entry is built in a temporary folder next to it and renamed into
place when complete, under a file lock, so two kernels building the same key do it once and
nobody ever sees half an entry. Entries are never changed after that: revisions hard-link
their files (copying where links cannot cross file systems), and the files are made read-only
so a function writing into its task root cannot corrupt the cache.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    override = os.environ.get("LAMBDA_NB_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lambda_nb"


def key(*parts: Any) -> str:
    """A short content key of JSON-able parts (a requirement set, a runtime, an arch...)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def entry(kind: str, name: str, build: Callable[[Path], None]) -> tuple[Path, bool]:
    """The cache entry `kind/name`, built by `build(tmp_dir)` if missing. Returns (path, built):
    `built` is False when it was there already (no install ran). A failing build leaves
    nothing behind and its exception propagates."""
    final = cache_root() / kind / name
    if final.is_dir():
        return final, False
    with _locked(final):
        if final.is_dir():  # another kernel built it while we waited
            return final, False
        tmp = final.parent / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            build(tmp)
            _read_only(tmp)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final, True


def _read_only(root: Path) -> None:
    """Files lose their write bits (directories keep theirs, so the cache can be cleared)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, mode & ~0o222)


def link_tree(source: Path, target: Path, replace: bool = False) -> None:
    """Hard-link every file of `source` into `target` (a copy where a link is impossible),
    creating folders as needed. With `replace`, a file already in `target` is replaced (a later
    layer wins); without it, `target`'s own file stays."""
    can_link = True
    for dirpath, dirs, files in os.walk(source):
        rel = os.path.relpath(dirpath, source)
        out = target if rel == "." else target / rel
        out.mkdir(parents=True, exist_ok=True)
        for name in [*files, *[d for d in dirs if os.path.islink(os.path.join(dirpath, d))]]:
            src = os.path.join(dirpath, name)
            dst = out / name
            if os.path.lexists(dst):
                if not replace:
                    continue
                if dst.is_dir() and not dst.is_symlink():
                    shutil.rmtree(dst)
                else:
                    dst.unlink()
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
                continue
            if can_link:
                try:
                    os.link(src, dst)
                    continue
                except OSError as exc:
                    if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                        raise
                    can_link = False
            shutil.copy2(src, dst)
