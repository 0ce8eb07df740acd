"""Make docs/demo.png: the practice chat with residents and a volunteer side by side.

Fatima (left, Telegram) opens her dinner sign-up, still waiting for a volunteer; Henk (right,
on WhatsApp) says "Hoi" and gets the menu as a list; Vera (middle, Telegram) opens the dinner
list, where Henk is marked "📱 WhatsApp", and confirms them both; both chats show the
confirmation as it arrives.

Run from the repository root with Debian's Chromium installed:
    .venv/bin/python docs/demo_screenshot.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from bot.demo import demo_config, running_demo  # noqa: E402
from tests.auxil.demo import DEMO_START  # noqa: E402


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = dataclasses.replace(demo_config(None), database=str(Path(tmp) / "demo.db"))
        async with running_demo(config, port=0, start=DEMO_START) as demo, \
                async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = await browser.new_page(viewport={"width": 1400, "height": 760})
            await page.goto(demo.url)
            await page.wait_for_selector("body[data-ready='1']")
            left, right = page.locator(".pane").nth(0), page.locator(".pane").nth(1)
            henk = page.locator(".pane").nth(2)
            await henk.locator(".composer .text").fill("Hoi")
            await henk.locator(".composer .text").press("Enter")
            await henk.locator(".msg.bot .wa-list-open").first.wait_for()
            await left.locator(".composer .text").fill("/eten")
            await left.locator(".composer .text").press("Enter")
            await left.locator(".kb button", has_text="mijn aanmelding").first.click()
            await left.locator(".msg.bot", has_text="Een vrijwilliger bevestigt").wait_for()
            await right.locator(".composer .text").fill("/tafel")
            await right.locator(".composer .text").press("Enter")
            await right.locator(".kb button", has_text="✅ Fatima").click()
            await left.locator(".msg.bot", has_text="Uw plek bij de eettafel").wait_for()
            await right.locator(".kb button", has_text="✅ Fatima").wait_for(state="detached")
            await right.locator(".kb button", has_text="✅ Henk").click()
            await henk.locator(".msg.bot", has_text="is bevestigd").wait_for()
            await page.wait_for_timeout(300)
            await page.screenshot(path=str(ROOT / "docs" / "demo.png"))
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
