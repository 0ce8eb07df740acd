"""Optional filters of a query: ``AND column = ?`` only for the values that were given.

Why: "of one room", "of one kind", "of one round" are optional in many store functions; each
spelled the same ``if value is not None: sql += ...; params.append(value)`` pair per filter.
The column names are the caller's literals (never user input); only the values are bound.
"""

from __future__ import annotations


def and_given(filters: dict[str, object]) -> tuple[str, list[object]]:
    """`` AND <column> = ?`` for each filter whose value is not None, and those values."""
    given = {column: value for column, value in filters.items() if value is not None}
    return "".join(f" AND {column} = ?" for column in given), list(given.values())
