"""The practice chat in a real browser: headless Chromium (Debian's), driven by Playwright.

No browser is downloaded: Playwright drives the system's ``/usr/bin/chromium``. ``.ci/run``
installs it from Debian's packages; on a machine without it this test says so and skips.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auxil.announcements import compose
from tests.auxil.demo import demo_session


def _find_chromium() -> str | None:
    wanted = os.environ.get("BUURTBOT_CHROMIUM", "/usr/bin/chromium")
    return wanted if Path(wanted).exists() else shutil.which("chromium")


CHROMIUM = _find_chromium()
ROOT = Path(__file__).resolve().parent.parent

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed: pip install -e '.[test]'")

pytestmark = pytest.mark.timeout(180)
# A loaded CI machine (2 cores) can be slow to paint; wait for outcomes, never sleep.
playwright_api.expect.set_options(timeout=20_000)


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (no /usr/bin/chromium): "
                    "apt-get install -y chromium to run the browser test")
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _open(browser, url: str, width: int, height: int):
    page = await browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    await page.wait_for_selector("body[data-ready='1']")
    return page, errors


async def test_new_resident_onboards_by_clicking(browser, tmp_path: Path) -> None:
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 1280, 800)
        left = page.locator(".pane").nth(0)
        right = page.locator(".pane").nth(1)
        # Two panes side by side: a resident and the volunteer.
        await expect(left.locator(".persona")).to_have_value("7003")
        await expect(right.locator(".persona")).to_have_value("7002")

        # A new resident, from scratch.
        await left.locator(".persona").select_option("new")
        await left.locator(".new-name").fill("Noor")
        await left.locator(".new-lang").select_option("nl")
        await left.get_by_role("button", name="Maak aan").click()
        await left.get_by_role("button", name="START").click()
        await expect(left.locator(".msg.bot").last).to_contain_text("Kies uw taal.")
        await left.get_by_role("button", name="Nederlands").click()
        await expect(left.locator(".msg.bot").last).to_contain_text("Welke BuurtWerkKamer")
        # Edited in place: still one bot message.
        await expect(left.locator(".msg.bot")).to_have_count(1)
        await left.get_by_role("button", name="TOP (Ondiep e.o.)").click()
        await left.get_by_role("button", name="✅ Ik ga akkoord").click()
        await expect(left.locator(".msg.bot").last).to_contain_text("Hoe mogen we u noemen?")
        await left.locator(".composer .text").fill("Noor")
        await left.locator(".composer .text").press("Enter")
        await expect(left.locator(".chat")).to_contain_text("Hallo Noor!")
        await expect(left.locator(".chat")).to_contain_text("Welkom! Uw BuurtWerkKamer is TOP.")
        noor = next(u.id for u in demo.sandbox.users.values() if u.first_name == "Noor")
        person = await demo.app.services.users.get(noor)
        assert person is not None and person.room == "top" and person.name == "Noor"

        # The command menu, as set by the bot for this chat.
        await left.get_by_role("button", name="Menu met opdrachten").click()
        await expect(left.locator(".commands")).to_contain_text("/eten")

        # The volunteer's pane shows volunteer commands.
        await right.get_by_role("button", name="Menu met opdrachten").click()
        await expect(right.locator(".commands")).to_contain_text("/tafel")
        assert errors == []


async def _onboard(pane, name: str) -> None:
    """A new resident in ``pane``: /start, then language, room and consent by clicking."""
    expect = playwright_api.expect
    await pane.locator(".persona").select_option("new")
    await pane.locator(".new-name").fill(name)
    await pane.locator(".new-lang").select_option("nl")
    await pane.get_by_role("button", name="Maak aan").click()
    await pane.get_by_role("button", name="START").click()
    await pane.get_by_role("button", name="Nederlands").click()
    await pane.get_by_role("button", name="TOP (Ondiep e.o.)").click()
    await pane.get_by_role("button", name="✅ Ik ga akkoord").click()
    await expect(pane.locator(".msg.bot").last).to_contain_text("Hoe mogen we u noemen?")
    await pane.locator(".composer .text").fill(name)
    await pane.locator(".composer .text").press("Enter")
    await expect(pane.locator(".chat")).to_contain_text(f"Hallo {name}!")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)],
                         ids=["desktop", "phone"])
async def test_resident_signs_up_for_a_meal_and_the_volunteer_confirms(
        browser, tmp_path: Path, width: int, height: int) -> None:
    """The issue's walk-through: onboard, sign up for dinner, Vera confirms, Noor sees it."""
    expect = playwright_api.expect
    phone = width < 700
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, width, height)
        left, right = page.locator(".pane").nth(0), page.locator(".pane").nth(1)
        switcher = page.locator("#switcher button")
        await _onboard(left, "Noor")
        noor_id = next(u.id for u in demo.sandbox.users.values() if u.first_name == "Noor")
        meal = (await demo.app.services.meals.upcoming("top"))[0]

        # 🍲 Eettafel → sign up for the first meal: a card says a volunteer will confirm.
        # (The menu came with the welcome; the bot edits that message in place.)
        await left.locator(".kb button", has_text="🍲 Eettafel").last.click()
        meals = left.locator(".msg.bot", has_text="Eettafel in TOP")
        await expect(meals).to_have_count(1)
        await meals.locator(".kb button", has_text="✍️ Aanmelden").first.click()
        await expect(meals).to_have_count(0)
        card = left.locator(".msg.bot", has_text="Uw aanmelding is ontvangen.")
        await expect(card).to_contain_text("Een vrijwilliger bevestigt die.")
        noor = await demo.app.services.users.get(noor_id)
        assert noor is not None
        signups = await demo.app.services.meals.my_signups(noor)
        assert signups[meal.meal.id].status == "pending"

        # Vera (the volunteer pane) opens the dinner list and confirms Noor with one tap.
        if phone:
            await switcher.nth(1).click()
            await expect(left).to_be_hidden()
        await expect(right.locator(".persona")).to_have_value("7002")
        await right.locator(".composer .text").fill("/tafel")
        await right.locator(".composer .text").press("Enter")
        table = right.locator(".msg.bot").last
        await expect(table).to_contain_text("⏳ Noor")
        await right.locator(".kb button", has_text="✅ Noor").click()
        await expect(right.locator(".msg.bot").last).to_contain_text("✅ Noor")
        await expect(right.locator(".kb button", has_text="✅ Noor")).to_have_count(0)

        # The live update: Noor's pane shows the confirmation, without reloading.
        if phone:
            await switcher.nth(0).click()
            await expect(left).to_be_visible()
        await expect(left.locator(".msg.bot").last).to_contain_text(
            "Uw plek bij de eettafel van")
        await expect(left.locator(".msg.bot").last).to_contain_text("is bevestigd. Tot dan!")
        signups = await demo.app.services.meals.my_signups(noor)
        assert signups[meal.meal.id].status == "confirmed"
        if phone:
            width_now = await page.evaluate("document.documentElement.scrollWidth")
            assert width_now <= width, "nothing sticks out sideways on a phone"
        assert errors == []


