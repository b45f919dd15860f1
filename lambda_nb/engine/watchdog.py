"""The watchdog process, and how it finds every process an execution environment started.

`reaper.Reaper` runs this file as a script (`python -S watchdog.py`, stdlib only, so it starts in
a few milliseconds and imports nothing of ours). Its stdin is a pipe from the service; each line
registers or forgets a process group, a cgroup, an environment marker or a directory. When stdin
closes, the owner has died (however: even SIGKILL closes the pipe), so it kills whatever is still
registered and removes the directories.

Process groups and cgroups are not enough to find everything: a child that calls `setsid` leaves
the group, and without a cgroup (any non-root user) nothing else holds it; a double fork leaves
the runtime's tree as well. What every such process still carries is the environment block it
inherited, and each execution environment's block names its own log stream
(`AWS_LAMBDA_LOG_STREAM_NAME`, unique per environment). So the last sweep is by that marker.
A process that rewrites its environment before exec can still escape; the sandbox (a PID
namespace) is what closes that.

The engine imports `marked_processes` and `kill_marked` from here for the same sweep at reset and
close, so the rule is written once.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Iterable

MARKER_VARIABLE = "AWS_LAMBDA_LOG_STREAM_NAME"
_SWEEP_PASSES = 50  # a process forking while it is swept is caught by the next pass


def marker(log_stream: str) -> bytes:
    """The environment entry that tags every process of one execution environment."""
    return f"{MARKER_VARIABLE}={log_stream}".encode()


def _environ(pid: str) -> bytes:
    """A process's initial environment block; empty if it is gone, a zombie, or not ours."""
    try:
        fd = os.open(f"/proc/{pid}/environ", os.O_RDONLY)
    except OSError:
        return b""
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        return b""
    finally:
        os.close(fd)
    return b"".join(chunks)


def marked_processes(markers: Iterable[bytes]) -> list[int]:
    """Live processes (Linux /proc) whose environment holds one of `markers` as a whole entry."""
    wanted = [b"\0" + m + b"\0" for m in markers]
    if not wanted or not sys.platform.startswith("linux"):
        return []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    me = os.getpid()
    found = []
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        block = b"\0" + _environ(entry)
        if not block.endswith(b"\0"):
            block += b"\0"
        if any(w in block for w in wanted):
            found.append(int(entry))
    return found


def kill_marked(markers: Iterable[bytes]) -> int:
    """SIGKILL every process carrying one of `markers`, sweeping again until none is left
    (a killed process is a zombie, whose environment reads empty). Returns how many it killed."""
    wanted = list(markers)
    killed = 0
    for _ in range(_SWEEP_PASSES):
        pids = marked_processes(wanted)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.001)
    return killed


def _kill_cgroup(path: str) -> None:
    try:
        with open(path + "/cgroup.procs") as f:
            pids = f.read().split()
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def _remove_cgroup(path: str) -> None:
    for _ in range(100):  # the kernel frees an emptied cgroup shortly after its last exit
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def main() -> None:
    kept: dict[str, set[str]] = {"pgid": set(), "cgroup": set(), "env": set(), "dir": set()}
    for line in sys.stdin:
        op, kind, value = line.rstrip("\n").split(" ", 2)
        (kept[kind].add if op == "+" else kept[kind].discard)(value)
    # The owner is gone. Groups first (one signal each), then the cgroups' members, then
    # whatever still carries an environment's marker, wherever it went.
    for pgid in kept["pgid"]:
        try:
            os.killpg(int(pgid), signal.SIGKILL)
        except OSError:
            pass
    for path in kept["cgroup"]:
        _kill_cgroup(path)
    kill_marked(marker(stream) for stream in kept["env"])
    for path in kept["cgroup"]:
        _remove_cgroup(path)
    for path in kept["dir"]:
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
