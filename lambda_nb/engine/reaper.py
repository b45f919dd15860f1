"""A watchdog that ends every execution environment if the process that owns them dies.

Frozen (SIGSTOPped) runtimes cannot notice that the kernel went away, and atexit hooks do not
run when a kernel is killed. So the service starts one small watchdog process; it is told each
environment's process group (and cgroup) as it starts and ends, and when its stdin closes (the
owner died, however) it kills whatever is still registered, removes the emptied cgroups and
the service's work directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

_WATCHDOG = r"""
import os, shutil, signal, sys, time
kept = {"pgid": set(), "cgroup": set(), "dir": set()}
for line in sys.stdin:
    op, kind, value = line.rstrip("\n").split(" ", 2)
    (kept[kind].add if op == "+" else kept[kind].discard)(value)
for pgid in kept["pgid"]:
    try: os.killpg(int(pgid), signal.SIGKILL)
    except OSError: pass
for path in kept["cgroup"]:
    try: pids = open(path + "/cgroup.procs").read().split()
    except OSError: pids = []
    for pid in pids:
        try: os.kill(int(pid), signal.SIGKILL)
        except OSError: pass
for path in kept["cgroup"]:
    for _ in range(100):
        try: os.rmdir(path); break
        except FileNotFoundError: break
        except OSError: time.sleep(0.01)
for path in kept["dir"]:
    shutil.rmtree(path, ignore_errors=True)
"""

class Reaper:
    """Registers process groups and cgroups with the watchdog (started lazily, once)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                if os.name != "posix":
                    return
                self._proc = subprocess.Popen(
                    [sys.executable, "-S", "-c", _WATCHDOG],
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
