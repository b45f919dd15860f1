"""The runtime version is the one named, and print/logging records keep the order of the calls.

Node.js: nodejs20.x, 22.x and 24.x run on Node 20, 22 and 24. A major the machine lacks is
downloaded for real from the npm registry, once, into a cache shared by this module's tests
(a temporary one: the first test that needs a version downloads it, the others reuse it).
Offline means a registry URL on a port nobody listens on. (Python minors: test_python_versions.py.)
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_paths import inside, sandboxed

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.engine.sandbox import LANG
from lambda_nb.runtimes import node_binaries, registry

NODE_CODE = """import { execSync } from "node:child_process";
export const handler = async () => ({
  version: process.version,
  env: process.env.AWS_EXECUTION_ENV,
  child: execSync("node --version").toString().trim(),
  path: process.env.PATH.split(":")[0],
  executable: process.execPath,
});
"""
needs_node_package = pytest.mark.skipif(
    not (sys.platform.startswith(("linux", "darwin"))), reason="no Node.js package for this OS"
)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


@pytest.fixture(scope="module")
def node_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache for the module's tests: each Node.js major is downloaded at most once here."""
    cache = tmp_path_factory.mktemp("lambda_nb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAMBDA_NB_CACHE_DIR", str(cache))
        yield cache


@pytest.fixture
def no_node_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH without `node`, so the version comes from the cache or the registry."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[node_binaries.DownloadProgress]:
    """The progress steps shown while this test runs (the default display still prints)."""
    steps: list[node_binaries.DownloadProgress] = []
    lock = threading.Lock()
    shown = node_binaries.progress

    def record(step: node_binaries.DownloadProgress) -> None:
        with lock:
            steps.append(step)
        shown(step)

    monkeypatch.setattr(node_binaries, "progress", record)
    return steps


