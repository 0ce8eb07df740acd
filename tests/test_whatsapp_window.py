"""WhatsApp's 24-hour window for what the bot sends on its own (issue 14): free-form inside
the window, the kind's template outside it, the generic "you have a message" template with
Show, held rows released when the person writes, the 131047 path, expiry → unreachable
("to call"). Unit tier: in-memory database, frozen clock, a fake channel with Meta's rules."""

from __future__ import annotations

from datetime import timedelta

from bot.actions.checkins import CheckinAnswer
from bot.actions.meals import MealMySignup, MealOfferAccept, MealOfferReject
from bot.actions.whatsapp import WhatsAppShow
from bot.channels.whatsapp import templates, window
from bot.messaging.message import Attachment, Button, OutMessage
from bot.store import whatsapp_templates as template_store
from tests.auxil.whatsapp_e2e import dinner_tap
from tests.auxil.whatsapp_tpl import (
    advance,
    approve,
    enqueue,
    person,
    row,
    wa_unit,
    writes,
)

__all__ = ["wa_unit"]  # the fixture

WA = "31612345678"


def offer_message() -> OutMessage:
    return OutMessage(
        "Good news: a seat is free for you at the shared dinner on <b>Tuesday</b>.\n\n"
        "Do you want it?",
        ((Button("✅ Yes, I will come", MealOfferAccept(7)),),
         (Button("No, give it on", MealOfferReject(7)),)), lang="nl")


async def announce_to_a_closed_window(services, channel, message: OutMessage) -> None:
    """An announcement ``message`` to a person whose window is closed, with the
    announcement template and the general one approved in Dutch; delivered."""
    pid = await person(services, WA)
    await approve(services, channel, "buurtbot_announcement", "nl")
    await approve(services, channel, templates.GENERIC, "nl")
    await enqueue(services, pid, message, kind="announcement", priority=0)
    await services.outbox.deliver()


