"""Polish of the WhatsApp channel (issue 14): the erasure leaves no number behind, each
channel its own pacing default, the report and preview lines, the belronde list, a photo
Meta no longer has."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.whatsapp import ids
from bot.i18n import translator
from tests.auxil.announcements import compose
from tests.auxil.whatsapp_e2e import approve_template, not_so_good


def wa_texts(person) -> list[str]:
    return [m.text or "" for m in person.drain()]


async def _tables_holding(wa, needles: list[str]) -> list[str]:
    """Every ``table.column`` whose value holds one of ``needles`` (as text)."""
    found = []
    async with wa.db.reading() as conn:
        cursor = await conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [r[0] for r in await cursor.fetchall()]
        for table in tables:
            cursor = await conn.execute(f"PRAGMA table_info({table})")
            columns = [r[1] for r in await cursor.fetchall()]
            for column in columns:
                for needle in needles:
                    cursor = await conn.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE ?",
                        (f"%{needle}%",))
                    if (await cursor.fetchone())[0]:
                        found.append(f"{table}.{column}")
    return found


async def test_erase_on_whatsapp_leaves_no_row_with_the_number(wa) -> None:
    henk = await wa.resident("Henk")
    await henk.send("eten")
    await wa.settle()
    await henk.send("vergeetmij")
    await wa.settle()
    await henk.tap("Ja, wis alles")
    await wa.settle()
    assert any("gewist" in t for t in wa_texts(henk))  # the goodbye did go out
    # The inbox keeps what came in for a day, as for Telegram (a handled row has no payload);
    # nothing else anywhere holds the number or the chat id made from it.
    needles = [henk.wa_id, str(ids.chat_id(henk.wa_id))]
    assert [place for place in await _tables_holding(wa, needles)
            if not place.startswith("inbox.")] == []
    for sql in ("SELECT COUNT(*) FROM whatsapp_messages WHERE wa_id = ?",
                "SELECT COUNT(*) FROM addresses WHERE address = ?",
                "SELECT COUNT(*) FROM outbox WHERE address = ?"):
        assert await wa.db.fetchval(sql, (henk.wa_id,)) == 0, sql
    assert await wa.db.fetchval(
        "SELECT COUNT(*) FROM inbox WHERE payload LIKE ? AND state != 'received'",
        (f"%{henk.wa_id}%",)) == 0


async def test_erase_on_telegram_leaves_no_row_with_the_id(wa) -> None:
    """What the Telegram erasure leaves, for comparison: the same nothing."""
    fatima = await wa.telegram_resident("Fatima")
    await fatima.send("/vergeetmij")
    await fatima.next_message()
    await fatima.press("Ja, wis alles")
    await fatima.next_edit()
    await wa.settle()
    assert [place for place in await _tables_holding(wa, [str(fatima.id)])
            if not place.startswith("inbox.")] == []


async def test_outbox_set_speed_gives_each_channel_its_own_default(wa) -> None:
    outbox = wa.services.outbox
    telegram, whatsapp = outbox.channels["telegram"], outbox.channels["whatsapp"]
    outbox.set_speed(scale=20)
    assert telegram.pacer.per_second == 29.0 and telegram.pacer.scale == 20
    per_second = wa.config.whatsapp.messages_per_second
    assert whatsapp.pacer.per_second == per_second - 1  # one slot kept for the answers
    assert whatsapp.pacer.scale == 20
    outbox.set_speed(200.0, 1.0)  # explicit: every channel exactly that
    assert telegram.pacer.per_second == 200.0
    assert whatsapp.pacer.per_second == 199.0


async def test_the_preview_says_tigrinya_readers_get_the_english_template(wa, clock) -> None:
    await wa.resident("Tesfay", room="top", language="ti")
    await wa.resident("Henk", room="top")
    carla = await wa.coordinator()
    await approve_template(wa, "buurtbot_announcement")
    clock.advance(timedelta(hours=25))  # both windows closed
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    assert "📱 Tigrinya-lezers krijgen het in het Engels" in question.text, question.text
    english = translator("en")._(
        "📱 Tigrinya readers get it in English: WhatsApp has no Tigrinya templates.")
    assert english.count("\n") == 0


async def test_the_preview_says_nothing_of_tigrinya_for_dutch_readers(wa, clock) -> None:
    await wa.resident("Henk", room="top")
    carla = await wa.coordinator()
    await approve_template(wa, "buurtbot_announcement")
    clock.advance(timedelta(hours=25))
    question = await compose(carla, "Zaterdag is er open huis. Welkom!")
    assert "sjabloonbericht" in question.text and "Tigrinya" not in question.text


def test_the_report_line_names_no_channel() -> None:
    for language in ("nl", "en", "ar", "tr", "ti", "uk", "pl"):
        line = translator(language)._("📵 Left the app or unreachable before: {n}")
        assert "Telegram" not in line and "{n}" in line, (language, line)
        if language != "en":
            assert line != "📵 Left the app or unreachable before: {n}"


async def test_the_belronde_list_separates_language_and_whatsapp_number(wa) -> None:
    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await not_so_good(wa, vera, henk)
    vera.chat.skip_pending()
    await vera.send("/belronde")
    listing = await vera.next_message()
    assert "Spreekt Nederlands · WhatsApp-nummer: " in listing.text, listing.text
    assert "NederlandsWhatsApp" not in listing.text and "Nederlands WhatsApp" not in listing.text


async def test_a_photo_whatsapp_no_longer_has_is_named_to_the_volunteer(wa) -> None:
    from tests.test_whatsapp_resident_flows import ask_help_with, telegram_uploads

    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    request_id = await ask_help_with(wa, henk, "photo")
    await wa.settle()
    wa.standin.media.clear()  # Meta no longer has it (30 days, or deleted)
    await vera.press_data(f"help:take:{request_id}")
    await wa.settle()
    assert not telegram_uploads(wa, vera.id, "sendPhoto")
    line = "De foto kon niet meer worden opgehaald"
    told = [m for m in vera.bot_messages if line in (m.text or "")]
    assert len(told) == 1, [m.text for m in vera.bot_messages][-5:]
    assert await wa.db.fetchval("SELECT status FROM help_requests WHERE id = ?",
                                (request_id,)) == "taken"
