"""Which code each function revision came from, so views can quote the user's own cell lines.

A `%%lambda` cell is saved as the handler module below a one-line `# %%lambda` header, so line N
of that file is line N of the cell. The magic records the text here when it publishes; views
read it back by (function, revision), because a traceback from revision 1 must quote revision 1
even after the cell was edited and re-run.
"""

from __future__ import annotations

_SOURCES: dict[tuple[str, int], tuple[str, str]] = {}
# function name -> file name of the module that holds the cell's code ("lambda_function.py")
_CELL_MODULES: dict[str, str] = {}


def mark_cell_module(function_name: str, filename: str = "lambda_function.py") -> None:
    """Record that `function_name`'s code came from a cell saved as `filename`."""
    _CELL_MODULES[function_name] = filename


def cell_module(function_name: str) -> str | None:
    return _CELL_MODULES.get(function_name)


def remember(function: str, revision: int, filename: str, source: str) -> None:
    """Record that `function` rev `revision` is the cell `source`, saved as `filename`."""
    _SOURCES[(function, revision)] = (filename, source)
    mark_cell_module(function, filename)


def lookup(function: str, revision: int) -> tuple[str, str] | None:
    """(module file name, source) of a revision published from a cell, else None."""
    return _SOURCES.get((function, revision))


def latest(function: str) -> tuple[int, str, str] | None:
    """(revision, module file name, source) of the newest recorded revision of `function`."""
    revisions = [rev for (name, rev) in _SOURCES if name == function]
    if not revisions:
        return None
    rev = max(revisions)
    filename, source = _SOURCES[(function, rev)]
    return rev, filename, source


# Cells that are files of a function's deployment package (`%%lambda NAME --file helpers.py`),
# by function; every publish of the function includes them.
_FILE_CELLS: dict[str, dict[str, str]] = {}
# (function, revision) -> the file cells that revision was published with
_REVISION_FILES: dict[tuple[str, int], dict[str, str]] = {}


def add_file_cell(function: str, filename: str, source: str) -> None:
    _FILE_CELLS.setdefault(function, {})[filename] = source


def file_cells(function: str) -> dict[str, str]:
    """The file cells of `function`: {file name in the task root: its source}."""
    return dict(_FILE_CELLS.get(function, {}))


def remember_files(function: str, revision: int, files: dict[str, str]) -> None:
    if files:
        _REVISION_FILES[(function, revision)] = dict(files)


def revision_files(function: str, revision: int) -> dict[str, str]:
    """The file cells `function` rev `revision` was published with (their tracebacks map to
    their own cells' lines)."""
    return dict(_REVISION_FILES.get((function, revision), {}))
