"""Realistic demo data, made through the features' own public services (never raw SQL).

Going through the services keeps the demo honest: the data obeys the same caps, waitlists and
rules as real use, and a feature that changes its tables needs no change here. A part whose
service (or method) does not exist in this build is skipped, so the demo runs on any branch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

# Demo people (see bot.demo.PERSONAS).
CARLA, VERA, FATIMA, AHMED, AYSE, JOHN = 7001, 7002, 7003, 7004, 7005, 7006
#: Residents on WhatsApp (see bot.demo.WA_PERSONAS): their WhatsApp ids.
HENK, SAMIRA = "31612345678", "31623456789"
#: A tiny JPEG-like picture for Henk's letter (the stand-in keeps it in memory only).
LETTER_PHOTO = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
    "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e3334"
    "32ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffda0008010100003f00d2cf20ffd9")


async def _whatsapp_person(app: Any, wa_id: str) -> Any:
    """A demo resident on WhatsApp, by their address (None without WhatsApp)."""
    return await app.services.users.by_address("whatsapp", wa_id)


async def seed_features(app: Any, sandbox: Any, standin: Any = None) -> None:
    """Fill the demo database: meals with sign-ups and a waitlist, help, belronde; for the
    residents on WhatsApp too when ``standin`` (the WhatsApp stand-in) runs."""
    services = app.services
    seed_demo = getattr(services, "seed_demo", None)
    if seed_demo is not None:
        await seed_demo()
        return
    outbox = services.outbox
    # The seeded world is the past: what the services would tell people about it (a new
    # help request, a "call me") was told back then. Nothing of it is sent now.
    async with outbox.hold():
        before = await outbox.last_id()
        for part in (_seed_meals, _seed_help, _seed_checkins):
            try:
                await part(app, sandbox, standin)
            except Exception:  # demo data is a nicety: never stop the demo for it
                log.exception("demo data: %s failed", part.__name__)
        await outbox.skip_queued_after(before)


#: People without Telegram whom Vera put on the list after a phone call or a visit.
#: Made-up names; they exist only in the demo database.
BY_PHONE_NEXT = ("Mevrouw Jansen", "Wim de Vries")
BY_PHONE_FULL = ("Gerda", "Mohamed El Amrani", "Joke Bakker", "Kees", "Truus van Dam",
                 "Sandra")
#: Seats at TOP's second meal (a coordinator lowered it: only one cook that evening).
FULL_CAP = len(BY_PHONE_FULL)


async def _seed_meals(app: Any, sandbox: Any, standin: Any = None) -> None:
    """Sign-ups for the meal Vera's /tafel opens, a full meal with a waitlist, other rooms.

    - The meal Vera's ``/tafel`` opens (``MealService.next_meal``: today's meal until three
      hours after it starts, else the next one): John (confirmed by Vera), two people Vera
      added by phone, and Fatima, still *pending*, so Vera can confirm her under /tafel and
      Fatima sees it happen. Henk, a resident on WhatsApp, is pending too: Vera sees him
      with "📱 WhatsApp" and confirms him from Telegram; he gets the notice on WhatsApp.
      On a meal day after the sign-up deadline that is today's meal:
      its sign-ups are made as they would have been that morning, before the deadline (the
      demo clock is set back for the services and put back at once), so they obey the same
      rules as ever.
    - The next meal whose sign-up is still open after that one: Carla set it to six seats, six
      people by phone fill it, and John is first on its waiting list (residents see
      "⏳ Waiting list" under /eten).
    - Ahmed and Samira (on WhatsApp; Hart) and Ayşe (De Verbinding) are signed up for
      their room's next open meal.

    So README's walk-through holds whatever the day and hour the demo is started.
    """
    meals = getattr(app.services, "meals", None)
    needed = ("upcoming", "sign_up", "confirm", "add_offline", "set_meal_cap", "next_meal")
    if meals is None or not all(hasattr(meals, name) for name in needed):
        return
    users = app.services.users
    vera, carla = await users.get(VERA), await users.get(CARLA)
    fatima, john = await users.get(FATIMA), await users.get(JOHN)
    if vera is None or carla is None or fatima is None or john is None:
        return
    clock = app.services.clock
    now = clock.now()
    target = await meals.next_meal("top")
    if target is None or target.meal.cancelled:
        return
    first = target.meal.id
    with _as_of(clock, min(now, target.meal.deadline_at - SIGNED_UP_BEFORE)):
        signed = await meals.sign_up(john, first)
        if signed.signup is not None:
            await meals.confirm(vera, signed.signup.id)
        for name in BY_PHONE_NEXT:
            await meals.add_offline(vera, first, name)
        await meals.sign_up(fatima, first)  # pending: Vera confirms it in the walk-through
        henk = await _whatsapp_person(app, HENK)
        if henk is not None:
            await meals.sign_up(henk, first)  # pending: Vera confirms him from Telegram

    later = [v for v in await meals.upcoming("top")
             if not v.meal.cancelled and v.meal.deadline_at > now
             and v.meal.starts_at > target.meal.starts_at]
    if later:
        full = later[0].meal.id
        await meals.set_meal_cap(carla, full, FULL_CAP)
        for name in BY_PHONE_FULL:
            await meals.add_offline(vera, full, name)
        await meals.sign_up(john, full)  # the meal is full: John waits, place 1

    residents = [(await users.get(AHMED), "hart"), (await users.get(AYSE), "verbinding"),
                 (await _whatsapp_person(app, SAMIRA), "hart")]
    for person, room in residents:
        coming = [v for v in await meals.upcoming(room)
                  if not v.meal.cancelled and v.meal.deadline_at > now]
        if person is not None and coming:
            await meals.sign_up(person, coming[0].meal.id)


#: How long before the deadline the demo's sign-ups for an already closed meal were made.
SIGNED_UP_BEFORE = timedelta(hours=3)


@contextmanager
def _as_of(clock: Any, moment: datetime) -> Iterator[None]:
    """Run the services as if it were ``moment`` (earlier than now), then put the clock back.

    Only the demo's :class:`bot.clock.OffsetClock` can do this; with any other clock (or a
    moment that is not in the past) the calls simply run now.
    """
    saved = getattr(clock, "offset", None)
    if saved is None or not hasattr(clock, "jump_to") or moment >= clock.now():
        yield
        return
    clock.jump_to(moment)
    try:
        yield
    finally:
        clock.offset = saved


async def _seed_help(app: Any, sandbox: Any, standin: Any = None) -> None:
    """Open help requests in TOP, so Vera finds them under /vragen (needs help requests):
    John's, and Henk's from WhatsApp with a photo of the letter (a WhatsApp media id)."""
    help_service = getattr(app.services, "help", None)
    create = getattr(help_service, "create", None)
    john = await app.services.users.get(JOHN)
    if create is None or john is None:
        return
    henk = await _whatsapp_person(app, HENK) if standin is not None else None
    if henk is not None:
        media = standin.store_media(LETTER_PHOTO, "image/jpeg")
        await create(
            henk,
            kind="letter",
            description="Brief van de gemeente over de huurtoeslag. Moet ik iets terugsturen?",
            media=[("photo", f"wa:{media.id}")],
            urgency="week",
            chosen_date=None,
            contact="visit",
            phone=None,
        )
    await create(
        john,
        kind="letter",
        description="A letter from the Belastingdienst about toeslagen. I do not understand "
                    "what I have to do before the deadline.",
        media=[],
        urgency="week",
        chosen_date=None,
        contact="visit",
        phone=None,
    )


async def _seed_checkins(app: Any, sandbox: Any, standin: Any = None) -> None:
    """Belronde: three residents take part, and Fatima asked to be called this week.

    Fatima's check-in of this week is claimed, delivered and answered "call me" through the
    service, which creates the follow-up Vera sees under /belronde. Ahmed and Ayşe only opt
    in: the clock control's jump to their room's belronde moment shows their weekly question.
    """
    from bot.services import checkins

    service = getattr(app.services, "checkins", None)
    if service is None or not all(
        hasattr(service, name) for name in ("opt_in", "claim", "answer")
    ):
        return
    users = app.services.users
    for user_id in (AHMED, AYSE):
        person = await users.get(user_id)
        if person is not None:
            await service.opt_in(person)
    fatima = await users.get(FATIMA)
    if fatima is None:
        return
    await service.opt_in(fatima)
    if hasattr(service, "set_phone"):
        await service.set_phone(fatima, "0612345678")  # a made-up number
        fatima = await users.get(FATIMA)
    now = app.services.clock.now()
    due = checkins.Due(fatima.id, fatima.room, checkins.iso_week(now.date()), now)
    checkin_id = await service.claim(due, demo=True)  # as if it went out: nothing is sent
    if checkin_id is None:
        return
    await service.answer(fatima, checkin_id, "call")
