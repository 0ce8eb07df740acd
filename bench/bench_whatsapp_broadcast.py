"""Benchmark: an announcement to 10,000 WhatsApp residents through the Cloud API stand-in.

The real bot (outbox sender, WhatsApp adapter, window and template logic, daily limit) sends
to the in-process WhatsApp stand-in, which enforces Meta's limits: the number's throughput
(80 messages per second, 130429 past it) and the pair rate (a short burst to one person, then
about one per 6 s, 131056 past it). ``--scale`` speeds both limits up by the same factor,
in the stand-in and in the bot's pacer alike, for a shorter run (or down, on a busy machine):
what counts is the ratio to the enforced limit. Meta's own ``retry_after`` on a refusal is
not scaled.

Three phases, each printed as a ratio held against a target:

1. BROADCAST: a coordinator's announcement to ``--size`` WhatsApp residents (half of them
   wrote in the last 24 hours and get a free-form message, half get the approved
   announcement template). RATE = messages accepted per second / the enforced throughput
   (target >= 0.95, no 130429 met, none lost, none twice).
2. PAIR: the same residents again, right after (a second announcement), with the stand-in's
   pair burst cut to 1 (one message per person per 6 s / scale): RATE again, and 131056 met;
   then ``--pair-people`` residents who get 3 messages each at once: TIME = the fastest the
   pair rate allows / the time it took (target >= 0.95), none lost.
3. DAILY: a daily limit below the audience (``--daily-limit`` of ``--daily-size`` residents
   outside the window): SENT TODAY = templates sent / the limit (target 1.0, never more),
   SCHEDULED = rows waiting for a later day / the rest (target 1.0); the test clock then
   moves a day at a time until all went, and DAYS = days needed / ceil(size / limit).

Status webhooks are cut to "failed" only (``standin.status_webhooks``): 10,000 sent +
delivered webhooks would measure the webhook server rather than the sender. The machine's
load is printed: the bot and the stand-in share one process.

Not a test: ``.venv/bin/python bench/bench_whatsapp_broadcast.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import math
import os
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web

from bench.common_broadcast import COORDINATOR_ID, TOKEN, start_app
from bot.channels.whatsapp import templates
from bot.clock import TZ, FrozenClock, to_db
from bot.config import load_config
from bot.context import BuurtApplication
from bot.handlers.announcements import ensure_sender
from bot.messaging.message import OutMessage
from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WhatsAppStandIn
from bot.sandbox.whatsapp.limits import WaLimits
from bot.services.announcements import Audience
from bot.services.outbox import BROADCAST
from bot.store import addresses as address_store
from bot.store import users as user_store
from tests.auxil.whatsapp import whatsapp_settings

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.95
START = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
PAIR_MESSAGES = 3


class Bench:
    """One bot, one stand-in, one frozen test clock (the window and the daily limit follow
    it); pacing and Meta's limits run on real time."""

    def __init__(self, scale: float, daily_limit: int, workdir: Path, name: str) -> None:
        self.scale = scale
        self.daily_limit = daily_limit
        self.workdir = workdir
        self.name = name
        self.clock = FrozenClock(START)
        self.sandbox: Sandbox | None = None
        self.standin: WhatsAppStandIn | None = None
        self.app: BuurtApplication | None = None
        self.runner: web.AppRunner | None = None
        self.accepted: list[tuple[float, str]] = []
        self._numbers = iter(range(31_600_000_000, 31_700_000_000))

    async def start(self) -> None:
        self.sandbox = Sandbox(token=TOKEN, bot_username="buurtbot_bench_bot",
                               bot_name="Buurtbot", limits=Limits.off(), max_calls=1000)
        self.standin = WhatsAppStandIn(clock=lambda: self.clock.now().timestamp(),
                                       limits=WaLimits(scale=self.scale))
        self.standin.attach(self.sandbox)
        self.standin.status_webhooks = {"failed"}
        await self.sandbox.start(host="127.0.0.1", port=0)
        config = load_config(ROOT / "buurtbot.example.toml", env={})
        config = dataclasses.replace(
            config, token=TOKEN, api_url=self.sandbox.api_url, file_url=self.sandbox.file_url,
            database=str(self.workdir / f"{self.name}.db"),
            coordinators=frozenset({COORDINATOR_ID}),
            whatsapp=whatsapp_settings(self.standin, daily_limit=self.daily_limit))
        app = self.app = await start_app(config, clock=self.clock)
        from bot.inbox.whatsapp import make_web_app

        self.runner = web.AppRunner(make_web_app(app), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.standin.webhook_url = f"http://127.0.0.1:{port}{config.whatsapp.webhook_path}"
        # Each channel its own rate (Telegram 29/s, WhatsApp messages_per_second), sped up.
        app.services.outbox.set_speed(scale=self.scale)
        await templates.create_missing(app)
        for definition in templates.definitions():
            self.standin.approve(definition.name)
        await templates.sync(app)
        self.standin.subscribe(self._on_event)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "wa_message" and event.get("from") == "bot":
            self.accepted.append((time.monotonic(), event["wa_id"]))

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.app is not None:
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        if self.standin is not None:
            await self.standin.close()
        if self.sandbox is not None:
            await self.sandbox.stop()

    @property
    def enforced(self) -> float:
        assert self.standin is not None
        return self.standin.limits.throughput * self.scale

    async def residents(self, n: int, *, window_open: float) -> list[str]:
        """``n`` WhatsApp residents (in one transaction); the first ``window_open`` share
        wrote an hour ago (their 24-hour window is open, for the bot and the stand-in)."""
        assert self.app is not None and self.standin is not None
        services = self.app.services
        now = self.clock.now()
        numbers = [str(next(self._numbers)) for _ in range(n)]
        opened = int(n * window_open)
        rooms = list(services.config.rooms)
        async with services.db.transaction() as conn:
            for i, number in enumerate(numbers):
                row = await user_store.create(conn, telegram_id=None, language="nl",
                                              room=rooms[i % len(rooms)], now=now)
                await address_store.add(conn, row.id, "whatsapp", number, now)
                person = self.standin.person(number, None)
                if i < opened:
                    await address_store.open_window(conn, "whatsapp", number,
                                                    now + timedelta(hours=23))
                    person.last_inbound = (now - timedelta(hours=1)).timestamp()
        return numbers

    async def wait_outbox(self, kind: str, timeout: float = 3600.0,  # noqa: ASYNC109
                          follow_retries: bool = True) -> None:
        """Until no row of ``kind`` is due any more. ``follow_retries``: a row put back for
        a retry (after 131056, 130429) is due on the test clock, which is moved to it;
        rows for a later day (the daily limit) stay."""
        assert self.app is not None
        db = self.app.services.db
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.clock.now()
            due = await db.fetchval(
                "SELECT COUNT(*) FROM outbox WHERE kind = ? AND (state = 'sending' OR"
                " (state = 'queued' AND next_at <= ?))", (kind, to_db(now)))
            if not due and follow_retries:
                soon = await db.fetchval(
                    "SELECT MIN(next_at) FROM outbox WHERE kind = ? AND state = 'queued'"
                    " AND next_at <= ?", (kind, to_db(now + timedelta(hours=1))))
                if soon is not None:
                    self.clock.set(datetime.fromisoformat(soon))
                    self.app.services.outbox.wake()
                    continue
            if not due:
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"the outbox did not finish {kind}")

    def refused(self, code: int) -> int:
        assert self.standin is not None
        return sum(1 for _path, c, _details in self.standin.errors if c == code)


