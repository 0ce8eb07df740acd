"""Linking two channels: a person on Telegram and on WhatsApp is one person (issue 14).

The app a person already uses shows a short code (:meth:`LinkingService.create_code`); typed
in the other app (:meth:`LinkingService.redeem`) it adds that app's address to the same
person, so a volunteer who also uses WhatsApp stays one volunteer with one history.

The rules, all checked and written in one transaction:

- A code is 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L), valid for
  15 minutes, one per person at a time (a new code replaces the old one). Only its hash is
  stored: the code itself exists only in the chat it was shown in.
- No guessing: 5 wrong codes typed from one address in an hour and that address is paused
  until the oldest of those tries is an hour old (a right code does not count as a try).
- The typing side has no person yet (a stranger half-way through onboarding): its address is
  added to the code's person.
- The typing side is a person already (they registered in both apps): the two become one
  only when one of them has nothing of their own besides the registration (no sign-up,
  request, answer, ...: every feature's privacy exporter is empty) and no higher role than
  the other; that one is erased and its address goes to the other, who keeps their role,
  room and history. Otherwise nothing changes and the answer says what to do (erase the
  account you no longer need with /vergeetmij, then link again): merging two histories
  could put one person's requests under another's name, so the bot never guesses.
- An address on a channel the person has already (a second Telegram account) is refused:
  linking joins two *channels*.

Which channel a person with two addresses hears from: the one they used last. Every update
a person sends bumps that address's ``reachable_at`` when it is not their preferred address
already (:meth:`LinkingService.seen`; one write per switch, not per update), and
``addresses.address_of`` prefers the most recent ``reachable_at``. So the belronde question
and reminders go where the person last talked to the bot (on WhatsApp that is also where the
24-hour window is open, so fewer paid templates).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

import aiosqlite

from bot.clock import from_db
from bot.messaging.message import Address
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person
from bot.store import addresses as address_store
from bot.store import link_codes as store
from bot.store import outbox as outbox_store
from bot.store import users as user_store

if TYPE_CHECKING:
    from bot.services import Services

#: No 0/O, 1/I/L: read aloud or copied from one phone to another without mistakes.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
VALID = timedelta(minutes=15)
MAX_TRIES = 5
TRIES_WINDOW = timedelta(hours=1)
#: The outbox kind of "your other app is now linked" (to the app that showed the code).
LINKED_KIND = "linking.linked"
_RANK = {RESIDENT: 0, VOLUNTEER: 1, COORDINATOR: 2}


class LinkResult(Enum):
    LINKED = "linked"            # the typing side's address now belongs to the code's person
    MERGED = "merged"            # two registrations became one (the empty one was erased)
    ALREADY = "already"          # this address is the code's person's already: nothing to do
    WRONG = "wrong"              # no such code (a typo, a guess)
    EXPIRED = "expired"
    USED = "used"
    PAUSED = "paused"            # too many wrong codes from this address: try again later
    SAME_CHANNEL = "same_channel"  # typed in an app of the same kind the code's person has
    BOTH_HAVE_DATA = "both_have_data"  # two people with their own data: change nothing


@dataclass(frozen=True)
class Redeemed:
    result: LinkResult
    #: The person now (the survivor) for LINKED / MERGED / ALREADY.
    person: Person | None = None
    #: Until when the address is paused (PAUSED).
    paused_until: datetime | None = None
    #: The channel the code was shown on (for the answer: "linked to your Telegram").
    other_channel: str | None = None


def normalise(typed: str) -> str:
    """What a person types, as a code: capitals, no spaces or dashes ("ab3 k9x" = "AB3K9X")."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(typed: str) -> bool:
    """Six letters or digits once normalised (else it cannot be one of ours: no try counted
    for a slip such as "koppel ?")."""
    code = normalise(typed)
    return len(code) == CODE_LENGTH and code.isascii()


