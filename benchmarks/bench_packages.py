"""Installs and the cache: what a function's requirements, layers and bundled SDK cost.

    python benchmarks/bench_packages.py [--node]

Each figure is one publish (`Function.from_source`) timed with a wall clock, in a fresh user
cache (LAMBDA_NB_CACHE_DIR in a temporary folder) so the first install really runs:
- six==1.16.0 and requests==2.32.3 (pip, manylinux2014_x86_64 wheels): first publish (pip runs)
  and a re-publish of the same set (the cache: hard links only, no pip);
- boto3/botocore 1.38.36, the Python runtime's bundled SDK: its one-time install;
- a cold start that imports boto3 (Init Duration, from the REPORT);
- with --node: is-number@7.0.0 with npm, and the @aws-sdk v3 clients (first use, then cached).

pip's and npm's own download caches are left as they are (a machine that installed a package
before downloads nothing); the figures say what a user sees on such a machine. No targets.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from lambda_nb import Function


def timed(label: str, **kwargs: object) -> Function:
    start = time.monotonic()
    lines: list[str] = []
    fn = Function.from_source(on_build=lines.append, **kwargs)  # type: ignore[arg-type]
    ran = any(ln.startswith("$ ") for ln in lines)
    print(f"{label:<44} {time.monotonic() - start:7.2f} s   installer ran: {ran}")
    return fn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", action="store_true", help="also npm and the @aws-sdk clients")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["LAMBDA_NB_CACHE_DIR"] = cache
        code = "import six\ndef lambda_handler(e, c):\n    return six.__version__\n"
        timed("boto3 1.38.36 runtime layer (first function)", code="def lambda_handler(e, c):\n"
              "    return 1\n", name="sdk")  # fmt: skip
        timed("six==1.16.0, first install", code=code, name="a", requirements=["six==1.16.0"])
        timed("six==1.16.0, re-publish (cache)", code=code + "\n", name="a",
              requirements=["six==1.16.0"])  # fmt: skip
        timed("requests==2.32.3, first install", code=code, name="b",
              requirements=["requests==2.32.3", "six==1.16.0"])  # fmt: skip
        fn = timed("requests==2.32.3, another function (cache)", code=code, name="c",
                   requirements=["six==1.16.0", "requests==2.32.3"])  # fmt: skip
        fn = timed("no requirements (baseline publish)", code=code.replace("six", "os"), name="d")
        boto = Function.from_source(
            "import boto3\ndef lambda_handler(e, c):\n    return boto3.__version__\n", name="e"
        )
        inv = boto.invoke({})
        init = inv.report.init_duration_ms if inv.report else None
        print(f"{'cold start importing boto3: Init Duration':<44} {init} ms ({inv.payload})")
        if args.node:
            js = "exports.handler = async () => require('is-number')(1);\n"
            timed("is-number@7.0.0 with npm, first install", code=js, name="n1",
                  runtime="nodejs20.x", filename="index.js",
                  requirements=["is-number@7.0.0"])  # fmt: skip
            timed("is-number@7.0.0, re-publish (cache)", code=js + "\n", name="n1",
                  runtime="nodejs20.x", filename="index.js",
                  requirements=["is-number@7.0.0"])  # fmt: skip
            sdk = "import { S3Client } from '@aws-sdk/client-s3';\nexport const handler = " \
                  "async () => typeof S3Client;\n"  # fmt: skip
            fn = timed("@aws-sdk v3 clients, first use", code=sdk, name="n2",
                       runtime="nodejs20.x")  # fmt: skip
            timed("@aws-sdk v3 clients, next function", code=sdk, name="n3", runtime="nodejs20.x")
            inv = fn.invoke({})
            init = inv.report.init_duration_ms if inv.report else None
            print(f"{'cold start importing client-s3: Init Duration':<44} {init} ms")
        del fn


if __name__ == "__main__":
    main()
