"""SQL pieces from column names: optional filters, checked SET lists."""

from __future__ import annotations

import pytest

from bot.store.clauses import and_given, set_list


def test_only_given_values_become_conditions() -> None:
    assert and_given({"room": "ondiep", "kind": None, "s.id": 0}) == (
        " AND room = ? AND s.id = ?", ["ondiep", 0])


def test_nothing_given_changes_nothing() -> None:
    assert and_given({"room": None}) == ("", [])


def test_a_set_list_binds_the_values_and_refuses_other_names() -> None:
    assert set_list({"room": "zuilen", "role": None}, {"room", "role"}) == (
        "room = ?, role = ?", ["zuilen", None])
    with pytest.raises(ValueError, match="not updatable"):
        set_list({"room": "x", "id = 1; --": 1}, {"room"})
