"""The python3.X runtimes: an interpreter of that version (the kernel's own, else one on PATH,
from pyenv or from uv) runs our runtime client (`runtimes/python/bootstrap.py`, stdlib only) or
AWS's `awslambdaric`. The family also gives Python functions LC_CTYPE (lambda-runtime.md 3).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lambda_nb.engine import runtime_family
from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.engine.runtime_family import FramePattern, RuntimeCommand, RuntimeFamily

CLIENT = Path(__file__).resolve().parent.parent / "runtimes" / "python"
BOOTSTRAP = CLIENT / "bootstrap.py"
AWS_BOOTSTRAP = CLIENT / "aws_bootstrap.py"  # starts awslambdaric as Lambda does
_PYTHON_RE = re.compile(r"^python(3\.\d+)$")
PYTHON_MIN = (3, 9)  # our runtime client's floor; AWS refuses python3.8 and older as well
DEFAULT_HANDLER = "lambda_function.lambda_handler"


@functools.cache
def _interpreter_version(path: str) -> tuple[int, int, int]:
    out = subprocess.run(
        [path, "-c", "import sys; print(*sys.version_info[:3])"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    major, minor, micro = (int(x) for x in out.split())
    return major, minor, micro


@functools.cache
def _resolve_shim(path: str, name: str) -> str | None:
    """pyenv shims are shell scripts that cost ~100 ms per start: use the real interpreter,
    the newest installed one of that version under $PYENV_ROOT/versions (whether or not pyenv
    has it selected). A shim with no installed interpreter behind it is no python."""
    if "/shims/" not in path:
        return path
    root = Path(os.environ.get("PYENV_ROOT") or Path(path).parent.parent)
    candidates = [c for c in root.glob(f"versions/*/bin/{name}") if os.access(c, os.X_OK)]
    if not candidates:
        return None
    newest = max(candidates, key=lambda c: tuple(int(x) for x in re.findall(r"\d+", c.parts[-3])))
    return str(newest)


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
                real = _resolve_shim(path, name) if os.access(path, os.X_OK) else None
                if real is not None:
                    found[name] = real
    return found


def pyenv_pythons() -> dict[str, str]:
    """`python3.X` -> the newest pyenv-installed 3.X.Y (`$PYENV_ROOT`, else ~/.pyenv), whether
    or not pyenv is on PATH or has it selected."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    newest: dict[str, tuple[tuple[int, int], str]] = {}
    try:
        entries = os.listdir(root)
    except OSError:
        return {}
    for entry in entries:
        match = re.fullmatch(r"3\.(\d+)\.(\d+)", entry)  # not 3.13t, 3.14-dev, virtualenvs
        if not match:
            continue
        name = f"python3.{match.group(1)}"
        binary = root / entry / "bin" / name
        key = (int(match.group(1)), int(match.group(2)))
        if os.access(binary, os.X_OK) and key > newest.get(name, ((0, 0), ""))[0]:
            newest[name] = (key, str(binary))
    return {name: path for name, (_, path) in newest.items()}


def pythons() -> dict[str, str]:
    """The python3.X runtimes this machine can run (the kernel's, PATH's, pyenv's), without
    those AWS no longer accepts and our runtime client cannot run (before 3.9)."""
    found = {**pyenv_pythons(), **pythons_on_path()}
    return {n: p for n, p in found.items() if _version_key(n) >= PYTHON_MIN}


def _uv_python(name: str) -> str | None:
    """A Python that `uv` finds (its own or the system's), else installs (a download)."""
    uv = shutil.which("uv")
    if uv is None:
        return None
    version = name[len("python") :]

    def uv_python(command: str, timeout: float) -> subprocess.CompletedProcess[str] | None:
        try:
            return subprocess.run(
                [uv, "python", command, version], capture_output=True, text=True, timeout=timeout
            )
        except (OSError, subprocess.TimeoutExpired):
            return None

    for attempt in ("find", "install"):
        if attempt == "install":
            sys.stderr.write(f"Installing Python {version} with `uv python install`...\n")
            installed = uv_python("install", 900)
            if installed is None or installed.returncode != 0:
                return None
        found = uv_python("find", 60)
        if found is not None and found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip().splitlines()[-1]
    return None


