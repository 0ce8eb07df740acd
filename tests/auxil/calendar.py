"""Helpers for the calendar tests: find occurrences, read an .ics, a config with a group chat."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

import icalendar

from bot.clock import TZ
from bot.config import Config


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def with_chat(config: Config, room: str, chat_id: int | None) -> Config:
    rooms = dict(config.rooms)
    rooms[room] = dataclasses.replace(rooms[room], chat_id=chat_id)
    return dataclasses.replace(config, rooms=rooms)


async def occurrence_id(bot, room: str, title: str, day: date) -> int:
    """The id of ``title``'s occurrence on ``day`` in ``room`` (generating it if needed)."""
    entries = await bot.services.calendar.occurrences_on(room, day)
    found = [e for e in entries if e.title == title]
    assert found, f"no {title!r} on {day} in {room}: {[e.title for e in entries]}"
    return int(found[0].ref.split(":")[1])


def parse_ics(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return [c for c in cal.walk("VEVENT")]


async def press_answer(user, data: str, message=None) -> tuple[str | None, bool]:
    """Press a button (by callback data) and return the first answer to *that* press."""
    user._answer_cursor = len(user.callback_answers)
    await user.press_data(data, message=message)
    return await user.next_callback_answer()
