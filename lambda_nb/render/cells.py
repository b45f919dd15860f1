"""Which code each function revision came from, so views can quote the user's own cell lines.

A `%%lambda` cell is saved as the handler module below a one-line `# %%lambda` header, so line N
of that file is line N of the cell. The magic records the text here when it publishes; views
read it back by (function, revision), because a traceback from revision 1 must quote revision 1
even after the cell was edited and re-run.
"""

from __future__ import annotations

from lambda_nb.render import static

_SOURCES: dict[tuple[str, int], tuple[str, str]] = {}


def remember(function: str, revision: int, filename: str, source: str) -> None:
    """Record that `function` rev `revision` is the cell `source`, saved as `filename`."""
    _SOURCES[(function, revision)] = (filename, source)
    static.mark_cell_module(function, filename)


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
