"""One way to turn a database row into a store's frozen dataclass.

Why: every store module mapped its rows field by field, and the only thing that ever differed
was the conversion a field's type asks for (a moment stored as a UTC string, a day or a clock
time in ISO form, a flag as 0/1). Here that conversion is read once from the dataclass's type
hints, so a new column is one new field, not a field plus a line in a mapper to forget.

Every field is read from the column of the same name; a field with a default may be missing
from the row (older queries that do not select it) and then keeps its default.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any, TypeVar

import aiosqlite

from bot.clock import from_db

T = TypeVar("T")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def _flag(value: Any) -> bool:
    return bool(value)


def _same(value: Any) -> Any:
    return value


def _converter(hint: Any) -> Callable[[Any], Any]:
    """How to read a column for a field of this type (``X | None`` reads as ``X``)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    if hint is datetime:
        return from_db
    if hint is date:
        return _date
    if hint is time:
        return _time
    if hint is bool:
        return _flag
    return _same


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, Callable[[Any], Any], bool], ...]:
    """(column, converter, may be missing) for each init field of ``cls``, once per class."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            f.name,
            _converter(hints[f.name]),
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
        if f.init
    )


def from_row(cls: type[T], row: aiosqlite.Row) -> T:
    """``cls`` built from the row's columns of the same names, converted by field type."""
    keys = row.keys()
    values = {
        name: convert(row[name])
        for name, convert, optional in _plan(cls)
        if not optional or name in keys
    }
    return cls(**values)


def maybe_row(cls: type[T], row: aiosqlite.Row | None) -> T | None:
    """:func:`from_row`, or None where the query found nothing."""
    return None if row is None else from_row(cls, row)


def all_rows(cls: type[T], rows: Iterable[aiosqlite.Row]) -> list[T]:
    """:func:`from_row` for each row, in order."""
    return [from_row(cls, row) for row in rows]


async def inserted(cls: type[T], cursor: aiosqlite.Cursor) -> T:
    """The row an ``INSERT ... RETURNING *`` wrote, as ``cls`` (the cursor read to its end,
    so the statement is finished before the transaction goes on)."""
    rows = list(await cursor.fetchall())
    return from_row(cls, rows[0])
