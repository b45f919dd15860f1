"""From a function's `runtime` setting to the command that starts its runtime client.

Three families, as on AWS:
- python3.X (3.9 and later): an interpreter of that version (the kernel's own, else one on
  PATH, from pyenv or from uv) runs our runtime client (`python/bootstrap.py`, stdlib only) or
  AWS's `awslambdaric`;
- nodejs20.x, nodejs22.x, nodejs24.x: Node.js 20, 22 or 24 (the machine's `node` if it is that
  version, else one fetched once from the npm registry: `node_binaries.py`) runs our runtime
  client (`nodejs/`, plain ES modules) or AWS's npm `aws-lambda-ric`, started by a bootstrap
  script like AWS's `/var/runtime/bootstrap`;
- provided.al2023, provided.al2 (OS-only): the function's own `bootstrap` executable is the
  runtime. It comes with the code (the code *is* the bootstrap, written to the task root and
  made executable) or from `bootstrap=PATH`, an executable run in place as a layer's
  `/opt/bootstrap` would be; the code then goes next to it in the task root.

The family also decides what the code file is called, the default handler, and the variables
only that family gets (LC_CTYPE for Python, NODE_PATH for Node.js via its bootstrap).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lambda_nb.engine.errors import RuntimeNotFound

HERE = Path(__file__).resolve().parent
BOOTSTRAP = HERE / "python" / "bootstrap.py"
AWS_BOOTSTRAP = HERE / "python" / "aws_bootstrap.py"  # starts awslambdaric as Lambda does
NODE_BOOTSTRAP = HERE / "nodejs" / "bootstrap"
NODE_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x")
PROVIDED_RUNTIMES = ("provided.al2023", "provided.al2")
BOOTSTRAP_FILE = "bootstrap"  # the name a custom runtime's executable must have
_PYTHON_RE = re.compile(r"^python(3\.\d+)$")
PYTHON_MIN = (3, 9)  # our runtime client's floor; AWS refuses python3.8 and older as well
_DEFAULT_HANDLERS = {
    "python": "lambda_function.lambda_handler",
    "nodejs": "index.handler",
    "provided": "function.handler",  # AWS's custom-runtime tutorial; the runtime interprets it
}


@dataclass(frozen=True)
class RuntimeCommand:
    """How to start one runtime: argv, the AWS_EXECUTION_ENV it announces, its version label."""

    name: str  # e.g. "python3.11", "nodejs22.x", "provided.al2023"
    argv: tuple[str, ...]  # a relative argv[0] is the bootstrap in the task root
    execution_env: str | None  # AWS_EXECUTION_ENV; absent on OS-only runtimes
    runtime_version: str  # INIT_START's "Runtime Version", e.g. "python:3.11.v7"
    family: str = "python"  # "python", "nodejs" or "provided"
    runtime_dir: str | None = None  # LAMBDA_RUNTIME_DIR; None = the task root
    env: dict[str, str] = field(default_factory=dict)  # variables only this family gets
    # The language binary (python3.X or node) that runs the client; None for provided.*. Its
    # folder is /var/lang/bin on AWS: it leads the function's PATH, and a sandbox mounts it.
    interpreter: str | None = None

    def command(self, task_root: Path) -> list[str]:
        """The argv to exec, with a bootstrap that came with the code resolved in `task_root`."""
        first = self.argv[0]
        if not os.path.isabs(first):
            first = str(task_root / first)
        return [first, *self.argv[1:]]

    def environment(self, task_root: Path) -> dict[str, str]:
        """The variables this runtime adds to the execution environment's."""
        return {"LAMBDA_RUNTIME_DIR": self.runtime_dir or str(task_root), **self.env}


# ------------------------------------------------------------------ families and code files
def runtime_for(runtime: str | None, bootstrap: object | None) -> str | None:
    """The runtime a function gets: a `bootstrap` executable implies provided.al2023."""
    if runtime is None and bootstrap is not None:
        return PROVIDED_RUNTIMES[0]
    return runtime


