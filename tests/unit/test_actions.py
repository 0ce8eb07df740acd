"""The action codec: encode/decode round trips, the 64-byte limit, forged data refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.actions import MAX_ID, Action, ActionTooLong, action, decode, registered


@action("tst:one")
@dataclass(frozen=True)
class One(Action):
    item: int


@action("tst:one:x")
@dataclass(frozen=True)
class OneX(Action):
    item: int


@action("tst:mix")
@dataclass(frozen=True)
class Mix(Action):
    flag: bool
    room: str
    at: str


@action("tst:bare")
@dataclass(frozen=True)
class Bare(Action):
    pass


def test_round_trip_and_wire_format() -> None:
    assert One(12).encode() == "tst:one:12"
    assert decode("tst:one:12") == One(12)
    assert decode("tst:one:x:5") == OneX(5)
    assert Mix(True, "top", "18:00").encode() == "tst:mix:1:top:18:00"
    assert decode("tst:mix:0:top:18:00") == Mix(False, "top", "18:00")
    assert decode("tst:bare") == Bare()
    assert One.matches("tst:one:3") and not One.matches("tst:one:x:3")
    assert One.parse("tst:one:3") == One(3) and One.parse("tst:bare") is None


@pytest.mark.parametrize("data", [
    None, "", "tst", "tst:one", "tst:one:", "tst:one:abc", "tst:one:1:2", "tst:one: 1",
    "tst:one:1_0", "tst:one:+1", f"tst:one:{MAX_ID + 1}", "tst:one:" + "9" * 40,
    "tst:mix:2:top:x", "tst:bare:1", "tst:unknown:1", "x" * 65, 12,
])
def test_forged_or_stale_data_is_refused(data: object) -> None:
    assert decode(data) is None


def test_limits_checked_once_at_encode() -> None:
    with pytest.raises(ActionTooLong):
        Mix(True, "r" * 60, "x").encode()
    with pytest.raises(ValueError):
        Mix(True, "a:b", "x").encode()
    with pytest.raises(ValueError):
        One(MAX_ID + 1).encode()
    with pytest.raises(ValueError):
        action("tst:one")(OneX)


def test_every_registered_action_fits_with_largest_values() -> None:
    """Each shipped action type, filled with the longest values it can carry, fits 64 bytes.

    An int field is tried at -MAX_ID unless the class names its longest real value
    (``longest_<field>: ClassVar[int]``, e.g. a weekday 0-6 checked in ``__post_init__``)."""
    for cls in registered():
        if cls.code.startswith("tst:"):
            continue
        values = {}
        for name, kind in cls._fields:
            values[name] = getattr(cls, "longest_" + name, -MAX_ID) if kind is int else \
                True if kind is bool else getattr(cls, "longest_" + name, "x" * 8)
        encoded = cls(**values).encode()
        assert decode(encoded) == cls(**values), cls
