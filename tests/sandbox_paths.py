"""Where a function's files are, as it sees them and as the host does: the sandbox (bubblewrap)
shows Lambda's paths, process mode the host's. A module, not conftest: `from conftest import`
finds tests/browser/conftest.py first when the whole suite is collected."""

from __future__ import annotations

import os
from pathlib import Path

from lambda_nb.function import Function


def sandboxed(fn: Function) -> bool:
    """Does `fn` run in the sandbox (bubblewrap), where its paths are Lambda's?"""
    return fn.isolation == "sandbox"


def task_root(fn: Function) -> str:
    """LAMBDA_TASK_ROOT as the function sees it: /var/task in the sandbox, else the host's."""
    return "/var/task" if sandboxed(fn) else str(fn._revision.task_root)


def tmp_dir(fn: Function, index: int = 0) -> Path:
    """The host path of an environment's /tmp (in the sandbox: through its keeper's root)."""
    env = fn._revision.environments[index]
    if env.sandbox is not None and env.sandbox.keeper_pid is not None:
        return Path(f"/proc/{env.sandbox.keeper_pid}/root/tmp")
    return env.tmp


def inside(fn: Function, host_path: str | Path) -> str:
    """`host_path` as the function sees it: in the sandbox the task root is /var/task, the
    layers /opt and the bundled SDK the runtime's own folder (sandbox-and-packages.md 1.1)."""
    path = str(host_path)
    if not sandboxed(fn):
        return path
    rev = fn._revision
    client = rev.runtime.runtime_dir
    if client and os.path.realpath(path) == os.path.realpath(client):
        return "/var/runtime"  # its entries are bound one by one into /var/runtime
    env = rev.environments[0] if rev.environments else None
    layout = env._layout if env is not None else None
    for host, seen in (layout.binds if layout is not None else []):
        if path == host or path.startswith(host + "/"):
            return seen + path[len(host) :]
    return path
