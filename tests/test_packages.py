"""The function's code as on AWS: its import path, requirements, layers, files, bundled SDK.

Real installs from the package index (small pinned pure-Python packages, an npm package), real
execution environments, and the cache checked by what it saves: a second publish runs no pip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_paths import inside

from lambda_nb import Function
from lambda_nb.engine import cache, requirements, runtime_site
from lambda_nb.engine.errors import BuildError, ConfigError
from lambda_nb.render import static
from lambda_nb.render import viewmodel as vm

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"
NODE = shutil.which("node") is not None and shutil.which("npm") is not None
IMPORT_ERROR = "Runtime.ImportModuleError"


def body(module: str) -> dict[str, Any]:
    """AWS's init error for a module the function cannot import (lambda-runtime.md 5.4)."""
    return {
        "errorMessage": f"Unable to import module 'lambda_function': No module named '{module}'",
        "errorType": IMPORT_ERROR,
        "requestId": "",
        "stackTrace": [],
    }


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty user cache of this test's own (the bundled SDK linked in from the real one when
    it is there, so only what the test is about gets installed)."""
    real = cache.cache_root()
    sdk = requirements._entry_name(list(runtime_site.PYTHON_SDK), "python", PY, "x86_64")
    root = tmp_path / "cache"
    (root / "requirements").mkdir(parents=True)
    if (real / "requirements" / sdk).is_dir():
        os.symlink(real / "requirements" / sdk, root / "requirements" / sdk)
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(root))
    monkeypatch.setenv("LAMBDA_NB_INSTALLER", "pip")  # these tests quote pip's own words
    yield root


def test_kernel_packages_are_invisible_with_awss_exact_body(name: str) -> None:
    """IPython, lambda_nb and requests import in the kernel, not in a function: AWS's body,
    and a hint in the view (not in the body) naming the requirement."""
    for module in ("IPython", "lambda_nb", "requests"):
        fn = Function.from_source(f"import {module}\ndef lambda_handler(e, c):\n    return 1\n",
                                  name=name)  # fmt: skip
        inv = fn.invoke({})
        assert inv.error == body(module)
        model = vm.build(inv)
        hint = next(h for h in model.hints if h.startswith(f"`{module}`"))
        assert "is installed in this notebook but not in the function: add `--requirements" in hint
        assert hint in static.to_text(inv) and "lnb-hint" in static.to_html(inv)
    requests_hint = vm.hints(inv)[-1]
    assert requests_hint == (
        "`requests` is installed in this notebook but not in the function: "
        "add `--requirements requests`"
    )
    # A module the notebook does not have either gets no hint.
    fn = Function.from_source("import no_such_mod_x\ndef lambda_handler(e, c):\n    return 1\n",
                              name=name)  # fmt: skip
    inv = fn.invoke({})
    assert inv.error == body("no_such_mod_x") and vm.hints(inv) == ()


@pytest.mark.parametrize("client", ["lambda_nb", "awslambdaric"])
def test_import_path_is_lambdas(name: str, tmp_path: Path, client: str) -> None:
    """sys.path: task root, the layers' python dirs, the bundled SDK, then the standard
    library, nothing of the kernel's site-packages; boto3 at the bundled version."""
    if client == "awslambdaric":
        pytest.importorskip("awslambdaric")
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "from_layer.py").write_text("WHERE = 'layer'\n")
    code = (
        "import sys, os, boto3, botocore, from_layer\n"
        "def lambda_handler(e, c):\n"
        "    return {'path': sys.path, 'boto3': boto3.__version__, 'file': boto3.__file__,\n"
        "            'botocore': botocore.__version__, 'layer': from_layer.WHERE,\n"
        "            'var': '_LAMBDA_NB_IMPORT_PATHS' in os.environ, 'exit': callable(exit)}\n"
    )
    fn = Function.from_source(code, name=name, layers=[layer], runtime_client=client)
    inv = fn.invoke({})
    assert inv.status == "success", inv.error
    rev = fn._revision
    out = inv.payload
    opt, site = inside(fn, rev.opt_dir), inside(fn, rev.runtime_site)
    assert out["path"][:4] == [
        inside(fn, rev.task_root), f"{opt}/python/lib/{PY}/site-packages", f"{opt}/python", site,
    ]  # fmt: skip
    assert out["boto3"] == out["botocore"] == runtime_site.BOTO3_VERSION
    assert out["file"].startswith(site) and out["layer"] == "layer"
    assert out["var"] is False and out["exit"] is True
    kernel_sites = [p for p in sys.path if p.endswith("site-packages")]
    assert not set(kernel_sites) & set(out["path"])
    if client == "awslambdaric":  # the runtime dir holds awslambdaric and its needs only
        runtime_dir = rev.runtime.runtime_dir
        assert inside(fn, runtime_dir) in out["path"]
        assert sorted(os.listdir(runtime_dir)) == sorted(
            n for n in os.listdir(runtime_dir) if n.split(".")[0] in
            ("awslambdaric", "simplejson", "snapshot_restore_py", "runtime_client")
        )  # fmt: skip


