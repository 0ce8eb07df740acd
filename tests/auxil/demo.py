"""A running practice demo for tests: sandbox + page + the real bot on a temporary database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.clock import TZ
from bot.demo import DemoSession, demo_config, running_demo

#: Monday 30 November 2026, 09:00 in Amsterdam: the next moment is TOP's belronde at 10:00.
DEMO_START = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


@asynccontextmanager
async def demo_session(tmp_path: Path, start: datetime = DEMO_START) -> AsyncIterator[DemoSession]:
    config = dataclasses.replace(demo_config(None), database=str(tmp_path / "demo.db"))
    async with running_demo(config, port=0, start=start) as session:
        yield session
