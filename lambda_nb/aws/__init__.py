"""The function's world outside its environment: a local AWS (moto) that handlers reach with
boto3, the triggers that call functions (event source mappings, S3 notifications, an HTTP front
end), and the way out to real AWS (package, export, deploy).

Nothing here is imported by `import lambda_nb`, and importing this package loads neither moto
nor boto3: each part is loaded when it is first used. The parts:

- `server`: the local AWS, moto's server in this process on 127.0.0.1 (start, client, reset,
  stop below); `inventory`: what it holds (`status()`).
- `credentials`: what a function's SDK reaches (`Function.from_source(aws=...)`).
- `mappings`, `sqs_poller`, `stream_poller`: event source mappings (`fn.add_event_source`).
- `s3_notifications`: S3 triggers (`fn.add_s3_trigger`), and how they are wired.
- `destinations`: the local AWS's queues, topics and buses as asynchronous destinations and
  dead-letter queues.
"""

from __future__ import annotations

from typing import Any

__all__ = ["client", "endpoint", "reset", "start", "status", "stop"]


def start() -> str:
    """Start the local AWS (moto's server, in this process, on 127.0.0.1 and a free port) if it
    is not running; return its endpoint URL. It ends with the kernel. Needs the `aws` extra:
    pip install 'lambda-nb[aws]'."""
    from lambda_nb.aws.server import LOCAL

    return LOCAL.start()


def client(service: str, **kwargs: Any) -> Any:
    """A boto3 client of `service` ("s3", "dynamodb", "sqs", "sns", "events", "kinesis"...)
    wired to the local AWS (started if need be): its endpoint, region us-east-1, dummy
    credentials. Keyword arguments go to `boto3.client`."""
    from lambda_nb.aws.server import LOCAL

    return LOCAL.client(service, **kwargs)


def endpoint() -> str:
    """The running local AWS's endpoint URL (RuntimeError if it is not running)."""
    from lambda_nb.aws.server import LOCAL

    return LOCAL.endpoint


def reset() -> None:
    """Empty the local AWS: every bucket, table, queue, stream and topic goes, and the triggers
    (event source mappings, S3 notifications) on them end."""
    from lambda_nb.aws.server import LOCAL

    LOCAL.reset()


def stop() -> None:
    """Stop the local AWS: its triggers end, its state is gone. Idempotent."""
    from lambda_nb.aws.server import LOCAL

    LOCAL.stop()


def status() -> Any:
    """What the local AWS holds: buckets, tables and queues with their item counts, and the
    triggers (a `Status`, shown as a table in a notebook)."""
    from lambda_nb.aws.inventory import status as _status

    return _status()
