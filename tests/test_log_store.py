"""The log store (engine/log_store.py) and filter patterns (engine/log_filter.py), with real
execution environments: every record of every invocation on disk, a bounded in-memory window,
FilterLogEvents through the API, the magic and the CLI; and the log reader's prompt close."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from lambda_nb import Function
from lambda_nb.engine.log_filter import FilterPatternError, compile_pattern
from lambda_nb.engine.log_store import StoredLogs, parse_since
from lambda_nb.engine.logs import LogCollector, log_pipe
from lambda_nb.engine.records import LogRecord
from lambda_nb.engine.service import LambdaService
from lambda_nb.render import static

ROOT = Path(__file__).resolve().parent.parent

LINES = """\
def lambda_handler(event, context):
    for i in range(event["lines"]):
        print(f"{event.get('tag', 'line')} {i}")
    return event["lines"]
"""

MIXED = """\
import json, logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    print("plain INFO line for", event["who"])
    print(json.dumps({"level": event["level"], "latency": event["latency"], "path": "/api/x",
                      "user": {"id": 7, "tags": ["a", "b"]}, "ok": event["level"] == "INFO"}))
    logger.error("failed for %s", event["who"])
    print("Timeout while talking to the database")
    return event["who"]
"""


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def small_window() -> Iterator[LambdaService]:
    """A service that keeps only the newest 2 invocations' records in memory."""
    svc = LambdaService(logs_in_memory=2)
    yield svc
    svc.close()


def _fn(svc: LambdaService, code: str, name: str, **options: Any) -> Function:
    return Function.from_source(code, name=name, service=svc, **options)


def messages(records: Any) -> list[str]:
    return [r.message for r in records]


# ---------------------------------------------------------------------- filter patterns
TEXTS = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[INFO] all good",
    "Timeout: after 3.00 seconds",
]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("", [0, 1, 2, 3, 4]),
    ('""', [0, 1, 2, 3, 4]),
    ("ERROR", [0, 1, 2]),
    ("error", []),  # case-sensitive
    ("ERROR REQUEST", [0, 1]),  # all terms
    ('"BAD REQUEST"', [0]),  # an exact phrase
    ('"REQUEST BAD"', []),
    ("?INFO ?Timeout", [3, 4]),  # any term
    ("ERROR -ARGUMENTS", [0, 1]),  # exclusion
    ("-ERROR", [3, 4]),
    ('"3.00 seconds"', [4]),
    ("%ERROR 4[01]{2}%", [0, 1]),
    ("%^\\[INFO\\]%", [3]),
])  # fmt: skip
def test_term_patterns(pattern: str, expected: list[int]) -> None:
    matches = compile_pattern(pattern)
    assert [i for i, text in enumerate(TEXTS) if matches(text)] == expected


DOCS = [
    {"level": "ERROR", "latency": 250, "path": "/api/users", "user": {"id": 1}, "ok": False},
    {"level": "INFO", "latency": 12.5, "path": "/health", "user": {"id": 2}, "ok": True},
    {"level": "WARN", "latency": 100, "path": "/api/orders", "tags": ["x", "y"], "gone": None},
]


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{ $.level = "ERROR" }', [0]),
    ("{ $.level = ERROR }", [0]),  # an unquoted string
    ('{ $.level != "ERROR" }', [1, 2]),
    ("{ $.latency > 100 }", [0]),
    ("{ $.latency >= 100 }", [0, 2]),
    ("{ $.latency < 100 }", [1]),
    ("{ $.latency <= 12.5 }", [1]),
    ("{ $.latency = 250 }", [0]),
    ('{ $.path = "/api/*" }', [0, 2]),  # a wildcard
    ('{ ($.level = "ERROR") || ($.path = "/health") }', [0, 1]),
    ('{ $.level = "WARN" && $.latency = 100 }', [2]),
    ('{ ($.latency > 10) && ($.level != "INFO" || $.ok IS TRUE) }', [0, 1, 2]),
    ("{ $.user.id = 2 }", [1]),
    ('{ $.tags[1] = "y" }', [2]),
    ("{ $.ok IS FALSE }", [0]),
    ("{ $.gone IS NULL }", [2]),
    ("{ $.user NOT EXISTS }", [2]),
    ("{ $.missing = 1 }", []),
])  # fmt: skip
def test_json_patterns(pattern: str, expected: list[int]) -> None:
    matches = compile_pattern(pattern)
    texts = [json.dumps(doc) + "\n" for doc in DOCS]
    assert [i for i, text in enumerate(texts) if matches(text)] == expected
    assert not matches("[ERROR] not JSON at all") and not matches("[1, 2]")