async def test_arabic_is_right_to_left_and_clock_jumps(browser, tmp_path: Path) -> None:
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 1280, 800)
        left = page.locator(".pane").nth(0)
        await left.locator(".persona").select_option("7004")  # Ahmed, Arabic
        await left.locator(".composer .text").fill("/menu")
        await left.locator(".composer .text").press("Enter")
        bubble = left.locator(".msg.bot .bubble").last
        await expect(bubble).to_be_visible()
        direction = await bubble.evaluate("node => getComputedStyle(node).direction")
        assert direction == "rtl"

        await expect(page.locator("#clock-now")).to_contain_text("30 november")
        # The next moment is a resident's own: Ayşe's belronde in De Verbinding at 14:00
        # (Fatima in TOP had this week's question already).
        await expect(page.locator("#clock-next")).to_contain_text("belronde De Verbinding")
        await page.locator("#clock-jump").click()
        await expect(page.locator("#clock-now")).to_contain_text("14:00")
        assert demo.clock.now().hour == 14
        assert errors == []


async def test_commands_in_bot_messages_are_tappable_and_contact_sharing_works(
        browser, tmp_path: Path) -> None:
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 390, 844)
        left = page.locator(".pane").nth(0)
        await expect(left.locator(".persona")).to_have_value("7003")  # Fatima
        await left.locator(".composer .text").fill("/belronde")
        await left.locator(".composer .text").press("Enter")
        # Her belronde card; she asks to share her number (the inline button).
        await left.locator(".kb button", has_text="📞 Mijn telefoonnummer").first.click()
        share = left.locator(".reply-kb button.reply-contact")
        await expect(share).to_be_visible()
        await share.click()
        fatima = demo.sandbox.users[7003]
        # A contact message (not the label as text), then the bot's thanks with the number.
        await expect(left.locator(".msg.me").last).to_contain_text(fatima.phone_number)
        await expect(left.locator(".msg.bot").last).to_contain_text(fatima.phone_number)
        person = await demo.app.services.users.get(7003)
        assert person is not None and person.row.phone == fatima.phone_number

        # A /command inside a bot message is a link: tapping it sends the command.
        await left.locator(".composer .text").fill("/bestaatniet")
        await left.locator(".composer .text").press("Enter")  # "... Tik op /menu ..."
        link = left.locator(".msg.bot a.cmd").last
        await expect(link).to_be_visible()
        before = len(fatima.messages)
        command = await link.get_attribute("data-command")
        await link.click()
        await expect(left.locator(".msg.me").last).to_contain_text(command)
        assert any((m.text or "") == command for m in fatima.messages[before:])
        assert errors == []


