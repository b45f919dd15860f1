"""Registers execution environments with a watchdog that ends them if their owner dies.

Frozen (SIGSTOPped) runtimes cannot notice that the kernel went away, and atexit hooks do not
run when a kernel is killed. So the service starts one small watchdog process (`watchdog.py`);
it is told each environment's process group, cgroup and log-stream marker as they start and
end, and when its stdin closes (the owner died, however) it kills whatever is still registered,
removes the emptied cgroups and the service's work directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

# Run by path, isolated (-I: not even its own folder on sys.path) and without site (-S): it is
# stdlib only and starts in milliseconds.
_WATCHDOG = Path(__file__).with_name("watchdog.py")


class Reaper:
    """Registers process groups, cgroups, environments and directories with the watchdog
    (started lazily, once)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                if os.name != "posix":
                    return
                self._proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", str(_WATCHDOG)],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    text=True, start_new_session=True, close_fds=True,
                )  # fmt: skip
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(line + "\n")
                self._proc.stdin.flush()
            except OSError:
                self._proc = None

    def watch_group(self, pgid: int) -> None:
        self._send(f"+ pgid {pgid}")

    def forget_group(self, pgid: int) -> None:
        self._send(f"- pgid {pgid}")

    def watch_cgroup(self, path: str) -> None:
        self._send(f"+ cgroup {path}")

    def forget_cgroup(self, path: str) -> None:
        self._send(f"- cgroup {path}")

    def watch_environment(self, log_stream: str) -> None:
        """Every process whose environment names this log stream dies with the owner."""
        self._send(f"+ env {log_stream}")

    def forget_environment(self, log_stream: str) -> None:
        self._send(f"- env {log_stream}")

    def watch_dir(self, path: str) -> None:
        self._send(f"+ dir {path}")

    def close(self) -> None:
        """A clean shutdown: the watchdog exits with nothing left to kill."""
        with self._lock:
            if self._proc is not None:
                try:
                    assert self._proc.stdin is not None
                    self._proc.stdin.close()
                except OSError:
                    pass
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                self._proc = None
