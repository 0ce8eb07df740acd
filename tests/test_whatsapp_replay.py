"""kill -9 after an answer went, before its update was marked handled (issue 14, wa-replay).

The inbox hands such an update to the handlers again at the next start. On Telegram the
repeated answer is mostly an edit of the same message (invisible); on WhatsApp every answer is
a new message. So each answer's message-map row keeps the update it answered and a digest of
what it showed, and a replay does not send again what went for that update: the person reads
each answer once. The kill is the project's hook on the stand-in's messages endpoint.
"""

from __future__ import annotations

from bot import request
from bot.messaging.message import OutMessage
from bot.sandbox.whatsapp.standin import KILL_SEND
from tests.auxil.outbox import until_killed
from tests.auxil.whatsapp import WaHarness, _first_choice


async def _onboard_to_the_name(wa: WaHarness):  # type: ignore[no-untyped-def]
    """A stranger up to the name question (the next tap, "Skip", answers four messages)."""
    from bot.i18n import LANGUAGES
    from tests.auxil.whatsapp import _choice_starting

    henk = wa.person("Henk")
    await henk.send("Hoi")
    await wa.settle()
    await henk.tap(LANGUAGES["nl"])
    await wa.settle()
    await henk.tap(_choice_starting(henk, wa.config.rooms["top"].name))
    await wa.settle()
    await henk.tap(_first_choice(henk))  # "I agree"
    await wa.settle()
    return henk


async def test_killed_after_an_answer_went_the_replay_does_not_send_it_again(
        wa: WaHarness) -> None:
    henk = await _onboard_to_the_name(wa)
    seen = len(henk.messages)
    wa.kill_at(method=KILL_SEND, n=2, delivered=False)  # the first answer went, then the kill
    await henk.tap(_first_choice(henk))  # "Skip" the name: welcome, menu, two questions
    await until_killed(wa, 10.0)
    assert [m.text for m in henk.messages[seen:]] == ["Welkom! Uw BuurtWerkKamer is TOP."]
    await wa.crash()  # a fresh bot on the same database: the tap is handled again
    await wa.settle()
    got = [m.text or "" for m in henk.messages[seen:]]
    assert got.count("Welkom! Uw BuurtWerkKamer is TOP.") == 1, got
    assert got[0] == "Welkom! Uw BuurtWerkKamer is TOP."
    assert len(got) == 4 and got[1] == "Wat wilt u doen?", got  # the rest went, once each
    assert await wa.db.fetchval(
        "SELECT COUNT(*) FROM inbox WHERE channel = 'whatsapp' AND state = 'received'") == 0
    person = await wa.wa_person(henk)
    assert person is not None
    # nothing of the content is kept: a digest and the update's key
    row = await wa.db.fetchone(
        "SELECT answer_to, digest FROM whatsapp_messages WHERE wa_id = ? ORDER BY id LIMIT 1",
        (henk.wa_id,))
    assert row[0].startswith("whatsapp:") and len(row[1]) == 64


async def test_the_same_answer_twice_goes_twice_except_in_a_replay(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    channel = wa.app.whatsapp
    seen = len(henk.messages)
    message = OutMessage("Tot dinsdag!", lang="nl")
    # an update that sends the same text twice (not a replay): both go
    request.watch(key=("whatsapp", "wamid.first"))
    one = await channel.send(henk.wa_id, message)
    two = await channel.send(henk.wa_id, message)
    assert one.message_ref != two.message_ref
    # that update handled again after a restart: the two that went count, a third goes
    request.watch(key=("whatsapp", "wamid.first"), replay=True)
    again = [await channel.send(henk.wa_id, message) for _ in range(3)]
    assert [r.message_ref for r in again[:2]] == [one.message_ref, two.message_ref]
    assert again[2].message_ref not in (one.message_ref, two.message_ref)
    # another update's replay, or another person, is not answered by these
    request.watch(key=("whatsapp", "wamid.other"), replay=True)
    other = await channel.send(henk.wa_id, message)
    assert other.message_ref not in {r.message_ref for r in again}
    # outside any update (a tick): nothing looked up, nothing recorded against an update
    request._current.set(None)
    await channel.send(henk.wa_id, message)
    await wa.settle()
    assert [m.text for m in henk.messages[seen:]] == ["Tot dinsdag!"] * 5