async def announce(bench: Bench, text: str, follow_retries: bool = True) -> dict[str, Any]:
    """A coordinator's announcement to everyone; rate and counts once it is out."""
    app = bench.app
    assert app is not None and bench.standin is not None
    services = app.services
    author = await services.users.get(COORDINATOR_ID)
    if author is None:
        bench.sandbox.add_user(first_name="Carla", user_id=COORDINATOR_ID)
        author = await services.users.register(COORDINATOR_ID, "nl", "top", "Carla")
    before = len(bench.accepted)
    throttled = bench.refused(130429)
    paired = bench.refused(131056)
    started = time.monotonic()
    broadcast, _ = await services.announcements.create(
        author, draft_key=f"bench-{text[:8]}-{before}", chat_id=COORDINATOR_ID,
        audience=Audience("all"), text=text)
    ensure_sender(app)
    while True:
        counts = await services.announcements.counts(broadcast.id)
        if counts["pending"] + counts["sending"] == 0:
            break
        # Without follow_retries (the daily limit): done when what may go today has gone.
        await bench.wait_outbox("announcement", follow_retries=follow_retries)
        if not follow_retries:
            counts = await services.announcements.counts(broadcast.id)
            break
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    sends = bench.accepted[before:]
    span = sends[-1][0] - sends[0][0] if len(sends) > 1 else 0.0
    rate = (len(sends) - 1) / span if span > 0 else 0.0
    per_person: dict[str, int] = {}
    for _t, wa_id in sends:
        per_person[wa_id] = per_person.get(wa_id, 0) + 1
    templated = await services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'announcement' AND ref = ?"
        " AND template IS NOT NULL", (str(broadcast.id),))
    return {"counts": counts, "sends": len(sends), "people": len(per_person),
            "twice": sum(1 for n in per_person.values() if n > 1), "rate": rate,
            "ratio": rate / bench.enforced, "seconds": elapsed, "templates": templated,
            "130429": bench.refused(130429) - throttled,
            "131056": bench.refused(131056) - paired}


