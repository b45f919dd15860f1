"""Fixtures for the real-browser tests: JupyterLab headless + Debian's chromium via Playwright.

Every test module here sets `pytestmark = pytest.mark.browser`. Without chromium the tests are skipped on a developer's
machine, but under CI (CI=true) a missing browser is an error: CI must never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_harness import (
    CHROMIUM,
    LabServer,
    chromium,
    chromium_available,
    lab_server,
    processes_with_marker,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and the playwright package are there; in CI their absence fails the run."""
    problems = []
    if not chromium_available():
        problems.append(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the python package playwright is not installed")
    if problems:
        message = "browser tests cannot run: " + "; ".join(problems)
        if in_ci():
            pytest.fail(f"{message}. In CI they must run, never be skipped.", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def lab(browser_ready: None) -> Iterator[LabServer]:
    with lab_server([ROOT / "notebooks" / "05-widgets.ipynb"]) as server:
        yield server
    # The harness shut the server down and ended stragglers by PID; now nothing may be left.
    left = processes_with_marker(server.marker)
    assert not left, f"processes left behind by JupyterLab: {left}"


@pytest.fixture(scope="module")
def page(lab: LabServer) -> Iterator[Any]:
    with chromium() as browser_page:
        browser_page.set_default_timeout(60_000)
        yield browser_page


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
