"""Benchmark: an announcement to 1,100 and 10,000 residents within Telegram's limits.

Runs the real bot against an in-process sandbox that enforces Telegram's flood limits (about
30 messages per second overall, 1 per second per chat). ``--scale`` speeds every limit up by the
same factor for a quicker run; what counts is the ratio to the enforced limit. 3% of the
recipients have blocked the bot. While the broadcast runs, a few residents keep asking the bot
something (``/berichten``) and we time the answers.

The broadcast goes through the one outbox sender (the same one every notice uses), and the
answers through the same pacer. Prints per size: delivered, blocked, 429s met, and two ratios
held against targets, each on its own line marked RATE and ANSWER: the effective rate (every
message the bot sent while the broadcast ran: the broadcast plus its answers to residents, who
share Telegram's limit) as a ratio of the enforced limit (target >= 0.95, with no 429s), and the
median answer time for a resident during the broadcast as a ratio of the same bot's median when
idle, measured first in the same run (target <= 3; the absolute median < 0.5 s is shown too).
The broadcast's own share is shown for information. The machine's load average is printed
too: the bot and the sandbox share one process, so on a machine busy with other work the round
trips grow and the rate drops.

Not a test: run it by hand, ``.venv/bin/python bench/bench_broadcast.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common_broadcast import (
    COORDINATOR_ID,
    Probe,
    SendClock,
    populate,
    start_bot,
    start_sandbox,
    stop_bot,
)
from bot.handlers.announcements import ensure_sender
from bot.services.announcements import Audience

TARGET_RATIO = 0.95
TARGET_MEDIAN = 0.5
#: Answer time during the broadcast against the idle bot's: at most this many times slower.
TARGET_ANSWER_RATIO = 3.0
#: Questions asked of the idle bot first (the baseline).
IDLE_PROBES = 20


async def run_one(size: int, scale: float, blocked: float, probe_interval: float,
                  workdir: Path) -> dict[str, float]:
    sandbox = await start_sandbox(scale)
    app = await start_bot(sandbox, workdir / f"bench-{size}.db")
    try:
        service = app.services.announcements
        app.services.outbox.set_speed(scale=scale)
        coordinator = sandbox.add_user(first_name="Carla", user_id=COORDINATOR_ID)
        author = await app.services.users.register(COORDINATOR_ID, "nl", "top", "Carla")
        recipients = await populate(app, sandbox, size, blocked)
        chatters = await populate(app, sandbox, 8, 0.0, opted_out=True, first_name="Prater")
        idle = await idle_median(chatters, probe_interval)
        clock = SendClock({u.id for u in recipients})
        unsubscribe = sandbox.subscribe(clock)
        stop = asyncio.Event()
        probe = Probe(chatters, interval=probe_interval)
        probing = asyncio.create_task(probe.run(stop))
        started = time.monotonic()
        broadcast, _ = await service.create(
            author, draft_key=f"bench-{size}", chat_id=coordinator.id, audience=Audience("all"),
            text="De BuurtWerkKamer is morgen dicht. Tot overmorgen!")
        ensure_sender(app)
        while True:
            counts = await service.counts(broadcast.id)
            if counts["pending"] + counts["sending"] == 0:
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
        stop.set()
        await probing
        unsubscribe()
        enforced = sandbox.limits.global_per_second * scale
        return {
            "size": size,
            "delivered": counts["sent"],
            # blocked before (unreachable at the start) or found blocked on the way
            "blocked": counts["blocked"] + counts["unreachable"],
            "failed": counts["failed"],
            "429s": sandbox.stats["429"],
            "seconds": elapsed,
            "rate": clock.rate,
            "broadcast_ratio": clock.rate / enforced,
            "total_rate": clock.total_rate,
            "ratio": clock.total_rate / enforced,
            "median": probe.median,
            "idle_median": idle,
            "answer_ratio": probe.median / idle if idle > 0 else float("nan"),
            "probes": len(probe.latencies),
            "probe_timeouts": probe.timeouts,
        }
    finally:
        await stop_bot(app)
        await sandbox.stop()


async def idle_median(chatters: list, interval: float) -> float:  # type: ignore[type-arg]
    """The baseline: the same questions to the same bot with nothing being broadcast."""
    latencies = []
    for turn in range(IDLE_PROBES):
        user = chatters[turn % len(chatters)]
        started = time.monotonic()
        await user.send("/berichten")
        await user.next_message(timeout=10)
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(interval)  # paced like the probes during the broadcast
    return statistics.median(latencies)


def report(result: dict[str, float], rate_ok: bool, answer_ok: bool) -> str:
    """The figures, saying plainly which one is held against which target."""
    verdict = {True: "OK", False: "MISSED"}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join([
        f"{result['size']:>6} recipients: delivered {result['delivered']}, "
        f"blocked {result['blocked']}, failed {result['failed']}, "
        f"429s met {result['429s']}, {result['seconds']:.1f} s (machine load {load})",
        f"  RATE   (compared with the target) {result['ratio']:.3f} of the enforced limit: "
        f"every message the bot sent while the broadcast ran (broadcast + answers to "
        f"residents, which share Telegram's limit), {result['total_rate']:.1f} msg/s; "
        f"target >= {TARGET_RATIO} with no 429s -> {verdict[rate_ok]}",
        f"         (for information: the broadcast alone {result['broadcast_ratio']:.3f}, "
        f"{result['rate']:.1f} msg/s)",
        f"  ANSWER (compared with the idle bot) {result['answer_ratio']:.2f} x the idle "
        f"median: {result['median'] * 1000:.0f} ms for a resident's /berichten during the "
        f"broadcast over {result['probes']} questions ({result['probe_timeouts']} unanswered) "
        f"against {result['idle_median'] * 1000:.0f} ms idle; target <= "
        f"{TARGET_ANSWER_RATIO:g} x and < {TARGET_MEDIAN * 1000:.0f} ms -> {verdict[answer_ok]}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1100,10000",
                        help="comma-separated numbers of recipients (default: 1100,10000)")
    parser.add_argument("--scale", type=float, default=3.0,
                        help="speed up Telegram's limits by this factor (default: 3; 1 = real)")
    parser.add_argument("--blocked", type=float, default=0.03,
                        help="share of recipients who blocked the bot (default: 0.03)")
    parser.add_argument("--probe-interval", type=float, default=None,
                        help="seconds between residents' questions during the broadcast "
                             "(default: 1 / scale, one question per second at real speed)")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", module="bot.handlers")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            interval = args.probe_interval or 1.0 / args.scale
            result = asyncio.run(run_one(size, args.scale, args.blocked, interval, Path(tmp)))
            rate_ok = result["ratio"] >= TARGET_RATIO and result["429s"] == 0
            answer_ok = (result["median"] < TARGET_MEDIAN
                         and result["answer_ratio"] <= TARGET_ANSWER_RATIO)
            ok = ok and rate_ok and answer_ok
            print(report(result, rate_ok, answer_ok), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