async def pair_burst(bench: Bench, people: int) -> dict[str, Any]:
    """``people`` residents get PAIR_MESSAGES messages each at once; the stand-in allows one
    per person per 6 s / scale. The fastest possible time is (PAIR_MESSAGES - 1) gaps."""
    app = bench.app
    assert app is not None and bench.standin is not None
    numbers = await bench.residents(people, window_open=1.0)
    services = app.services
    paired = bench.refused(131056)
    before = len(bench.accepted)
    started = time.monotonic()
    async with services.db.transaction() as conn:
        for number in numbers:
            found = await address_store.by_address(conn, "whatsapp", number)
            assert found is not None
            pid = found.person_id
            for n in range(PAIR_MESSAGES):
                await services.outbox.enqueue(conn, to=pid, kind="bench.pair", ref=number,
                                              dedupe=str(n), priority=BROADCAST,
                                              message=OutMessage(f"Bericht {n + 1}"))
    services.outbox.wake()
    await bench.wait_outbox("bench.pair")
    elapsed = time.monotonic() - started
    gap = bench.standin.limits.pair_interval / bench.scale
    fastest = max((PAIR_MESSAGES - 1) * gap, people * PAIR_MESSAGES / bench.enforced)
    counts = dict(await services.db.fetchall(
        "SELECT state, COUNT(*) FROM outbox WHERE kind = 'bench.pair' GROUP BY state"))
    sends = bench.accepted[before:]
    return {"people": people, "messages": people * PAIR_MESSAGES, "sent": counts.get("sent", 0),
            "arrived": len(sends), "seconds": elapsed, "fastest": fastest,
            "ratio": fastest / elapsed if elapsed else 0.0,
            "131056": bench.refused(131056) - paired}


