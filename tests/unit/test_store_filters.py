"""Optional query filters: only the given values narrow the query, in the order named."""

from __future__ import annotations

from bot.store.filters import and_given


def test_only_given_values_become_conditions() -> None:
    assert and_given({"room": "ondiep", "kind": None, "s.id": 0}) == (
        " AND room = ? AND s.id = ?", ["ondiep", 0])


def test_nothing_given_changes_nothing() -> None:
    assert and_given({"room": None}) == ("", [])
