"""Shared fixtures: real functions in a real local service; nothing may outlive them."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lambda_nb import Function
from lambda_nb.engine.service import LambdaService

_names = itertools.count(1)
# Which runtime client tests use unless they choose (AWS's awslambdaric is the oracle).
DEFAULT_CLIENT = os.environ.get("LAMBDA_NB_TEST_CLIENT", "lambda_nb")


def processes_with_env(marker: str) -> list[int]:
    """PIDs of live processes whose environment contains `marker` (e.g. a log stream name)."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        if needle in environ and b") Z " not in state:  # zombies are already dead
            found.append(int(entry))
    return found


@pytest.fixture(name="processes_with_env")
def processes_with_env_fixture() -> Callable[[str], list[int]]:
    return processes_with_env


@pytest.fixture(scope="module")
def service() -> Iterator[LambdaService]:
    svc = LambdaService()
    yield svc
    svc.close()


@pytest.fixture
def make_function(service: LambdaService) -> Iterator[Callable[..., Function]]:
    """Create functions with unique names; afterwards, assert none of their processes is left."""
    made: list[Function] = []

    def make(code: str, **options: object) -> Function:
        options.setdefault("name", f"fn-{os.getpid()}-{next(_names)}")
        options.setdefault("runtime_client", DEFAULT_CLIENT)
        fn = Function.from_source(code, service=service, **options)  # type: ignore[arg-type]
        made.append(fn)
        return fn

    yield make
    streams = [s for fn in made for s in fn.log_group]
    for fn in made:
        fn.close()
    if sys.platform == "linux":
        leftovers = {s: processes_with_env(s) for s in streams}
        assert not any(leftovers.values()), f"processes left behind: {leftovers}"
