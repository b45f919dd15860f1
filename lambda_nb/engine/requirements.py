"""A function's requirements, installed as `sam build` installs them, once per content.

Python: `pip install --target DIR --platform manylinux2014_<arch> --only-binary=:all:
--python-version 3.X --implementation cp` (uv's equivalent when `uv` is on PATH), i.e. wheels
built for the function's runtime and architecture, whatever this machine is
(sandbox-and-packages.md 3.1, KC-PYBIN). A requirement with no such wheel but an sdist is built
here with `pip wheel` and used only if the result is pure Python (`*-none-any.whl`), as
`sam build` does; a native sdist is refused with a message saying to build it on Linux.
Node.js: `npm install` of the specs (or a package.json's dependencies) for linux and the
architecture, into node_modules.

Each install goes into the user cache under a key of the sorted requirement set, the runtime,
the architecture and the index settings; the revision's task root gets hard links to it, as
`sam build` puts dependencies at the zip root. Re-running a cell, or another function with the
same requirements, costs no install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lambda_nb.engine import cache
from lambda_nb.engine.errors import BuildError

OnLine = Callable[[str], None]
_INDEX_VARS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "npm_config_registry")
_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
_NPM_CPU = {"x86_64": "x64", "arm64": "arm64"}
OUTPUT_TAIL_LINES = 40  # of pip's / npm's output in the error of a failed install
MAX_SOURCE_BUILDS = 5  # sdist-only requirements built into wheels in one install
_NO_WHEEL = re.compile(r"No matching distribution found for (\S+)")


def parse(requirements: str | os.PathLike[str] | Sequence[str] | None, family: str) -> list[str]:
    """Requirement lines from a list of strings, or from a requirements.txt (Python) or a
    package.json (Node.js: its `dependencies`, as `name@range`). A missing file is an error."""
    if requirements is None:
        return []
    if isinstance(requirements, (str, os.PathLike)):
        text = os.fspath(requirements)
        path = Path(text).expanduser()
        looks_like_file = path.suffix in (".txt", ".json", ".in") or os.sep in text
        if not (path.is_file() or looks_like_file):
            return [text.strip()] if text.strip() else []
        if not path.is_file():
            raise BuildError(f"requirements file {text!r} does not exist")
        if path.name.endswith(".json"):
            return _package_json(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    bad = [r for r in requirements if not isinstance(r, (str, os.PathLike))]
    if bad:
        raise BuildError(f"requirements must be strings, not {bad[0]!r}")
    items: list[str] = []
    for item in requirements:  # `--requirements requirements.txt` names a file in a list
        text = os.fspath(item).strip()
        if text.endswith((".txt", ".json")) and Path(text).expanduser().is_file():
            items.extend(parse(text, family))
        elif text:
            items.append(text)
    return items


def _package_json(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BuildError(f"{path} is not valid JSON: {exc}") from None
    deps = data.get("dependencies") or {} if isinstance(data, dict) else {}
    return [f"{name}@{spec}" for name, spec in sorted(deps.items())]


def install(
    items: Sequence[str],
    family: str,
    runtime: str,
    architecture: str,
    on_line: OnLine | None = None,
) -> tuple[Path, bool]:
    """The cache folder holding `items` installed for `runtime` on `architecture`, and whether
    an install ran now (False: it was cached). Python packages are at its root; Node.js
    packages in its node_modules. BuildError with the installer's own message on failure."""
    items = sorted(set(items))
    name = _entry_name(items, family, runtime, architecture)

    def build(tmp: Path) -> None:
        if family == "nodejs":
            _npm(items, architecture, tmp, on_line)
        else:
            _pip(items, runtime, architecture, tmp, on_line)

    return cache.entry("requirements", name, build)


def _entry_name(items: Sequence[str], family: str, runtime: str, architecture: str) -> str:
    items = sorted(set(items))
    index = {v: os.environ[v] for v in _INDEX_VARS if v in os.environ}
    return f"{runtime}-{architecture}-{cache.key(family, runtime, architecture, items, index)}"


def cached(items: Sequence[str], family: str, runtime: str, architecture: str) -> Path | None:
    """The cache folder of this install if it exists (nothing is installed)."""
    path = cache.cache_root() / "requirements" / _entry_name(items, family, runtime, architecture)
    return path if path.is_dir() else None


def python_version(runtime: str) -> str:
    """`python3.12` -> `3.12`."""
    return runtime[len("python") :]


