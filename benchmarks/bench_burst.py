"""A burst: 200 events of a 50 ms handler at concurrency 1, 4 and 16, against the ideal.

    python benchmarks/bench_burst.py [--events 200] [--sleep-ms 50] [--levels 1,4,16]

What it reports (issue 9), per concurrency level, each level on a fresh `LambdaService` (so
environments are counted from zero, and closed after):
- wall: the time `Function.invoke_many(events, concurrency=C)` takes, cold starts included;
- ideal: events x 50 ms / C, what perfect scaling with free cold starts would take; wall/ideal;
- threads: the same sleeps run by C plain Python threads in this process (a baseline measured
  in the same run: what scheduling C sleepers costs on this machine, without Lambda);
- environments: distinct `inv.environment` (log streams); Lambda should make exactly C;
- cold starts and the median Init Duration (cold starts in parallel compete for the cores);
- host CPU per invocation, in ms: user + system time of this process (the service: the callers,
  the Runtime API servers, the log readers) and of its child processes (the execution
  environments and the reaper), over the burst only.

How CPU is measured: this process's own time is `getrusage(RUSAGE_SELF)` before and after. The
environments are still alive when the burst ends, and RUSAGE_CHILDREN counts only children that
have exited and been waited for, so it would miss them until `close()` (and then include their
shutdown). Instead, before and after the burst we read utime+stime (plus cutime+cstime, for what
they reaped) of every descendant process in /proc/PID/stat and take the per-process difference
(a process new since the first reading counts whole); RUSAGE_CHILDREN's delta is added for
children that exited during the burst (none, normally). Linux only; elsewhere the child column
is RUSAGE_CHILDREN alone. Resolution is one clock tick (10 ms), fine over 200 invocations.

No targets are fixed; what to look for: environments = C at every level; wall/ideal near 1 at
C=1 and C=4 (the per-invoke overhead is ~1-2 ms against 50 ms); at C=16 on a 2-core machine the
16 parallel cold starts take a visible share of a ~0.6 s ideal (and 200 events make 13 rounds of
16, so even the threads need 0.65 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

from lambda_nb import Function, TooManyRequestsException
from lambda_nb.engine.service import LambdaService

HANDLER = """import time
def lambda_handler(event, context):
    time.sleep({seconds})
    return event
"""
TICK_S = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def descendant_cpu() -> dict[int, float]:
    """CPU seconds (own + reaped children) of every live descendant of this process, by pid."""
    proc = Path("/proc")
    if not proc.is_dir():
        return {}
    parent_of: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        pid = int(entry.name)
        parent_of[pid] = int(fields[1])
        cpu[pid] = sum(int(f) for f in fields[11:15]) * TICK_S  # utime stime cutime cstime
    me, found = os.getpid(), {}
    for pid in cpu:
        p = pid
        while p in parent_of and p not in (0, 1):
            p = parent_of[p]
            if p == me:
                found[pid] = cpu[pid]
                break
    return found


def rusage_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def threads_baseline(events: int, seconds: float, concurrency: int) -> float:
    """Wall time of `events` sleeps of `seconds` shared by `concurrency` threads."""
    lock = threading.Lock()
    left = [events]

    def worker() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            time.sleep(seconds)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def burst(events: int, seconds: float, concurrency: int) -> dict[str, float]:
    svc = LambdaService()
    try:
        fn = Function.from_source(
            HANDLER.format(seconds=seconds), name=f"burst-{concurrency}", service=svc
        )
        payloads = [{"i": i} for i in range(events)]
        self_before, reaped_before = (
            rusage_s(resource.RUSAGE_SELF),
            rusage_s(resource.RUSAGE_CHILDREN),
        )
        children_before = descendant_cpu()
        start = time.perf_counter()
        results = fn.invoke_many(payloads, concurrency=concurrency)
        wall = time.perf_counter() - start
        children_after = descendant_cpu()
        self_cpu = rusage_s(resource.RUSAGE_SELF) - self_before
        child_cpu = rusage_s(resource.RUSAGE_CHILDREN) - reaped_before
        child_cpu += sum(cpu - children_before.get(pid, 0.0) for pid, cpu in children_after.items())
    finally:
        svc.close()
    ran = [r for r in results if not isinstance(r, TooManyRequestsException)]
    failed = [r for r in ran if r.status != "success"]
    if len(ran) != events or failed:
        raise SystemExit(f"concurrency {concurrency}: {len(ran)} ran, {len(failed)} failed")
    inits = [r.report.init_duration_ms for r in ran if r.report and r.report.init_duration_ms]
    return {
        "wall": wall,
        "environments": len({r.environment for r in ran}),
        "cold": sum(r.cold for r in ran),
        "init_ms": statistics.median(inits) if inits else 0.0,
        "self_ms": self_cpu * 1000 / events,
        "child_ms": child_cpu * 1000 / events,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--sleep-ms", type=float, default=50)
    parser.add_argument("--levels", default="1,4,16", help="concurrency levels, comma-separated")
    args = parser.parse_args()
    seconds = args.sleep_ms / 1000
    levels = [int(c) for c in args.levels.split(",")]
    print(
        f"{args.events} events of a {args.sleep_ms:g} ms handler   python "
        f"{sys.version.split()[0]}   {os.cpu_count()} CPUs   load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    header = (
        f"{'C':>3} {'wall s':>7} {'ideal s':>7} {'wall/ideal':>10} {'threads s':>9} "
        f"{'envs':>5} {'cold':>5} {'init p50 ms':>11} {'CPU/inv ms: service':>20} "
        f"{'envs':>6} {'total':>6}"
    )
    print(header)
    print("-" * len(header))
    for c in levels:
        ideal = args.events * seconds / c
        base = threads_baseline(args.events, seconds, c)
        r = burst(args.events, seconds, c)
        print(
            f"{c:>3} {r['wall']:>7.2f} {ideal:>7.2f} {r['wall'] / ideal:>10.2f} {base:>9.2f} "
            f"{r['environments']:>5} {r['cold']:>5} {r['init_ms']:>11.1f} "
            f"{r['self_ms']:>20.2f} {r['child_ms']:>6.2f} {r['self_ms'] + r['child_ms']:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