@pytest.mark.parametrize(("pattern", "why"), [
    ('"unclosed', "not closed"),
    ("{ $.level = }", "ends too early"),
    ("{ $.level = ", "ends with }"),
    ("{ level = 1 }", "selector"),
    ('{ $.latency > "big" }', "compares numbers"),
    ("{ ($.a = 1 }", "not closed"),
    ("[ip, user, status=404]", "space-delimited"),
    ("%[unclosed%", "regular expression"),
])  # fmt: skip
def test_bad_patterns_are_clear_errors(pattern: str, why: str) -> None:
    with pytest.raises(FilterPatternError, match=why):
        compile_pattern(pattern)


def test_parse_since() -> None:
    now = 1_800_000_000.0
    assert parse_since("10m", now) == now - 600
    assert parse_since("2h", now) == now - 7200
    assert parse_since("1d", now) == now - 86400
    assert parse_since("45", now) == now - 45
    assert parse_since("2026-12-01T10:00:00Z") == 1796119200.0
    assert parse_since(None) is None and parse_since(1234.5) == 1234.5
    with pytest.raises(ValueError, match="duration such as 10m"):
        parse_since("yesterday")


# --------------------------------------------------------------- the store and the window
def test_every_record_is_in_the_store_and_memory_keeps_the_newest(
    small_window: LambdaService,
) -> None:
    fn = _fn(small_window, LINES, "window")
    fn.invoke({"lines": 0})  # the cold start (INIT_START is in its log)
    invs = [fn.invoke({"lines": 3, "tag": f"inv{n}"}) for n in range(12)]
    assert all(inv.ok for inv in invs)
    # The newest two keep their records in memory; the others read them from the store.
    assert [isinstance(inv.logs, StoredLogs) for inv in invs] == [True] * 10 + [False] * 2
    assert isinstance(fn.history[0].logs, StoredLogs) and len(fn.history[0].logs) == 4
    first = invs[0].logs
    assert messages(first)[1:4] == ["inv0 0\n", "inv0 1\n", "inv0 2\n"]
    assert messages(first)[0].startswith("START RequestId: " + invs[0].request_id)
    assert messages(first)[-1].startswith("REPORT RequestId: " + invs[0].request_id)
    assert "inv0 2" in invs[0].log_text() and invs[0].to_dict()["logs"][1]["message"] == "inv0 0\n"
    # The early records are found through the store, under their request id.
    found = fn.logs(filter='"inv0 1"')
    assert [e.message for e in found] == ["inv0 1\n"]
    assert found[0].request_id == invs[0].request_id and found[0].function == "window"
    assert found[0].version == "$LATEST" and found[0].log_format == "Text"
    assert found[0].to_dict()["logStreamName"] == invs[0].environment
    # The log stream holds everything: INIT_START, then 12 x (START, 3 lines, END, REPORT).
    (stream,) = fn.log_group.values()
    assert len(stream) == 4 + 12 * 6
    assert stream[0].message.startswith("INIT_START")
    assert messages(stream[-5:-2]) == ["inv11 0\n", "inv11 1\n", "inv11 2\n"]


def test_paging_across_chunks(small_window: LambdaService) -> None:
    """A long log read back in pages, across the store's chunk boundaries, equals the log as
    it was in memory; the finished view of an old invocation shows its head and tail."""
    fn = _fn(small_window, LINES, "paging")
    fn.invoke({"lines": 0})
    big = fn.invoke({"lines": 2600})
    in_memory = list(big.logs)
    fn.invoke({"lines": 1})
    fn.invoke({"lines": 1})
    assert isinstance(big.logs, StoredLogs) and len(big.logs) == len(in_memory) == 2603
    assert big.logs[:] == in_memory and list(big.logs) == in_memory
    for start, stop in [(0, 1), (998, 1003), (999, 2001), (2590, 2603), (2600, 9999)]:
        assert big.logs[start:stop] == in_memory[start:stop]
    assert big.logs[-1] == in_memory[-1] and big.logs[1500] == in_memory[1500]
    assert big.logs[::500] == in_memory[::500]
    with pytest.raises(IndexError):
        big.logs[2603]
    text = static.mimebundle(big)["text/plain"]
    assert "line 0" in text and "line 2599" in text and "records not shown" in text
    assert "line 1300\n" not in text