def pip_command(items_file: Path, runtime: str, architecture: str, target: Path) -> list[str]:
    """The install command: uv's when uv is on PATH (faster), else pip's, with the same
    meaning (wheels for the runtime's Python and the architecture, into `target`).
    LAMBDA_NB_INSTALLER=pip or =uv chooses one."""
    version = python_version(runtime)
    choice = os.environ.get("LAMBDA_NB_INSTALLER", "").strip().lower()
    uv = shutil.which("uv") if choice != "pip" else None
    if choice == "uv" and uv is None:
        raise BuildError("LAMBDA_NB_INSTALLER=uv, but uv is not on PATH")
    if uv is not None:
        uv_platform = {"x86_64": "x86_64-manylinux2014", "arm64": "aarch64-manylinux2014"}
        return [
            uv, "pip", "install", "--target", str(target), "--python-platform",
            uv_platform[architecture], "--python-version", version, "--only-binary", ":all:",
            "--no-progress", "-r", str(items_file),
        ]  # fmt: skip
    return [
        sys.executable, "-m", "pip", "install", "--target", str(target),
        "--platform", _PLATFORMS[architecture], "--only-binary=:all:",
        "--python-version", version, "--implementation", "cp",
        "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
        "--root-user-action=ignore",
        "-r", str(items_file),
    ]  # fmt: skip


def _pip(
    items: list[str], runtime: str, architecture: str, tmp: Path, on_line: OnLine | None
) -> None:
    work = tmp.parent / f"{tmp.name}.work"
    wheels = work / "wheels"
    wheels.mkdir(parents=True)
    built: set[str] = set()
    try:
        items_file = work / "requirements.txt"
        items_file.write_text("\n".join(items) + "\n", encoding="utf-8")
        while True:
            command = pip_command(items_file, runtime, architecture, tmp)
            if built:  # wheels built here from pure-Python sdists
                command += ["--find-links", str(wheels)]
            try:
                _run(command, "pip install", on_line, cwd=work)
                break
            except BuildError as exc:
                missing = _NO_WHEEL.search(str(exc))
                if missing is None or missing[1] in built or len(built) >= MAX_SOURCE_BUILDS:
                    raise
                options = [i for i in items if i.startswith("-")]  # the same index, links...
                outcome = _pure_wheel(missing[1], options, wheels, work, on_line)
                if outcome == "none":  # no sdist either: pip's own message says it all
                    raise
                if outcome == "native":
                    raise BuildError(
                        f"{exc}\n{missing[1]} has no wheel for {_PLATFORMS[architecture]} and "
                        "Python " + python_version(runtime) + ", and it is not a pure-Python "
                        "source package lambda_nb could build here; build it on Linux for the "
                        "function's architecture (e.g. `sam build --use-container`)"
                    ) from None
                built.add(missing[1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for junk in tmp.glob("bin"):  # console scripts point at this machine's interpreter
        shutil.rmtree(junk, ignore_errors=True)


def _pure_wheel(
    spec: str, options: list[str], wheels: Path, work: Path, on_line: OnLine | None
) -> str:
    """Build `spec` from its sdist into `wheels`: "pure" if the wheel is pure Python (any
    platform), which is then as good on Lambda as a downloaded one, as `sam build` accepts it;
    "native" if it is platform-specific (deleted: it was built for this machine, not the
    function); "none" if there is no sdist to build (or it does not build)."""
    name = re.split(r"[<>=!~ ;\[(@]", spec, maxsplit=1)[0]
    before = set(wheels.iterdir())
    spec_file = work / "sdist.txt"
    spec_file.write_text("\n".join([*options, spec]) + "\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-binary", name, "-w",
        str(wheels), "--no-input", "--disable-pip-version-check", "--progress-bar", "off",
        "-r", str(spec_file),
    ]  # fmt: skip
    try:
        _run(command, "pip wheel", on_line, cwd=work)
    except BuildError:
        return "none"
    made = [w for w in wheels.iterdir() if w not in before]
    if made and all(w.name.endswith("-none-any.whl") for w in made):
        return "pure"
    for wheel in made:
        wheel.unlink()
    return "native" if made else "none"


def _npm(items: list[str], architecture: str, tmp: Path, on_line: OnLine | None) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("Node.js requirements are installed with npm, which is not on PATH")
    (tmp / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    command = [
        npm, "install", "--no-audit", "--no-fund", "--no-save", "--omit=dev",
        "--os=linux", f"--cpu={_NPM_CPU[architecture]}", "--loglevel=http", *items,
    ]  # fmt: skip
    _run(command, "npm install", on_line, cwd=tmp)
    for name in ("package.json", "package-lock.json", "node_modules/.package-lock.json"):
        (tmp / name).unlink(missing_ok=True)


def _run(command: list[str], what: str, on_line: OnLine | None, cwd: Path) -> None:
    """Run an installer, handing each output line to `on_line`; BuildError on failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    lines: list[str] = []
    if on_line is not None:
        on_line(f"$ {' '.join(_short(c) for c in command)}")
    try:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
        )  # fmt: skip
    except OSError as exc:
        raise BuildError(f"{what} could not start: {exc}") from None
    assert proc.stdout is not None
    with proc.stdout:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            lines.append(line)
            if on_line is not None:
                on_line(line)
    code = proc.wait()
    if code != 0:
        tail = "\n".join(lines[-OUTPUT_TAIL_LINES:])
        raise BuildError(f"{what} failed (exit status {code}):\n{tail}")


def _short(arg: str) -> str:
    return os.path.basename(arg) if os.path.isabs(arg) and arg.endswith("python3") else arg
