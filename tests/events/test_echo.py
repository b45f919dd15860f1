"""Every catalog type goes through a real function (the local Lambda engine) and back unchanged.

One function, warm invokes: what the handler receives is exactly the event we built, so nothing
in an event trips the Invoke API's JSON handling or the runtime client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import lambda_nb.events as ev
from lambda_nb import Function

ECHO = "def lambda_handler(event, context):\n    return event\n"


def test_every_event_type_echoes_back_unchanged(make_function: Callable[..., Function]) -> None:
    fn = make_function(ECHO)
    names = [t.name for t in ev.catalog()]
    for name in names:
        event = ev.build(name, seed=11)
        inv = fn.invoke(event)
        assert inv.payload == event, name
    tricky = ev.build("sqs.receive", bodies=['q " b \\ n \n ü 🎉', ""], seed=1)
    assert fn.invoke(tricky).payload == tricky
    assert len(fn.environments) == 1  # one cold start, the rest warm


def test_a_folder_batch_is_one_invocation_each(
    make_function: Callable[..., Function], tmp_path: Path
) -> None:
    for i, name in enumerate(["s3.put", "sqs.receive", "apigateway.http"]):
        (tmp_path / f"{i}-{name}.json").write_text(json.dumps(ev.build(name, seed=i)))
    fn = make_function(ECHO)
    batch = ev.load(tmp_path)
    assert [fn.invoke(event).payload for event in batch] == list(batch)