def test_filter_on_text_and_json_records(small_window: LambdaService) -> None:
    text_fn = _fn(small_window, MIXED, "mixed-text")
    json_fn = _fn(small_window, MIXED, "mixed-json", log_format="JSON")
    for fn in (text_fn, json_fn):
        fn.invoke({"who": "ada", "level": "ERROR", "latency": 250})
        fn.invoke({"who": "bob", "level": "INFO", "latency": 20})
    # Terms on Text records.
    found = text_fn.logs(filter="ERROR ada")  # logging's line; the printed JSON has no "ada"
    assert [e.message.split("\t")[0] for e in found] == ["[ERROR]"]
    assert found[0].message.endswith("failed for ada\n") and found[0].source == "runtime"
    assert [e.message for e in text_fn.logs(filter='"Timeout while" -bob')] == [
        "Timeout while talking to the database\n"
    ] * 2
    assert len(text_fn.logs(filter="?ada ?bob")) == 4  # the plain line and logging's, twice
    # A JSON pattern on a Text-format function matches the JSON its handler printed.
    slow = text_fn.logs(filter='{ $.latency > 100 && $.path = "/api/*" }')
    assert [json.loads(e.message)["level"] for e in slow] == ["ERROR"]
    assert len(text_fn.logs(filter="{ $.user.tags[1] = b && $.ok IS TRUE }")) == 1
    # On a JSON-format function every record is JSON: logging's own records match by level.
    errors = json_fn.logs(filter='{ $.level = "ERROR" && $.message = "failed for*" }')
    assert [json.loads(e.message)["message"] for e in errors] == [
        "failed for ada",
        "failed for bob",
    ]
    assert all(e.log_format == "JSON" for e in errors)
    reports = json_fn.logs(filter='{ $.type = "platform.report" }')
    assert len(reports) == 2
    with pytest.raises(ValueError, match="Invalid filter pattern"):
        text_fn.logs(filter="{ $.level = ")


