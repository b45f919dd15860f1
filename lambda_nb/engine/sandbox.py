"""The sandbox: an execution environment's processes inside Linux namespaces, laid out as Lambda's.

Where bubblewrap and unprivileged user namespaces work (sandbox-and-packages.md 5.3), each
execution environment gets one *sandbox*: a bwrap process holding a user, mount, PID, UTS and IPC
namespace laid out as sandbox-and-packages.md 1.1 and 5.1 describe:

    /var/task     the code, read-only (cwd; LAMBDA_TASK_ROOT)
    /opt          the merged layers, read-only (empty without layers)
    /var/runtime  the runtime client, read-only (LAMBDA_RUNTIME_DIR)
    /var/lang     the language installation, read-only (when it is not already under /usr)
    /usr, /etc    the host's, read-only, and only the parts a runtime needs from /etc
    /tmp          a tmpfs of `ephemeral_storage` MB: full means ENOSPC, as on Lambda
    everything else read-only ("[Errno 30] Read-only file system"); no home, no notebook folder

and runs as uid 993 / gid 990 with hostname 169.254.x.y.

Why one long-lived sandbox per environment, and the runtime *joined* into it (nsenter) rather
than one bwrap per runtime start: Lambda's /tmp survives a reset (lambda-runtime.md 9), and the
only way to get ENOSPC at `ephemeral_storage` without root is a size-limited tmpfs, which lives
exactly as long as its mount namespace. So the namespace outlives the runtime: bwrap's command is
a keeper (`sleep infinity`, PID 2), each runtime start enters the keeper's namespaces, and a reset
kills every process of the namespace except bwrap's init and the keeper. Killing the keeper from
inside ends the sandbox (and its /tmp); the next start builds a new one, as Lambda would.

Every process of the sandbox is a descendant either of the runtime's launcher or of bwrap's init
(orphans are re-parented to the namespace's init), so freezing and killing reach daemons that
called `setsid` without any cgroup. `--die-with-parent` ends the sandbox with its owner.

Known differences, said plainly:
- tmpfs pages are memory: with a memory cgroup, what /tmp holds counts against the function's
  memory size (Lambda's /tmp is disk). sandbox-and-packages.md 5.5 calls this UNCONFIRMED.
- RLIMIT_NPROC counts the real uid's processes (5.5): run by root it is shown (742, as recorded
  in 1.4) but not enforced; run by a normal user the host's limit is kept, because 742 would
  count every process of that user (the notebook, the browser...).
- Files of the code appear owned by uid 993 (root) or 65534 (a normal user), not root (5.7).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_nb.engine.memory import descendants
from lambda_nb.engine.poll import readable

if TYPE_CHECKING:  # concurrent.futures imports logging: ~5 ms of every CLI run
    from concurrent.futures import ThreadPoolExecutor

UID, GID = 993, 990  # sandbox-and-packages.md 1.3
USER = "sbx_user1051"
TASK, OPT, RUNTIME, LANG = "/var/task", "/opt", "/var/runtime", "/var/lang"
# Lambda's values (lambda-runtime.md 3).
PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)
XRAY = {
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1:2000",
    "_AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1",
    "_AWS_XRAY_DAEMON_PORT": "2000",
}
# rlimits of sandbox-and-packages.md 1.4 (soft:hard), applied before exec so children inherit.
RLIMITS = ("--nofile=1024:1024", "--stack=8388608:unlimited", "--core=10737418240:10737418240",
           "--memlock=65536:65536")  # fmt: skip
NPROC = 742
ISOLATION_VARIABLE = "LAMBDA_NB_ISOLATION"  # "process" turns the sandbox off
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "resolv.conf", "hosts", "nsswitch.conf",
        "host.conf", "gai.conf", "ssl", "ca-certificates", "ca-certificates.conf", "alternatives",
        "localtime", "mime.types")  # fmt: skip
_TOOLS = ("bwrap", "nsenter", "prlimit", "setsid")
_START_TIMEOUT = 10.0


@dataclass(frozen=True)
class Isolation:
    """How this machine runs execution environments: "sandbox" or "process", and why not."""

    mode: str
    reason: str | None = None  # why there is no sandbox, in a sentence

    def __str__(self) -> str:
        return self.mode if self.reason is None else f"{self.mode} ({self.reason})"


def isolation() -> Isolation:
    """The mode new execution environments get: the sandbox wherever this machine can make
    one, process mode where it cannot (the reason says why) or when LAMBDA_NB_ISOLATION=process
    asks for it (sandbox-and-packages.md 5: the fallback is stated, never silent).
    """
    asked = os.environ.get(ISOLATION_VARIABLE, "").strip().lower()
    if asked == "process":
        return Isolation("process", f"{ISOLATION_VARIABLE}=process is set")
    return _probe()


@functools.cache
def _probe() -> Isolation:
    """Can we sandbox here? Asked once per process, and a "yes" is remembered on disk for
    this boot, these tools and this user: the probe starts two sandboxes (~50-100 ms), which
    every `lambda-nb` command would otherwise pay. A sandbox that then fails to start forgets
    it (`Sandbox.start`), so a changed machine is probed again."""
    remembered = _probe_memo()
    if remembered is not None and remembered.exists():
        return Isolation("sandbox")
    found = _probe_now()
    if found.mode == "sandbox" and remembered is not None:
        try:
            remembered.parent.mkdir(parents=True, exist_ok=True)
            remembered.touch()
        except OSError:
            pass
    return found


def _probe_memo() -> Path | None:
    """Where a "yes" is remembered: keyed by the boot, the user, the kernel, the namespace
    limit and the tools (their paths and modification times)."""
    from lambda_nb.engine import cache

    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        limit = Path("/proc/sys/user/max_user_namespaces").read_text().strip()
    except OSError:
        return None
    tools = [(t, os.stat(t).st_mtime_ns) for t in map(_tool, _TOOLS) if t is not None]
    key = cache.key(boot, limit, os.geteuid(), os.uname().release, tools)
    return cache.cache_root() / "sandbox-probe" / key


def _forget_probe() -> None:
    _probe.cache_clear()
    memo = _probe_memo()
    if memo is not None:
        memo.unlink(missing_ok=True)


def _probe_now() -> Isolation:
    """The tools, then the authoritative test of sandbox-and-packages.md 5.3 item 4."""
    if not sys.platform.startswith("linux"):
        return Isolation("process", f"the sandbox needs Linux namespaces; this is {sys.platform}")
    missing = [tool for tool in _TOOLS if _tool(tool) is None]
    if missing:
        hint = " (Debian: apt-get install bubblewrap)" if "bwrap" in missing else ""
        return Isolation("process", f"{', '.join(missing)} not found on PATH{hint}")
    try:
        if Path("/proc/sys/user/max_user_namespaces").read_text().strip() == "0":
            return Isolation("process", "user namespaces are disabled (max_user_namespaces=0)")
    except OSError:
        pass
    probe = [str(_tool("bwrap")), "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/",
             "--size", "1048576", "--tmpfs", "/tmp", "--", "true"]  # fmt: skip
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Isolation("process", f"bubblewrap could not run: {exc}")
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        return Isolation("process", f"bubblewrap cannot create a sandbox here: {why}")
    return _probe_join()


def _probe_join() -> Isolation:
    """The whole path once: a sandbox as environments get it, and a process joining it."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lambda_nb-probe-") as tmp:
        task = Path(tmp) / "task"
        task.mkdir()
        box = Sandbox(plan("provided", ["bootstrap"], task, None), 1, Path(tmp))
        try:
            box.start()
            done = subprocess.run(
                box.command(["/bin/true"]), capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Isolation("process", f"bubblewrap cannot create a sandbox here: {exc}")
        finally:
            box.stop()
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        return Isolation("process", f"a process cannot join the sandbox here: {why}")
    return Isolation("sandbox")


@functools.cache
def _tool(name: str) -> str | None:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")
    return os.path.realpath(found) if found else None


# ------------------------------------------------------------------------------------ layout
@dataclass
class Layout:
    """What one runtime sees: read-only binds (host -> sandbox) and its argv in sandbox paths."""

    binds: list[tuple[str, str]] = field(default_factory=list)
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # replaces the process-mode values
    dirs: list[str] = field(default_factory=list)  # empty read-only directories
    masked: list[str] = field(default_factory=list)  # existing folders shown empty


def _language_root(executable: str, layout: Layout) -> str:
    """Bind the installation an interpreter belongs to at /var/lang; its path in the sandbox.

    An interpreter under /usr (Debian's python3) is visible already. Anything else (pyenv's
    /root/.pyenv/versions/3.X.Y, a Node.js from a cache in the home folder) is `<prefix>/bin/x`:
    its prefix becomes /var/lang, as Lambda's installation is (sandbox-and-packages.md 1.1).
    A `node` under /usr is shown at /var/lang/bin/node too, where Lambda's is (process.execPath,
    the first folder of PATH): one binary, whose libraries are found by absolute paths. A
    Python under /usr stays there: it finds its standard library from its own location.
    """
    real = os.path.realpath(executable)
    if real.startswith("/usr/") and os.path.basename(real) == "node":
        layout.binds.append((real, f"{LANG}/bin/node"))
        return f"{LANG}/bin/node"
    if real.startswith("/usr/"):
        return real
    prefix = os.path.dirname(os.path.dirname(real))
    layout.binds.append((prefix, LANG))
    return f"{LANG}/{os.path.relpath(real, prefix)}"


def _package_root(path: str) -> str:
    """The folder holding a Node.js package (its package.json), or the file's folder."""
    here = os.path.dirname(path)
    while here not in ("/", ""):
        if os.path.isfile(os.path.join(here, "package.json")):
            return here
        here = os.path.dirname(here)
    return os.path.dirname(path)


def plan(
    family: str,
    argv: list[str],
    task_root: Path,
    runtime_dir: str | None,
    opt_dir: Path | None = None,
    runtime_site: Path | None = None,
    python_packages: tuple[str, ...] = (),
) -> Layout:
    """Map a runtime's host command onto Lambda's layout.

    `argv` is the process-mode command (host paths); `runtime_dir` the runtime client's folder,
    whose entries become /var/runtime's. `python_packages` are modules the runtime client needs
    (AWS's awslambdaric and its dependencies), which Lambda keeps in /var/runtime too.
    """
    layout = Layout()
    layout.binds.append((str(task_root), TASK))
    if opt_dir is not None:
        layout.binds.append((str(opt_dir), OPT))
    else:
        layout.dirs.append(OPT)
    layout.dirs.append(RUNTIME)
    client = os.path.realpath(runtime_dir) if runtime_dir else None
    if client is not None:
        for entry in sorted(os.listdir(client)):
            layout.binds.append((os.path.join(client, entry), f"{RUNTIME}/{entry}"))
    mapped: list[str] = []
    for i, arg in enumerate(argv):
        system = arg.startswith(("/bin/", "/usr/")) and os.path.basename(arg) != "node"
        if not os.path.isabs(arg) or not os.path.exists(arg) or system:
            mapped.append(arg)
            continue
        real = os.path.realpath(arg)
        if real.startswith(str(task_root.resolve()) + os.sep):
            mapped.append(TASK + real[len(str(task_root.resolve())) :])
        elif client is not None and real.startswith(client + os.sep):
            mapped.append(RUNTIME + real[len(client) :])
        elif os.access(real, os.X_OK) and os.path.isfile(real) and _is_binary(real):
            mapped.append(_language_root(real, layout))  # python3.X, node
            lib = f"{os.path.dirname(os.path.dirname(real))}/lib/{os.path.basename(real)}"
            own = mapped[-1].startswith(LANG) and os.path.isdir(f"{lib}/site-packages")
            if family == "python" and runtime_site is None and own:
                # What was pip-installed into this machine's interpreter is the host's, not
                # the runtime's (its .pth files also cost ~20 ms a start): shown empty.
                layout.masked.append(f"{LANG}/lib/{os.path.basename(real)}/site-packages")
        elif family == "provided" and i == 0:  # bootstrap=PATH, run as a layer's would be
            target = f"{OPT}/bootstrap" if opt_dir is None else f"{RUNTIME}/bootstrap"
            if target.startswith(OPT):
                layout.dirs.remove(OPT)
            layout.binds.append((real, target))
            mapped.append(target)
        else:  # another client's files (AWS's npm aws-lambda-ric): its package in /var/runtime
            package = _package_root(real)
            target = f"{RUNTIME}/ric/{os.path.basename(package)}"
            layout.binds.append((package, target))
            mapped.append(target + real[len(package) :])
    layout.argv = mapped
    for name in python_packages:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        source = os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin
        layout.binds.append((source, f"{RUNTIME}/{os.path.basename(source)}"))
    site = None
    if runtime_site is not None:
        if family == "nodejs":
            site = f"{RUNTIME}/node_modules"
        else:
            lang = next((target for _, target in layout.binds if target == LANG), None)
            version = next((a for a in mapped if "python3." in a), "python3")
            minor = version.rsplit("python", 1)[-1]
            site = f"{LANG}/lib/python{minor}/site-packages" if lang else f"{RUNTIME}/site"
        layout.binds.append((str(runtime_site), site))
    if family in ("python", "nodejs"):  # "<opt>:<sdk>", either part empty (see _lnb_path)
        layout.env["_LAMBDA_NB_IMPORT_PATHS"] = f"{OPT if opt_dir else ''}:{site or ''}"
    esm = task_root.parent / "node_modules"  # ES modules' view of /opt and the SDK (build.py)
    if family == "nodejs" and esm.is_dir():
        view = _esm_view(esm, {str(opt_dir): OPT, str(runtime_site): site or ""})
        layout.binds.append((str(view), f"{os.path.dirname(TASK)}/node_modules"))
    layout.env.update({"LAMBDA_TASK_ROOT": TASK, "LAMBDA_RUNTIME_DIR": RUNTIME, "PATH": PATH,
                       "LD_LIBRARY_PATH": LD_LIBRARY_PATH})  # fmt: skip
    # Every runtime's X-Ray variables; PWD and SHLVL except on OS-only runtimes
    # (sandbox-and-packages.md 1.7, lambda-runtime.md 3). PYTHONPATH=/var/runtime is not set
    # here: Lambda's python bootstrap exports it after it builds sys.path (_lnb_path does the
    # same), and one set at start would read as the user's and drop the /opt entries (2.1).
    layout.env.update(XRAY)
    if family != "provided":
        layout.env.update({"PWD": TASK, "SHLVL": "0"})
    return layout


def _esm_view(esm: Path, renames: dict[str, str]) -> Path:
    """A copy of the ES-module links (build.esm_modules) pointing at sandbox paths: the
    originals point at host folders, which the sandbox does not show. Made once per revision;
    a second environment finds it made."""
    view = esm.with_name("node_modules.sandbox")
    for link in [*esm.glob("*"), *esm.glob("@*/*")]:
        if not link.is_symlink():
            continue
        target = os.readlink(link)
        for host, inside in renames.items():
            if inside and target.startswith(host + os.sep):
                target = inside + target[len(host) :]
        mirror = view / link.relative_to(esm)
        mirror.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(target, mirror)
        except FileExistsError:
            pass
    return view


def _is_binary(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def check_executable(host_path: str, sandbox_path: str) -> None:
    """Raise the OSError exec would give for the runtime's entry (the launcher inside cannot
    report it as an exception). Mirrors execve: missing, not executable, no interpreter line."""
    import errno

    if not os.path.exists(host_path):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", sandbox_path)
    if not os.path.isfile(host_path) or not os.access(host_path, os.X_OK):
        raise PermissionError(errno.EACCES, "Permission denied", sandbox_path)
    with open(host_path, "rb") as f:
        head = f.read(256)
    if head.startswith(b"#!"):
        interpreter = head[2:].split(b"\n", 1)[0].strip().split(b" ")[0].decode(errors="replace")
        visible = interpreter.startswith(("/usr/", "/bin/", "/var/", "/opt/", "/lib"))
        if not visible or not os.path.exists(interpreter):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", sandbox_path)
    elif not head.startswith(b"\x7fELF"):
        raise OSError(errno.ENOEXEC, "Exec format error", sandbox_path)


# ----------------------------------------------------------------------------------- sandbox
class Sandbox:
    """One execution environment's namespaces, kept by a bwrap process across runtime starts."""

    def __init__(
        self, layout: Layout, tmp_mb: int, work_dir: Path, marker: dict[str, str] | None = None
    ) -> None:
        self.layout = layout
        self.marker = dict(marker or {})  # bwrap's own environment: the watchdog's sweep finds it
        self.tmp_mb = tmp_mb
        self.work_dir = work_dir
        self.hostname = f"169.254.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
        self.bwrap: subprocess.Popen[bytes] | None = None
        self.init_pid: int | None = None  # bwrap's PID 1, host pid
        self.keeper_pid: int | None = None  # the keeper, PID 2
        self.launcher: int | None = None  # the running runtime's nsenter, outside
        self._stopped: set[int] = set()

    # --------------------------------------------------------------- the namespaces
    def _passwd(self) -> tuple[str, str]:
        """/etc/passwd and /etc/group naming the sandbox user, as Lambda's image does."""
        passwd, group = self.work_dir / "passwd", self.work_dir / "group"
        if not passwd.exists():
            passwd.write_text(
                f"root:x:0:0:root:/root:/sbin/nologin\n"
                f"{USER}:x:{UID}:{GID}::/home/{USER}:/sbin/nologin\n"
            )
            group.write_text("root:x:0:\n")
        return str(passwd), str(group)

    def _bwrap_args(self) -> list[str]:
        args = ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
            if os.path.islink(f"/{name}"):
                args += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
            elif os.path.isdir(f"/{name}"):
                args += ["--ro-bind", f"/{name}", f"/{name}"]
        for name in _ETC:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        passwd, group = self._passwd()
        args += ["--ro-bind", passwd, "/etc/passwd", "--ro-bind", group, "/etc/group"]
        for directory in self.layout.dirs:
            args += ["--dir", directory]
        for source, target in self.layout.binds:
            args += ["--ro-bind", source, target]
        if self.layout.masked:
            empty = self.work_dir / "empty"
            empty.mkdir(exist_ok=True)
            for target in self.layout.masked:
                args += ["--ro-bind", str(empty), target]
        args += [
            "--dir", f"/home/{USER}",
            "--size", str(self.tmp_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp",
            "--proc", "/proc", *_dev(),
            "--unshare-user", "--unshare-pid", "--unshare-uts", "--unshare-ipc",
            "--unshare-cgroup-try", "--uid", str(UID), "--gid", str(GID),
            "--hostname", self.hostname,
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--remount-ro", "/", "--chdir", TASK, "--clearenv",
        ]  # fmt: skip
        return args

    def alive(self) -> bool:
        return self.bwrap is not None and self.bwrap.poll() is None

    def start(self) -> None:
        """Build the namespaces (about 5 ms); OSError if bwrap fails."""
        self.stop()
        bwrap = _tool("bwrap")
        assert bwrap is not None
        args_r, args_w = os.pipe()
        info_r, info_w = os.pipe()
        proc: subprocess.Popen[bytes] | None = None
        try:
            # Arguments through a pipe (--args): /proc/1/cmdline inside shows no host paths.
            blob = "\0".join(self._bwrap_args()).encode() + b"\0"
            argv = [bwrap, "--args", str(args_r), "--info-fd", str(info_w), "--",
                    "/bin/sh", "-c", "echo ready; exec sleep infinity"]  # fmt: skip
            proc = _spawner().submit(_popen, argv, (args_r, info_w), self.marker).result()
            os.close(args_r)
            os.close(info_w)
            args_r = info_w = -1
            with os.fdopen(args_w, "wb") as f:
                args_w = -1
                f.write(blob)
            info = b""
            deadline = time.monotonic() + _START_TIMEOUT
            while time.monotonic() < deadline:
                chunk = _read_ready(info_r, deadline)
                info += chunk
                if not chunk or _complete_json(info):
                    break
            assert proc.stdout is not None and proc.stderr is not None
            ready = _read_ready(proc.stdout.fileno(), deadline)
            if not ready.startswith(b"ready"):
                proc.kill()
                err = proc.stderr.read().decode(errors="replace").strip()
                proc.wait()
                _forget_probe()  # the machine changed since it was probed: ask again next time
                raise OSError(f"bubblewrap failed to start the sandbox: {err or 'no message'}")
        except BaseException:
            if proc is not None and proc.poll() is None:  # no half-started sandbox stays behind
                proc.kill()
                proc.wait()
            raise
        finally:
            for fd in (args_r, args_w, info_r, info_w):
                if fd >= 0:
                    os.close(fd)
        self.bwrap = proc
        self.init_pid = int(json.loads(info)["child-pid"])
        kids = descendants(self.init_pid)
        self.keeper_pid = kids[0] if kids else None
        proc.stdout.close()  # the keeper never writes again

    def stop(self) -> None:
        """End the sandbox: every process in it, and its /tmp."""
        proc, self.bwrap = self.bwrap, None
        if proc is None:
            return
        own = [p for p in (self.init_pid, self.keeper_pid) if p]
        pids = [*self.processes(), *own]
        for pid in [*pids, proc.pid]:
            _kill(pid, signal.SIGKILL)
        proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        # SIGKILLed, bwrap's init takes the namespace down with it, asynchronously: wait for
        # that, so that nothing of the sandbox is left when this returns.
        deadline = time.monotonic() + 10
        while any(process_state(p) not in ("", "Z", "X") for p in pids) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.002)
        self.init_pid = self.keeper_pid = None

    # --------------------------------------------------------------- the runtime
    def command(self, argv: list[str]) -> list[str]:
        """The host command that starts `argv` (sandbox paths) inside the namespaces, with
        Lambda's rlimits, in its own session (so `kill(0, ...)` stays inside)."""
        assert self.keeper_pid is not None
        limits = list(RLIMITS)
        if os.geteuid() == 0:
            limits.append(f"--nproc={NPROC}:{NPROC}")
        return [
            str(_tool("prlimit")), *limits, "--",
            str(_tool("nsenter")), "-t", str(self.keeper_pid), "-U", "-m", "-p", "-u", "-i",
            "-r", "-w", "--preserve-credentials", "--",
            str(_tool("setsid")), *argv,
        ]  # fmt: skip

    def processes(self, launcher: int | None = None) -> list[int]:
        """Every process of the environment except bwrap and the keeper: the launcher's tree
        and whatever bwrap's init adopted (a `setsid` daemon, a double fork). Without
        `launcher`, the namespace's processes only (the launcher itself is outside)."""
        found: list[int] = []
        if launcher is not None:
            found += [launcher, *descendants(launcher)]
        elif self.launcher is not None:
            found += descendants(self.launcher)
        if self.init_pid is not None:
            found += [p for p in descendants(self.init_pid) if p != self.keeper_pid]
        return found

    def freeze(self, launcher: int, pids: set[int] | None = None) -> None:
        """SIGSTOP every process (`pids`, when a cgroup has listed them already). The launcher
        (nsenter) first, and only once it has stopped the others: nsenter waits for the runtime
        with WUNTRACED and stops itself when it sees it stopped, then continues it when it is
        continued. Stopped first, it never sees that stop; continued last (`thaw`), it never
        sees it either."""
        _kill(launcher, signal.SIGSTOP)
        deadline = time.monotonic() + 0.5
        while process_state(launcher) not in ("T", "t", "Z", "") and time.monotonic() < deadline:
            time.sleep(0)  # it stops within microseconds: yield, do not sleep a timer slice
        if pids is None:
            self._stopped = self.signal_all(signal.SIGSTOP, None)
            return
        self._stopped = pids - {launcher}
        for pid in self._stopped:
            _kill(pid, signal.SIGSTOP)

    def thaw(self, launcher: int) -> None:
        """SIGCONT what `freeze` stopped (a stopped process cannot have started another), the
        launcher last."""
        for pid in self._stopped:
            _kill(pid, signal.SIGCONT)
        _kill(launcher, signal.SIGCONT)

    def kill(self, launcher: int) -> None:
        """SIGKILL every process but the launcher, then continue the launcher, which reaps the
        runtime and ends itself with the same signal. Killed at once, the launcher would leave
        the runtime's zombie to the host's init (a child of setns() and fork() is reparented
        outside the namespace), and the namespace's init, which waits for that zombie to go
        before it ends, would stall `stop` for as long as the host's init takes to reap it
        (a second or more in a container)."""
        self.signal_all(signal.SIGKILL, None)
        _kill(launcher, signal.SIGCONT)

    def signal_all(self, sig: int, launcher: int | None, passes: int = 3) -> set[int]:
        """Send `sig` to every process of the environment; again while new ones appear (a
        process forking as it is signalled). Returns the pids signalled.

        SIGKILL spares the launcher until the rest is dead (`_end_launcher`)."""
        done: set[int] = set()
        spared = launcher if sig == signal.SIGKILL else None
        for _ in range(passes if sig != signal.SIGKILL else 50):
            fresh = [p for p in self.processes(launcher) if p not in done and p != spared]
            if not fresh:
                break
            for pid in fresh:
                _kill(pid, sig)
            done.update(fresh)
        if spared is not None:
            _end_launcher(spared)
        return done


def _end_launcher(launcher: int) -> None:
    """Let the launcher reap the runtime, then end. The runtime is inside the namespace but
    its parent (nsenter) is outside: killed together, the runtime's zombie goes to the host's
    init, which may reap it seconds later (a VM's init here took 1-2 s), and until then the
    namespace cannot end (its init waits in zap_pid_ns_processes), so `Sandbox.stop` waits.
    Continued (it may be frozen), nsenter reaps its child and dies of the same signal; it is
    killed only if it lingers."""
    _kill(launcher, signal.SIGCONT)
    deadline = time.monotonic() + 1.0
    while process_state(launcher) not in ("Z", "X", "") and time.monotonic() < deadline:
        time.sleep(0.0005)
    _kill(launcher, signal.SIGKILL)


@functools.cache
def _spawner() -> ThreadPoolExecutor:
    """The one thread that starts every sandbox. `--die-with-parent` is PR_SET_PDEATHSIG, which
    fires when the *thread* that forked bwrap ends, not the process: started from an invocation's
    worker thread, a sandbox would die with that thread. This thread lives as long as we do."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda_nb-sandbox")


def _popen(argv: list[str], fds: tuple[int, ...], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        pass_fds=fds, start_new_session=True, env=env,
    )  # fmt: skip


def _dev() -> list[str]:
    """A minimal /dev of the host's own device nodes, not bwrap's `--dev`: that one mounts a
    devpts, which makes an unprivileged bwrap nest a second user namespace for uid 993, and a
    runtime could not join the namespaces owned by the first. It also gives no /dev/shm, as
    on Lambda (sandbox-and-packages.md 1.1)."""
    args: list[str] = []
    for name in ("null", "zero", "full", "random", "urandom"):
        args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):  # fmt: skip
        args += ["--symlink", target, f"/dev/{name}"]
    return args


def process_state(pid: int) -> str:
    """A process's state letter from /proc/PID/stat ("" if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return ""
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3].decode()


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def _complete_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _read_ready(fd: int, deadline: float) -> bytes:
    remaining = max(deadline - time.monotonic(), 0.0)
    return os.read(fd, 65536) if readable([fd], remaining) else b""
