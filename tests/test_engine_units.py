"""Pure parts of the engine: platform line formats, billing, log framing and line splitting."""

from __future__ import annotations

import os
import signal
import time

from lambda_nb.engine import logs
from lambda_nb.engine import platform_lines as pl
from lambda_nb.engine.environment import exit_reason, platform_error_type
from lambda_nb.engine.logs import MergedStream, decode_frames, split_lines


def frame(kind: int, message: str, micros: int = 1_700_000_000_000_000) -> bytes:
    body = message.encode()
    return kind.to_bytes(4, "big") + len(body).to_bytes(4, "big") + micros.to_bytes(8, "big") + body


def test_report_line_success_and_cold():
    assert pl.report("r", 3.011, 4, 128, 36) == (
        "REPORT RequestId: r\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 36 MB\t\n"
    )
    assert pl.report("r", 1.5, 112, 128, 36, 110.1).endswith("Init Duration: 110.10 ms\t\n")


def test_report_line_failures():
    assert pl.report("r", 3000, 3000, 128, 64, status="timeout").endswith(
        "Max Memory Used: 64 MB\tStatus: timeout\n"
    )
    line = pl.report("r", 5, 556, 256, 256, 551.73, "error", "Runtime.OutOfMemory")
    assert line.endswith(
        "Init Duration: 551.73 ms\tStatus: error\tError Type: Runtime.OutOfMemory\n"
    )


def test_billing_rounds_up_to_the_ms_and_includes_init():
    assert pl.billed_duration_ms(3.01, None) == 4
    assert pl.billed_duration_ms(2.90, None) == 3
    assert pl.billed_duration_ms(179.73, 627.91) == 808  # the CAP-PY311 capture
    assert pl.billed_duration_ms(3000.0, None) == 3000


def test_other_platform_lines():
    assert pl.start("r", "$LATEST") == "START RequestId: r Version: $LATEST\n"
    assert pl.end("r") == "END RequestId: r\n"
    assert pl.init_report(10000.09, "init", "timeout", None) == (
        "INIT_REPORT Init Duration: 10000.09 ms\tPhase: init\tStatus: timeout\n"
    )
    assert pl.timed_out(1604987217.874, "r", 3).endswith(" r Task timed out after 3.00 seconds\n")
    assert pl.timed_out(1604987217.874, "r", 3).startswith("2020-11-10T05:46:57.874Z")


def test_exit_reasons_use_rapids_words():
    assert exit_reason(0) == "Runtime exited without providing a reason"
    assert exit_reason(127) == "Runtime exited with error: exit status 127"
    assert exit_reason(-signal.SIGKILL) == "Runtime exited with error: signal: killed"
    assert exit_reason(-signal.SIGSEGV) == "Runtime exited with error: signal: segmentation fault"


def test_platform_error_type():
    assert platform_error_type("Runtime.ImportModuleError") == "Runtime.ImportModuleError"
    assert platform_error_type("Function.ResponseSizeTooLarge") == "Function.ResponseSizeTooLarge"
    assert platform_error_type("ValueError") == "Runtime.Unknown"
    assert platform_error_type(None) == "Runtime.Unknown"


def test_frames_one_record_per_call_with_level():
    buf = bytearray(frame(0xA55A000F, "[INFO]\tline one\nline two\n") + frame(0xA55A0016, "{}"))
    buf += frame(0xA55A0003, "partial")[:10]
    records = decode_frames(buf)
    assert [(r.message, r.level, r.source) for r in records] == [
        ("[INFO]\tline one\nline two\n", "INFO", "runtime"),
        ("{}", "ERROR", "runtime"),
    ]
    assert records[0].timestamp == 1_700_000_000.0
    assert len(buf) == 10  # the incomplete frame waits for its remaining bytes


def test_split_lines_keeps_partial_tail_until_final():
    buf = bytearray(b"a\n\nb\rc\ntail")
    assert [r.message for r in split_lines(buf, "stdout", 1.0)] == ["a\n", "b\rc\n"]
    assert buf == b"tail"
    assert [r.message for r in split_lines(buf, "stdout", 1.0, final=True)] == ["tail\n"]


def test_import_lambda_nb_is_cheap():
    """`import lambda_nb` loads neither IPython, ipywidgets, typing nor the engine."""
    import subprocess
    import sys

    code = (
        "import sys, lambda_nb; heavy = ('IPython', 'ipywidgets', 'typing', 'lambda_nb.engine',"
        " 'lambda_nb.events'); print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_merged_stream_keeps_write_order_across_reads():
    """stdout bytes and frames on one pipe, read in arbitrary pieces: the records come out in
    the order written; a frame logged mid-line waits behind that line; empty lines vanish."""
    now = int(time.time() * 1e6)
    data = (
        b"one\n"
        + frame(0xA55A000F, "[INFO]\tlog a\nsecond line\n", now)
        + b"\npart "
        + frame(0xA55A0013, "[WARNING]\tlog b", now + 1)
        + b"end\n"
        + frame(0xA55A0003, "plain", now + 2)
        + b"tail"
    )
    for size in (1, 3, 7, 16, len(data)):  # every way of cutting the reads
        stream = MergedStream()
        records = []
        for start in range(0, len(data), size):
            stream.buf += data[start : start + size]
            records += stream.feed()
        records += stream.feed(final=True)
        assert [(r.source, r.message) for r in records] == [
            ("stdout", "one\n"),
            ("runtime", "[INFO]\tlog a\nsecond line\n"),
            ("stdout", "part end\n"),
            ("runtime", "[WARNING]\tlog b"),
            ("runtime", "plain"),
            ("stdout", "tail\n"),
        ], size
        assert [r.level for r in records if r.source == "runtime"] == ["INFO", "WARN", None]
        times = [r.timestamp for r in records]
        assert times == sorted(times)


def test_merged_stream_text_with_the_magic_is_text():
    stream = MergedStream()
    stream.buf += b"\xa5\x5a\x00\x03" + bytes(12) + b"!\n" + b"x\xa5"
    assert [r.message for r in stream.feed()] == ["\ufffdZ\x00\x03" + "\x00" * 12 + "!\n"]
    assert bytes(stream.buf) == b"\xa5"  # perhaps a frame's first byte: it waits
    assert [r.message for r in stream.feed(final=True)] == ["x\ufffd\n"]


def test_log_pipe_is_one_pipe_with_two_descriptions():
    """stdout's end and the telemetry end feed one pipe in write order, and O_NONBLOCK set on
    stdout's (Node.js does) leaves the telemetry end blocking. Linux's /proc way and the FIFO
    way (macOS) alike."""
    for make in (logs.log_pipe, logs._fifo):
        read, out, tel = make()
        try:
            os.set_blocking(out, False)
            assert os.get_blocking(tel)
            os.write(out, b"a")
            os.write(tel, b"b")
            os.write(out, b"c")
            assert os.read(read, 10) == b"abc"
        finally:
            for fd in (read, out, tel):
                os.close(fd)