NODE = """\
export const handler = async (event) => {
  console.log("plain line for", event.who);
  console.error("bad thing for", event.who);
  console.warn(JSON.stringify({ latency: event.latency }));
  return event.who;
};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_filter_on_nodejs_text_and_json(small_window: LambdaService) -> None:
    text_fn = _fn(small_window, NODE, "node-text", runtime="nodejs22.x", timeout=30)
    json_fn = _fn(small_window, NODE, "node-json", runtime="nodejs22.x", timeout=30,
                  log_format="JSON")  # fmt: skip
    for fn in (text_fn, json_fn):
        for who, latency in (("ada", 250), ("bob", 20), ("cy", 30)):
            assert fn.invoke({"who": who, "latency": latency}).ok
    # Text: the runtime's tab-separated lines, level included.
    found = text_fn.logs(filter='"bad thing for ada"')
    assert len(found) == 1 and "\tERROR\t" in found[0].message
    assert isinstance(text_fn.history[0].logs, StoredLogs)  # read back from the store
    assert len(text_fn.logs(filter="plain -ada")) == 2
    # JSON: every record an object with its level and message.
    errors = json_fn.logs(filter='{ $.level = "ERROR" }')
    assert [json.loads(e.message)["message"] for e in errors] == [
        "bad thing for ada", "bad thing for bob", "bad thing for cy",
    ]  # fmt: skip
    assert {e.request_id for e in errors} == {inv.request_id for inv in json_fn.history}
    warned = json_fn.logs(filter='{ $.level = "WARN" && $.message = "*latency*" }')
    assert len(warned) == 3


def test_since_and_stream(small_window: LambdaService) -> None:
    fn = _fn(small_window, LINES, "since-stream")
    first = fn.invoke({"lines": 1, "tag": "early"})
    fn.reset()  # the next invoke is a new environment: a second log stream
    between = time.time()
    second = fn.invoke({"lines": 1, "tag": "late"})
    assert first.environment != second.environment and len(fn.log_group) == 2
    assert [e.message for e in fn.logs(filter="early ?late ?early")] == ["early 0\n"]
    lines_only = "-START -END -REPORT -INIT"
    assert [e.message for e in fn.logs(since=between, filter=lines_only)] == ["late 0\n"]
    assert [e.message for e in fn.logs(since="1h", filter=lines_only)] == [
        "early 0\n", "late 0\n",
    ]  # fmt: skip
    assert fn.logs(since="2026-01-01T00:00:00Z", until="2026-01-02T00:00:00Z") == []
    hex_id = first.environment.rsplit("]", 1)[1]
    only = fn.logs(stream=hex_id[:8])
    assert {e.log_stream for e in only} == {first.environment}
    assert "early 0\n" in [e.message for e in only]
    assert fn.logs(stream=[second.environment], filter="early") == []
    view = fn.logs(filter="late").view().to_text()
    assert "1 log streams · 1 events (filter 'late')" in view and "late 0" in view


def test_records_outside_invocations_are_in_their_stream(small_window: LambdaService) -> None:
    """A provisioned environment's init runs before any invocation: its INIT_START and what
    the module prints at import reach the stream on their own, before the first invocation."""
    code = 'print("module loaded")\n' + LINES
    fn = _fn(small_window, code, "provisioned")
    version = fn.publish_version()
    fn.configure(provisioned_concurrency=1, qualifier=version)
    inv = fn.invoke({"lines": 1, "tag": "warm"}, qualifier=version)
    assert inv.ok and not inv.cold and messages(inv.logs)[0].startswith("START")
    stream = fn.log_group[inv.environment]
    assert [r.message.split(" ")[0] for r in stream][:3] == ["INIT_START", "module", "START"]
    found = fn.logs(filter='"module loaded"')
    assert len(found) == 1 and found[0].request_id is None and found[0].version == version


def test_store_removed_at_close() -> None:
    svc = LambdaService(logs_in_memory=0)
    fn = _fn(svc, LINES, "closing")
    inv = fn.invoke({"lines": 5})
    assert isinstance(inv.logs, StoredLogs) and len(inv.logs) == 9  # INIT_START, START...
    assert messages(inv.logs)[2:4] == ["line 0\n", "line 1\n"]  # read: written out first
    path = svc.log_store.path
    assert path.is_file() and path.stat().st_size > 0
    svc.close()
    assert not path.exists() and not path.parent.exists()
    assert list(inv.logs) == [] and fn.logs() == []  # the store went with the service


def test_memory_stays_flat_over_many_invokes() -> None:
    """500 invokes of 1,000 lines each: 500,000 records, which in memory would cost about
    100 MB (before the log store the RSS grew by 90-95 MB here); with the store it grows by
    a small fraction of that, and the first invocation's records are still all there."""
    svc = LambdaService()
    fn = _fn(svc, LINES, "flat")
    for _ in range(10):  # the first invokes allocate what later ones reuse
        fn.invoke({"lines": 1000, "tag": "warm"})
    gc.collect()
    before = rss_mb()
    for n in range(500):
        fn.invoke({"lines": 1000, "tag": f"n{n}"})
    gc.collect()
    growth = rss_mb() - before
    try:
        assert growth < 30, f"RSS grew by {growth:.1f} MB"
        first = fn.history[10]
        assert isinstance(first.logs, StoredLogs) and len(first.logs) == 1003
        assert first.logs[1000].message == "n0 999\n"
        assert [e.message for e in fn.logs(filter='"n0 999"')] == ["n0 999\n"]
    finally:
        svc.close()


# ------------------------------------------------------------------ the magic and the CLI
def test_magic_logs(ip: Any, name: str) -> None:
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --no-invoke", MIXED)
        event = '{"who": "ada", "level": "ERROR", "latency": 5}'
        ip.run_line_magic("lambda", f"invoke {name} --event '{event}'")
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"logs {name}")
    whole = cap.outputs[0].data["text/plain"]
    assert f"/aws/lambda/{name}: 1 log streams" in whole and "INIT_START" in whole
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"logs {name} --filter '\"failed for\"' --since 10m -o ev")
    text = cap.outputs[0].data["text/plain"]
    assert "1 events (filter '\"failed for\"' · since 10m)" in text and "failed for ada" in text
    assert "INIT_START" not in text and "html" in " ".join(cap.outputs[0].data)
    assert len(ip.user_ns["ev"]) == 1 and ip.user_ns["ev"][0].message.startswith("[ERROR]")
    with capture_output() as cap:
        ip.run_line_magic("lambda", f"logs {name} --filter '{{ $.latency > 1 }}' --stream zz")
    assert "no events match" in cap.outputs[0].data["text/plain"]
    with pytest.raises(UsageError, match="Invalid filter pattern"):
        ip.run_line_magic("lambda", f"logs {name} --filter '{{ nope }}'")
    with pytest.raises(UsageError, match="duration such as 10m"):
        ip.run_line_magic("lambda", f"logs {name} --since yesterday")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lambda_nb", *args], capture_output=True, text=True, cwd=cwd,
        env=env, timeout=120,
    )  # fmt: skip