def test_requirements_install_once_into_the_task_root(name: str, private_cache: Path) -> None:
    lines: list[str] = []
    code = (
        "import six, os\n"
        "def lambda_handler(e, c):\n"
        "    return [six.__version__, os.path.dirname(six.__file__)]\n"
    )
    fn = Function.from_source(code, name=name, requirements=["six==1.16.0"], on_build=lines.append)
    assert any("pip" in ln and "install" in ln for ln in lines)
    assert any("manylinux2014_x86_64" in ln and "--only-binary=:all:" in ln for ln in lines)
    inv = fn.invoke({})
    assert inv.payload == ["1.16.0", inside(fn, fn._revision.task_root)]  # at the zip root
    assert fn._revision.requirements == ["six==1.16.0"]
    # Hard links to the cache entry (not copies), which cannot be written through.
    linked = fn._revision.task_root / "six.py"
    entries = (private_cache / "requirements").iterdir()  # the SDK's (linked in) has six too
    entry = next(p for p in entries if not p.is_symlink() and (p / "six.py").exists())
    assert os.path.samefile(linked, entry / "six.py")
    assert not os.stat(linked).st_mode & 0o222

    # Re-running the cell, and another function with the same set: no pip run at all.
    again: list[str] = []
    fn = Function.from_source(code + "\n", name=name, requirements=["six==1.16.0"],
                              on_build=again.append)  # fmt: skip
    other = Function.from_source(code, name=f"{name}-2", requirements="six==1.16.0",
                                 on_build=again.append)  # fmt: skip
    try:
        assert again == []
        assert fn.invoke({}).payload[0] == other.invoke({}).payload[0] == "1.16.0"
    finally:
        other.close()


def test_requirements_file_and_a_real_dependency_tree(
    name: str, private_cache: Path, tmp_path: Path
) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("# pinned\nrequests==2.32.3\n")
    code = (
        "import requests, urllib3\n"
        "def lambda_handler(e, c):\n    return [requests.__version__, bool(urllib3.__version__)]\n"
    )
    fn = Function.from_source(code, name=name, requirements=reqs)
    assert fn.invoke({}).payload == ["2.32.3", True]
    assert (fn._revision.task_root / "certifi").is_dir()  # requests' own dependencies too
    assert not (fn._revision.task_root / "bin").exists()  # console scripts are this machine's


def test_a_pure_python_sdist_is_built_into_a_wheel(name: str, private_cache: Path) -> None:
    """docopt 0.6.2 ships only an sdist: pip refuses it for the platform, lambda_nb builds it
    and, the wheel being pure Python, installs that (as `sam build` does)."""
    lines: list[str] = []
    code = "import docopt\ndef lambda_handler(e, c):\n    return docopt.__version__\n"
    fn = Function.from_source(code, name=name, requirements=["docopt==0.6.2"],
                              on_build=lines.append)  # fmt: skip
    assert any("No matching distribution found for docopt==0.6.2" in ln for ln in lines)
    assert any(ln.startswith("$ ") and "pip wheel" in ln for ln in lines)
    assert fn.invoke({}).payload == "0.6.2"


