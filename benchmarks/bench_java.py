"""Java cold start: what the JVM costs, and what lambda_nb's Java runtime client adds to it.

    python benchmarks/bench_java.py [--runtime java17] [--cold N] [--warm N]

In one run, per runtime (java17, and java21/java25 where a JDK is found), medians over N:
- `java -version`: the JVM's own start and exit;
- bare hello-world: a one-class `main` printing a line, with the flags the bootstrap uses
  (heap from 128 MB, serial GC, C1 only), the floor a Java function could reach;
- cold, CDS on / off: a new execution environment to its first response (process start, JVM,
  our client's classes, the handler's class loaded and constructed, one invoke), with the
  client's CDS archive and without it (`LAMBDA_NB_JAVA_CDS=off`);
- init: the REPORT's Init Duration of those cold starts;
- warm: p50 of N warm invokes.
Real AWS, for scale (java-runtime.md 7): a trivial handler's Init Duration was 346 ms on java17
at 1024 MB (java11 496 ms, java8.al2 541 ms).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lambda_nb import Function
from lambda_nb.engine import runtime_java
from lambda_nb.engine.service import LambdaService

HANDLER = """package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class Hello implements RequestHandler<Map<String, Object>, String> {
    public String handleRequest(Map<String, Object> event, Context context) {
        return "Hello, " + event.get("name");
    }
}
"""
MAIN = 'public class Main { public static void main(String[] a) { System.out.println("hi"); } }\n'
FLAGS = ["-XX:MaxHeapSize=111411k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"]


def median_ms(argv: list[str], runs: int, cwd: str | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=cwd)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def cold_starts(
    svc: LambdaService, runtime: str, cds: bool, cold: int, warm: int
) -> tuple[float, float, float]:
    """(cold invoke ms, Init Duration ms, warm p50 ms), medians."""
    colds, inits, warms = [], [], []
    env = {} if cds else {"LAMBDA_NB_JAVA_CDS": "off"}
    for i in range(cold):
        fn = Function.from_source(
            HANDLER, service=svc, name=f"bj-{runtime}-{int(cds)}-{i}", runtime=runtime,
            environment=env,
        )  # fmt: skip
        started = time.perf_counter()
        inv = fn.invoke({"name": "Ada"})
        colds.append(time.perf_counter() - started)
        assert inv.status == "success", inv.log_text()
        if inv.report and inv.report.init_duration_ms:
            inits.append(inv.report.init_duration_ms)
        if i == cold - 1:
            for _ in range(warm):
                started = time.perf_counter()
                fn.invoke({"name": "Ada"})
                warms.append(time.perf_counter() - started)
        fn.close()
    return (
        statistics.median(colds) * 1000,
        statistics.median(inits),
        statistics.median(warms) * 1000 if warms else float("nan"),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", action="append", help="java17, java21, java25 (repeatable)")
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--warm", type=int, default=50)
    args = parser.parse_args()
    runtimes = args.runtime or runtime_java.FAMILY.names()
    svc = LambdaService()
    rows = []
    try:
        for runtime in runtimes:
            home, version, _ = runtime_java._jdk_for(runtime)
            java = str(home / "bin" / "java")
            Function.from_source(HANDLER, service=svc, name="bj-warmup", runtime=runtime).close()
            with tempfile.TemporaryDirectory() as tmp:
                Path(tmp, "Main.java").write_text(MAIN)
                subprocess.run([str(home / "bin" / "javac"), "-d", tmp, f"{tmp}/Main.java"],
                               check=True)  # fmt: skip
                version_ms = median_ms([java, "-version"], 10)
                hello_ms = median_ms([java, *FLAGS, "-cp", tmp, "Main"], 10)
            on = cold_starts(svc, runtime, True, args.cold, args.warm)
            off = cold_starts(svc, runtime, False, args.cold, 0)
            rows.append((runtime, f"JDK {version}", version_ms, hello_ms, on, off))
    finally:
        svc.close()
    print(f"Java cold start, medians ({args.cold} cold starts, {args.warm} warm invokes)")
    head = ("runtime", "JDK", "java -version", "hello-world", "cold CDS on", "init CDS on",
            "cold CDS off", "init CDS off", "warm p50")  # fmt: skip
    print(" | ".join(head))
    for runtime, jdk, version_ms, hello_ms, on, off in rows:
        figures = [version_ms, hello_ms, on[0], on[1], off[0], off[1]]
        cells = [runtime, jdk, *(f"{ms:.0f} ms" for ms in figures), f"{on[2]:.1f} ms"]
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
