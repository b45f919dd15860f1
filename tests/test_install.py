"""The package as users install it: a bare `pip install lambda-nb`, and a Colab-like stack.

Both install the wheel built from this checkout into a separate virtual environment, so nothing
of the test environment (.venv has every extra) can hide a missing dependency or an eager import.
The Colab-like environment is slow to build: it is cached under .venv-matrix/ (git-ignored),
rebuilt when pyproject.toml, the pins or the Python version change; lambda_nb itself is
reinstalled from the fresh wheel on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".venv-matrix"

# What Google Colab's kernel runs (IPython 7.34 with ipywidgets 7.7, traitlets pinned at 5.7.1),
# with the ipykernel and jupyter_client its image listed alongside them when this was written.
# nbclient, installed next to them, drives the kernel in place of Colab's frontend.
COLAB = {
    "ipython": "7.34.0",
    "ipywidgets": "7.7.1",
    "traitlets": "5.7.1",
    "ipykernel": "6.17.1",
    "jupyter_client": "6.1.12",
}
COLAB_TOOLS = ["nbclient>=0.10", "nbformat>=5.10"]
KERNEL = "lambda-nb-colab"

HANDLER = """\
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    logger.info("hello %s", event["name"])
    return {"greeting": f"hello {event['name']}", "function": context.function_name}
"""


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def _run(
    *cmd: str | Path, cwd: Path | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command with an environment that cannot leak this checkout onto sys.path."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout,
    )  # fmt: skip


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, (
        f"{proc.args}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built as pip builds it for `pip install lambda-nb`."""
    out = tmp_path_factory.mktemp("wheel")
    _ok(_run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT))
    (built,) = out.glob("lambda_nb-*.whl")
    return built


# ----------------------------------------------------------------------------- base install


@pytest.fixture(scope="module")
def base_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with `pip install lambda-nb`: no extras, dependencies resolved by pip."""
    venv = tmp_path_factory.mktemp("base") / "venv"
    _ok(_run(sys.executable, "-m", "venv", venv))
    _ok(_run(_bin(venv, "python"), "-m", "pip", "install", "-q", wheel))
    yield venv
    shutil.rmtree(venv, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_base_install_has_no_jupyter_stack(base_venv: Path) -> None:
    python = _bin(base_venv, "python")
    listed = json.loads(_ok(_run(python, "-m", "pip", "list", "--format=json")))
    # Nothing but the package and the venv's own installers.
    assert {p["name"].lower() for p in listed} - {"pip", "setuptools", "wheel"} == {"lambda-nb"}
    for module in ("IPython", "traitlets", "ipywidgets", "comm"):
        proc = _run(python, "-c", f"import {module}")
        assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, module


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_base_install_api_invokes(base_venv: Path, tmp_path: Path) -> None:
    script = f"""
import json, sys
from lambda_nb import Function
fn = Function.from_source({HANDLER!r}, name="base-install", timeout=10)
try:
    inv = fn.invoke({{"name": "world"}})
    print(json.dumps({{
        "status": inv.status, "payload": inv.payload, "cold": inv.cold,
        "logs": inv.log_text(), "billed": inv.report.billed_duration_ms,
        "jupyter": sorted(m for m in sys.modules if m.split(".")[0] in
                          {{"IPython", "traitlets", "ipywidgets", "comm"}}),
        "file": __import__("lambda_nb").__file__,
    }}))
finally:
    fn.close()
