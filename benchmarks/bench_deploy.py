"""The way out to AWS, timed: package(), export_sam() (+ cfn-lint), deploy() against moto.

    python benchmarks/bench_deploy.py [--repeat 3]

The function is a handler plus a realistic dependency set: the boto3 closure (boto3, botocore,
s3transfer, jmespath, dateutil, six, urllib3) copied from this environment into the task root,
where the packages work installs requirements. Reported, each the median of `--repeat` runs:
- package: files, unzipped and zipped MB, seconds for `fn.package()` (deterministic zip);
- export: seconds for `fn.export_sam()` (template + a copy of the code folder), and for the
  real `cfn-lint` on the template (a subprocess; most of it is cfn-lint's own start-up);
- deploy: seconds for `fn.deploy()` against moto's in-process AWS, create then update (moto
  has no Pending state, so this is our side: the zip, the calls, the waiters' first poll).
Needs the test extra (moto, cfn-lint, boto3). No targets; the numbers are for the report.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lambda_nb import Function
from lambda_nb.engine import package

CLOSURE = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
CODE = "import boto3\n\ndef lambda_handler(event, context):\n    return boto3.__version__\n"


def timed(func, repeat):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fn = Function.from_source(CODE, name="bench-package", memory=256)
    root = fn._revision.task_root
    for name in CLOSURE:
        module = importlib.import_module(name)
        src = Path(module.__file__ or "")
        if src.name == "__init__.py":
            shutil.copytree(src.parent, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, root / src.name)
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    try:
        entries = package.entries(fn._revision)
        zip_path = work / "fn.zip"
        t_package = timed(lambda: fn.package(zip_path), args.repeat)
        print(
            f"package: {len(entries)} files, {package.unzipped_size(entries) / 1e6:.1f} MB "
            f"unzipped, {zip_path.stat().st_size / 1e6:.1f} MB zipped: {t_package:.2f} s"
        )
        t_export = timed(lambda: fn.export_sam(work / "sam"), args.repeat)
        lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"
        template = work / "sam" / "template.yaml"
        t_lint = timed(lambda: subprocess.run([lint, str(template)], check=True), args.repeat)
        print(f"export_sam: {t_export:.2f} s; cfn-lint on it: {t_lint:.2f} s")
        deploy_times(fn, args.repeat)
    finally:
        fn.close()
        shutil.rmtree(work, ignore_errors=True)


def deploy_times(fn: Function, repeat: int) -> None:
    import boto3
    from moto import mock_aws

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    creates, updates = [], []
    for _ in range(repeat):
        with mock_aws():
            iam = boto3.client("iam", region_name="eu-west-1")
            role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            start = time.perf_counter()
            fn.deploy(role_arn=role, region="eu-west-1")
            creates.append(time.perf_counter() - start)
            start = time.perf_counter()
            fn.deploy(region="eu-west-1")
            updates.append(time.perf_counter() - start)
    print(
        f"deploy to moto: create {statistics.median(creates):.2f} s, "
        f"update {statistics.median(updates):.2f} s"
    )


if __name__ == "__main__":
    main()