class LinkingService:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        self.services.privacy.register("linking", self._export, self._erase)

    # --- showing a code ------------------------------------------------------------------

    async def create_code(self, person: Person, shown_on: Address) -> tuple[str, datetime]:
        """A fresh code for ``person`` (an older one stops working) and until when it works."""
        now = self.services.clock.now()
        expires = now + VALID
        async with self.services.db.transaction() as conn:
            while True:
                code = new_code()
                if await store.replace(conn, code_hash=code_hash(code), person_id=person.id,
                                       channel=shown_on.channel, address=shown_on.address,
                                       now=now, expires_at=expires):
                    return code, expires

    # --- typing it in the other app ------------------------------------------------------

    async def redeem(self, typed_from: Address, typed: str) -> Redeemed:
        """Link ``typed_from`` (the address the code was typed in) to the code's person."""
        now = self.services.clock.now()
        since = now - TRIES_WINDOW
        async with self.services.db.transaction() as conn:
            paused = await self._paused_until(conn, typed_from, since)
            if paused is not None:
                return Redeemed(LinkResult.PAUSED, paused_until=paused)
            hashed = code_hash(typed)
            code = await store.by_hash(conn, hashed) if looks_like_code(typed) else None
            owner = await self.services.users.person(conn, code.person_id) if code else None
            if code is None or owner is None or owner.row.erased_at is not None:
                return await self._wrong(conn, typed_from, now, since)
            other = code.channel
            if any(a.key == typed_from for a in owner.addresses):
                return Redeemed(LinkResult.ALREADY, owner, other_channel=other)
            if code.used_at is not None or code.expires_at <= now:
                # Counted as a wrong try too: an old code is no way around the pause.
                failed = await self._wrong(conn, typed_from, now, since)
                if failed.result is LinkResult.PAUSED:
                    return failed
                used = code.used_at is not None
                return Redeemed(LinkResult.USED if used else LinkResult.EXPIRED,
                                other_channel=other)
            if any(a.channel == typed_from.channel for a in owner.addresses):
                return Redeemed(LinkResult.SAME_CHANNEL, other_channel=other)
            typer_row = await user_store.by_address(conn, typed_from.channel, typed_from.address)
            typer = await self.services.users.person(conn, typer_row.id) if typer_row else None
            if typer is None:
                survivor = await self._add(conn, owner, typed_from, now)
                result = LinkResult.LINKED
            else:
                merged = await self._merge(conn, owner, typer, now)
                if merged is None:
                    return Redeemed(LinkResult.BOTH_HAVE_DATA, other_channel=other)
                survivor, result = merged, LinkResult.MERGED
            await store.mark_used(conn, hashed, now)
            await store.erase_tries(conn, typed_from.channel, typed_from.address)
            await self._tell_other_side(conn, survivor, Address(code.channel, code.address),
                                        typed_from)
        await self.services.outbox.deliver()
        return Redeemed(result, survivor, other_channel=other)

    async def _paused_until(self, conn: aiosqlite.Connection, typed_from: Address,
                            since: datetime) -> datetime | None:
        tries = await store.tries_since(conn, typed_from.channel, typed_from.address, since)
        if tries < MAX_TRIES:
            return None
        first = await store.first_try_since(conn, typed_from.channel, typed_from.address, since)
        return (from_db(first) or since) + TRIES_WINDOW

    async def _wrong(self, conn: aiosqlite.Connection, typed_from: Address, now: datetime,
                     since: datetime) -> Redeemed:
        tries = await store.add_try(conn, typed_from.channel, typed_from.address, now, since)
        if tries >= MAX_TRIES:
            paused = await self._paused_until(conn, typed_from, since)
            return Redeemed(LinkResult.PAUSED, paused_until=paused)
        return Redeemed(LinkResult.WRONG)

    async def _add(self, conn: aiosqlite.Connection, owner: Person, address: Address,
                   now: datetime) -> Person:
        await address_store.add(conn, owner.id, address.channel, address.address, now)
        person = await self.services.users.person(conn, owner.id)
        assert person is not None
        return person

    async def _merge(self, conn: aiosqlite.Connection, owner: Person, typer: Person,
                     now: datetime) -> Person | None:
        """Two registrations: keep the one with data (or the code's person when neither has
        any), erase the other and give its addresses to the one kept. None: change nothing."""
        if _RANK[typer.role] <= _RANK[owner.role] and await self.is_empty(conn, typer):
            keep, drop = owner, typer
        elif _RANK[owner.role] <= _RANK[typer.role] and await self.is_empty(conn, owner):
            keep, drop = typer, owner
        else:
            return None
        moved = [a.key for a in drop.addresses]
        if any(a.channel == m.channel for a in keep.addresses for m in moved):
            return None  # both on the same channel too: not a channel link
        profile = {field: getattr(drop.row, field) for field in ("display_name", "phone")
                   if getattr(keep.row, field) is None and getattr(drop.row, field)}
        await self.services.privacy.erase_in(conn, drop)
        for address in moved:
            await address_store.add(conn, keep.id, address.channel, address.address, now)
        if profile:
            await user_store.update(conn, keep.id, **profile)
        person = await self.services.users.person(conn, keep.id)
        assert person is not None
        return person

    async def is_empty(self, conn: aiosqlite.Connection, person: Person) -> bool:
        """Nothing of their own besides the registration: every feature's export is empty."""
        return not await self.services.privacy.has_data(conn, person.id, skip=("linking",))

    async def _tell_other_side(self, conn: aiosqlite.Connection, person: Person,
                               shown_on: Address, typed_from: Address) -> None:
        """The app that showed the code hears that it was used (someone else typing it would
        not go unnoticed). Rendered when sent (``bot/handlers/linking.py``); no personal data:
        only the channel's name."""
        if not any(a.key == shown_on for a in person.addresses):
            return  # the showing side was the registration merged away
        await self.services.outbox.enqueue(
            conn, address=shown_on, kind=LINKED_KIND, ref=person.id,
            dedupe=f"{typed_from.channel}:{typed_from.address}",
            params={"person": person.id, "channel": typed_from.channel})

    # --- which address is in use ---------------------------------------------------------

    async def seen(self, person: Person, address: Address) -> Person:
        """The person wrote through ``address``: from now bot-initiated messages go there.

        Only a person with more than one address, and only when it is not their preferred
        one already (one write per switch of app, not per update)."""
        reachable = [a for a in person.addresses if a.reachable]
        if len(person.addresses) < 2 or (reachable and reachable[0].key == address):
            return person
        now = self.services.clock.now()
        async with self.services.db.transaction() as conn:
            if not await address_store.seen(conn, address.channel, address.address, now):
                return person
            updated = await self.services.users.person(conn, person.id)
        return updated or person

    # --- privacy -------------------------------------------------------------------------

    async def _export(self, conn: aiosqlite.Connection, user_id: int) -> dict | None:
        codes = await store.of_person(conn, user_id)
        if not codes:
            return None
        return {"codes": [{"shown_in": c.channel, "created_at": c.created_at.isoformat(),
                           "valid_until": c.expires_at.isoformat(),
                           "used_at": c.used_at.isoformat() if c.used_at else None}
                          for c in codes]}

    async def _erase(self, conn: aiosqlite.Connection, user_id: int) -> None:
        for address in await address_store.of_person(conn, user_id):
            await store.erase_tries(conn, address.channel, address.address)
            await outbox_store.erase_to_address(conn, address.channel, address.address)
        await store.erase(conn, user_id)


def channel_name(channel: str) -> str:
    """The app's own name (a brand: the same in every language)."""
    return {"telegram": "Telegram", "whatsapp": "WhatsApp"}.get(channel, channel)