async def daily(bench: Bench, size: int, limit: int) -> dict[str, Any]:
    """``size`` residents outside the window, a daily limit of ``limit``: what goes today,
    what waits, and how many days it takes."""
    app = bench.app
    assert app is not None
    await bench.residents(size, window_open=0.0)
    result = await announce(bench, "De BuurtWerkKamer is zaterdag open voor iedereen.",
                            follow_retries=False)
    today = result["sends"]
    services = app.services
    waiting = await services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'announcement' AND state = 'queued'"
        " AND next_at > ?", (to_db(bench.clock.now()),))
    days, per_day = 1, [today]
    while sum(per_day) < size and days < 60:
        bench.clock.advance(timedelta(hours=24, minutes=1))
        before = len(bench.accepted)
        services.outbox.wake()
        await services.outbox.deliver(broadcasts=True)
        await bench.wait_outbox("announcement", follow_retries=False)
        per_day.append(len(bench.accepted) - before)
        days += 1
    return {"size": size, "limit": limit, "today": today, "waiting": waiting,
            "per_day": per_day, "days": days, "expected_days": math.ceil(size / limit),
            "sent_ratio": today / limit, "scheduled_ratio": waiting / (size - limit),
            "days_ratio": days / math.ceil(size / limit)}


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"WhatsApp stand-in: throughput 80 msg/s x scale {args.scale:g} = "
          f"{80 * args.scale:g} msg/s enforced; pair rate 1 per {6 / args.scale:.3g} s; "
          f"machine load {load}", flush=True)
    ok = True
    bench = Bench(args.scale, daily_limit=10 * args.size, workdir=workdir, name="broadcast")
    try:
        await bench.start()
        await bench.residents(args.size, window_open=0.5)
        first = await announce(bench, "De BuurtWerkKamer is morgen dicht. Tot overmorgen!")
        good = (first["ratio"] >= TARGET and first["130429"] == 0
                and first["counts"]["sent"] == args.size and first["twice"] == 0)
        ok &= good
        print(f"BROADCAST {args.size} recipients: sent {first['counts']['sent']} "
              f"({first['templates']} as the template), to {first['people']} people, "
              f"{first['twice']} twice, 130429 met {first['130429']}, {first['seconds']:.1f} s",
              flush=True)
        print(f"  RATE  {first['ratio']:.3f} of the enforced throughput "
              f"({first['rate']:.1f} of {bench.enforced:g} msg/s); target >= {TARGET} "
              f"-> {verdict(good)}", flush=True)
        # Phase 2: the same people again, right after, with Meta's pair burst cut to 1.
        bench.standin.limits.pair_burst = 1
        second = await announce(bench, "Nog een bericht: vergeet uw jas niet!")
        good = (second["ratio"] >= TARGET and second["counts"]["sent"] == args.size
                and second["twice"] == 0)
        ok &= good
        print(f"PAIR    the same {args.size} again right after: sent "
              f"{second['counts']['sent']}, 131056 met {second['131056']}, "
              f"130429 met {second['130429']}, {second['seconds']:.1f} s", flush=True)
        print(f"  RATE  {second['ratio']:.3f} of the enforced throughput "
              f"({second['rate']:.1f} msg/s); target >= {TARGET} -> {verdict(good)}",
              flush=True)
        burst = await pair_burst(bench, args.pair_people)
        good = burst["ratio"] >= TARGET and burst["sent"] == burst["messages"]
        ok &= good
        print(f"PAIR    {burst['people']} people x {PAIR_MESSAGES} messages at once: sent "
              f"{burst['sent']} of {burst['messages']} (stand-in accepted "
              f"{burst['arrived']}), 131056 met {burst['131056']}, {burst['seconds']:.2f} s",
              flush=True)
        print(f"  TIME  {burst['ratio']:.3f} = the fastest the pair rate allows "
              f"({burst['fastest']:.2f} s) / the time taken; target >= {TARGET} -> "
              f"{verdict(good)}", flush=True)
    finally:
        await bench.stop()
    bench = Bench(args.scale, daily_limit=args.daily_limit, workdir=workdir, name="daily")
    try:
        await bench.start()
        result = await daily(bench, args.daily_size, args.daily_limit)
        good = (result["sent_ratio"] == 1.0 and result["scheduled_ratio"] == 1.0
                and result["days_ratio"] == 1.0 and sum(result["per_day"]) == args.daily_size)
        ok &= good
        print(f"DAILY   limit {result['limit']}, {result['size']} people outside the window: "
              f"per day {result['per_day']}", flush=True)
        print(f"  SENT TODAY {result['sent_ratio']:.3f} of the limit; SCHEDULED "
              f"{result['scheduled_ratio']:.3f} of the rest; DAYS {result['days_ratio']:.3f} "
              f"of ceil(size / limit) = {result['expected_days']}; target 1.0 each -> "
              f"{verdict(good)}", flush=True)
    finally:
        await bench.stop()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000,
                        help="WhatsApp recipients of the broadcast (default: 10000)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="speed Meta's limits (and the bot's pacer) up by this factor "
                             "(default: 1 = 80 msg/s)")
    parser.add_argument("--pair-people", type=int, default=50,
                        help="people who get 3 messages at once (default: 50)")
    parser.add_argument("--daily-limit", type=int, default=250,
                        help="the daily limit of the third phase (default: 250)")
    parser.add_argument("--daily-size", type=int, default=1000,
                        help="people outside the window in the third phase (default: 1000)")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", module="bot.handlers")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        ok = asyncio.run(run(args, Path(tmp)))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
