"""End-to-end latency of the local triggers: an SQS send, or an S3 put, to the handler running.

    python benchmarks/bench_triggers.py [--rounds 30]

Both go through the real path: boto3 to the local AWS (moto, in this process), lambda_nb's
poller or S3 hook, the service's invoke, the execution environment's Runtime API, the handler.
The handler returns `time.time()` as its first act; latency = that minus the wall-clock time
just before the boto3 call that sent the message or wrote the object. The function is warm
(one invocation first), and rounds run one at a time (each waits for its invocation), so the
figures are the trigger's own, not a queue's backlog.

- SQS: a standard queue, batch size 1, no batching window; the poller long-polls (1 s waits),
  so a message is received as soon as it is sent. Lambda's own poller adds its own delay,
  usually well under a second (triggers.md 2.2).
- S3: the notification is an asynchronous invoke (the event queue's scheduler picks it up).
  S3 on AWS promises "typically within seconds, sometimes a minute or longer" (triggers.md 2.5).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lambda_nb.aws as aws
from lambda_nb import Function

HANDLER = """import time
def lambda_handler(event, context):
    return time.time()
"""


def wait_for(fn: Function, count: int, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [i for i in list(fn.history) if i.done]
        if len(done) >= count:
            return float(done[count - 1].payload)
        time.sleep(0.001)
    raise TimeoutError(f"{fn.name}: invocation {count} never came")


def summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    return (
        f"{name:4} n={len(ms):3}  median {statistics.median(ms):6.1f} ms  p90 {p90:6.1f} ms  "
        f"min {ms[0]:6.1f} ms  max {ms[-1]:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    started = time.perf_counter()
    aws.start()
    print(f"local AWS started in {1000 * (time.perf_counter() - started):.0f} ms")
    sqs, s3 = aws.client("sqs"), aws.client("s3")

    url = sqs.create_queue(QueueName="bench")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    fn = Function.from_source(HANDLER, name="bench-sqs")
    fn.invoke({})  # warm
    fn.add_event_source(arn, batch_size=1)
    sqs_ms = []
    for i in range(rounds):
        sent = time.time()
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
        sqs_ms.append(1000 * (wait_for(fn, i + 2) - sent))
    fn.close()

    s3.create_bucket(Bucket="bench-bucket")
    fn = Function.from_source(HANDLER, name="bench-s3")
    fn.invoke({})  # warm
    fn.add_s3_trigger("bench-bucket")
    s3_ms = []
    for i in range(rounds):
        put = time.time()
        s3.put_object(Bucket="bench-bucket", Key=f"k{i}", Body=b"x")
        s3_ms.append(1000 * (wait_for(fn, i + 2) - put))
    fn.close()
    aws.stop()
    print(summary("SQS", sqs_ms))
    print(summary("S3", s3_ms))


if __name__ == "__main__":
    main()
