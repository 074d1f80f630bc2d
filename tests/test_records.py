"""A Record behaves as the frozen dataclass it replaces (see replykit.records): each check is made on
both, declared alike."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from replykit.records import Record, record_fields


class Spot(Record, order=True):
    """A record with ordering, as ``@dataclass(frozen=True, order=True)``."""

    path: Path
    line: int
    message: str = "here"


@dataclasses.dataclass(frozen=True, order=True)
class SpotDataclass:
    path: Path
    line: int
    message: str = "here"


class Settings(Record):
    """A record with a factory default."""

    name: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    weight: float = 0.5


@dataclasses.dataclass(frozen=True)
class SettingsDataclass:
    name: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    weight: float = 0.5


def _pairs() -> list[tuple[Any, Any]]:
    return [
        (Spot(Path("a.yaml"), 3), SpotDataclass(Path("a.yaml"), 3)),
        (Spot(path=Path("b.yaml"), line=1, message="x"), SpotDataclass(path=Path("b.yaml"), line=1, message="x")),
        (Settings("s"), SettingsDataclass("s")),
        (Settings("t", {"a": 1}, weight=2.0), SettingsDataclass("t", {"a": 1}, weight=2.0)),
    ]


def test_a_record_reads_equals_and_shows_as_the_dataclass() -> None:
    for record, data in _pairs():
        fields = tuple(f.name for f in dataclasses.fields(data))
        assert record_fields(record) == fields
        assert [getattr(record, f) for f in fields] == [getattr(data, f) for f in fields]
        assert repr(record) == repr(data).replace("Dataclass(", "(")
        assert record == copy.copy(record) and record == pickle.loads(pickle.dumps(record))
        assert record != data  # another class, as two dataclasses are
    spots = [Spot(Path("b"), 1), Spot(Path("a"), 2), Spot(Path("a"), 1, "z"), Spot(Path("a"), 1)]
    as_data = [SpotDataclass(s.path, s.line, s.message) for s in spots]
    assert [(s.path, s.line, s.message) for s in sorted(spots)] == [
        (d.path, d.line, d.message) for d in sorted(as_data)
    ]
    assert hash(Spot(Path("a"), 1)) == hash(Spot(Path("a"), 1)) and len({*spots, *spots}) == 4
    assert Spot(Path("a"), 1) <= Spot(Path("a"), 1) < Spot(Path("a"), 2) and Spot(Path("b"), 0) > Spot(Path("a"), 9)
    assert Settings("s").values == {} and Settings("s").values is not Settings("s").values  # a new dict each


def test_a_record_refuses_what_the_dataclass_refuses() -> None:
    for record, data in _pairs()[:1]:
        for target in (record, data):
            with pytest.raises(dataclasses.FrozenInstanceError):
                target.line = 4
            with pytest.raises(dataclasses.FrozenInstanceError):
                del target.line
        with pytest.raises(TypeError):
            record < data  # noqa: B015 (the comparison must raise)
    makers: tuple[Any, ...] = (Spot, SpotDataclass)  # called wrongly on purpose
    for make in makers:
        with pytest.raises(TypeError, match="missing 1 required"):
            make(Path("a"))
        with pytest.raises(TypeError, match="unexpected keyword argument 'column'"):
            make(Path("a"), 1, column=2)
        with pytest.raises(TypeError, match="multiple values for argument 'line'"):
            make(Path("a"), 1, line=2)
        with pytest.raises(TypeError, match="positional arguments but 5 were given"):
            make(Path("a"), 1, "m", "extra")
    with pytest.raises(TypeError, match="non-default argument 'late' follows default argument 'early'"):

        class Wrong(Record):
            early: int = 1
            late: int  # type: ignore[misc]
