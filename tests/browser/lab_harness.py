"""A headless JupyterLab and Debian's chromium, started and always stopped, for browser tests.

Shared by tests/browser/ and benchmarks/bench_widgets.py. `lab_server()` runs JupyterLab on a
free 127.0.0.1 port with a random token, fresh settings (news toast off) and workspaces, and
`window.jupyterapp` exposed; on exit it shuts the server down and then ends, by PID, any process
still carrying this run's marker in its environment (kernels and the execution environments
they started), so nothing outlives a test even when it fails. `chromium()` launches the
apt-installed browser through the python `playwright` package (no browser download).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LAMBDA_NB_CHROMIUM", "/usr/bin/chromium")
# Playwright adds --headless itself (headless=True).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
    "--mute-audio",
]
MARKER_VAR = "LAMBDA_NB_BROWSER_RUN"
# Lab settings for a quiet, deterministic page: no news toast, and every cell in the DOM
# (windowing would leave off-screen outputs unrendered).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# True once the current notebook's kernel is connected and idle (jupyter.md 3.3, pitfall 1:
# the execution indicator says idle before the websocket is up).
KERNEL_READY = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""
# True once every code cell of the current notebook has run and the kernel is idle again.
ALL_CELLS_RAN = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.content) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  return !!k && k.status === 'idle' && cells.every(c => c.model.executionCount !== null);
}"""


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LabServer:
    base_url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    marker: str

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


def processes_with_marker(marker: str) -> list[int]:
    """PIDs of live processes whose environment carries `MARKER_VAR=marker` (Linux /proc)."""
    needle = f"{MARKER_VAR}={marker}\0".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        if needle in environ and b") Z " not in stat:
            found.append(int(entry))
    return found


def _settings_dir(base: Path) -> Path:
    settings = base / "settings"
    for plugin, values in LAB_SETTINGS.items():
        package, _, name = plugin.rpartition("/")
        target = settings / package
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    return settings


@contextlib.contextmanager
def lab_server(
    notebooks: list[Path], startup_timeout: float = 90.0, app: str = "jupyterlab"
) -> Iterator[LabServer]:
    """JupyterLab (or Notebook 7: app="notebook") serving copies of `notebooks` from a temporary
    root, with its own settings, workspaces and data directory (so its notebook trust database
    is empty: a notebook it did not run is untrusted, as one from git); always shut down."""
    app_class = {"jupyterlab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
    base = Path(tempfile.mkdtemp(prefix="lnb-lab-"))
    root = base / "root"
    root.mkdir()
    for nb in notebooks:
        shutil.copy(nb, root / nb.name)
    token = uuid.uuid4().hex
    marker = uuid.uuid4().hex
    port = free_port()
    (base / "workspaces").mkdir()
    cmd = [
        sys.executable, "-m", app, "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True", "--ServerApp.open_browser=False",
        f"--{app_class}.expose_app_in_browser=True",
        f"--{app_class}.user_settings_dir={_settings_dir(base)}",
        f"--{app_class}.workspaces_dir={base / 'workspaces'}",
        "--LabServerApp.collaborative=False",
    ]  # fmt: skip
    env = {
        **os.environ,
        MARKER_VAR: marker,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "IPYTHONDIR": str(base / "ipython"),
    }
    log = (base / "server.log").open("wb")
    process = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, process, marker)
    try:
        _wait_ready(server, startup_timeout, base / "server.log")
        yield server
    finally:
        _shutdown(server)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(server: LabServer, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text(errors='replace')}")
        try:
            server.api("status")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"JupyterLab not ready in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _shutdown(server: LabServer) -> None:
    """Kernels first (through the API), then the server, then any straggler by PID."""
    with contextlib.suppress(Exception):
        for kernel in server.api("kernels"):
            server.api(f"kernels/{kernel['id']}", method="DELETE")
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)
    _wait_gone(server.marker, timeout=10)
    for pid in processes_with_marker(server.marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _wait_gone(server.marker, timeout=10)  # SIGKILL is not instant on a loaded machine


def _wait_gone(marker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.05)


@contextlib.contextmanager
def chromium(viewport: tuple[int, int] = (1280, 1000)) -> Iterator[Any]:
    """A fresh page in Debian's chromium; the browser is closed however the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            yield context.new_page()
        finally:
            browser.close()


def open_notebook(
    page: Any, server: LabServer, name: str, timeout_ms: int = 90_000, app: str = "jupyterlab"
) -> None:
    """Open a notebook on a reset workspace and wait until its kernel is connected and idle."""
    path = f"lab/tree/{name}?reset" if app == "jupyterlab" else f"notebooks/{name}"
    page.goto(server.url(path), timeout=timeout_ms)
    page.wait_for_function(KERNEL_READY, timeout=timeout_ms)


def save_notebook(page: Any) -> None:
    """Save the current notebook (awaits the save command)."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")


def set_theme(page: Any, dark: bool, timeout_ms: int = 30_000) -> None:
    """Switch JupyterLab's theme and wait until the page has it."""
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    page.wait_for_function(
        "light => document.body.dataset.jpThemeLight === light", arg=str(not dark).lower(),
        timeout=timeout_ms,
    )  # fmt: skip


def run_all(page: Any) -> None:
    """Start Run All Cells without awaiting it, so streaming can be observed (pitfall 3)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_all_ran(page: Any, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(ALL_CELLS_RAN, timeout=timeout_ms, polling=200)
