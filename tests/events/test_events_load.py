"""Events from elsewhere: JSON files, folders of JSON files (batches), JSON text, dicts, lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lambda_nb.events as ev


def test_load_values_and_json_text() -> None:
    event = {"a": [1, "ü"]}
    assert ev.load(event) is event
    assert ev.load([1, 2]) == [1, 2]
    assert ev.load('  {"a": "b"}') == {"a": "b"}
    assert ev.load("[1]") == [1]


def test_load_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"k": 'quote " ü'}, ensure_ascii=False), encoding="utf-8")
    assert ev.load(path) == {"k": 'quote " ü'}
    assert ev.load(str(path)) == {"k": 'quote " ü'}
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + b'{"bom": true}')
    assert ev.load(bom) == {"bom": True}


def test_load_folder_is_a_sorted_batch(tmp_path: Path) -> None:
    for name, value in [("b.json", 2), ("a.json", 1), ("c.JSON", 3), ("notes.txt", 0)]:
        (tmp_path / name).write_text(json.dumps({"n": value}))
    (tmp_path / "sub.json").mkdir()
    batch = ev.load(tmp_path)
    assert isinstance(batch, ev.Batch) and isinstance(batch, list)
    assert batch == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert batch.names == ["a.json", "b.json", "c.JSON"]


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ev.EventError, match="no such event file"):
        ev.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"a": ')
    with pytest.raises(ev.EventError, match=r"bad.json: invalid JSON at line 1"):
        ev.load(tmp_path / "bad.json")
    with pytest.raises(ev.EventError, match="invalid JSON event"):
        ev.load("{nope")
    (tmp_path / "latin.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(ev.EventError, match="not UTF-8"):
        ev.load(tmp_path / "latin.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ev.EventError, match=r"no \.json files"):
        ev.load(empty)
    with pytest.raises(ev.EventError, match="cannot load an event from a int"):
        ev.load(3)


def test_catalog_events_round_trip_through_files(tmp_path: Path) -> None:
    for t in ev.catalog():
        (tmp_path / f"{t.name}.json").write_text(
            json.dumps(ev.build(t.name, seed=5)), encoding="utf-8"
        )
    batch = ev.load(tmp_path)
    assert batch == [ev.build(t.name, seed=5) for t in ev.catalog()]
