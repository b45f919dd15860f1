"""The function's import path, built as the Lambda Python runtime builds it.

The interpreter is started with `-S -s` (no `site`, so none of the kernel's site-packages is on
sys.path: a handler imports what AWS would give it, and nothing else). This module then lays
sys.path out as sandbox-and-packages.md 2.1 records it:

    task root, <opt>/python/lib/python3.X/site-packages, <opt>/python,
    the runtime's bundled packages (boto3 & co.), the runtime dir, the standard library

(on 3.8-3.10 the runtime dir comes before the bundled packages, as /var/runtime did) and runs
`site.addsitedir` on the task root, the layer dirs and the bundled packages, so `.pth` files
there are honoured. A `PYTHONPATH` the function sets suppresses the /opt entries, as it does on
AWS (the runtime's bootstrap only adds them when PYTHONPATH is unset).

Where /opt and the bundled packages are comes from `_LAMBDA_NB_IMPORT_PATHS` (os.pathsep-joined:
the /opt dir, then the bundled-packages dir; either may be empty), which is removed from
os.environ before any user code runs.
"""

from __future__ import annotations

import os
import sys

IMPORT_PATHS_VAR = "_LAMBDA_NB_IMPORT_PATHS"


def set_import_path(task_root: str, runtime_dir: str | None, drop: tuple[str, ...] = ()) -> None:
    """Lay out sys.path for user code; `drop` lists folders of ours that must not stay on it."""
    entries = os.environ.pop(IMPORT_PATHS_VAR, "").split(os.pathsep)
    opt = entries[0] if entries else ""
    bundled = entries[1] if len(entries) > 1 else ""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    layer_dirs = [f"{opt}/python/lib/{version}/site-packages", f"{opt}/python"] if opt else []
    runtime = [d for d in (runtime_dir,) if d]
    sdk = [bundled] if bundled else []
    tail = [*sdk, *runtime] if sys.version_info >= (3, 11) else [*runtime, *sdk]
    if "PYTHONPATH" in os.environ:  # only the task root goes first; the SDK comes from `site`
        layer_dirs, front, back = [], [task_root], tail
    else:
        front, back = [task_root, *layer_dirs, *tail], []
    rest = [p for p in sys.path if p not in front + back and p not in drop and p != ""]
    sys.path[:] = front + rest + back

    import site  # with -S it is not imported at start-up, so importing it runs nothing

    # What `site` gives every script on AWS: exit(), quit(), help(), copyright...
    site.setquit()
    site.setcopyright()
    site.sethelper()
    for directory in (task_root, *layer_dirs, *sdk):
        if os.path.isdir(directory):
            site.addsitedir(directory)
    # Then the bootstrap exports PYTHONPATH=$LAMBDA_RUNTIME_DIR for child processes
    # (sandbox-and-packages.md 1.7). Whether it overwrites a PYTHONPATH the function set is
    # UNCONFIRMED; the function's own value is kept, the least surprising choice.
    exported = os.environ.get("LAMBDA_RUNTIME_DIR")
    if exported and "PYTHONPATH" not in os.environ:
        os.environ["PYTHONPATH"] = exported
