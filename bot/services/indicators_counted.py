"""The indicators the bot counts from daily work (PROCES, referred residents, newcomers,
paid work, referrals, partners), registered as providers of ``services.indicators``.

Why separate from the registry: these are the tally's own numbers, read with a few indexed
queries each, while the registry only combines sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.categories import CATEGORIES
from bot.clock import TZ, to_db
from bot.services.indicators import ALL, COUNTED, IndicatorValue, room_ids
from bot.store import indicators as marks_store
from bot.store import tally as tally_store

if TYPE_CHECKING:
    from bot.services import Services
    from bot.services.indicators import IndicatorService


def _utc_bounds(start: date, end: date) -> tuple[str, str]:
    return (to_db(datetime.combine(start, time(0), TZ)),
            to_db(datetime.combine(end + timedelta(days=1), time(0), TZ)))


async def _category(conn: aiosqlite.Connection, rooms: list[str], category: str, start: date,
                    end: date) -> tuple[int, int]:
    """(distinct known people, every record's quantity) for one category."""
    return await marks_store.category_totals(conn, rooms, category, start, end)


def _proces(services: Services, category: str):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        unique, count = await _category(conn, room_ids(services.config, room), category,
                                        start, end)
        # Klussen are counted per job (the offer's "Klussen #"); the rest as unique people.
        return IndicatorValue(count if category == "klussen" else unique, COUNTED)

    return provider


def _total(services: Services):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        rooms = room_ids(services.config, room)
        per_room, overall = await tally_store.unique_participants(conn, start, end, rooms)
        return IndicatorValue(overall if room == ALL else per_room.get(room, 0), COUNTED)

    return provider


def _marked(services: Services, mark: str):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        rooms = room_ids(services.config, room)
        staff = sorted(services.config.coordinators)
        if mark == "referred":
            taking, registered = await referred(conn, rooms, start, end, staff)
        else:
            taking, registered = await marks_store.marked_taking_part(
                conn, mark, rooms, start, end, staff)
        return IndicatorValue(taking, COUNTED, of=registered)

    return provider


async def referred(conn: aiosqlite.Connection, rooms: list[str], start: date, end: date,
                   staff: Sequence[int]) -> tuple[int, int]:
    """Residents who came via an agency: a partner's referral to the room (help requests) or a
    'referred' mark at intake, registered by the period's end; taking part = any record in
    the period (as participant or volunteer)."""
    _from, before = _utc_bounds(start, end)
    return await marks_store.referred_taking_part(conn, rooms, start, end, before, staff)


def _paid_work(services: Services):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        rooms = room_ids(services.config, room)
        return IndicatorValue(
            await marks_store.count_outcomes(conn, "paid_work", rooms, start, end), COUNTED)

    return provider


def _referrals(services: Services):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        unique, _count = await _category(conn, room_ids(services.config, room), "referral",
                                         start, end)
        return IndicatorValue(unique, COUNTED)

    return provider


def _partners(services: Services):
    async def provider(conn, room: str, start: date, end: date) -> IndicatorValue:
        after, before = _utc_bounds(start, end)
        return IndicatorValue(
            await marks_store.partners(conn, room_ids(services.config, room), after, before),
            COUNTED)

    return provider


def register_all(service: IndicatorService) -> None:
    services = service.services
    for category in CATEGORIES:
        service.register(category, _proces(services, category))
    service.register("total", _total(services))
    service.register("referred_residents", _marked(services, "referred"))
    service.register("newcomers", _marked(services, "newcomer"))
    service.register("paid_work", _paid_work(services))
    service.register("referrals", _referrals(services))
    service.register("partners", _partners(services))


async def context_lines(conn: aiosqlite.Connection, services: Services, rooms: list[str],
                        start: date, end: date) -> dict[str, tuple[int, int]]:
    """Room (and ALL) → (first contact in the period, anonymous walk-in visits), counted once
    for every room of the report (the first-contact query is the report's heaviest)."""
    after, before = _utc_bounds(start, end)
    per_room, overall = await tally_store.new_people(
        conn, start, end, rooms, after, before,
        await services.recipients.all_coordinators(conn))
    visits = await marks_store.anonymous_visits(conn, rooms, start, end)
    out = {room: (per_room.get(room, 0), visits.get(room, 0)) for room in rooms}
    out[ALL] = (overall, sum(visits.values()))
    return out
