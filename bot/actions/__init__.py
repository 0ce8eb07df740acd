"""Typed button actions: one small frozen dataclass per button kind, one codec for all.

Why: buttons carry their action in a short string (Telegram's ``callback_data``, at most 64
bytes; WhatsApp's button and list-row ids). Writing those strings by hand in hundreds of
places made every feature parse, check and refuse them its own way. Here a button kind is
declared once::

    @action("meal:su")
    @dataclass(frozen=True)
    class MealSignUp(Action):
        meal_id: int

``MealSignUp(12).encode()`` gives ``"meal:su:12"`` (the wire format buttons always had, so
buttons already in people's chats keep working) and :func:`decode` gives the typed action
back, or ``None`` for anything forged, stale or malformed. The 64-byte limit is checked in one
place (:meth:`Action.encode`); numbers go through :func:`button_int` (no overflow into
SQLite). Nothing here knows a channel: services may build actions for the buttons they offer.

Field types: ``int``, ``str`` and ``bool`` (``"1"``/``"0"``). A ``str`` field may not contain
``:``, except the last field, which takes the rest of the data (a time such as ``18:00``).
A ``str`` field limited to a few values names them in ``choices`` (``choices = {"kind":
KINDS}``), an ``int`` field that is never negative is listed in ``never_negative``; a class
may validate further in ``__post_init__`` (raise ``ValueError``, call ``super()`` first):
decoding then gives ``None``. Trailing fields with a default may be missing from the data
(``meal:rcap`` from before the room was in it decodes with the default room ``""``).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

#: Telegram's limit for callback data, in UTF-8 bytes.
MAX_BYTES = 64
#: SQLite stores integers in 64 bits; a larger number from a forged button would raise
#: OverflowError where it reaches the database. Real ids are far below.
MAX_ID = 2**63 - 1

A = TypeVar("A", bound="Action")

_REGISTRY: dict[str, type[Action]] = {}


class ActionTooLong(ValueError):
    """An action whose encoding exceeds :data:`MAX_BYTES`: a programming error, never sent."""


class Action:
    """Base of every button action. Subclasses are frozen dataclasses, registered by
    :func:`action`; ``code`` is the fixed head of the encoding (``"meal:su"``)."""

    code: ClassVar[str] = ""
    _fields: ClassVar[tuple[tuple[str, type], ...]] = ()
    #: Trailing fields with a default: data without them (a button from before they
    #: existed) still decodes, to the default.
    _optional: ClassVar[frozenset[str]] = frozenset()
    #: ``str`` fields whose value must be one of a set (``{"kind": KINDS}``): anything else,
    #: forged or retired, does not decode. The longest value is the field's ``longest_<name>``.
    #: A subclass with its own ``__post_init__`` calls ``super().__post_init__()``.
    choices: ClassVar[Mapping[str, Collection[str]]] = {}
    #: ``int`` fields that are never negative (a page, a week offset, a person id).
    never_negative: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name, allowed in self.choices.items():
            one_of(getattr(self, name), allowed)
        not_negative(**{name: getattr(self, name) for name in self.never_negative})

    def encode(self) -> str:
        parts = [self.code]
        last = len(self._fields) - 1
        for index, (name, kind) in enumerate(self._fields):
            value = getattr(self, name)
            if kind is bool:
                parts.append("1" if value else "0")
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int) \
                        or not -MAX_ID <= value <= MAX_ID:
                    raise ValueError(f"{self.code}: {name}={value!r} is not a 64-bit int")
                parts.append(str(value))
            else:
                text = str(value)
                if ":" in text and index != last:
                    raise ValueError(f"{self.code}: {name}={text!r} may not hold ':'")
                parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ActionTooLong(f"{data!r} is {len(data.encode())} bytes (max {MAX_BYTES})")
        return data

    def __str__(self) -> str:
        return self.encode()

    @classmethod
    def matches(cls, data: object) -> bool:
        """True when ``data`` decodes to this action type (a PTB ``pattern=`` callable)."""
        return isinstance(data, str) and type(decode(data)) is cls

    @classmethod
    def parse(cls: type[A], data: object) -> A | None:
        """``data`` as this action type, or None."""
        found = decode(data) if isinstance(data, str) else None
        return found if isinstance(found, cls) else None


#: A room id from the config: lowercase letters, digits, ``-``/``_``, at most 12 characters
#: (``bot.config._ROOM_ID``), so that every button naming a room fits Telegram's 64 bytes
#: (the longest, /turf's "enter a value": room, indicator and period).
MAX_ROOM_ID = 12
LONGEST_ROOM = "r" * MAX_ROOM_ID


@dataclasses.dataclass(frozen=True)
class RoomAction(Action):
    """Base of a button whose first field is a room id (not a button kind itself); the
    handler checks the id against the settings."""

    room: str
    longest_room: ClassVar[str] = LONGEST_ROOM


def action(code: str) -> Callable[[type[A]], type[A]]:
    """Register a frozen dataclass as the action with this ``code`` (unique)."""
    if not code or code.endswith(":") or " " in code:
        raise ValueError(f"bad action code {code!r}")

    def register(cls: type[A]) -> type[A]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        if code in _REGISTRY and _REGISTRY[code] is not cls:
            raise ValueError(f"action code {code!r} used twice "
                             f"({_REGISTRY[code].__name__}, {cls.__name__})")
        hints = typing.get_type_hints(cls)
        fields = []
        for field in dataclasses.fields(cls):
            if field.name in ("code", "encode", "matches", "parse", "choices", "never_negative"):
                raise TypeError(f"{cls.__name__}.{field.name}: that name is Action's own")
            kind = hints[field.name]
            if kind not in (int, str, bool):
                raise TypeError(f"{cls.__name__}.{field.name}: only int, str and bool")
            fields.append((field.name, kind))
        for name, allowed in cls.choices.items():
            if hints.get(name) is not str or name not in {n for n, _ in fields}:
                raise TypeError(f"{cls.__name__}.choices: {name} is not a str field")
            setattr(cls, "longest_" + name, max(allowed, key=len))
        for name in cls.never_negative:
            if hints.get(name) is not int or name not in {n for n, _ in fields}:
                raise TypeError(f"{cls.__name__}.never_negative: {name} is not an int field")
        cls.code = code
        cls._fields = tuple(fields)
        cls._optional = frozenset(
            field.name for field in dataclasses.fields(cls)
            if field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING)
        _REGISTRY[code] = cls
        return cls

    return register


def button_int(part: str) -> int:
    """A number from button data; ValueError when it is not a plain integer or does not fit
    in SQLite's 64 bits. Only the form :meth:`Action.encode` writes: ASCII digits (``int``
    also reads "٣" as 3), no leading zeros, so one action has one encoding."""
    if not part or len(part) > 20 or not part.isascii():
        raise ValueError(part)
    value = int(part)
    if str(value) != part:
        raise ValueError(part)
    if not -MAX_ID <= value <= MAX_ID:
        raise ValueError(part)
    return value


def one_of(value: str, allowed: Collection[str]) -> None:
    """For ``__post_init__``: ValueError unless ``value`` is one of ``allowed``, so a forged or
    retired choice does not decode."""
    if value not in allowed:
        raise ValueError(value)


def not_negative(**values: int) -> None:
    """For ``__post_init__``: ValueError when a page, offset or person id is negative."""
    bad = [f"{name}={value}" for name, value in values.items() if value < 0]
    if bad:
        raise ValueError(" ".join(bad))


def _convert(part: str, kind: type) -> Any:
    if kind is int:
        return button_int(part)
    if kind is bool:
        if part not in ("0", "1"):
            raise ValueError(part)
        return part == "1"
    return part


def _build(cls: type[Action], rest: str | None) -> Action | None:
    fields = cls._fields
    if not fields:
        return cls() if rest is None else None
    parts = [] if rest is None else rest.split(":", len(fields) - 1)
    if len(parts) != len(fields) and not all(
            name in cls._optional for name, _ in fields[len(parts):]):
        return None
    try:
        values = {name: _convert(part, kind)
                  for part, (name, kind) in zip(parts, fields[:len(parts)], strict=True)}
        return cls(**values)
    except (ValueError, TypeError):
        return None


def decode(data: object) -> Action | None:
    """The action ``data`` encodes, or None (unknown, forged, stale or malformed).

    The longest registered code that heads ``data`` on a ``:`` boundary and parses wins, so
    ``cal:wk`` and ``cal:wk:n`` can both exist.
    """
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    pieces = data.split(":")
    for cut in range(len(pieces), 0, -1):
        cls = _REGISTRY.get(":".join(pieces[:cut]))
        if cls is None:
            continue
        rest = ":".join(pieces[cut:]) if cut < len(pieces) else None
        found = _build(cls, rest)
        if found is not None:
            return found
    return None


def registered() -> Iterator[type[Action]]:
    """Every registered action type (tests check each one's longest encoding)."""
    _load_all()
    return iter(list(_REGISTRY.values()))


def _load_all() -> None:
    """Import every ``bot.actions.<feature>`` module, so the registry is complete."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def load_all() -> None:
    """Called once at start (``bot.app``): every action type known before the first tap."""
    _load_all()
