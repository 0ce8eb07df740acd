"""WhatsApp templates (issue 14): the shipped definitions are complete in every language and
keep Meta's rules; parameters are sanitised; create and sync against the stand-in; and end
to end, a resident outside the window gets the template, inside it the normal message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.channels.whatsapp import ids, templates, window
from bot.i18n import LANGUAGES
from bot.messaging.message import OutMessage
from bot.store import outbox as outbox_store
from bot.store import whatsapp_templates as template_store

_VAR = re.compile(r"\{\{(\d+)\}\}")
_ISOLATES = "\u2066\u2067\u2068\u2069"


def test_every_kind_the_issue_names_has_its_template() -> None:
    kinds = {kind for d in templates.definitions() for kind in d.kinds}
    assert {"checkin.question", "meal.reminder", "meal.notice:offer", "meal.notice:confirmed",
            "meal.notice:cancelled", "announcement", "survey"} <= kinds
    assert templates.by_name(templates.GENERIC) is not None
    assert templates.for_kind("meal.notice", "offer").name == "buurtbot_meal_offer"
    assert templates.for_kind("meal.notice", "declined") is None  # → the generic one
    names = [d.name for d in templates.definitions()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]{1,512}", n) for n in names)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_bodies_and_buttons_in_every_language_keep_metas_rules(language: str) -> None:
    for defn in templates.definitions():
        text = templates.body(defn, language)
        if language != "en":
            assert text != templates.body(defn, "en"), (defn.name, language)
        found = [int(n) for n in _VAR.findall(text)]
        assert found == list(range(1, len(defn.params) + 1)), (defn.name, language, text)
        bare = text.strip(_ISOLATES + " .،。።!")
        assert not bare.startswith("{{") and not bare.endswith("}}"), (defn.name, language)
        assert len(text) + templates.MAX_SUMMARY + 60 <= templates.MAX_BODY
        assert "\n" not in text and "{room}" not in text and "{summary}" not in text
        labels = templates.buttons(defn, language)
        assert len(labels) == len(defn.buttons) <= 10
        assert all(1 <= len(label) <= templates.MAX_BUTTON for label in labels), labels
        assert len(set(labels)) == len(labels)


def test_meta_language_codes_and_the_tigrinya_fallback() -> None:
    assert templates.languages() == ["ar", "en", "nl", "pl", "tr", "uk"]
    assert templates.meta_language("ti") == "en"
    assert templates.meta_language("ar") == "ar"
    assert templates.meta_language(None) == "nl"


def test_parameters_are_sanitised_as_meta_demands() -> None:
    raw = "<b>Eettafel</b> op\tdinsdag\n\n1 december:    18:00 &amp; gezellig\u200f"
    assert templates.sanitise(raw) == "Eettafel op dinsdag 1 december: 18:00 & gezellig"
    long = "woord " * 400
    cut = templates.sanitise(long)
    assert len(cut) <= templates.MAX_SUMMARY and cut.endswith("…")
    assert "    " not in cut and "\n" not in cut
    defn = templates.by_name("buurtbot_meal_reminder")
    assert templates.body_params(defn, "TOP\n", "a\nb") == ["TOP", "a b"]


def test_payload_for_create() -> None:
    defn = templates.by_name("buurtbot_belronde")
    payload = templates.payload_for_create(defn, "nl")
    assert payload["name"] == "buurtbot_belronde" and payload["language"] == "nl"
    assert payload["category"] == "UTILITY"
    body, buttons = payload["components"]
    assert body["type"] == "BODY" and "{{1}}" in body["text"]
    assert body["example"] == {"body_text": [["TOP"]]}
    assert [b["text"] for b in buttons["buttons"]] == [
        "Goed 😊", "Gaat wel 😐", "Niet zo goed 😟", "Bel me even 📞", "Ik kom langs 🚶"]
    assert all(b["type"] == "QUICK_REPLY" for b in buttons["buttons"])
    announcement = templates.payload_for_create(templates.by_name("buurtbot_announcement"),
                                                "ar")
    assert announcement["category"] == "MARKETING"
    assert len(announcement["components"][0]["example"]["body_text"][0]) == 2


# --- against the stand-in (the real bot, tests/auxil/whatsapp.py) ---------------------------


async def statuses(wa) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    async with wa.services.db.reading() as conn:
        return {(s.name, s.language): s.status
                for s in await template_store.all_statuses(conn)}


async def test_create_missing_then_sync_against_the_standin(wa) -> None:
    created = await templates.create_missing(wa.app)
    total = len(templates.definitions()) * len(templates.languages())
    assert len(created) == total and all(r == "PENDING" for _n, _l, r in created), created
    assert await templates.create_missing(wa.app) == []  # nothing twice
    found = await statuses(wa)
    assert set(found.values()) == {"PENDING"} and len(found) == total
    wa.standin.approve("buurtbot_meal_reminder")
    wa.standin.reject("buurtbot_announcement", "nl")
    rows = await templates.sync(wa.app)
    by = {(r.name, r.language): r for r in rows}
    assert by[("buurtbot_meal_reminder", "ar")].status == "APPROVED"
    assert by[("buurtbot_announcement", "nl")].status == "REJECTED"
    assert by[("buurtbot_announcement", "nl")].reason
    found = await statuses(wa)
    assert found[("buurtbot_meal_reminder", "nl")] == "APPROVED"
    assert found[("buurtbot_announcement", "nl")] == "REJECTED"
    # The CLI's call (settings only, another process): the same table, nothing stored.
    rows = await templates.sync(wa.config.whatsapp)
    assert len(rows) == total


async def test_a_template_missing_in_the_account_is_missing(wa) -> None:
    rows = await templates.sync(wa.app)
    assert {r.status for r in rows} == {"MISSING"}


async def queue(wa, person, text: str, kind: str = "meal.reminder",  # type: ignore[no-untyped-def]
                ref: str = "1", expires: timedelta | None = None) -> int:
    found = await wa.wa_person(person)
    now = wa.services.clock.now()
    async with wa.services.db.transaction() as conn:
        row_id = await wa.services.outbox.enqueue(
            conn, to=found.id, kind=kind, ref=ref, message=OutMessage(text, lang="nl"),
            expires_at=now + expires if expires else None)
    assert row_id is not None
    return row_id


async def test_end_to_end_free_form_in_the_window_template_outside_it(wa, clock) -> None:
    henk = await wa.resident("Henk", room="top")
    await templates.create_missing(wa.app)
    wa.standin.approve("buurtbot_meal_reminder", "nl")
    await templates.sync(wa.app)
    await queue(wa, henk, "Herinnering: vandaag is de eettafel.", ref="1")
    await wa.settle()
    assert henk.last.kind == "text" and "vandaag is de eettafel" in henk.last.text
    clock.advance(timedelta(hours=25))
    assert not henk.window_open
    await queue(wa, henk, "Herinnering: morgen weer eettafel.", ref="2")
    await wa.settle()
    last = henk.last
    assert last.kind == "template", last
    assert last.template.name == "buurtbot_meal_reminder"
    assert "morgen weer eettafel" in last.text and "TOP" in last.text
    sent = [r for r in await wa.services.outbox.rows("meal.reminder") if r.ref == "2"]
    assert sent[0].state == "sent" and sent[0].template == "buurtbot_meal_reminder"


async def test_end_to_end_generic_template_show_releases_the_message(wa, clock) -> None:
    henk = await wa.resident("Henk", room="top")
    await templates.create_missing(wa.app)
    wa.standin.approve(templates.GENERIC, "nl")
    await templates.sync(wa.app)
    clock.advance(timedelta(hours=25))
    row_id = await queue(wa, henk, "Uw hulpvraag is opgepakt door Vera.", kind="help.notice",
                         expires=timedelta(days=2))
    await wa.settle()
    teaser = henk.last
    assert teaser.kind == "template" and teaser.template.name == templates.GENERIC
    assert "Vera" not in teaser.text  # nothing personal in the paid teaser
    assert (await wa.services.outbox.rows("help.notice"))[0].held == window.HELD_SHOW
    henk.drain()
    await henk.tap("Tonen")
    await wa.settle()
    shown = henk.drain()
    assert any("opgepakt door Vera" in (m.text or "") for m in shown), shown
    assert not any("niet meer" in (m.text or "") for m in shown)
    done = await wa.services.db.run(outbox_store.get, row_id)
    assert done.state == "sent"


async def test_end_to_end_nothing_approved_holds_until_the_person_writes(wa, clock) -> None:
    henk = await wa.resident("Henk", room="top")
    clock.advance(timedelta(hours=25))
    await queue(wa, henk, "Herinnering: vandaag is de eettafel.", expires=timedelta(hours=10))
    await wa.settle()
    assert henk.drain() == []  # nothing Meta would refuse
    assert not [m for m in wa.standin.sent if m.wa_id == henk.wa_id
                and "vandaag is de eettafel" in (m.text or "")]
    await henk.send("menu")
    await wa.settle()
    assert any("vandaag is de eettafel" in (m.text or "") for m in henk.drain())
    person = await wa.wa_person(henk)
    assert person.address("whatsapp").window_until is not None
    assert ids.is_whatsapp(ids.chat_id(henk.wa_id))


async def test_the_tick_syncs_hourly_while_in_review_then_daily(wa, clock) -> None:
    await templates.create_missing(wa.app)  # all PENDING
    wa.standin.approve(templates.GENERIC)
    await wa.tick()
    found = await statuses(wa)
    assert found[(templates.GENERIC, "nl")] == "APPROVED"
    for defn in templates.definitions():
        if defn.name != templates.GENERIC:
            wa.standin.approve(defn.name)
    await wa.tick()  # the same hour: not asked again
    assert (await statuses(wa))[("buurtbot_belronde", "nl")] == "PENDING"
    clock.advance(timedelta(hours=1))
    await wa.tick()
    assert set((await statuses(wa)).values()) == {"APPROVED"}
    clock.advance(timedelta(hours=1))
    await wa.tick()  # settled now: today's daily sync
    wa.standin.pause("buurtbot_belronde")
    clock.advance(timedelta(hours=1))
    await wa.tick()  # settled: once a day only
    assert (await statuses(wa))[("buurtbot_belronde", "nl")] == "APPROVED"
    clock.advance(timedelta(days=1))
    await wa.tick()
    assert (await statuses(wa))[("buurtbot_belronde", "nl")] == "PAUSED"


async def test_a_status_update_webhook_is_stored_at_once(wa) -> None:
    value = {"event": "APPROVED", "message_template_name": "buurtbot_meal_offer",
             "message_template_language": "uk", "reason": "NONE"}
    assert await templates.status_update(wa.services, value)
    assert (await statuses(wa))[("buurtbot_meal_offer", "uk")] == "APPROVED"
    assert not await templates.status_update(wa.services, {**value, "message_template_name":
                                                           "someone_elses"})
