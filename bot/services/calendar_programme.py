"""The shipped (or configured) programme file: validated into plain activity definitions.

Why a separate file and not the settings: rooms edit their programme far more often than their
settings, and a programme can be long. A mistake gets one clear line naming the file and entry.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

from dateutil.rrule import rrulestr

from bot.categories import is_category
from bot.config import WEEKDAYS
from bot.digits import ascii_digits

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_TITLE = 80
MAX_LEADER = 40
DEFAULT_HORIZON_WEEKS = 8


class ProgrammeError(Exception):
    """The programme file is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class ActivityDef:
    room: str
    key: str
    title: str
    category: str
    rrule: str
    start_time: time
    duration_min: int
    signup: bool
    capacity: int | None
    leader: str | None


@dataclass(frozen=True)
class Programme:
    horizon_weeks: int
    activities: tuple[ActivityDef, ...]


def weekly_rule(days: list[int]) -> str:
    """RFC 5545 rule for "every week on these days" (Monday = 0)."""
    return "FREQ=WEEKLY;BYDAY=" + ",".join(RRULE_DAYS[d] for d in sorted(set(days)))


def check_rrule(rule: str) -> bool:
    try:
        rrulestr(rule, ignoretz=True)
    except (ValueError, TypeError):
        return False
    return rule.upper().startswith("FREQ=")


def parse_time_text(text: str) -> time | None:
    """"17:30", "17.30" or "9:00" → a time; None for "25:00" and other non-times."""
    text = ascii_digits(text).strip().replace(".", ":")
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[1]) != 2:
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def load_programme(path: str | None, rooms: set[str] | None = None) -> Programme:
    """Read ``path`` (None: the shipped ``bot/data/programme.toml``)."""
    if path is None:
        source = "bot/data/programme.toml"
        text = resources.files("bot").joinpath("data/programme.toml").read_text("utf-8")
    else:
        source = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ProgrammeError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(f"{source}: not valid TOML: {exc}") from None
    horizon = raw.get("horizon_weeks", DEFAULT_HORIZON_WEEKS)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 52:
        raise ProgrammeError(f"{source}: horizon_weeks: expected 1..52, got {horizon!r}")
    activities = []
    keys: set[str] = set()
    for i, item in enumerate(raw.get("activity", [])):
        activity = _activity(source, i, item, rooms)
        if activity.key in keys:
            raise ProgrammeError(f"{source}: activity[{i}].key: {activity.key!r} is used twice")
        keys.add(activity.key)
        activities.append(activity)
    return Programme(horizon, tuple(activities))


def _activity(source: str, i: int, item: Any, rooms: set[str] | None) -> ActivityDef:
    where = f"{source}: activity[{i}]"

    def fail(field: str, problem: str) -> ProgrammeError:
        return ProgrammeError(f"{where}.{field}: {problem}")

    if not isinstance(item, dict):
        raise ProgrammeError(f"{where}: expected a table")
    room = item.get("room")
    if not isinstance(room, str) or (rooms is not None and room not in rooms):
        raise fail("room", f"unknown room {room!r}")
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        raise fail("key", "is missing")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise fail("title", f"expected a title of 1..{MAX_TITLE} characters")
    category = item.get("category")
    if not isinstance(category, str) or not is_category(category):
        raise fail("category", f"unknown category {category!r}")
    if "rrule" in item:
        rule = item["rrule"]
        if not isinstance(rule, str) or not check_rrule(rule):
            raise fail("rrule", f"not a valid RFC 5545 rule: {rule!r}")
    else:
        days = item.get("days")
        if not isinstance(days, list) or not days or not all(
            isinstance(d, str) and d.lower()[:3] in WEEKDAYS for d in days
        ):
            raise fail("days", 'expected days like ["mon", "thu"] (or an rrule)')
        rule = weekly_rule([WEEKDAYS.index(d.lower()[:3]) for d in days])
    start = parse_time_text(str(item.get("time", "")))
    if start is None:
        raise fail("time", f"expected a time like \"17:30\", got {item.get('time')!r}")
    duration = item.get("duration", 60)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 5 <= duration <= 720:
        raise fail("duration", f"expected minutes 5..720, got {duration!r}")
    signup = item.get("signup", False)
    if not isinstance(signup, bool):
        raise fail("signup", "expected true or false")
    capacity = item.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 1 <= capacity <= 500):
        raise fail("capacity", f"expected 1..500, got {capacity!r}")
    leader = item.get("leader")
    if leader is not None and (not isinstance(leader, str) or len(leader) > MAX_LEADER):
        raise fail("leader", f"expected text of at most {MAX_LEADER} characters")
    return ActivityDef(room, key.strip(), title.strip(), category, rule, start, duration,
                       signup, capacity, leader or None)
