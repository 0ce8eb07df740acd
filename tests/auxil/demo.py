"""A running practice demo for tests: sandbox + page + the real bot on a temporary database."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import TZ
from bot.demo import DemoSession, demo_config, running_demo

#: Monday 30 November 2026, 09:00 in Amsterdam: the next moment is TOP's belronde at 10:00.
DEMO_START = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


@asynccontextmanager
async def demo_session(tmp_path: Path, start: datetime = DEMO_START) -> AsyncIterator[DemoSession]:
    config = dataclasses.replace(demo_config(None), database=str(tmp_path / "demo.db"))
    async with running_demo(config, port=0, start=start) as session:
        yield session


#: A 1x1 transparent PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


async def events(session: aiohttp.ClientSession, url: str, out: asyncio.Queue) -> None:
    """Put every event of the practice page's live stream (``demo/api/events``) on ``out``."""
    async with session.get(url + "demo/api/events") as response:
        async for line in response.content:
            if line.startswith(b"data: "):
                await out.put(json.loads(line[6:]))


async def wait_event(queue: asyncio.Queue, predicate: Callable[[dict[str, Any]], Any],
                     each: float = 5.0) -> dict[str, Any]:
    """The first event on ``queue`` that ``predicate`` accepts (each event within ``each``
    seconds)."""
    while True:
        event = await asyncio.wait_for(queue.get(), each)
        if predicate(event):
            return event
