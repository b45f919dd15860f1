"""`runtime="python3.X"` runs the handler on that interpreter; a missing one is a clear error."""

from __future__ import annotations

import pytest

from lambda_nb.engine.errors import RuntimeNotFound
from lambda_nb.runtimes.registry import pythons_on_path

VERSIONS = sorted(
    (name for name in pythons_on_path() if tuple(map(int, name[6:].split("."))) >= (3, 9)),
    key=lambda n: tuple(map(int, n[6:].split("."))),
)
CODE = """import sys
def lambda_handler(event, context):
    print("running on", sys.version_info[:2])
    return list(sys.version_info[:2])
"""


@pytest.mark.parametrize("runtime", VERSIONS)
def test_handler_runs_on_the_requested_python(make_function, runtime: str) -> None:
    fn = make_function(CODE, runtime=runtime)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    assert inv.payload == [int(x) for x in runtime[6:].split(".")]
    assert fn.invoke({}).cold is False


def test_missing_python_lists_those_found(make_function) -> None:
    with pytest.raises(RuntimeNotFound) as err:
        make_function(CODE, runtime="python3.99")
    message = str(err.value)
    assert "python3.99" in message
    for name in VERSIONS:
        assert name in message