def test_bad_requirements_leave_the_previous_revision_live(
    name: str, private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fn = Function.from_source("def lambda_handler(e, c):\n    return 'v1'\n", name=name)
    new = "import six\ndef lambda_handler(e, c):\n    return 'v2'\n"
    with pytest.raises(BuildError) as info:
        Function.from_source(new, name=name, requirements=["lambda-nb-no-such-package-zq==1.0"])
    message = str(info.value)
    assert "pip install failed" in message
    assert "No matching distribution found for lambda-nb-no-such-package-zq==1.0" in message
    assert fn.revision == 1 and fn.invoke({}).payload == "v1"

    # An index that cannot be reached: pip's own words, nothing published either.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no extra indexes from pip.conf
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_RETRIES", "0")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"--index-url http://127.0.0.1:{closed_port()}/simple\nsix==1.16.0\n")
    with pytest.raises(BuildError) as info:
        Function.from_source(new, name=name, requirements=reqs)
    assert "Could not find a version that satisfies the requirement six==1.16.0" in str(info.value)
    assert "127.0.0.1" in str(info.value)
    assert fn.revision == 1 and fn.invoke({}).payload == "v1"
    assert not list((private_cache / "requirements").glob(".tmp-*"))  # nothing half-built

    with pytest.raises(BuildError, match=r"requirements file 'missing\.txt' does not exist"):
        Function.from_source(new, name=name, requirements="missing.txt")


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    return target


def test_layers_merge_into_opt_in_order(name: str, tmp_path: Path) -> None:
    first = tmp_path / "first"
    (first / "python").mkdir(parents=True)
    (first / "python" / "shared.py").write_text("WHO = 'first'\n")
    (first / "python" / "only_first.py").write_text("X = 1\n")
    (first / "bin").mkdir()
    tool = first / "bin" / "layer-tool"
    tool.write_text("#!/bin/sh\necho from-layer-bin\n")
    tool.chmod(0o755)
    second = tmp_path / "second"
    (second / "python").mkdir(parents=True)
    (second / "python" / "shared.py").write_text("WHO = 'second'\n")
    layer_zip = _zip(first, tmp_path / "first.zip")
    code = (
        "import shared, only_first, subprocess\n"
        "def lambda_handler(e, c):\n"
        "    out = subprocess.run(['layer-tool'], capture_output=True, text=True).stdout\n"
        "    return [shared.WHO, only_first.X, out.strip()]\n"
    )
    fn = Function.from_source(code, name=name, layers=[layer_zip, second])
    assert fn.invoke({}).payload == ["second", 1, "from-layer-bin"]  # the later layer wins
    assert fn._revision.layers == [layer_zip.resolve(), second.resolve()]
    fn = Function.from_source(code, name=name, layers=[second, layer_zip])
    assert fn.invoke({}).payload[0] == "first"


def test_bad_layers_are_refused_in_awss_words(name: str, tmp_path: Path) -> None:
    fn = Function.from_source("def lambda_handler(e, c):\n    return 'v1'\n", name=name)
    code = "def lambda_handler(e, c):\n    return 'v2'\n"
    with pytest.raises(BuildError, match=r"Layer '.*nowhere' does not exist: give a folder or a "):
        Function.from_source(code, name=name, layers=[tmp_path / "nowhere"])
    folder = tmp_path / "l"
    folder.mkdir()
    with pytest.raises(BuildError, match=r"^InvalidParameterValueException: Cannot reference "
                                         r"more than 5 layers\."):  # fmt: skip
        Function.from_source(code, name=name, layers=[folder] * 6)
    big = tmp_path / "big.zip"
    with (
        zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("python/blob.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(251):
            member.write(bytes(1 << 20))
    with pytest.raises(BuildError, match=r"^InvalidParameterValueException: Unzipped size must be "
                                         r"smaller than 262144000 bytes"):  # fmt: skip
        Function.from_source(code, name=name, layers=[big])
    not_zip = tmp_path / "layer.zip"
    not_zip.write_text("not a zip")
    with pytest.raises(BuildError, match=r"Could not unzip uploaded file\. Please check your file"):
        Function.from_source(code, name=name, layers=[not_zip])
    # Two folders that fit alone but not together with the code (sparse files: no disk used).
    halves = []
    for i in range(2):
        half = tmp_path / f"half{i}"
        half.mkdir()
        with open(half / "data.bin", "wb") as handle:
            handle.truncate(140_000_000)
        halves.append(half)
    with pytest.raises(BuildError, match=r"^InvalidParameterValueException: Function code "
                                         r"combined with layers exceeds the maximum allowed size "
                                         r"of 262144000 bytes\. The actual size is 280000\d+ "
                                         r"bytes\.$"):  # fmt: skip
        Function.from_source(code, name=name, layers=halves)
    with pytest.raises(ConfigError, match=r"Value '\[X86_64\]' at 'architectures' failed to "
                                          r"satisfy constraint"):  # fmt: skip
        Function.from_source(code, name=name, architecture="X86_64")
    assert fn.revision == 1 and fn.invoke({}).payload == "v1"


def test_files_and_helpers(name: str) -> None:
    code = (
        "import json, os, helpers\n"
        "from pkg.sub import VALUE\n"
        "def lambda_handler(e, c):\n"
        "    path = os.path.join(os.environ['LAMBDA_TASK_ROOT'], 'data', 'config.json')\n"
        "    return [helpers.double(2), VALUE, json.load(open(path))]\n"
    )
    files = {
        "helpers.py": "def double(x):\n    return 2 * x\n",
        "pkg/__init__.py": "",
        "pkg/sub.py": "VALUE = 'sub'\n",
        "data/config.json": b'{"k": 1}',
    }
    fn = Function.from_source(code, name=name, files=files)
    assert fn.invoke({}).payload == [4, "sub", {"k": 1}]
    for bad in ("../escape.py", "/abs.py", ""):
        with pytest.raises(ConfigError, match="must be a relative path"):
            Function.from_source(code, name=name, files={bad: "x"})
    with pytest.raises(ConfigError, match="is the function's code file"):
        Function.from_source(code, name=name, files={"lambda_function.py": "x"})


def test_a_helper_file_error_maps_to_its_own_lines(name: str) -> None:
    from lambda_nb.render import cells

    helper = "# %%lambda\ndef fail():\n    raise ValueError('in helper')\n"
    fn = Function.from_source(
        "import helpers\ndef lambda_handler(e, c):\n    return helpers.fail()\n",
        name=name, files={"helpers.py": helper},
    )  # fmt: skip
    cells.remember_files(fn.name, fn.revision, {"helpers.py": helper})
    model = vm.build(fn.invoke({}))
    assert model.error is not None
    frame = model.error.frames[-1]
    assert (frame.cell_file, frame.cell_line) == ("helpers.py", 3)
    assert frame.cell_text == "    raise ValueError('in helper')"


def test_from_directory_folder_and_zip(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "code"
    (folder / "lib").mkdir(parents=True)
    (folder / "app.py").write_text(
        "from lib.util import greet\ndef handler(e, c):\n    return greet(e['n'])\n"
    )
    (folder / "lib" / "__init__.py").write_text("")
    (folder / "lib" / "util.py").write_text("def greet(n):\n    return f'hi {n}'\n")
    fn = Function.from_directory(folder, handler="app.handler", name=name, timeout=5)
    assert fn.invoke({"n": "dir"}).payload == "hi dir"
    assert fn.code_file == "app.py" and fn.config.timeout == 5
    fn = Function.from_directory(_zip(folder, tmp_path / "code.zip"), handler="app.handler",
                                 name=name)  # fmt: skip
    assert fn.invoke({"n": "zip"}).payload == "hi zip" and fn.revision == 2
    with pytest.raises(BuildError, match=r"The handler's file is missing: main.py or "
                                         r"main/__init__.py is not in"):  # fmt: skip
        Function.from_directory(folder, handler="main.handler", name=name)
    with pytest.raises(BuildError, match="does not exist"):
        Function.from_directory(tmp_path / "nope", handler="app.handler", name=name)
    assert fn.revision == 2


@pytest.mark.skipif(not NODE, reason="node and npm are needed")
def test_nodejs_npm_requirement_and_layer_node_path(
    name: str, private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = tmp_path / "layer"
    (layer / "nodejs" / "node_modules" / "from-layer").mkdir(parents=True)
    (layer / "nodejs" / "node_modules" / "from-layer" / "index.js").write_text(
        "module.exports = 'layer';\n"
    )
    code = (
        "const isNumber = require('is-number');\n"
        "const fromLayer = require('from-layer');\n"
        "exports.handler = async () => ({ n: isNumber(5), s: isNumber('x'), layer: fromLayer,\n"
        "  path: process.env.NODE_PATH, v: '_LAMBDA_NB_IMPORT_PATHS' in process.env });\n"
    )
    lines: list[str] = []
    fn = Function.from_source(code, name=name, runtime="nodejs20.x", filename="index.js",
                              requirements=["is-number@7.0.0"], layers=[layer],
                              on_build=lines.append)  # fmt: skip
    assert any(ln.startswith("$ ") and "npm install" in ln for ln in lines)
    out = fn.invoke({}).payload
    rev = fn._revision
    assert (out["n"], out["s"], out["layer"], out["v"]) == (True, False, "layer", False)
    # The kernel's own node_modules (here: in its working directory) are not on the way.
    kernel_pkg = tmp_path / "kernel" / "node_modules" / "kernel-pkg"
    kernel_pkg.mkdir(parents=True)
    (kernel_pkg / "index.js").write_text("module.exports = 1;\n")
    monkeypatch.chdir(tmp_path / "kernel")
    probe = "try { require('kernel-pkg'); return 'found' } catch (e) { return e.code }"
    fn2 = Function.from_source(f"exports.handler = async () => {{ {probe} }};\n",
                               name=f"{name}-probe", runtime="nodejs20.x", filename="index.js")  # fmt: skip
    try:
        assert fn2.invoke({}).payload == "MODULE_NOT_FOUND"
    finally:
        fn2.close()
    assert (rev.task_root / "node_modules" / "is-number" / "package.json").is_file()
    runtime_dir = inside(fn, rev.runtime.runtime_dir)
    sdk = f"{inside(fn, rev.runtime_site)}:" if rev.runtime_site else ""
    opt = inside(fn, rev.opt_dir)
    assert out["path"] == (
        f"{opt}/nodejs/node20/node_modules:{opt}/nodejs/node_modules:"
        f"{sdk}{runtime_dir}:{inside(fn, rev.task_root)}"
    )
    # A package.json's dependencies are the same requirement set: cached, no npm run.
    manifest = tmp_path / "package.json"
    manifest.write_text(json.dumps({"dependencies": {"is-number": "7.0.0"}}))
    again: list[str] = []
    fn = Function.from_source(code.replace("from-layer", "is-number"), name=name,
                              runtime="nodejs20.x", filename="index.js", requirements=manifest,
                              on_build=again.append)  # fmt: skip
    assert again == [] and fn.invoke({}).payload["n"] is True
    # The kernel's node_modules and a bad package: not found / npm's own message.
    with pytest.raises(BuildError, match="npm install failed"):
        Function.from_source(code, name=name, runtime="nodejs20.x", filename="index.js",
                             requirements=["lambda-nb-no-such-package-zq@1.0.0"])  # fmt: skip
    assert fn.revision == 2


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_uv_installs_the_same_wheels(name: str, private_cache: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LAMBDA_NB_INSTALLER", "uv")
    lines: list[str] = []
    code = "import six\ndef lambda_handler(e, c):\n    return six.__version__\n"
    fn = Function.from_source(code, name=name, requirements=["six==1.16.0"], on_build=lines.append)
    assert lines[0].startswith("$ ") and "uv pip install" in lines[0]
    assert fn.invoke({}).payload == "1.16.0"


def test_offline_without_cache_the_function_runs_and_says_why_once(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_NB_INSTALLER", "pip")
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{closed_port()}/simple")
    monkeypatch.setattr(runtime_site, "_notices", {})
    monkeypatch.setattr(runtime_site, "_said", set())
    monkeypatch.setattr(runtime_site, "_failed_at", {})
    code = (
        "def lambda_handler(e, c):\n    try:\n        import boto3\n"
        "    except ImportError as exc:\n        return str(exc)\n"
    )
    fn = Function.from_source(code, name=name)
    assert fn._revision.runtime_site is None
    first, second = fn.invoke({}), fn.invoke({})
    assert first.payload == second.payload == "No module named 'boto3'"
    (note,) = first.notes
    assert note.startswith("boto3 is not available to this function") and "cache" in note
    assert second.notes == [] and vm.build(first).hints == (note,)


# ---------------------------------------------------------------------------------- magic
def test_magic_requirements_layer_and_a_file_cell(
    ip: Any, name: str, private_cache: Path, tmp_path: Path
) -> None:
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    from lambda_nb.render import cells

    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "greeting.py").write_text("WORD = 'hello'\n")
    # A file cell before its function exists waits for it.
    with capture_output() as cap:
        ip.run_cell_magic(
            "lambda", f"{name} --file helpers.py", "def shout(x):\n    raise ValueError(x)\n"
        )
    assert "helpers.py will be part of" in cap.stdout
    code = (
        "import six, greeting, helpers\n"
        "def lambda_handler(event, context):\n"
        "    if event.get('fail'):\n"
        "        helpers.shout('loud')\n"
        "    return [six.__version__, greeting.WORD]\n"
    )
    line = f'{name} --requirements "six==1.16.0" --layer {layer} --architecture x86_64'
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{line} -o inv", code)
    inv = ip.user_ns.pop("inv")
    assert inv.payload == ["1.16.0", "hello"]
    shown = cap.stdout + "".join(o.data.get("text/plain", "") for o in cap.outputs)
    assert f"Building {name}: installing requirements" in shown  # pip's lines, live
    assert f"Build of {name} done in" in shown
    # The error in the file cell points at that cell's own line 3.
    with capture_output():
        ip.run_cell_magic("lambda", f"{line} --event '{{\"fail\": 1}}' -o inv", code)
    inv = ip.user_ns.pop("inv")
    err = vm.build(inv).error
    assert err is not None and err.cell_line == 5  # the call, in the main cell (line 1: %%lambda)
    helper = next(f for f in err.frames if f.cell_file == "helpers.py")
    assert (helper.cell_line, helper.cell_text) == (3, "    raise ValueError(x)")
    assert "← helpers.py cell line 3" in static.to_text(inv)
    # Re-running the file cell republishes the function with it (no pip run).
    revision = inv.revision
    with capture_output() as cap:
        ip.run_cell_magic("lambda", f"{name} --file helpers.py", "def shout(x):\n    return None\n")
    assert f"Published {name} rev {revision + 1} with helpers.py" in cap.stdout
    assert cells.file_cells(name)["helpers.py"].startswith("# %%lambda\n")
    # A failed install is a UsageError with pip's words; the live revision stays.
    with pytest.raises(UsageError, match="No matching distribution found"), capture_output():
        ip.run_cell_magic(
            "lambda", f"{name} --requirements lambda-nb-no-such-package-zq==1.0", code
        )
    from lambda_nb.engine.service import default_service

    assert default_service().functions[name].revision == revision + 1
    cells._FILE_CELLS.pop(name, None)


@pytest.mark.skipif(not NODE, reason="node and npm are needed")
def test_nodejs_es_modules_import_the_sdk_and_layers(name: str, tmp_path: Path) -> None:
    """An index.mjs imports @aws-sdk v3 (installed once into the cache, on first use) and a
    layer's package, as on Lambda, although ES modules ignore NODE_PATH; aws-sdk v2 is absent."""
    layer = tmp_path / "layer"
    package = layer / "nodejs" / "node_modules" / "esm-layer"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "esm-layer", "main": "index.js"}')
    (package / "index.js").write_text("module.exports = { where: 'layer' };\n")
    code = (
        "import { S3Client } from '@aws-sdk/client-s3';\n"
        "import layer from 'esm-layer';\n"
        "export const handler = async () => {\n"
        "  let v2 = 'present';\n"
        "  try { await import('aws-sdk'); } catch (e) { v2 = e.code; }\n"
        "  return { s3: typeof S3Client, layer: layer.where, v2 };\n"
        "};\n"
    )
    fn = Function.from_source(code, name=name, runtime="nodejs22.x", layers=[layer])
    assert fn._revision.runtime_site is not None
    inv = fn.invoke({})
    assert inv.payload == {"s3": "function", "layer": "layer", "v2": "ERR_MODULE_NOT_FOUND"}
    assert inv.report is not None and inv.report.init_duration_ms is not None


def test_a_user_pythonpath_suppresses_the_opt_entries(name: str, tmp_path: Path) -> None:
    """As Lambda's bootstrap: with PYTHONPATH set, /opt's dirs are not added (2.1)."""
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    code = "import sys\ndef lambda_handler(e, c):\n    return sys.path[:2]\n"
    fn = Function.from_source(code, name=name, layers=[layer],
                              environment={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert fn.invoke({}).payload == [inside(fn, fn._revision.task_root), str(tmp_path)]


def test_cli_requirements_file_and_layer(tmp_path: Path, private_cache: Path) -> None:
    import subprocess

    (tmp_path / "lambda_function.py").write_text(
        "import six, helpers, from_layer\n"
        "def lambda_handler(e, c):\n    return [six.__version__, helpers.X, from_layer.Y]\n"
    )
    (tmp_path / "helpers.py").write_text("X = 'helper'\n")
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "from_layer.py").write_text("Y = 'layer'\n")
    argv = [sys.executable, "-m", "lambda_nb", "invoke", "lambda_function.py", "--requirements",
            "six==1.16.0", "--file", "helpers.py", "--layer", "layer"]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["1.16.0", "helper", "layer"]
    assert "pip" in out.stderr  # the build's output goes to stderr with the logs
    argv[argv.index("--layer") + 1] = "missing-layer"
    out = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 2 and "Layer 'missing-layer' does not exist" in out.stderr


def test_a_custom_runtime_from_a_layer_is_opt_bootstrap(name: str, tmp_path: Path) -> None:
    """provided.al2023: /var/task/bootstrap, else the layer's /opt/bootstrap (3.3)."""
    layer = tmp_path / "runtime-layer"
    layer.mkdir()
    bootstrap = layer / "bootstrap"
    bootstrap.write_text(
        "#!/bin/sh\n"
        "api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation\n"
        "while true; do\n"
        "  id=$(curl -sS -D - -o /dev/null $api/next | tr -d '\\r' |"
        " sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')\n"
        "  curl -sS -o /dev/null -X POST -d \"\\\"$(cat $LAMBDA_TASK_ROOT/function.sh)\\\"\" "
        "$api/$id/response\n"
        "done\n"
    )
    bootstrap.chmod(0o755)
    code = tmp_path / "code"
    code.mkdir()
    (code / "function.sh").write_text("from-the-layer-runtime")
    fn = Function.from_directory(code, handler="function.handler", runtime="provided.al2023",
                                 name=name, layers=[layer])  # fmt: skip
    inv = fn.invoke({})
    assert inv.status == "success", inv.error
    assert inv.payload == "from-the-layer-runtime"