async def test_phone_width_one_pane_with_a_switcher(browser, tmp_path: Path) -> None:
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 390, 844)
        panes = page.locator(".pane")
        await expect(panes.nth(0)).to_be_visible()
        await expect(panes.nth(1)).to_be_hidden()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "nothing sticks out sideways on a phone"
        switcher = page.locator("#switcher button")
        await expect(switcher.nth(1)).to_contain_text("Vera")
        await switcher.nth(1).click()
        await expect(panes.nth(1)).to_be_visible()
        await expect(panes.nth(0)).to_be_hidden()
        # The volunteer can use the bot from the phone layout too.
        await panes.nth(1).locator(".composer .text").fill("/menu")
        await panes.nth(1).locator(".send").click()
        await expect(panes.nth(1).locator(".msg.bot").last).to_contain_text("Vera")
        assert errors == []
        del demo


#: Where a line's final full stop or "!" sits next to its last letter, per line of a bubble.
_MARK_SIDES = r"""
node => {
  const out = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  let text;
  while ((text = walker.nextNode())) {
    const t = text.textContent;
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== '.' && t[i] !== '!') continue;
      let j = i - 1;
      while (j >= 0 && /[\u200e\u200f\u2066-\u2069]/.test(t[j])) j--;
      if (j < 0) continue;
      const mark = document.createRange(); mark.setStart(text, i); mark.setEnd(text, i + 1);
      const letter = document.createRange(); letter.setStart(text, j); letter.setEnd(text, j + 1);
      const line = t.slice(t.lastIndexOf('\n', j) + 1, i + 1).replace(/[\u200e\u200f]/g, '');
      out.push([line, mark.getBoundingClientRect().x < letter.getBoundingClientRect().x
                      ? 'left' : 'right']);
    }
  }
  return out;
}
"""