def _python(runtime: str | None, runtime_client: str, handler: str) -> RuntimeCommand:
    own = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    name = runtime or own
    if not _PYTHON_RE.match(name):
        raise runtime_family.unsupported(name)
    if _version_key(name) < PYTHON_MIN:  # AWS's CreateFunction error (sandbox-and-packages 3.2)
        raise RuntimeNotFound(
            f"InvalidParameterValueException: The runtime parameter of {name} is no longer "
            "supported for creating or updating AWS Lambda functions. We recommend you use a "
            "supported runtime while creating or updating functions. (lambda_nb runs "
            f"python{PYTHON_MIN[0]}.{PYTHON_MIN[1]} and later.)"
        )
    if name == own:  # the common case costs no PATH scan and no subprocess
        interpreter, version = sys.executable, tuple(sys.version_info[:3])
    else:
        available = pythons()
        found = available.get(name) or _uv_python(name)
        if found is None:
            minor = name[len("python") :]
            raise RuntimeNotFound(
                f"Runtime {name} needs a Python {minor} interpreter: none is on PATH "
                f"({name}), installed by pyenv, or available through uv; found: "
                f"{', '.join(sorted(available, key=_version_key))}. To get it: "
                f"`pyenv install {minor}`, `uv python install {minor}`, or your system's "
                f"package manager, with network access (then run the cell again)."
            )
        interpreter = found
        version = _interpreter_version(interpreter)
        if f"python{version[0]}.{version[1]}" != name:
            raise RuntimeNotFound(f"{interpreter} is Python {version[0]}.{version[1]}, not {name}")
    # -S -s: no `site`, so none of this interpreter's site-packages is on the function's
    # sys.path; the bootstrap lays out Lambda's (sandbox-and-packages.md 2.1, _lnb_path.py).
    runtime_dir = str(BOOTSTRAP.parent)
    if runtime_client == "awslambdaric":
        if sys.platform != "linux":
            raise RuntimeNotFound("awslambdaric (AWS's runtime client) runs on Linux only")
        runtime_dir = str(aws_ric_runtime_dir(interpreter))
        argv: tuple[str, ...] = (interpreter, "-S", "-s", str(AWS_BOOTSTRAP), handler)
    else:
        argv = (interpreter, "-S", "-s", str(BOOTSTRAP))
    return RuntimeCommand(
        name=name,
        argv=argv,
        execution_env=f"AWS_Lambda_{name}",
        runtime_version=f"python:{version[0]}.{version[1]}.v{version[2]}",
        family="python",
        runtime_dir=runtime_dir,
        env={"LC_CTYPE": "C.UTF-8"},  # Python runtimes only (lambda-runtime.md section 3)
        interpreter=interpreter,
    )


# The top-level files and folders of awslambdaric and of what it requires, as
# `name<TAB>path` lines, printed by the interpreter that will run it.
_RIC_FILES_SCRIPT = r"""
import importlib.metadata as md, re
todo, seen = ["awslambdaric"], set()
while todo:
    name = todo.pop()
    if name.lower() in seen:
        continue
    seen.add(name.lower())
    dist = md.distribution(name)
    tops = {f.parts[0] for f in dist.files or () if f.parts and f.parts[0] != ".."}
    for top in sorted(tops):
        if not top.endswith((".dist-info", ".egg-info")) and top != "__pycache__":
            print(top, dist.locate_file(top), sep="\t")
    for req in dist.requires or ():
        if "extra ==" not in req:
            todo.append(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0])
"""


@functools.cache
def aws_ric_runtime_dir(interpreter: str) -> Path:
    """The runtime dir for AWS's awslambdaric run by `interpreter`: a folder holding only
    awslambdaric and the packages it needs (links to where they are installed), as Lambda's
    /var/runtime holds them; the function imports nothing else of that installation."""
    from lambda_nb.engine import cache

    out = subprocess.run(
        [interpreter, "-c", _RIC_FILES_SCRIPT], capture_output=True, text=True, timeout=60
    )
    if out.returncode != 0:
        raise RuntimeNotFound(
            f"awslambdaric (AWS's runtime client) is not installed for {interpreter}: "
            "pip install awslambdaric"
        )
    tops = dict(line.split("\t", 1) for line in out.stdout.splitlines() if "\t" in line)

    def build(tmp: Path) -> None:
        for name, path in tops.items():
            os.symlink(path, tmp / name)

    return cache.entry("runtime-dirs", f"awslambdaric-{cache.key(interpreter, tops)}", build)[0]


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name[len("python") :].split("."))


# ------------------------------------------------------------------------------- the record
def _resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None
) -> RuntimeCommand:
    return _python(runtime, runtime_client, handler)


def _code_file(handler: str, bootstrap: str | None) -> str:
    """The handler's module: `app.handler` -> `app.py`, `src/app.handler` -> `src/app.py`."""
    module, dot, _ = handler.rpartition(".")
    return f"{module}.py" if dot and module else "lambda_function.py"


def _names() -> list[str]:
    return sorted(pythons(), key=_version_key)


FAMILY = RuntimeFamily(
    name="python",
    owns=lambda runtime: runtime is None or bool(_PYTHON_RE.match(runtime)),
    default_handler=DEFAULT_HANDLER,
    comment="#",
    code_file=_code_file,
    resolve=_resolve,
    names=_names,
    identifiers=(),
    help="python3.X (3.9+; default the kernel's, else PATH, pyenv or uv)",
    frames=FramePattern(
        re.compile(
            r'^\s*File "(?P<path>[^"]+)",? [Ll]ine (?P<line>\d+)(?:, in (?P<func>[^\n]+))?'
            r"(?:\n(?P<code>[\s\S]*))?$"
        ),
        # Frames of the runtime itself: hidden, as AWS's own runtimes hide theirs.
        runtime_path=re.compile(
            r"(/var/runtime/|/lambda_nb/runtimes/|awslambdaric|/_lnb_[a-z_]+\.py$)"
        ),
    ),
    # "[INFO]\t2026-..Z\t<request id>\tmessage" (Text format)
    text_level=re.compile(r"^\[(?P<level>[A-Za-z]+)\]\t"),
    suffixes=("py",),
)
