"""lambda_nb: a notebook cell becomes an AWS Lambda function.

`import lambda_nb` stays cheap: the engine, IPython and ipywidgets load only when used.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms)

__version__ = "0.1.0"
__all__ = [
    "AsyncRequest", "Function", "Invocation", "TooManyRequestsException", "__version__",
    "time_scale",
]  # fmt: skip

if TYPE_CHECKING:
    from typing import Any

    from lambda_nb.engine.clock import time_scale
    from lambda_nb.engine.errors import TooManyRequestsException
    from lambda_nb.engine.records import AsyncRequest, Invocation
    from lambda_nb.function import Function


def __getattr__(name: str) -> Any:
    if name == "Function":
        from lambda_nb.function import Function

        return Function
    if name in ("Invocation", "AsyncRequest"):
        from lambda_nb.engine import records

        return getattr(records, name)
    if name == "TooManyRequestsException":
        from lambda_nb.engine.errors import TooManyRequestsException

        return TooManyRequestsException
    if name == "time_scale":
        from lambda_nb.engine.clock import time_scale

        return time_scale
    raise AttributeError(f"module 'lambda_nb' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext lambda_nb`: register the %%lambda magics."""
    from lambda_nb.magic import LambdaMagics

    ipython.register_magics(LambdaMagics)


def unload_ipython_extension(ipython: Any) -> None:
    from lambda_nb.magic import unregister

    unregister(ipython)