# --------------------------------------------------------------------------------- Node.js
@needs_node_package
@pytest.mark.parametrize("major", [22, 24])
def test_node_is_downloaded_once_then_runs_from_the_cache(
    make_function, node_cache, no_node_on_path, downloads, major: int
) -> None:
    """Two kernels asking at once on an empty cache: one download, under the lock, which the
    other waits for and takes; later functions of that version reuse it."""
    results: list[object] = []

    def resolve() -> None:
        try:
            results.append(node_binaries.find_node(major))
        except Exception as exc:  # the assertion below shows it
            results.append(exc)

    threads = [threading.Thread(target=resolve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(results) == 2 and results[0] == results[1], results
    finished = [s for s in downloads if s.finished]
    assert len(finished) == 1, downloads  # the module's cache was empty for this major
    step = finished[0]
    assert step.version.startswith(f"{major}.") and step.total > 10_000_000
    assert step.path == str(node_cache / "node" / step.version / "bin" / "node")
    assert results[0] == (step.path, tuple(map(int, step.version.split("."))))
    assert downloads[0].done == 0  # "Downloading Node.js ..." came first, then the bytes
    assert not list((node_cache / "node").glob(".tmp-*"))  # nothing half-unpacked is left
    kept = sorted(str(p.relative_to(node_cache)) for p in node_cache.rglob(f"{step.version}/*"))
    assert kept == [f"node/{step.version}/LICENSE", f"node/{step.version}/bin"]

    downloads.clear()
    for _ in range(2):
        fn = make_function(NODE_CODE, runtime=f"nodejs{major}.x")
        inv = fn.invoke({})
        assert inv.status == "success", inv.log_text()
        assert inv.payload["version"] == f"v{step.version}"
    assert downloads == []  # reused, not fetched again


@needs_node_package
@pytest.mark.parametrize("runtime", registry.NODE_RUNTIMES)
def test_the_node_version_is_the_one_named(make_function, node_cache, runtime: str) -> None:
    """process.version, AWS_EXECUTION_ENV, INIT_START and a child `node` all agree; the node
    is the one chosen, first on PATH, at its host path in process mode and at Lambda's
    /var/lang/bin/node in the sandbox (even a node of the host's /usr)."""
    major = runtime[len("nodejs") : -len(".x")]
    fn = make_function(NODE_CODE, runtime=runtime)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    assert inv.payload["version"].startswith(f"v{major}.")
    assert inv.payload["env"] == f"AWS_Lambda_{runtime}"
    assert inv.payload["child"] == inv.payload["version"]  # PATH leads to the same node
    interpreter = fn._revision.runtime.interpreter
    assert interpreter is not None
    seen = inside(fn, os.path.realpath(interpreter))  # the host's path in process mode
    assert inv.payload["executable"] == seen
    if sandboxed(fn):
        assert seen == f"{LANG}/bin/node"  # where Lambda's is
    assert inv.payload["path"] == os.path.dirname(inv.payload["executable"])
    start = next(r.message for r in inv.logs if r.message.startswith("INIT_START"))
    minor = inv.payload["version"].split(".")[1]
    assert start.startswith(f"INIT_START Runtime Version: nodejs:{major}.v{minor}\t")


def test_offline_without_the_version_is_a_clear_error(
    make_function, no_node_on_path, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("LAMBDA_NB_NPM_REGISTRY", closed_port_url())
    stale = tmp_path / "empty-cache" / "node" / ".tmp-24.0.0-killed"  # a download cut short
    (stale / "bin").mkdir(parents=True)
    (stale / "bin" / "node").write_bytes(b"half a binary")
    with pytest.raises(RuntimeNotFound) as err:
        make_function(NODE_CODE, runtime="nodejs24.x")
    assert not stale.exists()  # cleared under the lock, and never taken for a Node.js
    message = str(err.value)
    assert "Runtime nodejs24.x needs Node.js 24" in message
    assert str(tmp_path / "empty-cache" / "node") in message  # where it looked
    assert "Connection refused" in message  # why the download failed
    assert "https://nodejs.org" in message and "npm pack node-" in message  # how to get it


@needs_node_package
def test_offline_with_the_version_cached_still_works(
    make_function, node_cache, no_node_on_path, monkeypatch
) -> None:
    node_binaries.find_node(22)  # cached by an earlier test, else now
    monkeypatch.setenv("LAMBDA_NB_NPM_REGISTRY", closed_port_url())
    fn = make_function(NODE_CODE, runtime="nodejs22.x")
    assert fn.invoke({}).payload["version"].startswith("v22.")


def test_a_node_of_another_major_on_path_is_not_used(make_function, tmp_path, monkeypatch) -> None:
    """A `node` on PATH that is not the version named is passed over, and the error says so."""
    fake = tmp_path / "bin" / "node"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho v18.20.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("LAMBDA_NB_NPM_REGISTRY", closed_port_url())
    with pytest.raises(RuntimeNotFound, match=r"`node` on PATH is 18\.20\.0"):
        make_function(NODE_CODE, runtime="nodejs22.x")


# ----------------------------------------------------------------- print and logging order
PY_ORDER = """import logging, sys
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def lambda_handler(event, context):
    for i in range(event["n"]):
        print(f"print {i}")
        logger.info("log %d", i)
        sys.stdout.write(f"part {i} ")
        logger.warning("between %d\\nsecond line", i)
        sys.stdout.write("end\\n")
    return event["n"]
"""
NODE_ORDER = """export const handler = async (event) => {
  for (let i = 0; i < event.n; i++) {
    process.stdout.write(`write ${i}\\n`);
    console.log(`log ${i}`);
    process.stdout.write(`part ${i} `);
    console.warn(`between ${i}\\nsecond line`);
    process.stdout.write("end\\n");
  }
  return event.n;
};
"""


def _labels(inv) -> list[str]:
    """Each function record as `<kind> <i>`, in the order the invocation holds them."""
    out = []
    for rec in inv.logs:
        if rec.source == "platform":
            continue
        match = re.search(r"(print|write|log|between|part) (\d+)", rec.message)
        assert match, rec
        out.append(f"{match.group(1)} {match.group(2)}")
    return out


@pytest.mark.parametrize("client", ["lambda_nb", "awslambdaric"])
def test_python_print_and_logging_keep_the_order_of_the_calls(make_function, client) -> None:
    fn = make_function(PY_ORDER, runtime_client=client)
    n = 400
    for _ in range(3):  # several invocations: a reader that falls behind shows up sooner or later
        inv = fn.invoke({"n": n})
        assert inv.status == "success", inv.log_text()
        # "part i " + "end" is one line, begun before the WARNING was logged: it comes first
        want = [f"{k} {i}" for i in range(n) for k in ("print", "log", "part", "between")]
        assert _labels(inv) == want
        times = [r.timestamp for r in inv.logs]
        assert times == sorted(times)  # and the timestamps agree with the order
        between = next(r for r in inv.logs if r.message.startswith("[WARNING]"))
        assert between.message.endswith("between 0\nsecond line\n")  # one record, two lines


@pytest.mark.parametrize("client", ["lambda_nb", "awslambdaric"])
def test_node_console_and_stdout_keep_the_order_of_the_calls(make_function, client) -> None:
    if client == "awslambdaric" and registry.aws_node_ric("nodejs20.x") is None:
        pytest.skip("AWS's Node.js runtime client is not installed")
    fn = make_function(NODE_ORDER, runtime="nodejs20.x", runtime_client=client)
    n = 400
    for _ in range(3):
        inv = fn.invoke({"n": n})
        assert inv.status == "success", inv.log_text()
        want = [f"{k} {i}" for i in range(n) for k in ("write", "log", "part", "between")]
        assert _labels(inv) == want
        warn = next(r for r in inv.logs if "\tWARN\t" in r.message)
        assert warn.message.endswith("between 0\nsecond line\n")


def test_order_holds_for_output_larger_than_a_pipe(make_function) -> None:
    """Half a megabyte of prints among the log records: the pipe fills, the order stays."""
    code = PY_ORDER.replace('print(f"print {i}")', 'print(f"print {i} " + "x" * 1000)')
    fn = make_function(code)
    inv = fn.invoke({"n": 500})
    assert inv.status == "success", inv.log_text()
    assert _labels(inv) == [
        f"{k} {i}" for i in range(500) for k in ("print", "log", "part", "between")
    ]


def test_text_that_looks_like_a_frame_header_stays_text(make_function) -> None:
    """Bytes A5 5A 00 in stdout (here inside "¥Z" and a NUL) are printed text, not a frame."""
    code = """import os
def lambda_handler(event, context):
    os.write(1, b"\\xc2\\xa5Z\\x00\\x03 yen\\n")
    os.write(1, b"\\xa5\\x5a\\x00")
    os.write(1, b"\\x0f" + bytes(12) + b" tail\\n")
    return 1
"""
    inv = make_function(code).invoke({})
    lines = [r.message.encode() for r in inv.logs if r.source == "stdout"]
    assert lines == [
        "¥Z\x00\x03 yen\n".encode(),
        b"\xef\xbf\xbdZ\x00\x0f" + bytes(12) + b" tail\n",  # A5 alone is not UTF-8: U+FFFD
    ]
    assert (
        json.dumps([r.source for r in inv.logs if r.source != "platform"]) == '["stdout", "stdout"]'
    )
