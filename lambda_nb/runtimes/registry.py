"""Kept for imports written before the runtime families moved into the engine.

Each runtime family is now one record in `lambda_nb/engine/runtime_family.py` (with the
python, nodejs, java and provided records in `engine/runtime_<family>.py`): host code lives in
the engine, and `lambda_nb/runtimes/` holds only what runs inside the execution environment.
"""

from __future__ import annotations

from pathlib import Path

from lambda_nb.engine.runtime_family import (  # noqa: F401 (re-exported)
    RuntimeCommand,
    code_file,
    default_handler,
    family,
    is_executable_code,
    line_comment,
    resolve,
    runtime_for,
)
from lambda_nb.engine.runtime_nodejs import (  # noqa: F401 (re-exported)
    NODE_BOOTSTRAP,
    NODE_RUNTIMES,
    aws_node_ric,
    aws_node_ric_prefix,
)
from lambda_nb.engine.runtime_provided import BOOTSTRAP_FILE, PROVIDED_RUNTIMES  # noqa: F401
from lambda_nb.engine.runtime_python import (  # noqa: F401 (re-exported)
    AWS_BOOTSTRAP,
    BOOTSTRAP,
    PYTHON_MIN,
    _version_key,
    aws_ric_runtime_dir,
    pyenv_pythons,
    pythons,
    pythons_on_path,
)

HERE = Path(__file__).resolve().parent  # the runtime clients' folder
