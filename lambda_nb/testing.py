"""Test helpers that ship with the package: count what widgets send over their comms.

`CommRecorder` replaces `comm.create_comm` (the hook ipywidgets >= 8 and ipykernel >= 6.18
create comms through) with a comm that records every message it would publish, so a test or
the widget benchmark can measure the traffic of a view without a frontend (jupyter.md 3.1).
Bytes are the JSON of each message's content (`comm_id` + `data`) plus binary buffers: the
payload a kernel puts on the wire, less the fixed envelope (header, signature) of each message.

It needs the `jupyter` extra (`pip install "lambda-nb[jupyter]"`, which brings `comm`) with
ipywidgets >= 8: ipywidgets 7 opens its comms through ipykernel, where nothing would be recorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

try:
    import comm
    from comm.base_comm import BaseComm
except ImportError as exc:  # the base install: no Jupyter stack
    raise ImportError(
        "lambda_nb.testing records widget messages through the `comm` package, which comes with "
        'the jupyter extra: pip install "lambda-nb[jupyter]"'
    ) from exc


@dataclass
class CommMessage:
    msg_type: str  # comm_open, comm_msg, comm_close
    comm_id: str
    size: int  # bytes of the content JSON plus buffers
    data: dict[str, Any] = field(repr=False, default_factory=dict)
    thread: str = ""  # the thread that sent it: widgets must be touched from the main thread


class _RecordingComm(BaseComm):
    recorder: CommRecorder

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[Any] | None = None,
        **keys: Any,
    ) -> None:
        content = {"comm_id": self.comm_id, "data": data or {}, **keys}
        size = len(json.dumps(content, default=str).encode())
        size += sum(len(memoryview(b).cast("B")) for b in buffers or [])
        thread = threading.current_thread().name
        self.recorder.messages.append(CommMessage(msg_type, self.comm_id, size, data or {}, thread))


class CommRecorder:
    """`with CommRecorder() as rec: ...` -> `rec.bytes`, `rec.count`, `rec.messages`."""

    def __init__(self) -> None:
        self.messages: list[CommMessage] = []
        self._saved: Any = None

    def __enter__(self) -> CommRecorder:
        try:
            widgets = metadata.version("ipywidgets")
        except metadata.PackageNotFoundError:
            widgets = None
        if widgets is not None and int(widgets.split(".")[0]) < 8:
            raise RuntimeError(
                f"CommRecorder needs ipywidgets >= 8 (found {widgets}): ipywidgets 7 opens its "
                "comms through ipykernel, so there would be nothing to record"
            )
        recorder = self

        class Comm(_RecordingComm):
            pass

        Comm.recorder = recorder
        self._saved = comm.create_comm
        comm.create_comm = Comm
        return self

    def __exit__(self, *exc: object) -> None:
        comm.create_comm = self._saved

    @property
    def bytes(self) -> int:
        return sum(m.size for m in self.messages)

    @property
    def count(self) -> int:
        return len(self.messages)

    def open_models(self) -> int:
        """Comms opened and not closed: the widget models that would be in saved state."""
        opened = {m.comm_id for m in self.messages if m.msg_type == "comm_open"}
        closed = {m.comm_id for m in self.messages if m.msg_type == "comm_close"}
        return len(opened - closed)