def test_cli_logs(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(MIXED)
    event = '{"who": "ada", "level": "ERROR", "latency": 250}'
    done = _cli("logs", "app.py", "--event", event, "--count", "2", "--filter", "failed",
                cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all("[$LATEST]" in line and "failed for ada" in line
                                   for line in lines)  # fmt: skip
    done = _cli("logs", "app.py", "--event", event, "--log-format", "JSON", "--json",
                "--filter", '{ $.level = "ERROR" && $.message = "failed*" }',
                cwd=tmp_path)  # fmt: skip
    answer = json.loads(done.stdout)
    assert [json.loads(e["message"])["message"] for e in answer["events"]] == ["failed for ada"]
    assert set(answer["events"][0]) >= {"logStreamName", "timestamp", "message", "eventId"}
    assert answer["searchedLogStreams"][0]["searchedCompletely"] is True
    done = _cli("logs", "app.py", "--event", event, "--filter", "nothing-like-this", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    done = _cli("logs", "app.py", "--filter", '"unclosed', cwd=tmp_path)
    assert done.returncode == 2 and "Invalid filter pattern" in done.stderr


# ----------------------------------------------------------------- the log reader's close
STOPS = """\
import os, signal, sys
for i in range(200):
    sys.stdout.write(f"line {i}\\n")
    sys.stdout.flush()
sys.stdout.write("the last line\\n")
sys.stdout.flush()
sys.stderr.write("and a partial one without newline")
sys.stderr.flush()
os.kill(os.getpid(), signal.SIGSTOP)
"""


def test_log_reader_close_is_prompt_and_keeps_the_last_lines() -> None:
    """50 runtimes killed as a timeout or a reset kills them: each collector's close() ends
    well under the reader's 1 s select timeout (it used to wait it out about 1 time in 20),
    and every line written before the kill is there, the unfinished one too."""
    durations = []
    for _ in range(50):
        read, write, telemetry = log_pipe()
        err_r, err_w = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-c", STOPS], stdout=write, stderr=err_w, pass_fds=(telemetry,)
        )
        os.close(write)
        os.close(telemetry)
        os.close(err_w)
        got: list[LogRecord] = []
        collector = LogCollector(read, err_r, None, got.append)
        _, status = os.waitpid(proc.pid, os.WUNTRACED)  # it stopped itself: all is written
        assert os.WIFSTOPPED(status)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        t = time.perf_counter()
        collector.close()
        durations.append(time.perf_counter() - t)
        texts = [r.message for r in got]
        assert len(texts) == 202, texts[-3:]
        printed = [t for t in texts if t.startswith("line ")]
        assert printed == [f"line {i}\n" for i in range(200)]
        assert "the last line\n" in texts and "and a partial one without newline\n" in texts
    assert max(durations) < 0.8, sorted(durations)[-5:]


def test_a_write_that_fails_loses_nothing_and_corrupts_nothing(tmp_path: Path) -> None:
    """A full disk during a write (here: a file-size limit) rolls back; once there is room
    again, every record is written and read back (no 'database disk image is malformed')."""
    import resource

    from lambda_nb.engine.log_store import LogStore

    store = LogStore(tmp_path / "store")
    store.add_stream("/aws/lambda/f", "s1", "f", "$LATEST", "Text")
    big = [LogRecord(time.time(), os.urandom(3000).hex() + "\n", "stdout") for _ in range(300)]
    first = store.add_invocation("r1", "s1", big)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails: EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, hard))
    try:
        with pytest.raises(Exception, match=r"disk|full|I/O"):
            store.flush()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    second = store.add_invocation("r2", "s1", [LogRecord(time.time(), "hello\n", "stdout")])
    store.flush()
    assert [r.message for r in store.records(invocation=first)] == [r.message for r in big]
    assert [r.message for r in store.records(invocation=second)] == ["hello\n"]
    store.close()
