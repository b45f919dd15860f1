"""notebooks/02-events.ipynb is committed clean; tests/test_notebooks.py executes it."""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02-events.ipynb"


def test_events_tour_uses_the_catalog_three_ways() -> None:
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells)
    assert "%lambda events" in source and "%lambda event s3.put" in source
    assert "--event 'sqs.receive(" in source and "events.build(" in source