def family(runtime: str | None) -> str:
    """The runtime's family: python (also for None, the kernel's Python), nodejs or provided."""
    if runtime in NODE_RUNTIMES:
        return "nodejs"
    if runtime in PROVIDED_RUNTIMES:
        return "provided"
    return "python"


def default_handler(runtime: str | None) -> str:
    """The console's default handler for a new function of this runtime."""
    return _DEFAULT_HANDLERS[family(runtime)]


def code_file(runtime: str | None, handler: str, bootstrap: str | None = None) -> str:
    """The name the function's code gets in the task root when none is given.

    Python: the handler's module (`app.handler` -> `app.py`, `src/app.handler` -> `src/app.py`).
    Node.js: the same with `.mjs` (`src/app.api.handler` -> `src/app.mjs`), an ES module as the
    console's default `index.mjs`; name the file `index.js` or `index.cjs` instead (the
    `filename` option) for CommonJS, which is how Lambda decides it too. Custom runtime:
    `bootstrap`, or with `bootstrap=PATH` (the runtime lives elsewhere) the handler's module
    part as it is, e.g. `function.handler` -> `function`.
    """
    kind = family(runtime)
    if kind == "provided":
        if bootstrap is None:
            return BOOTSTRAP_FILE
        return handler.split(".", 1)[0] or "function"
    if kind == "nodejs":  # `dir/app.api.handler`: the module ends at the name's first dot
        folder, _, name = handler.rpartition("/")
        module, dot, _ = name.partition(".")
        if not (dot and module):
            return "index.mjs"
        return f"{folder}/{module}.mjs" if folder else f"{module}.mjs"
    module, dot, _ = handler.rpartition(".")
    return f"{module}.py" if dot and module else "lambda_function.py"


def line_comment(runtime: str | None) -> str | None:
    """How the code's language starts a comment line, for a header above the code: `#` or
    `//`; None for a custom runtime, whose bootstrap must start with its `#!` line."""
    kind = family(runtime)
    if kind == "provided":
        return None
    return "//" if kind == "nodejs" else "#"


def is_executable_code(runtime: str | None, filename: str, bootstrap: str | None) -> bool:
    """True for the file that must be executable: a custom runtime's own `bootstrap`."""
    return family(runtime) == "provided" and bootstrap is None and filename == BOOTSTRAP_FILE


# ------------------------------------------------------------------------------- resolve
def resolve(
    runtime: str | None, runtime_client: str, handler: str, bootstrap: str | None = None
) -> RuntimeCommand:
    """The command for `runtime` (None = this interpreter's python3.X)."""
    kind = family(runtime)
    if kind == "nodejs":
        assert runtime is not None
        return _nodejs(runtime, runtime_client)
    if kind == "provided":
        assert runtime is not None
        return _provided(runtime, bootstrap)
    return _python(runtime, runtime_client, handler)


def _unsupported(name: str) -> RuntimeNotFound:
    found = ", ".join(sorted(pythons(), key=_version_key))
    return RuntimeNotFound(
        f"Unsupported runtime {name!r}: use python3.X (found here: {found}), "
        f"{', '.join(NODE_RUNTIMES)} or {', '.join(PROVIDED_RUNTIMES)}"
    )


# --------------------------------------------------------------------------------- python
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
        raise _unsupported(name)
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


# --------------------------------------------------------------------------------- nodejs
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
    return (str(HERE / "nodejs" / "aws-ric-v3.mjs"), str(dist)) if dist.is_file() else None


def _nodejs(name: str, runtime_client: str) -> RuntimeCommand:
    from lambda_nb.runtimes import node_binaries  # urllib, tarfile: only for Node.js functions

    major = int(name[len("nodejs") : -len(".x")])
    node, (_, minor, _) = node_binaries.find_node(major)  # the version named, or RuntimeNotFound
    client: tuple[str, ...] = (str(HERE / "nodejs" / "index.mjs"),)
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


# ------------------------------------------------------------------------------- provided
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