async def test_window_open_sends_free_form_and_no_template(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await writes(services, WA)
    row_id = await enqueue(services, pid, OutMessage("Hallo <b>Henk</b>", lang="nl"))
    await services.outbox.deliver()
    [sent] = channel.to(WA)
    assert sent.kind == "text" and sent.message.text == "Hallo <b>Henk</b>"
    done = await row(services, row_id)
    assert done.state == "sent" and done.template is None


async def test_window_closes_24_hours_after_the_last_message(wa_unit) -> None:
    services, _channel = wa_unit
    await person(services, WA)
    await writes(services, WA)
    advance(services, timedelta(hours=23))
    assert await window.is_open(services, WA)
    advance(services, timedelta(minutes=59))  # within the clock-skew margin: closed
    assert not await window.is_open(services, WA)
    # An older message delivered late does not shorten it.
    await writes(services, WA, at=services.clock.now() - timedelta(hours=30))
    assert not await window.is_open(services, WA)


async def test_closed_window_sends_the_kinds_template_with_the_same_action_ids(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA, name="Henk")
    await approve(services, channel, "buurtbot_meal_offer", "nl")
    row_id = await enqueue(services, pid, offer_message(), kind="meal.notice", ref="7",
                           params={"variant": "offer"})
    await services.outbox.deliver()
    [sent] = channel.to(WA)
    name, language, params, payloads = sent.template
    assert (name, language) == ("buurtbot_meal_offer", "nl")
    assert params[0] == "TOP"  # the room's name as {{1}}
    assert params[1] == ("Good news: a seat is free for you at the shared dinner on Tuesday. "
                         "Do you want it?")
    assert payloads == [MealOfferAccept(7).encode(), MealOfferReject(7).encode()]
    done = await row(services, row_id)
    assert done.state == "sent" and done.template == "buurtbot_meal_offer"


async def test_belronde_template_has_the_five_answers_as_quick_replies(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA, language="tr")
    await approve(services, channel, "buurtbot_belronde", "tr", "nl")
    buttons = tuple((Button(code, CheckinAnswer(3, code)),) for code in "gobcv")
    await enqueue(services, pid, OutMessage("Merhaba Henk! Bu hafta nasılsınız?", buttons,
                                            lang="tr"), kind="checkin.question", ref="3")
    await services.outbox.deliver()
    [sent] = channel.to(WA)
    name, language, params, payloads = sent.template
    assert (name, language) == ("buurtbot_belronde", "tr")
    assert params == ["TOP"]  # no name, no personal detail goes to Meta in the parameters
    assert payloads == [CheckinAnswer(3, c).encode() for c in "gobcv"]


async def test_language_fallback_only_to_an_approved_dutch_or_english(wa_unit) -> None:
    services, channel = wa_unit
    arabic = await person(services, "31600000001", language="ar")
    tigrinya = await person(services, "31600000002", language="ti")
    await approve(services, channel, "buurtbot_meal_reminder", "nl", "en")
    await enqueue(services, arabic, OutMessage("تذكير", lang="ar"), kind="meal.reminder")
    await enqueue(services, tigrinya, OutMessage("መዘኻኸሪ", lang="ti"), kind="meal.reminder")
    await services.outbox.deliver()
    assert channel.to("31600000001")[0].template[1] == "nl"
    assert channel.to("31600000002")[0].template[1] == "en"  # Meta has no Tigrinya


async def test_no_kind_template_sends_the_generic_one_and_holds_until_show(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await approve(services, channel, templates.GENERIC, "nl")
    row_id = await enqueue(services, pid, OutMessage("Uw hulpvraag is opgepakt.", lang="nl"),
                           kind="help.notice", expires_in=timedelta(days=2))
    await services.outbox.deliver()
    [teaser] = channel.to(WA)
    name, _language, params, payloads = teaser.template
    assert name == templates.GENERIC and params == ["TOP"]
    assert payloads == [WhatsAppShow(row_id).encode()]
    held = await row(services, row_id)
    assert held.state == "queued" and held.held == window.HELD_SHOW
    assert held.template == templates.GENERIC
    # Time passes: no second teaser, nothing free-form into a closed window.
    advance(services, timedelta(hours=6))
    await services.outbox.deliver()
    assert len(channel.to(WA)) == 1
    # The tap on Show is a message from them: the window opens, the row goes free-form.
    assert await writes(services, WA) == 1
    await services.outbox.deliver()
    assert [s.kind for s in channel.to(WA)] == ["template", "text"]
    assert channel.to(WA)[1].message.text == "Uw hulpvraag is opgepakt."
    assert (await row(services, row_id)).state == "sent"


async def test_a_photo_announcement_goes_as_the_generic_template(wa_unit) -> None:
    services, channel = wa_unit
    photo = Attachment("photo", media_id="abc")
    await announce_to_a_closed_window(services, channel, OutMessage("Feest!", attachment=photo))
    assert channel.to(WA)[0].template[0] == templates.GENERIC


async def test_nothing_approved_holds_then_the_person_writes(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    row_id = await enqueue(services, pid, OutMessage("Herinnering", lang="nl"),
                           kind="meal.reminder", expires_in=timedelta(hours=10))
    await services.outbox.deliver()
    assert channel.sent == []  # nothing Meta would refuse
    held = await row(services, row_id)
    assert held.state == "queued" and held.held == window.HELD_TEMPLATE
    assert held.attempts == 0
    await writes(services, WA)
    await services.outbox.deliver()
    [sent] = channel.to(WA)
    assert sent.kind == "text" and sent.message.text == "Herinnering"


async def test_held_rows_go_when_a_template_is_approved_later(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await enqueue(services, pid, OutMessage("Herinnering", lang="nl"), kind="meal.reminder",
                  expires_in=timedelta(hours=10))
    await services.outbox.deliver()
    assert channel.sent == []
    channel.meta_approved.add(("buurtbot_meal_reminder", "nl"))
    rows = [templates.Row("buurtbot_meal_reminder", "nl", "UTILITY", "APPROVED", None, "", ())]
    assert await templates.store_rows(services, rows) == 1
    await services.outbox.deliver()
    assert channel.to(WA)[0].template[0] == "buurtbot_meal_reminder"


async def test_131047_means_closed_after_all_and_a_template_goes(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await writes(services, WA)
    channel.meta_window[WA] = False  # Meta's clock says the window is closed
    await approve(services, channel, "buurtbot_meal_reminder", "nl")
    row_id = await enqueue(services, pid, OutMessage("Herinnering", lang="nl"),
                           kind="meal.reminder")
    await services.outbox.deliver()
    [sent] = channel.to(WA)
    assert sent.template[0] == "buurtbot_meal_reminder"
    assert (await row(services, row_id)).state == "sent"
    assert not await window.is_open(services, WA)  # we believe Meta from now on


async def test_a_paused_template_is_marked_and_not_used_again(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await approve(services, channel, "buurtbot_meal_reminder", "nl")
    await approve(services, channel, templates.GENERIC, "nl")
    channel.fail_template["buurtbot_meal_reminder"] = 132015
    row_id = await enqueue(services, pid, OutMessage("Herinnering", lang="nl"),
                           kind="meal.reminder", expires_in=timedelta(hours=10))
    await services.outbox.deliver()
    await services.outbox.deliver()  # the row goes again at once, now as the generic one
    async with services.db.reading() as conn:
        status = await template_store.get(conn, "buurtbot_meal_reminder", "nl")
    assert status is not None and status.status == "PAUSED" and not status.usable
    assert [s.template[0] for s in channel.to(WA)] == [templates.GENERIC]
    assert (await row(services, row_id)).attempts == 0


async def test_expiry_while_held_ends_unreachable_for_the_to_call_list(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    ended: list[str] = []

    async def on_final(app, row_, state) -> None:  # type: ignore[no-untyped-def]
        ended.append(state)

    services.outbox.on_final("checkin.question")(on_final)
    buttons = tuple((Button(code, CheckinAnswer(4, code)),) for code in "gobcv")
    row_id = await enqueue(services, pid, OutMessage("Hoe gaat het?", buttons, lang="nl"),
                           kind="checkin.question", ref="4", expires_in=timedelta(hours=8))
    await services.outbox.deliver()
    held = await row(services, row_id)
    assert held.state == "queued"
    assert held.next_at == services.clock.now() + timedelta(hours=8) - window.GRACE
    advance(services, timedelta(hours=8) - window.GRACE)  # the sender wakes then
    await services.outbox.deliver()
    done = await row(services, row_id)
    # As for a Telegram person who blocked the bot: the belronde's settle() puts a row that
    # ended 'unreachable' on the "to call" list.
    assert done.state == "unreachable" and ended == ["unreachable"]
    assert channel.sent == []
    # The WhatsApp address itself stays: the next message may reach them in a window.
    person_row = await services.users.by_id(pid)
    assert person_row is not None and person_row.address("whatsapp") is not None


async def test_a_teaser_nobody_taps_ends_unreachable_at_expiry(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    await approve(services, channel, templates.GENERIC, "nl")
    row_id = await enqueue(services, pid, OutMessage("Nieuws", ((Button(
        "Mijn aanmelding", MealMySignup(1)),),), lang="nl"), kind="help.notice",
        expires_in=timedelta(hours=5))
    await services.outbox.deliver()
    advance(services, timedelta(hours=5))
    await services.outbox.deliver()
    assert (await row(services, row_id)).state == "unreachable"
    assert len(channel.to(WA)) == 1  # the one teaser, nothing else


async def test_a_free_form_text_too_long_for_a_template_is_not_cut(wa_unit) -> None:
    services, channel = wa_unit
    long_text = "Beste buren, " + "dit is een lang bericht. " * 60
    await announce_to_a_closed_window(services, channel, OutMessage(long_text))
    assert channel.to(WA)[0].template[0] == templates.GENERIC


async def test_a_held_row_past_its_expiry_after_downtime_is_unreachable_too(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    row_id = await enqueue(services, pid, OutMessage("Herinnering", lang="nl"),
                           kind="meal.reminder", expires_in=timedelta(hours=3))
    await services.outbox.deliver()
    advance(services, timedelta(days=1))  # the bot was down when the sender should wake
    await services.outbox.deliver()
    assert (await row(services, row_id)).state == "unreachable"
    assert channel.sent == []


async def test_a_row_not_held_still_just_expires(wa_unit) -> None:
    services, _channel = wa_unit
    pid = await person(services, WA)
    await writes(services, WA)
    row_id = await enqueue(services, pid, OutMessage("x"), expires_in=timedelta(hours=1))
    advance(services, timedelta(hours=2))
    await services.outbox.deliver()
    assert (await row(services, row_id)).state == "expired"


async def test_the_window_is_24_real_hours_across_the_dst_change(wa_unit) -> None:
    from datetime import datetime

    from bot.clock import TZ

    services, _channel = wa_unit
    await person(services, WA)
    services.clock.set(datetime(2027, 3, 27, 12, 0, tzinfo=TZ))  # type: ignore[attr-defined]
    await writes(services, WA)
    # The clocks went forward that night: 12:30 on Sunday is only 23.5 hours later.
    services.clock.set(datetime(2027, 3, 28, 12, 30, tzinfo=TZ))  # type: ignore[attr-defined]
    assert await window.is_open(services, WA)
    services.clock.set(datetime(2027, 3, 28, 13, 0, tzinfo=TZ))  # type: ignore[attr-defined]
    assert not await window.is_open(services, WA)


# --- end to end: the belronde through the stand-in (tests/auxil/whatsapp.py) ----------------


async def belronde_next_week(wa):  # type: ignore[no-untyped-def]
    from tests.auxil.checkins import MONDAY_10

    henk = await wa.resident("Henk", room="top")
    await wa.services.checkins.opt_in(await wa.wa_person(henk))
    await templates.create_missing(wa.app)
    return henk, MONDAY_10 + timedelta(days=7)  # a week on: his window is closed


async def test_belronde_outside_the_window_is_a_template_with_one_tap_answers(wa) -> None:
    from tests.auxil.checkins import ANSWERS

    henk, monday = await belronde_next_week(wa)
    wa.standin.approve("buurtbot_belronde", "nl")
    await templates.sync(wa.app)
    await wa.tick(at=monday)
    await wa.settle()
    question = henk.last
    assert question.kind == "template" and question.template.name == "buurtbot_belronde"
    assert question.buttons == ANSWERS
    await henk.tap("Goed 😊")
    await wa.settle()
    async with wa.services.db.reading() as conn:
        status = await conn.execute_fetchall(
            "SELECT status, answer FROM checkins ORDER BY id DESC LIMIT 1")
    assert tuple(status[0]) == ("answered", "good")


async def test_belronde_with_nothing_approved_puts_them_on_the_to_call_list(wa) -> None:
    from bot.store import checkins as checkin_store
    from tests.auxil.checkins import QUESTION

    henk, monday = await belronde_next_week(wa)
    await wa.tick(at=monday)
    await wa.settle()
    assert not any(QUESTION in (m.text or "") for m in henk.drain())
    await wa.tick(at=monday.replace(hour=21, minute=30))  # the evening: the question ends
    await wa.settle()
    person = await wa.wa_person(henk)
    async with wa.services.db.reading() as conn:
        assert await checkin_store.has_open_unreachable(conn, person.id)


async def test_writing_does_not_bring_a_planned_message_forward(wa_unit) -> None:
    services, channel = wa_unit
    pid = await person(services, WA)
    later = services.clock.now() + timedelta(hours=5)
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, to=pid, kind="meal.reminder", ref="1",
                                      message=OutMessage("Straks"), not_before=later)
    assert await writes(services, WA) == 0
    await services.outbox.deliver()
    assert channel.sent == []
    advance(services, timedelta(hours=5))
    await services.outbox.deliver()
    assert channel.to(WA)[0].kind == "text"  # his window is still open then


async def test_a_person_who_just_registered_by_writing_has_an_open_window(wa_unit) -> None:
    services, _channel = wa_unit
    await person(services, WA, just_now=True)  # made by their message (onboarding)
    assert await window.is_open(services, WA)
    advance(services, timedelta(hours=24))
    assert not await window.is_open(services, WA)


async def test_a_late_window_closed_status_sends_the_notice_as_a_template(wa) -> None:
    """Meta accepts a free-form notice, then reports it failed with 131047 (the window had
    closed after all: its clock and ours differ). The row kept what it is rendered from
    until delivered, so it goes again — as the kind's template — and Henk gets it; once
    delivered, nothing of it is kept."""
    from tests.auxil.meals import first_meal

    vera = await wa.volunteer("Vera")
    henk = await wa.resident("Henk")
    await templates.create_missing(wa.app)
    wa.standin.approve("buurtbot_meal_confirmed", "nl")
    wa.standin.approve(templates.GENERIC, "nl")
    await templates.sync(wa.app)
    meal = (await first_meal(wa)).meal
    await dinner_tap(wa, henk)
    henk.drain()
    await vera.send("/tafel")
    await vera.next_message()
    # Meta's clock: his window closed a moment ago; ours still says open
    wa.standin.window_failure = "status"
    henk.close_window()
    signup = await wa.db.fetchval("SELECT id FROM meal_signups WHERE meal_id = ?", (meal.id,))
    await vera.press_data(f"meal:ok:{signup}")
    await wa.settle()
    refused = [m for m in wa.standin.sent if m.wa_id == henk.wa_id and m.status == "failed"]
    assert refused and refused[-1].error_code == window.WINDOW_CLOSED
    got = henk.drain()
    if got and got[-1].template is not None and got[-1].template.name == templates.GENERIC:
        await henk.tap("Tonen")  # the teaser: the notice follows the tap
        await wa.settle()
        got += henk.drain()
    assert [m for m in got if "bevestigd" in (m.text or "")], got
    [row] = [r for r in await wa.services.outbox.rows("meal.notice")
             if r.address == henk.wa_id]
    assert row.state == "sent" and row.template is not None
    assert row.params is None and row.message is None  # delivered: nothing kept
    # and his window is closed for the bot too: nothing free-form goes to him now
    assert not await window.is_open(wa.services, henk.wa_id)