async def test_each_line_of_a_message_keeps_its_own_direction_at_phone_width(
        browser, tmp_path: Path) -> None:
    """As in Telegram, each line is laid out in the direction of its own first letter.

    The page used to give a whole bubble one direction (``dir=auto``): the Arabic line of the
    four-language question then had its full stop on the right, and a typed Dutch line in an
    Arabic announcement read "!Hallo allemaal". At 360 px the clock button must not squeeze
    its label into a column that sticks out.
    """
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 360, 780)
        left = page.locator(".pane").nth(0)
        await left.locator(".persona").select_option("new")
        await left.locator(".new-name").fill("Rana")
        await left.locator(".new-lang").select_option("ar")
        await left.locator(".new-resident button[type=submit]").click()
        await left.get_by_role("button", name="START").click()
        question = left.locator(".msg.bot .bubble").last
        await expect(question).to_contain_text("اختر لغتك")
        sides = dict(await question.evaluate(_MARK_SIDES))
        assert sides["اختر لغتك."] == "left", sides  # right to left: the stop ends on the left
        assert sides["Kies uw taal."] == "right" and sides["Dilinizi seçin."] == "right", sides

        # A coordinator's typed Dutch line in the announcement Ahmed (Arabic) receives.
        carla = demo.sandbox.users[7001]
        carla.chat.skip_pending()
        await compose(carla, "Hallo allemaal!\nمرحبا بالجميع.",
                      audience="🌐 Mensen die één taal spreken", language="العربية")
        await carla.press("✅ Nu versturen")
        await left.locator(".persona").select_option("7004")  # Ahmed
        got = left.locator(".msg.bot .bubble", has_text="Hallo allemaal")
        await expect(got).to_have_count(1)
        sides = dict(await got.evaluate(_MARK_SIDES))
        assert sides["Hallo allemaal!"] == "right", sides  # not "!Hallo allemaal"
        assert sides["مرحبا بالجميع."] == "left", sides

        overflowing = await page.evaluate(
            "() => [...document.querySelectorAll('header button, header span')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
        assert overflowing == [], overflowing
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        assert errors == []


async def test_a_resident_on_whatsapp_is_drawn_whatsapp_style_next_to_the_volunteer(
        browser, tmp_path: Path) -> None:
    """Issue 14: the third pane is Henk on WhatsApp, drawn as WhatsApp (green header, beige
    chat, ticks, a list that opens a sheet of rows, reply buttons under a message); Vera
    confirms his dinner from Telegram in the pane next to it, and his tap on the reply
    button under the notice reaches the bot."""
    from bot.demo import HENK, whatsapp_available

    if not whatsapp_available():
        pytest.skip("this build has no WhatsApp channel")
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 1280, 800)
        vera, henk = page.locator(".pane").nth(1), page.locator(".pane").nth(2)
        await expect(henk.locator(".persona")).to_have_value(f"wa:{HENK}")
        await expect(henk).to_have_class(re.compile(r"\bwa\b"))
        await expect(henk.locator(".channel")).to_contain_text("📱 WhatsApp · +31 6 12345678")
        await expect(vera.locator(".channel")).to_contain_text("Telegram")
        head = await henk.locator(".pane-head").evaluate(
            "node => getComputedStyle(node).backgroundColor")
        chat = await henk.locator(".chat").evaluate(
            "node => getComputedStyle(node).backgroundColor")
        assert (head, chat) == ("rgb(0, 128, 105)", "rgb(239, 234, 226)")
        await expect(henk.locator(".menu-btn")).to_be_hidden()  # no command menu on WhatsApp
        # He has not written yet: WhatsApp's 24-hour window is closed (templates only).
        await expect(henk.locator(".wa-window")).to_contain_text("Venster dicht")

        # "Hoi": the menu comes as a list message; its button opens a sheet of rows.
        await henk.locator(".composer .text").fill("Hoi")
        await henk.locator(".composer .text").press("Enter")
        await expect(henk.locator(".msg.me .ticks.read")).to_have_count(1)
        await expect(henk.locator(".wa-window")).to_contain_text("Venster open tot di 09:00")
        await henk.locator(".msg.bot .wa-list-open").last.click()
        sheet = henk.locator(".wa-sheet")
        await expect(sheet).to_be_visible()
        await expect(sheet.locator(".send-row")).to_be_disabled()
        await sheet.locator("label.row", has_text="Eettafel").click()
        await sheet.locator(".send-row").click()
        await expect(sheet).to_be_hidden()
        await expect(henk.locator(".msg.me").last).to_contain_text("Eettafel")
        await expect(henk.locator(".msg.bot").last).to_contain_text("Eettafel in TOP")

        # Vera, on Telegram, sees Henk with the channel and confirms him.
        await vera.locator(".composer .text").fill("/tafel")
        await vera.locator(".composer .text").press("Enter")
        await expect(vera.locator(".msg.bot").last).to_contain_text("📱 WhatsApp")
        await vera.locator(".kb button", has_text="✅ Henk").click()
        notice = henk.locator(".msg.bot", has_text="is bevestigd")
        await expect(notice).to_have_count(1)
        reply = notice.locator(".wa-buttons .wa-reply")
        await expect(reply).to_have_count(1)
        title = (await reply.inner_text()).strip()
        bot_before = await henk.locator(".msg.bot").count()
        await reply.click()
        await expect(henk.locator(".msg.me").last).to_contain_text(title)
        await expect(henk.locator(".msg.bot")).to_have_count(bot_before + 1)
        tapped = demo.standin.people[HENK].sent[-1]
        assert tapped.payload["interactive"]["button_reply"]["title"] == title
        assert errors == []


async def test_a_new_resident_on_whatsapp_starts_with_hoi(browser, tmp_path: Path) -> None:
    """➕ New resident, channel WhatsApp: the chat is drawn WhatsApp-style, "👋 Hoi" starts
    it, the language question is a list whose sheet sends the chosen row."""
    from bot.demo import whatsapp_available

    if not whatsapp_available():
        pytest.skip("this build has no WhatsApp channel")
    expect = playwright_api.expect
    async with demo_session(tmp_path) as demo:
        page, errors = await _open(browser, demo.url, 390, 844)  # a phone
        pane = page.locator(".pane").nth(0)
        await pane.locator(".persona").select_option("new")
        await pane.locator(".new-channel").select_option("whatsapp")
        await expect(pane.locator(".new-lang")).to_be_hidden()
        await pane.locator(".new-name").fill("Joke")
        await pane.get_by_role("button", name="Maak aan").click()
        await expect(pane).to_have_class(re.compile(r"\bwa\b"))
        await expect(pane.locator(".channel")).to_contain_text("📱 WhatsApp · +31 6 ")
        await pane.get_by_role("button", name="👋 Hoi").click()
        await expect(pane.locator(".msg.bot").last).to_contain_text("Kies uw taal.")
        await pane.locator(".msg.bot .wa-list-open").last.click()
        await pane.locator(".wa-sheet label.row", has_text="Nederlands").click()
        await pane.locator(".wa-sheet .send-row").click()
        await expect(pane.locator(".msg.me").last).to_contain_text("Nederlands")
        await expect(pane.locator(".msg.bot").last).to_contain_text("Welke BuurtWerkKamer")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "nothing sticks out sideways on a phone"
        joke = next(p for p in demo.standin.people.values() if p.name == "Joke")
        assert [m.kind for m in joke.sent[:2]] == ["text", "interactive"]
        assert errors == []