"""
    out = json.loads(_ok(_run(_bin(base_venv, "python"), "-c", script, cwd=tmp_path)))
    assert out["status"] == "success", out
    assert out["payload"] == {"greeting": "hello world", "function": "base-install"}
    assert out["cold"] is True and out["billed"] >= 1
    assert "hello world" in out["logs"] and "REPORT RequestId:" in out["logs"]
    assert out["jupyter"] == []
    assert Path(out["file"]).is_relative_to(base_venv), "the installed copy ran, not the checkout"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_base_install_cli_invokes(base_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(HANDLER)
    cli = _bin(base_venv, "lambda-nb")
    proc = _run(cli, "invoke", "lambda_function.py", "--event", '{"name": "cli"}', cwd=tmp_path)
    assert json.loads(_ok(proc)) == {"greeting": "hello cli", "function": "my-function"}
    assert "hello cli" in proc.stderr and "REPORT RequestId:" in proc.stderr
    # The event catalog comes with the base install too.
    event = json.loads(_ok(_run(cli, "event", "sqs.receive", "--count", "2", cwd=tmp_path)))
    assert len(event["Records"]) == 2


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_base_install_says_what_jupyter_parts_need(base_venv: Path) -> None:
    """lambda_nb.testing and the magic need the jupyter extra: the error says so."""
    proc = _run(_bin(base_venv, "python"), "-c", "import lambda_nb.testing")
    assert proc.returncode != 0
    assert "lambda-nb[jupyter]" in proc.stderr, proc.stderr


# --------------------------------------------------------------------- a Colab-like stack


def _cached_venv(name: str, requirements: list[str]) -> Path:
    """A venv under .venv-matrix/NAME with `requirements` and lambda_nb[jupyter]'s
    dependencies, rebuilt only when its key (pyproject.toml, the requirements, Python) changes."""
    venv = MATRIX / name
    key = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + "\n".join(requirements).encode()
        + sys.version.encode()
    ).hexdigest()  # fmt: skip
    stamp = venv / ".lambda_nb-stamp"
    if stamp.exists() and stamp.read_text() == key and _bin(venv, "python").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    MATRIX.mkdir(exist_ok=True)
    _ok(_run(sys.executable, "-m", "venv", venv))
    python = _bin(venv, "python")
    # The pins and lambda_nb[jupyter] in one resolution: pip fails if a floor of ours excludes
    # a pinned version, instead of silently upgrading it as it would on Colab.
    _ok(_run(python, "-m", "pip", "install", "-q", *requirements, f"{ROOT}[jupyter]"))
    _ok(_run(python, "-m", "pip", "uninstall", "-q", "-y", "lambda-nb"))
    _ok(_run(python, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL))
    stamp.write_text(key)
    return venv


@pytest.fixture(scope="module")
def colab_venv(wheel: Path) -> Path:
    pins = [f"{pkg}=={version}" for pkg, version in COLAB.items()]
    venv = _cached_venv("colab", pins + COLAB_TOOLS)
    python = _bin(venv, "python")
    # This checkout's code, with the dependencies already resolved against the pins.
    _ok(_run(python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", wheel))
    _ok(_run(python, "-m", "pip", "check"))
    return venv


_RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
src, dst, cwd, kernel = sys.argv[1:]
nb = nbformat.read(src, as_version=4)
client = NotebookClient(
    nb, timeout=180, kernel_name=kernel, resources={"metadata": {"path": cwd}}, allow_errors=True,
)
client.execute()
nbformat.write(nb, dst)
"""

_CONFIGURED = """\
%config LambdaMagics.display = "text"
%config LambdaMagics.raise_on_error = True
%lambda invoke hello --event person
"""

_VERSIONS = """\
import json, IPython, ipywidgets, traitlets, ipykernel, jupyter_client, lambda_nb
print(json.dumps({"ipython": IPython.__version__, "ipywidgets": ipywidgets.__version__,
                  "traitlets": traitlets.__version__, "ipykernel": ipykernel.__version__,
                  "jupyter_client": jupyter_client.__version__, "lambda_nb": lambda_nb.__file__}))
"""


def _texts(cell: nbformat.NotebookNode) -> str:
    """The text a reader sees: streams and the text/plain of results, one output a line."""
    parts = [
        str(o.get("text") or o.get("data", {}).get("text/plain", "")) for o in cell.outputs
    ]  # fmt: skip
    return "\n".join(p for p in parts if p)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_quickstart_runs_on_a_colab_like_stack(colab_venv: Path, tmp_path: Path) -> None:
    nb = nbformat.read(ROOT / "notebooks" / "01-quickstart.ipynb", as_version=4)
    # The magic's traitlets configuration on traitlets 5.7.1, and a function error failing the
    # cell when asked to (the cell's error output is asserted below, then removed).
    nb.cells.append(nbformat.v4.new_code_cell(_CONFIGURED))
    nb.cells.append(nbformat.v4.new_code_cell("%lambda invoke average --event '{\"items\": [0]}'"))
    nb.cells.append(nbformat.v4.new_code_cell(_VERSIONS))
    src, dst = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    work = tmp_path / "work"  # the kernel's cwd: not the checkout, whose lambda_nb would shadow
    work.mkdir()
    _ok(_run(_bin(colab_venv, "python"), "-c", _RUN_NOTEBOOK, src, dst, work, KERNEL, cwd=work))
    out = nbformat.read(dst, as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]

    versions = json.loads(code[-1].outputs[-1].text)
    assert {k: versions[k] for k in COLAB} == COLAB, "the kernel ran another stack"
    assert Path(versions["lambda_nb"]).is_relative_to(colab_venv)

    configured, raised = code[-3], code[-2]
    assert "Hello, Grace!" in _texts(configured)
    failed = [o.evalue for o in raised.outputs if o.output_type == "error"]
    assert failed and "ZeroDivisionError" in failed[0], raised.outputs
    raised.outputs = []
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.source, errors)
        first = cell.source.split("\n")[0]
        if first.startswith("%%lambda") and "--no-invoke" not in first:
            shown = [o for o in cell.outputs if o.output_type == "display_data"]
            assert shown and "text/plain" in shown[-1].data, cell.source
    text = {c.source.split("\n")[0]: _texts(c) for c in code}
    assert "'greeting': 'Hello, Grace!'" in text["warm.cold, warm.payload, warm.report.duration_ms"]
    assert text["warm.cold, warm.payload, warm.report.duration_ms"].startswith("(False,")
    after = text["%lambda invoke sleepy --event '{\"sleep\": 0}' -o after"]
    assert "cold after the timeout: True" in after and "module state lost: True" in after
    assert "('success', 5, True," in text["from lambda_nb import Function"]
