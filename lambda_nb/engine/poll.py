"""Waiting until file descriptors are readable, with poll(2), not select(2).

select() refuses descriptor numbers of 1024 and above (`ValueError: filedescriptor out of
range in select()`); a kernel holding many warm environments (about 14 descriptors each), or
one whose RLIMIT_NOFILE is raised, gets there, and then every invoke would fail.
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from typing import Protocol, TypeVar


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


F = TypeVar("F", int, _HasFileno)


def readable(fds: Sequence[F], timeout: float | None) -> list[F]:
    """Those of `fds` that are readable (or hung up) within `timeout` seconds (None: no limit)."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    ms = None if timeout is None else max(0, -int(-timeout * 1000 // 1))  # rounded up
    ready = {fd for fd, _ in poller.poll(ms)}
    return [fd for fd in fds if (fd if isinstance(fd, int) else fd.fileno()) in ready]
