"""Benchmark: a broadcast to WhatsApp recipients through the adapter and the Cloud API stand-in.

The outbox's one sender sends every row through ``WhatsAppChannel`` (render, send, message
map) to the stand-in, which enforces Meta's limits: the number's throughput (80 messages a
second) and the pair rate (a burst of 45 to one person, then one per 6 seconds). ``--scale``
speeds both limits up by the same factor for a quicker run (the bot's side and the stand-in
share one process: past a few hundred messages a second it measures the machine, not the
pacing); what counts is the ratio to the enforced limit. Every recipient has written the bot
within the last day (the window is open: free-form messages, no daily limit); every
``--second``-th recipient gets a second message (a follow-up row), which the pacer keeps 6 s
(scaled) after the first.

Prints, per size: messages accepted, the limits' refusals met (130429 throughput, 131056 pair
rate; target 0), and two lines held against targets: RATE, the accepted messages per second
while the broadcast goes out, as a ratio of the enforced throughput (target >= 0.95), and
GAP, the shortest time between two messages to the same person as a ratio of the pair
interval (target >= 0.95: a few milliseconds of arrival jitter). The machine's load average
is printed too.

Then the daily messaging limit (``--daily-size`` residents whose window is closed, an
approved announcement template, ``daily_limit`` = ``--daily-limit``): the broadcast goes as
templates, at most the limit per rolling 24 hours, the rest waiting in the outbox for the next
free moment (the test clock is moved on a day at a time). DAILY prints the share of the limit
used on each day (target 1.00 on every full day), the days taken against the fewest possible
(target 1.00), and Meta's refusals met (target 0): spread over the days, not failed.

Not a test: run it by hand, ``.venv/bin/python bench/bench_whatsapp_send.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.whatsapp import templates, window
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.clock import FrozenClock
from bot.config import WhatsAppSettings, load_config
from bot.messaging.message import OutMessage
from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WaLimits, WhatsAppStandIn
from bot.services import Services
from bot.store import addresses as address_store
from bot.store import users as user_store
from bot.store import whatsapp_templates as template_store
from bot.store.db import Database
from tests.auxil.harness import START
from tests.auxil.whatsapp import whatsapp_settings

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.95
#: Arrival jitter of a few milliseconds is allowed for (the pacer spaces the sends).
TARGET_GAP = 0.95
THROUGHPUT = 80
PAIR_INTERVAL = 6.0
FIRST_NUMBER = 31_600_000_000
BROADCAST = "De BuurtWerkKamer is morgen dicht. Tot overmorgen!"


async def _start(scale: float, db: Path, clock: FrozenClock, **settings: Any
                 ) -> tuple[Sandbox, WhatsAppStandIn, Services, WhatsAppSettings,
                            WhatsAppChannel]:
    """The stand-in (Meta's limits, sped up ``scale`` times) on a sandbox, the services on a
    fresh database ``db`` and their outbox sending to it through the real WhatsApp channel
    alone (``settings``: more of its ``[whatsapp]`` settings)."""
    box = Sandbox(limits=Limits.off())
    standin = WhatsAppStandIn(limits=WaLimits(throughput=THROUGHPUT,
                                              pair_interval=PAIR_INTERVAL, scale=scale))
    standin.attach(box)
    await box.start(host="127.0.0.1", port=0)
    services = Services(load_config(ROOT / "buurtbot.example.toml", env={}),
                        Database(str(db)), clock)
    await services.start()
    wa_settings = whatsapp_settings(standin, messages_per_second=THROUGHPUT, **settings)
    channel = WhatsAppChannel(wa_settings, services)
    channel.set_speed(THROUGHPUT, scale)
    services.outbox.channels.pop("telegram", None)
    services.outbox.channels["whatsapp"] = channel
    services.outbox.app = SimpleNamespace(services=services, whatsapp=channel)
    return box, standin, services, wa_settings, channel


async def run_one(size: int, scale: float, second_every: int, workdir: Path) -> dict[str, float]:
    box, standin, services, _settings, channel = await _start(
        scale, workdir / f"bench-wa-{size}.db", FrozenClock(START))
    services.outbox.renderer("bench.broadcast")(
        lambda app, row, t: OutMessage(BROADCAST))
    services.outbox.renderer("bench.followup")(
        lambda app, row, t: OutMessage("Hoe vond u de eettafel?"))
    try:
        rows = await populate(services, standin, size)
        follow = [r for i, r in enumerate(rows) if second_every and i % second_every == 0]
        now = services.clock.now()
        async with services.db.transaction() as conn:
            await services.outbox.enqueue_many(conn, rows, kind="bench.broadcast", ref="bench")
            await services.outbox.enqueue_many(conn, follow, kind="bench.followup", ref="bench",
                                               not_before=now)
        expected = len(rows) + len(follow)
        started = time.monotonic()
        await services.outbox.deliver(broadcasts=True)
        elapsed = time.monotonic() - started
        sent = standin.sent
        refusals = Counter(code for _path, code, _d in standin.errors)
        # The rate while the broadcast itself goes out (the follow-ups that must wait for
        # their person's 6 s come after it; those sent meanwhile share the throughput).
        firsts = sorted(m.timestamp for m in sent if m.text == BROADCAST)
        span = firsts[-1] - firsts[0] if len(firsts) > 1 else 0.0
        during = sum(1 for m in sent if firsts and firsts[0] <= m.timestamp <= firsts[-1])
        rate = (during - 1) / span if span > 0 else 0.0
        by_person: dict[str, list[float]] = defaultdict(list)
        for m in sent:
            by_person[m.wa_id].append(m.timestamp)
        gaps = [later - earlier for ts in map(sorted, by_person.values())
                for earlier, later in pairwise(ts)]
        return {
            "expected": expected, "accepted": len(sent), "elapsed": elapsed,
            "rate": rate, "enforced": THROUGHPUT * scale,
            "throughput_refused": refusals.get(130429, 0),
            "pair_refused": refusals.get(131056, 0),
            "min_gap": min(gaps) if gaps else float("inf"),
            "pair_interval": PAIR_INTERVAL / scale,
        }
    finally:
        await channel.close()
        await services.stop()
        await box.stop()


async def run_daily(size: int, limit: int, scale: float, workdir: Path) -> dict[str, Any]:
    """A broadcast to ``size`` residents outside their window with a daily limit of
    ``limit``: templates sent per (test-clock) day until every row went."""
    clock = FrozenClock(START)
    box, standin, services, settings, channel = await _start(
        scale, workdir / f"bench-wa-daily-{size}.db", clock, daily_limit=limit)
    services.outbox.renderer("announcement")(
        lambda app, row, t: OutMessage(BROADCAST, lang="nl"))
    try:
        await templates.create_missing(settings)
        standin.approve("buurtbot_announcement", "nl")
        async with services.db.transaction() as conn:
            await template_store.put(conn, "buurtbot_announcement", "nl",
                                     template_store.APPROVED, "MARKETING", None, clock.now())
        rows = await populate(services, standin, size, open_window=False)
        async with services.db.transaction() as conn:
            await services.outbox.enqueue_many(conn, rows, kind="announcement", ref="0")
        per_day: list[int] = []
        started = time.monotonic()
        fewest = -(-size // limit)
        while sum(per_day) < size and len(per_day) < fewest + 2:
            before = len(standin.sent)
            await services.outbox.deliver(broadcasts=True)
            per_day.append(len(standin.sent) - before)
            clock.advance(timedelta(hours=24, minutes=1))
        refusals = Counter(code for _path, code, _d in standin.errors)
        return {"per_day": per_day, "fewest": fewest, "limit": limit, "size": size,
                "templates": sum(1 for m in standin.sent if m.kind == "template"),
                "refused": sum(refusals.values()), "elapsed": time.monotonic() - started}
    finally:
        await channel.close()
        await services.stop()
        await box.stop()


async def populate(services: Services, standin: WhatsAppStandIn, n: int, *,
                   open_window: bool = True) -> list[dict]:
    """``n`` residents with a WhatsApp address (whose window is open, unless
    ``open_window`` is false: they last wrote long ago); the outbox rows."""
    rooms = list(services.config.rooms)
    now = services.clock.now()
    rows = []
    async with services.db.transaction() as conn:
        for i in range(n):
            wa_id = str(FIRST_NUMBER + i)
            person = await user_store.create(conn, telegram_id=None, language="nl",
                                             room=rooms[i % len(rooms)], now=now)
            # a closed window: the address was made when they last wrote, a month ago
            made = now if open_window else now - timedelta(days=30)
            await address_store.add(conn, person.id, "whatsapp", wa_id, made)
            if open_window:
                await window.open_until(conn, wa_id, now)
                standin.person(wa_id).last_inbound = standin.clock()
            rows.append({"person_id": person.id, "channel": "whatsapp", "address": wa_id,
                         "params": {}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_100, 10_000])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="speed Meta's limits up by this factor (default 1: Meta's 80/s;"
                             " the sender and the stand-in share one process, so a high"
                             " scale measures the machine)")
    parser.add_argument("--second", type=int, default=10,
                        help="every n-th recipient gets a second message (0: none)")
    parser.add_argument("--daily-size", type=int, default=1_000,
                        help="recipients outside their window for the daily-limit run (0: skip)")
    parser.add_argument("--daily-limit", type=int, default=250,
                        help="the number's daily messaging limit in that run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            result = asyncio.run(run_one(size, args.scale, args.second, Path(tmp)))
            ratio = result["rate"] / result["enforced"]
            gap = result["min_gap"] / result["pair_interval"]
            print(f"{size:>6} recipients: {result['accepted']:.0f}/{result['expected']:.0f} "
                  f"accepted in {result['elapsed']:.1f} s; refused: "
                  f"{result['throughput_refused']:.0f} throughput (130429), "
                  f"{result['pair_refused']:.0f} pair rate (131056)")
            print(f"  RATE {ratio:.3f} of the enforced {result['enforced']:.0f}/s "
                  f"({result['rate']:.1f}/s; target >= {TARGET_RATIO})")
            print(f"  GAP  {gap:.2f} of the pair interval {result['pair_interval']:.2f} s "
                  f"(target >= {TARGET_GAP})")
            failed |= (ratio < TARGET_RATIO or gap < TARGET_GAP
                       or result["accepted"] < result["expected"]
                       or result["throughput_refused"] or result["pair_refused"])
        if args.daily_size:
            daily = asyncio.run(run_daily(args.daily_size, args.daily_limit, args.scale,
                                          Path(tmp)))
            days = daily["per_day"]
            full = [n / daily["limit"] for n in days[:-1]]  # every day but the last is full
            used = min(full) if full else 1.0
            spread = daily["fewest"] / len(days) if days else 0.0
            print(f"{daily['size']:>6} recipients outside the window, daily limit "
                  f"{daily['limit']}: per day {days} ({daily['templates']} templates, "
                  f"{daily['elapsed']:.1f} s); refused by Meta: {daily['refused']}")
            print(f"  DAILY {used:.2f} of the limit used on each full day (target 1.00), "
                  f"{spread:.2f} of the fewest days ({daily['fewest']}; target 1.00)")
            failed |= (used < 1.0 or spread < 1.0 or daily["refused"] > 0
                       or sum(days) != daily["size"] or daily["templates"] != daily["size"]
                       or any(n > daily["limit"] for n in days))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
