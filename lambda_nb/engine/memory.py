"""Measuring and enforcing an execution environment's memory size.

On AWS the sandbox is a cgroup: its peak usage is `Max Memory Used`, and going over `MemorySize`
gets the runtime killed by the kernel's OOM killer. We do the same where we can:

- `CgroupMemory` (Linux, when a memory cgroup can be created: root, or a delegated cgroup v2
  subtree): a cgroup per environment with the limit set to the memory size; the kernel kills on
  overflow, the cgroup's peak counter (`memory.max_usage_in_bytes` / `memory.peak`) gives Max
  Memory Used across all processes of the environment, and its process list lets us kill every
  process, even one that left the process group.
- `PolledMemory` (Linux without cgroups): a thread samples the resident memory of the process
  tree from /proc every 5 ms, keeps the peak and kills the tree when it exceeds the limit. A very
  fast allocation can overshoot between two samples before it is killed.
- `NoMemoryLimit` (macOS, other systems): no enforcement, and Max Memory Used reads 0.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

MB = 1024 * 1024
_CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = 0
_counter_lock = threading.Lock()


def _next_name() -> str:
    global _counter
    with _counter_lock:
        _counter += 1
        return f"lambda_nb-{os.getpid()}-{_counter}"


class MemoryGuard:
    """Interface: attach a process, read the peak, tell whether the kernel killed it for memory."""

    backend = "none"

    def attach(self, pid: int) -> None: ...

    def peak_mb(self) -> int:
        return 0

    def oom_killed(self) -> bool:
        return False

    def reset_oom(self) -> None:
        """A new runtime process starts: only OOM kills from now on count."""

    def pause(self) -> None:
        """The environment is frozen: nothing can allocate until `resume`."""

    def resume(self) -> None: ...

    def pids(self) -> list[int]:
        return []

    def close(self) -> None: ...


class NoMemoryLimit(MemoryGuard):
    backend = "none"


class CgroupMemory(MemoryGuard):
    """A memory cgroup (v1 or v2) holding every process of one execution environment."""

    def __init__(self, path: Path, limit_mb: int, version: int) -> None:
        self.path = path
        self._dir = str(path)
        self.version = version
        self.backend = f"cgroup-v{version}"
        path.mkdir()
        self._files = _OpenFiles()  # read on every invoke: opened once, read with pread
        limit = str(limit_mb * MB)
        if version == 1:
            (path / "memory.limit_in_bytes").write_text(limit)
            try:  # no swap: going over the limit is an OOM kill, as on AWS
                (path / "memory.memsw.limit_in_bytes").write_text(limit)
            except OSError:
                pass
        else:
            (path / "memory.max").write_text(limit)
            try:
                (path / "memory.swap.max").write_text("0")
            except OSError:
                pass
        self._oom_base = self._oom_count()

    @classmethod
    def create(cls, limit_mb: int) -> CgroupMemory | None:
        """A new cgroup under our own, or None when this machine does not allow it."""
        if sys.platform != "linux":
            return None
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            _, controllers, rel = line.split(":", 2)
            if "memory" in controllers.split(","):
                parent = _CGROUP_ROOT / "memory" / rel.lstrip("/")
                version = 1
                break
        else:
            parent = (
                _CGROUP_ROOT / "unified" if (_CGROUP_ROOT / "unified").is_dir() else _CGROUP_ROOT
            )
            rel = next((ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")), "/")
            parent = parent / rel.lstrip("/")
            version = 2
            if not (parent / "cgroup.subtree_control").exists():
                return None
            if "memory" not in (parent / "cgroup.subtree_control").read_text().split():
                return None
        try:
            return cls(parent / _next_name(), limit_mb, version)
        except OSError:
            return None

    def attach(self, pid: int) -> None:
        """Move the runtime into the cgroup, and any child it started before we got here.

        The runtime runs from the moment it is spawned; on a loaded machine it can fork before
        this call, and that child would sit in our own cgroup, out of reach of freeze and kill.
        """
        procs = f"{self._dir}/cgroup.procs"
        _write_small(procs, pid)
        self._root = pid
        for child in descendants(pid):
            _write_small(procs, child)
        self._files.reopen(f"/proc/{pid}/statm")

    _root: int | None = None

    def _read(self, name: str) -> str:
        return self._files.read(f"{self._dir}/{name}").decode()

    def peak_mb(self) -> int:
        """The larger of the cgroup's charged peak and the processes' resident size, the
        largest seen.

        Pages of the interpreter and libraries that were already in the page cache are charged
        to whoever read them first, not to this cgroup; AWS's sandbox reads them itself. The
        resident size counts them, as Max Memory Used does on AWS. It is sampled when a phase
        ends (every invoke: statm, not status's VmHWM, which costs five times more to read);
        what is allocated and freed within an invoke is in the charged peak.
        """
        raw = self._read("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak")
        charged = int(raw.strip() or 0) / MB
        if self._root is not None:
            pids = self.pids()
            statm = [self._files.read(f"/proc/{p}/statm", keep=p == self._root) for p in pids]
            pages = sum(int(text.split()[1]) for text in statm if text)
            self._resident = max(self._resident, pages * _PAGE / MB)
        return int(-(-max(charged, self._resident) // 1))

    _resident = 0.0

    def _oom_count(self) -> int:
        text = self._read("memory.oom_control" if self.version == 1 else "memory.events")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def oom_killed(self) -> bool:
        return self._oom_count() > self._oom_base

    def reset_oom(self) -> None:
        self._oom_base = self._oom_count()

    def pids(self) -> list[int]:
        """The cgroup's processes. While paused (frozen, nothing can fork) the list read last."""
        if self._paused_pids is None:
            # cgroup v1 keeps the list it gave an open file for a second: open it anew there.
            text = self._files.read(f"{self._dir}/cgroup.procs", keep=self.version == 2)
            pids = [int(p) for p in text.split()]
            if not self._paused:
                return pids
            self._paused_pids = pids
        return self._paused_pids

    _paused = False
    _paused_pids: list[int] | None = None

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._paused_pids = None

    def close(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._files.close()
        for _ in range(100):  # the kernel frees an emptied cgroup shortly after its last exit
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                threading.Event().wait(0.01)


class _OpenFiles:
    """Small cgroup and /proc files kept open: a read is then a seek and a read instead of an
    open, a read and a close, which matters on the warm invoke's path. One lock: the seek and
    the read share the descriptor's offset, and the peer check, the invoking thread and
    close() read from different threads (interleaved, one of them read nothing)."""

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}
        self._lock = threading.Lock()

    def read(self, path: str, keep: bool = True) -> bytes:
        with self._lock:
            fd = self._fds.get(path)
            if fd is None:
                if not keep:
                    return _read_small(path)
                try:
                    fd = self._fds[path] = os.open(path, os.O_RDONLY)
                except OSError:
                    return b""
            try:  # not pread: cgroup v1's cgroup.procs only lists anew after a seek to 0
                os.lseek(fd, 0, os.SEEK_SET)
                return os.read(fd, 8192)
            except OSError:
                return b""

    def reopen(self, path: str) -> None:
        """A new process: forget the files of the one before (a pid's /proc files stay
        bound to the process they were opened for)."""
        with self._lock:
            for old in [p for p in self._fds if p.startswith("/proc/")]:
                os.close(self._fds.pop(old))
        self.read(path)

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children(pid: int) -> list[int] | None:
    """Direct children from /proc/PID/task/*/children (None where the kernel lacks it)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            return None
        except OSError:
            continue
    return out


def descendants(root: int) -> list[int]:
    """Every live descendant of `root` (Linux /proc; empty elsewhere)."""
    out: list[int] = []
    todo = [root]
    while todo:
        kids = _children(todo.pop())
        if kids is None:
            return _descendants_by_scan(root)
        out.extend(kids)
        todo.extend(kids)
    return out


def _descendants_by_scan(root: int) -> list[int]:
    """The slow way: read every process's parent from /proc/*/stat."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    children: dict[int, list[int]] = {}
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _write_small(path: str, pid: int) -> None:
    """Write one pid to a cgroup.procs file; a process that is gone already is no error."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, str(pid).encode())
    except ProcessLookupError:
        pass
    finally:
        os.close(fd)


def _read_small(path: str) -> bytes:
    """One small /proc or cgroup file, with as few syscalls as possible (hot path)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return b""
    try:
        return os.read(fd, 8192)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _field_kb(status: bytes, key: bytes) -> float:
    at = status.find(key)
    if at < 0:
        return 0.0
    return int(status[at + len(key) : status.index(b"kB", at)]) / 1024


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of one process in MB, from /proc/PID/status."""
    status = _read_small(f"/proc/{pid}/status")
    return _field_kb(status, b"VmRSS:"), _field_kb(status, b"VmHWM:")


class PolledMemory(MemoryGuard):
    """Samples the process tree's RSS; kills it when it goes over the limit."""

    backend = "poll"
    INTERVAL = 0.005

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        self._peak = 0.0
        self._root: int | None = None
        self._killed = False
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while frozen: no sampling, no CPU
        self._running.set()

    def attach(self, pid: int) -> None:
        self._root = pid
        self._killed = False
        threading.Thread(target=self._watch, args=(pid,), name="lambda_nb-mem", daemon=True).start()

    def _sample(self, pid: int) -> float:
        total, hwm = _rss_mb(pid)
        self._peak = max(self._peak, hwm)
        for child in descendants(pid):
            total += _rss_mb(child)[0]
        self._peak = max(self._peak, total)
        return total

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def _watch(self, pid: int) -> None:
        while not self._stop.wait(self.INTERVAL) and self._root == pid:
            if not self._running.is_set():
                self._running.wait()
                continue
            if not os.path.exists(f"/proc/{pid}"):
                return
            if self._sample(pid) > self.limit_mb:
                self._killed = True
                for p in [pid, *descendants(pid)]:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return

    def peak_mb(self) -> int:
        if self._root is not None:
            self._sample(self._root)
        return int(-(-self._peak // 1))

    def oom_killed(self) -> bool:
        return self._killed

    def reset_oom(self) -> None:
        self._killed = False

    def pids(self) -> list[int]:
        return descendants(self._root) if self._root is not None else []

    def close(self) -> None:
        self._stop.set()
        self._running.set()  # let a paused watcher see the stop


def memory_guard(limit_mb: int, backend: str | None = None) -> MemoryGuard:
    """The best guard this machine allows (`backend` forces "cgroup", "poll" or "none")."""
    backend = backend or os.environ.get("LAMBDA_NB_MEMORY_BACKEND") or "auto"
    if backend in ("auto", "cgroup"):
        guard = CgroupMemory.create(limit_mb)
        if guard is not None:
            return guard
        if backend == "cgroup":
            raise OSError("no writable memory cgroup on this machine")
    if backend in ("auto", "poll") and sys.platform == "linux":
        return PolledMemory(limit_mb)
    return NoMemoryLimit()
