"""`runtime="python3.X"` runs the handler on that interpreter; a missing one is a clear error.

The interpreter is the kernel's own, else one on PATH, from pyenv (even with pyenv off PATH), or
one uv finds; python3.8 and older are refused with AWS's wording and never offered.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_paths import inside, sandboxed

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.options import runtime_names
from lambda_nb.runtimes import registry
from lambda_nb.runtimes.registry import pythons_on_path

VERSIONS = sorted(
    (name for name in pythons_on_path() if tuple(map(int, name[6:].split("."))) >= (3, 9)),
    key=lambda n: tuple(map(int, n[6:].split("."))),
)
CODE = """import sys
def lambda_handler(event, context):
    print("running on", sys.version_info[:2])
    return list(sys.version_info[:2])
"""


@pytest.mark.parametrize("runtime", VERSIONS)
def test_handler_runs_on_the_requested_python(make_function, runtime: str) -> None:
    fn = make_function(CODE, runtime=runtime)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    assert inv.payload == [int(x) for x in runtime[6:].split(".")]
    assert fn.invoke({}).cold is False


def test_missing_python_lists_those_found(make_function) -> None:
    with pytest.raises(RuntimeNotFound) as err:
        make_function(CODE, runtime="python3.99")
    message = str(err.value)
    assert "python3.99" in message
    for name in VERSIONS:
        assert name in message


# ---------------------------------------------------------------------------------- Python
PY_CODE = """import os, sys
def lambda_handler(event, context):
    st = os.stat(sys.executable)
    return {"version": list(sys.version_info[:2]), "env": os.environ["AWS_EXECUTION_ENV"],
            "path": os.environ["PATH"].split(":")[0], "executable": sys.executable,
            "file": [st.st_dev, st.st_ino]}
"""
PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
PYENV_MINORS = sorted(
    {f"python{m.group(1)}" for p in (PYENV.iterdir() if PYENV.is_dir() else ())
     if (m := re.fullmatch(r"(3\.\d+)\.\d+", p.name)) and int(m.group(1)[2:]) >= 9},
    key=lambda n: int(n.split(".")[1]),
)  # fmt: skip


@pytest.mark.skipif(not PYENV_MINORS, reason="no pyenv Pythons on this machine")
@pytest.mark.parametrize("runtime", PYENV_MINORS)
def test_pyenv_pythons_are_found_without_pyenv_on_path(
    make_function, monkeypatch, runtime: str
) -> None:
    """PATH without pyenv's shims: python3.X still comes from ~/.pyenv/versions/3.X.*.
    The function sees it where the mode puts it: its host path in process mode, /var/lang/bin
    in the sandbox (Lambda's); either way the very file chosen, first on PATH."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    fn = make_function(PY_CODE, runtime=runtime)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    assert inv.payload["version"] == [3, int(runtime.split(".")[1])]
    assert inv.payload["env"] == f"AWS_Lambda_{runtime}"
    interpreter = fn._revision.runtime.interpreter
    assert interpreter is not None
    real = os.path.realpath(interpreter)
    own = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if runtime != own:  # the kernel's own Python stays the kernel's interpreter
        assert real.startswith(str(PYENV) + os.sep)
    seen = inside(fn, real) if sandboxed(fn) else interpreter
    assert inv.payload["executable"] == seen
    assert inv.payload["file"] == [os.stat(real).st_dev, os.stat(real).st_ino]  # that very file
    assert inv.payload["path"] == os.path.dirname(seen)
    start = next(r.message for r in inv.logs if r.message.startswith("INIT_START"))
    assert start.startswith(f"INIT_START Runtime Version: python:{runtime[6:]}.v")


@pytest.mark.parametrize("runtime", ["python3.6", "python3.7", "python3.8"])
def test_old_pythons_are_refused_as_aws_refuses_them(make_function, runtime: str) -> None:
    assert runtime not in runtime_names()  # never offered, though pyenv may have them
    assert runtime not in registry.pythons()
    with pytest.raises(RuntimeNotFound) as err:
        make_function(PY_CODE, runtime=runtime)
    assert str(err.value).startswith(
        f"InvalidParameterValueException: The runtime parameter of {runtime} is no longer "
        "supported for creating or updating AWS Lambda functions."
    )


def test_a_missing_python_says_how_to_get_it(make_function, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no uv either
    with pytest.raises(RuntimeNotFound) as err:
        make_function(PY_CODE, runtime="python3.99")
    message = str(err.value)
    assert "Runtime python3.99 needs a Python 3.99 interpreter" in message
    assert "pyenv install 3.99" in message and "uv python install 3.99" in message


UV = shutil.which("uv") or shutil.which("uv", path=os.path.dirname(sys.executable))


@pytest.mark.skipif(UV is None, reason="uv is not installed")
@pytest.mark.skipif(not PYENV_MINORS, reason="no pyenv Python to hand to uv")
def test_uv_finds_a_python_that_path_and_pyenv_do_not_offer(
    make_function, monkeypatch, tmp_path
) -> None:
    """The only 3.X is a `python3` in a folder of PATH (which lambda_nb's scan, looking for
    `python3.X` names, passes over) and pyenv is elsewhere: `uv python find 3.X` finds it."""
    assert UV is not None
    wanted = next(n for n in reversed(PYENV_MINORS) if n != _own())
    minor = wanted[len("python") :]
    real = max(PYENV.glob(f"{minor}.*/bin/{wanted}"))
    hidden = tmp_path / "bin"
    hidden.mkdir()
    (hidden / "python3").symlink_to(real)
    (hidden / "uv").symlink_to(UV)
    monkeypatch.setenv("PATH", f"{hidden}:/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert wanted not in registry.pythons()
    check = subprocess.run([UV, "python", "find", minor], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    inv = make_function(PY_CODE, runtime=wanted).invoke({})
    assert inv.status == "success", inv.log_text()
    assert inv.payload["version"] == [3, int(minor.split(".")[1])]


def _own() -> str:
    return f"python{sys.version_info[0]}.{sys.version_info[1]}"
