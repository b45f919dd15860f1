"""The sandbox (engine/sandbox.py) and the escapes it closes (issue 11), in both modes where the
attack applies: what a handler can see and touch, its limits, that freezing and killing reach
every process it starts, and that the Runtime API answers no one else.

Facts: sandbox-and-packages.md 1.1 (layout, EROFS, ENOSPC), 1.3 (uid), 1.4 (rlimits), 1.7 and
lambda-runtime.md 3 (environment variables), 5.8 (Runtime API privacy).
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sandbox_paths import inside, tmp_dir
from waiting import wait_until

from lambda_nb import Function
from lambda_nb.engine import sandbox
from lambda_nb.engine.errors import ConfigError


@pytest.fixture(autouse=True)
def _sandbox_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox is opt-in (LAMBDA_NB_ISOLATION=sandbox): these tests are about it."""
    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "sandbox")


HAVE_SANDBOX = sandbox._probe().mode == "sandbox"  # can this machine make one?
needs_sandbox = pytest.mark.skipif(not HAVE_SANDBOX, reason=str(sandbox._probe()))
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


@pytest.fixture(params=["sandbox", "process"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sandbox" and not HAVE_SANDBOX:
        pytest.skip(str(sandbox.isolation()))
    if request.param == "process":
        monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "process")
    return str(request.param)


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def in_namespace(ns: str) -> list[int]:
    """Live processes (not zombies) of one PID namespace."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and pid_namespace(int(entry)) == ns:
            try:
                if b") Z " not in Path(f"/proc/{entry}/stat").read_bytes():
                    found.append(int(entry))
            except OSError:
                pass
    return found


def environment(fn: Function):  # the function's one execution environment
    [env] = [e for e in fn._revision.environments if not e.discarded]
    return env


# ------------------------------------------------------------------------------ the mode
def test_isolation_is_stated(mode, make_function) -> None:
    fn = make_function("def lambda_handler(e, c):\n    return 1\n")
    assert fn.isolation == mode
    if mode == "sandbox":
        assert fn.isolation_reason is None
    else:
        assert sandbox.ISOLATION_VARIABLE in fn.isolation_reason
    assert fn.invoke({}).payload == 1
    assert environment(fn).isolation.mode == mode


def test_ephemeral_storage_is_validated_as_aws_does(make_function) -> None:
    with pytest.raises(
        ConfigError, match=r"EphemeralStorage\.Size, value: 511, valid min value: 512"
    ):
        make_function("", ephemeral_storage=511)
    with pytest.raises(
        ConfigError,
        match=r"Value '10241' at 'ephemeralStorage.size' failed to "
        r"satisfy constraint: Member must have value less than or equal to 10240",
    ):
        make_function("", ephemeral_storage=10241)
    with pytest.raises(ConfigError, match="valid types: <class 'int'>"):
        make_function("", ephemeral_storage=600.5)
    assert make_function("", ephemeral_storage=1024).config.ephemeral_storage == 1024


# ----------------------------------------------------------------- what a handler sees
SEE = """import errno, getpass, json, os, resource, socket, sys
def lambda_handler(event, context):
    def attempt(path):
        try:
            with open(path, "a"):
                return "ok"
        except OSError as exc:
            return str(exc)
    return {
        "file": __file__, "cwd": os.getcwd(), "uid": os.getuid(), "gid": os.getgid(),
        "user": getpass.getuser(), "env": sorted(os.environ), "pid": os.getpid(),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "stack": resource.getrlimit(resource.RLIMIT_STACK),
        "memlock": resource.getrlimit(resource.RLIMIT_MEMLOCK),
        "exists": {p: os.path.exists(p) for p in event["paths"]},
        "write_code": attempt("/var/task/lambda_function.py"),
        "write_root": attempt("/etc/x"),
        "write_home": attempt("/home/sbx_user1051/x"),
        "tmp": attempt("/tmp/x"),
        "lang": sys.executable, "root": sorted(os.listdir("/")),
        "site": {p: sorted(os.listdir(p)) for p in sys.path
                 if p.endswith("-packages") and os.listdir(p)},
    }
"""


@needs_sandbox
def test_what_a_handler_sees_in_the_sandbox(make_function, tmp_path) -> None:
    fn = make_function(SEE)
    hidden = [str(Path.home()), str(Path(__file__).parent), os.getcwd(), str(tmp_path),
              str(fn._revision.task_root), sys.prefix]  # fmt: skip
    seen = fn.invoke({"paths": hidden}).payload
    assert seen["file"] == "/var/task/lambda_function.py" and seen["cwd"] == "/var/task"
    assert (seen["uid"], seen["gid"], seen["user"]) == (993, 990, "sbx_user1051")
    assert seen["pid"] != os.getpid() and seen["pid"] < 100  # its own PID namespace
    assert seen["exists"] == dict.fromkeys(hidden, False)  # no home, no notebook, no venv
    readonly = "[Errno 30] Read-only file system: "
    assert seen["write_code"] == readonly + "'/var/task/lambda_function.py'"
    assert seen["write_root"] == readonly + "'/etc/x'"
    assert seen["write_home"] == readonly + "'/home/sbx_user1051/x'"
    assert seen["tmp"] == "ok"
    assert seen["nofile"] == [1024, 1024]
    assert seen["stack"] == [8388608, -1] and seen["memlock"] == [65536, 65536]
    assert seen["lang"].startswith(("/var/lang/bin/python3.", "/usr/bin/python3."))
    assert "root" not in seen["root"] and "work" not in seen["root"]
    if seen["lang"].startswith("/var/lang/"):  # nothing pip-installed into the host's interpreter
        sdk = fn._revision.runtime_site  # only the runtime's bundled SDK, where Lambda has it
        assert seen["site"] == ({} if sdk is None else {inside(fn, sdk): sorted(os.listdir(sdk))})
    # Exactly the variables of a python3.x function (sandbox-and-packages.md 1.7) except the
    # execution role's credentials, which lambda_nb.aws provides when asked to.
    assert set(seen["env"]) == {
        "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT",
        "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "LANG", "LC_CTYPE", "LD_LIBRARY_PATH", "PATH",
        "PWD", "PYTHONPATH", "SHLVL", "TZ", "_HANDLER", "_X_AMZN_TRACE_ID",
        # lambda_nb's own, where Lambda would give the role's credentials: no shared files and
        # no instance metadata, so a function without `aws=` has no credentials at all
        # (lambda_nb/aws/credentials.py).
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED",
    }  # fmt: skip
    # The code itself is untouched.
    assert (fn._revision.task_root / "lambda_function.py").read_text() == SEE


@needs_sandbox
def test_open_files_stop_at_1024(make_function) -> None:
    code = """def lambda_handler(event, context):
    files = []
    try:
        while len(files) < 5000:
            files.append(open("/dev/null"))
    except OSError as exc:
        return [exc.errno, len(files)]
"""
    errno_, opened = make_function(code).invoke({}).payload
    assert errno_ == errno.EMFILE and 1000 < opened < 1024


@needs_sandbox
def test_tmp_is_private_and_sized(make_function) -> None:
    code = """import os
def lambda_handler(event, context):
    with open("/tmp/mine", "w") as f:
        f.write(event["tag"])
    chunk = b"x" * (1 << 20)
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            while written < 2048:
                f.write(chunk)
                f.flush()
                written += 1
    except OSError as exc:
        os.remove("/tmp/fill")
        st = os.statvfs("/tmp")
        return [str(exc), written, st.f_blocks * st.f_frsize // (1 << 20)]
    return ["no error", written]
"""
    # The tmpfs's pages are memory: give the function room for a full /tmp (module docstring).
    fn = make_function(code, ephemeral_storage=512, memory=1024, timeout=60)
    other = make_function(code, ephemeral_storage=512, memory=1024, timeout=60)
    message, written, size = fn.invoke({"tag": "a"}).payload
    assert message == "[Errno 28] No space left on device" and written < 512 and size == 512
    other.invoke({"tag": "b"})
    assert (tmp_dir(fn) / "mine").read_text() == "a" and (
        tmp_dir(other) / "mine"
    ).read_text() == "b"
    assert not Path("/tmp/mine").exists() or Path("/tmp/mine").read_text() not in ("a", "b")


# --------------------------------------------------------------- attacks on the kernel
@needs_sandbox
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP])
def test_parent_and_init_cannot_be_signalled(make_function, sig) -> None:
    code = f"""import os, signal
def lambda_handler(event, context):
    os.kill(1, {int(sig)})  # the namespace's init ignores it
    if event.get("parent"):
        os.kill(os.getppid(), {int(sig)})  # no parent in here: kill(0) reaches only the sandbox
    return os.getppid()
"""
    fn = make_function(code, timeout=3)
    assert fn.invoke({}).payload == 0
    inv = fn.invoke({"parent": True})
    assert inv.status in ("crash", "timeout"), inv.status  # it stopped or killed itself
    # We (the kernel's stand-in) are alive, running, and the function still works.
    assert Path(f"/proc/{os.getpid()}/stat").read_text().split(") ")[1][0] in "RS"
    assert fn.invoke({}).payload == 0


DAEMON = """import os, subprocess, sys, time
def lambda_handler(event, context):
    # A daemon in its own session that counts in /tmp, with an empty environment (no marker).
    count = os.path.join(os.environ.get("TMPDIR", "/tmp"), "count")  # TMPDIR: process mode
    subprocess.Popen(
        ["/bin/sh", "-c", 'n=0; while :; do n=$((n+1)); echo $n > "$0"; sleep 0.01; done', count],
        start_new_session=True, env={} if event.get("clean") else None,
    )
    while not os.path.exists(count):
        time.sleep(0.01)
    return os.getpid()
"""


def test_freeze_reaches_a_setsid_daemon(mode, make_function) -> None:
    fn = make_function(DAEMON, timeout=10)
    fn.invoke({"clean": mode == "sandbox"})
    count = tmp_dir(fn) / "count"
    before = wait_until(count.read_text)
    time.sleep(0.5)  # frozen: nothing counts (a running daemon would add ~50)
    assert count.read_text() == before


@needs_sandbox
def test_close_leaves_no_process_in_the_sandbox(make_function) -> None:
    hang = "    if event.get('hang'):\n        time.sleep(60)\n"
    code = DAEMON.replace("    return os.getpid()\n", hang + "    return os.getpid()\n")
    fn = make_function(code, timeout=3)
    fn.invoke({"clean": True})  # a daemon without the environment's marker
    box = environment(fn).sandbox
    ns = pid_namespace(box.keeper_pid)
    assert ns is not None and len(in_namespace(ns)) >= 4  # init, keeper, runtime, daemon
    assert fn.invoke({"hang": True}).status == "timeout"  # a reset: all but init and keeper die
    wait_until(lambda: len(in_namespace(ns)) == 2)
    fn.close()  # ...and close ends the sandbox
    wait_until(lambda: in_namespace(ns) == [])


@needs_sandbox
def test_kernel_killed_leaves_no_sandbox(tmp_path) -> None:
    owner = textwrap.dedent(
        f"""
        import os, time
        from lambda_nb import Function
        fn = Function.from_source({DAEMON!r}, name="sandbox-orphan")
        fn.invoke({{"clean": True}})
        env = fn.service.revision("sandbox-orphan").environments[0]
        print(os.readlink(f"/proc/{{env.sandbox.keeper_pid}}/ns/pid"), flush=True)
        time.sleep(300)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", owner], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ns = proc.stdout.readline().strip()
    assert ns.startswith("pid:") and len(in_namespace(ns)) >= 4
    proc.kill()  # no atexit, no close(): bwrap's --die-with-parent and the watchdog
    proc.wait()
    wait_until(lambda: in_namespace(ns) == [], timeout=30)


# -------------------------------------------------------------------- the Runtime API
def _raw(address: str, request: bytes) -> bytes:
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def test_runtime_api_refuses_outsiders(mode, make_function) -> None:
    code = """import time
def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"genuine": event["secret"]}
"""
    fn = make_function(code, timeout=30)
    assert fn.invoke({"secret": "warm"}).payload == {"genuine": "warm"}
    env = environment(fn)
    address = env.server.address
    # Between invokes (the runtime frozen): an outsider asking for the next event gets nothing.
    assert _raw(address, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n") == b""
    results = []
    caller = threading.Thread(
        target=lambda: results.append(fn.invoke({"secret": "s3cr3t", "sleep": 2}))
    )
    caller.start()
    current = wait_until(lambda: env._current)
    forged = json.dumps({"genuine": "forged"}).encode()
    post = (
        f"POST /2018-06-01/runtime/invocation/{current.request_id}/response HTTP/1.1\r\n"
        f"Content-Length: {len(forged)}\r\n\r\n"
    ).encode() + forged
    assert _raw(address, post) == b""  # closed unanswered: no 202
    stolen = _raw(address, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")
    assert b"s3cr3t" not in stolen and stolen == b""
    caller.join(60)
    [inv] = results
    assert inv.status == "success" and inv.payload == {"genuine": "s3cr3t"}


# ---------------------------------------------------------------------------- tracebacks
@needs_sandbox
def test_tracebacks_name_var_task_and_map_to_the_cell(make_function) -> None:
    from lambda_nb.render import viewmodel as vm

    code = "def lambda_handler(event, context):\n    x = 1\n    raise ValueError('boom')\n"
    inv = make_function(code).invoke({})
    assert inv.error["errorType"] == "ValueError"
    trace = "".join(inv.error["stackTrace"])
    assert 'File "/var/task/lambda_function.py", line 3, in lambda_handler' in trace
    view = vm.error_view(inv, "lambda_function.py", code)  # the view maps it to the cell line
    assert (
        view is not None
        and view.cell_line == 3
        and view.cell_text == "    raise ValueError('boom')"
    )
    assert [f.path for f in view.frames if f.cell_line] == ["/var/task/lambda_function.py"]


# ------------------------------------------------------------------------- the notebook side
def test_the_magic_says_the_mode(ip, monkeypatch) -> None:
    from IPython.utils.capture import capture_output

    from lambda_nb.magic import LambdaMagics

    monkeypatch.setenv(sandbox.ISOLATION_VARIABLE, "process")
    monkeypatch.setattr(LambdaMagics, "_isolation_said", False)
    name = f"iso-{os.getpid()}"
    code = "def lambda_handler(e, c):\n    return 1\n"
    try:
        outputs = []
        for _ in range(2):
            with capture_output() as cap:
                ip.run_cell_magic("lambda", name, code)
            outputs.append(cap.stdout)
        # Once, with the reason; not again.
        assert "not in the sandbox" in outputs[0] and sandbox.ISOLATION_VARIABLE in outputs[0]
        assert "not in the sandbox" not in outputs[1]
        with capture_output() as cap:
            ip.run_line_magic("lambda", "list")
        listing = cap.outputs[0].data["text/plain"]
        row = next(line for line in listing.splitlines() if name in line)
        assert row.rstrip().endswith("process")
        assert f"process mode: {sandbox.ISOLATION_VARIABLE}=process is set" in listing
        # Its live environment keeps its mode; after a reset, the next is the machine's.
        monkeypatch.delenv(sandbox.ISOLATION_VARIABLE)
        with capture_output() as cap:
            ip.run_line_magic("lambda", "list")
        row = next(ln for ln in cap.outputs[0].data["text/plain"].splitlines() if name in ln)
        assert row.rstrip().endswith("process")
        with capture_output() as cap:
            ip.run_line_magic("lambda", f"reset {name}")
            ip.run_line_magic("lambda", "list")
        row = next(ln for ln in cap.outputs[0].data["text/plain"].splitlines() if name in ln)
        assert row.rstrip().endswith(sandbox.isolation().mode)
    finally:
        from lambda_nb.engine.service import default_service

        default_service().remove(name)


# ------------------------------------------------------------- layers and the bundled SDK
@needs_sandbox
def test_layers_and_runtime_site_are_mounted_where_lambda_has_them(tmp_path) -> None:
    """The contract with the packages work: ExecutionEnvironment's opt_dir is /opt and its
    runtime_site the runtime's site-packages (Python) or /var/runtime/node_modules (Node.js),
    read-only, and the Python bootstrap learns them from _LAMBDA_NB_IMPORT_PATHS."""
    task, opt, site = tmp_path / "task", tmp_path / "opt", tmp_path / "site"
    for folder, name in ((task, "code"), (opt, "layer"), (site, "sdk")):
        folder.mkdir()
        (folder / f"{name}.txt").write_text(name)
    interpreter = os.path.realpath(sys.executable)
    layout = sandbox.plan("python", [interpreter, "-c", "pass"], task, None, opt, site)
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    site_in = (
        f"/var/lang/lib/python{minor}/site-packages"
        if not interpreter.startswith("/usr/")
        else "/var/runtime/site"
    )
    assert layout.env["_LAMBDA_NB_IMPORT_PATHS"] == f"/opt{os.pathsep}{site_in}"
    box = sandbox.Sandbox(layout, 512, tmp_path)
    box.start()
    try:
        script = f"cat /var/task/code.txt /opt/layer.txt {site_in}/sdk.txt; touch /opt/x"
        done = subprocess.run(
            box.command(["/bin/sh", "-c", script]), capture_output=True, text=True, timeout=30
        )
    finally:
        box.stop()
    assert done.stdout == "codelayersdk"
    assert "Read-only file system" in done.stderr
    node = sandbox.plan("nodejs", ["/bin/sh"], task, None, None, site)
    assert "/var/runtime/node_modules" in [target for _, target in node.binds]
    assert "/opt" in node.dirs  # no layers: an empty /opt, and no /opt in the import paths
    assert node.env["_LAMBDA_NB_IMPORT_PATHS"] == ":/var/runtime/node_modules"


@needs_sandbox
def test_a_sandbox_started_by_a_finished_thread_lives_on(make_function) -> None:
    """bwrap's --die-with-parent is tied to the thread that started it; invocations run in
    worker threads (bursts, concurrency), which end. The environment must not end with them."""
    code = "def lambda_handler(e, c):\n    open('/tmp/n', 'a').write('x')\n    return open('/tmp/n').read()\n"
    fn = make_function(code)
    results = []
    worker = threading.Thread(target=lambda: results.append(fn.invoke({})))
    worker.start()
    worker.join()
    box = environment(fn).sandbox
    time.sleep(0.3)  # PR_SET_PDEATHSIG would have fired by now
    assert box.alive()
    again = fn.invoke({})
    assert (results[0].payload, again.payload, again.cold) == ("x", "xx", False)


def test_a_runtime_killed_while_frozen_reinitialises_quietly(mode, make_function) -> None:
    fn = make_function("import os\ndef lambda_handler(event, context):\n    return os.getpid()\n")
    first = fn.invoke({})
    env = environment(fn)
    launcher = env.proc.pid
    runtime = (sandbox.descendants(launcher) or [launcher])[0] if mode == "sandbox" else launcher
    os.kill(runtime, signal.SIGKILL)  # from outside, while it is frozen
    wait_until(lambda: sandbox.process_state(runtime) in ("", "Z"))
    second = fn.invoke({})
    assert second.status == "success" and second.cold, second.log_text()
    assert second.environment == first.environment


def test_without_bubblewrap_the_mode_is_process_and_says_why(monkeypatch) -> None:
    """The fallback is stated, never silent (sandbox-and-packages.md 5)."""
    real = sandbox._tool
    monkeypatch.setattr(sandbox, "_tool", lambda name: None if name == "bwrap" else real(name))
    sandbox._probe.cache_clear()
    try:
        found = sandbox.isolation()
    finally:
        sandbox._probe.cache_clear()
    assert found.mode == "process"
    assert found.reason == "bwrap not found on PATH (Debian: apt-get install bubblewrap)"


@needs_sandbox
def test_a_yes_is_remembered_and_forgotten_when_a_sandbox_cannot_start(tmp_path, monkeypatch):
    """The probe's two sandboxes are paid once per boot, not by every CLI command; a start
    that fails (the machine changed) makes the next process probe again."""
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "cache"))
    sandbox._probe.cache_clear()
    try:
        assert sandbox.isolation().mode == "sandbox"
        memo = sandbox._probe_memo()
        assert memo is not None and memo.exists()
        layout = sandbox.plan("provided", ["/bin/true"], tmp_path / "no-such-task", None)
        box = sandbox.Sandbox(layout, 1, tmp_path)
        with pytest.raises(OSError, match="bubblewrap failed to start the sandbox"):
            box.start()
        assert not memo.exists()
    finally:
        sandbox._probe.cache_clear()


def test_invokes_work_when_the_kernel_holds_descriptors_above_1024(mode, make_function):
    """A kernel with many warm environments (~14 descriptors each) passes 1,024: waiting on
    those descriptors must not use select(), which refuses them (engine/poll.py)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < 1200")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(1100)]
    try:
        fn = make_function("def lambda_handler(e, c):\n    return e\n", timeout=3)
        assert [fn.invoke({"i": i}).payload for i in range(3)] == [{"i": 0}, {"i": 1}, {"i": 2}]
        slow = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(5)\n", timeout=1)
        assert slow.invoke({}).status == "timeout"
        fn.reset()
        assert fn.invoke({"i": 3}).cold
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@needs_sandbox
def test_a_sandbox_that_cannot_start_falls_back_and_says_why(tmp_path, monkeypatch, make_function):
    """The machine said yes when probed but bwrap fails now (a changed machine): the invoke
    runs in process mode and the reason is stated, not reported as the function's fault."""
    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(tmp_path / "cache"))
    sandbox._probe.cache_clear()
    try:
        assert sandbox.isolation().mode == "sandbox"
        real = sandbox.Sandbox._bwrap_args
        monkeypatch.setattr(sandbox.Sandbox, "_bwrap_args", lambda self: ["--bogus", *real(self)])
        fn = make_function("def lambda_handler(e, c):\n    return e\n")
        inv = fn.invoke({"a": 1})
        assert (inv.status, inv.payload) == ("success", {"a": 1})
        assert fn.isolation == "process"
        assert "bubblewrap failed to start the sandbox" in (fn.isolation_reason or "")
    finally:
        sandbox._probe.cache_clear()
