"""Starts AWS's runtime client, awslambdaric, the way Lambda's /var/runtime/bootstrap.py does:
sys.path first (the task root, /opt's layers, the bundled boto3, the runtime dir, the standard
library; see _lnb_path), then `python -m awslambdaric <handler>`.

The interpreter runs with `-S -s`, so the kernel's site-packages are not on sys.path; the
runtime dir (LAMBDA_RUNTIME_DIR) holds awslambdaric and the packages it needs (simplejson,
snapshot_restore_py, its C extension), linked from where they are installed, as /var/runtime
holds them on Lambda. Usage: python -S -s aws_bootstrap.py HANDLER
"""

from __future__ import annotations

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _lnb_path  # noqa: E402  (needs the path fix-up above)


def main() -> None:
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _lnb_path.set_import_path(task_root, os.environ.get("LAMBDA_RUNTIME_DIR"), drop=(HERE,))
    del sys.modules["_lnb_path"]
    os.chdir(task_root)
    sys.argv = sys.argv[:1] + sys.argv[1:2]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
