"""Pieces of SQL made from column names: optional filters, and the SET list of an update.

Why: "of one room", "of one kind", "of one round" are optional in many store functions; each
spelled the same ``if value is not None: sql += ...; params.append(value)`` pair per filter,
and each ``update(**fields)`` checked and joined its fields by hand. The column names are the
caller's literals or checked against a fixed set (never user input); values are always bound.
"""

from __future__ import annotations


def and_given(filters: dict[str, object]) -> tuple[str, list[object]]:
    """`` AND <column> = ?`` for each filter whose value is not None, and those values."""
    given = {column: value for column, value in filters.items() if value is not None}
    return "".join(f" AND {column} = ?" for column in given), list(given.values())


def set_list(fields: dict[str, object], allowed: set[str]) -> tuple[str, list[object]]:
    """``a = ?, b = ?`` and the values for an UPDATE of ``fields``; a field that is not in
    ``allowed`` is a programming error (ValueError), so no name from elsewhere reaches SQL."""
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not updatable: {unknown}")
    return ", ".join(f"{name} = ?" for name in fields), list(fields.values())
