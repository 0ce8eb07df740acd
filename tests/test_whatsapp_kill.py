"""kill -9 in the middle of a WhatsApp message in several parts (issue 14, wa-fix).

A long text goes as several WhatsApp messages. The parts Meta accepted are written on the
outbox row as each is accepted, so after a kill between two parts the restarted bot sends
only the parts still missing: nobody reads the first part twice, nothing is lost.
The kill is the project's hook (``BotHarness.kill_at``) on the stand-in's messages endpoint.
"""

from __future__ import annotations

from bot.messaging.message import OutMessage
from bot.sandbox.whatsapp.standin import KILL_SEND
from bot.store import outbox as outbox_store
from tests.auxil.outbox import until_killed
from tests.auxil.whatsapp import WaHarness

FIRST = "Eerste deel. " + "Dit is een lange brief van de gemeente. " * 60
SECOND = "Tweede deel. " + "Wat u moet doen staat hieronder. " * 60
THIRD = "Derde deel: kom dinsdag langs in de BuurtWerkKamer."


async def queue_long(wa: WaHarness, person_id: int) -> int:
    text = f"{FIRST.strip()}\n\n{SECOND.strip()}\n\n{THIRD}"
    assert len(text) > 4096  # WhatsApp's limit: several messages
    async with wa.services.db.transaction() as conn:
        row_id = await wa.services.outbox.enqueue(
            conn, to=person_id, kind="help.notice", ref="1",
            message=OutMessage(text, lang="nl"))
    assert row_id is not None
    return row_id


async def test_a_kill_between_two_parts_sends_only_the_missing_parts(wa: WaHarness) -> None:
    henk = await wa.resident("Henk")
    person = await wa.wa_person(henk)
    seen = len(henk.messages)
    wa.kill_at(method=KILL_SEND, n=2, delivered=False)  # dies as the second part goes out
    row_id = await queue_long(wa, person.id)
    wa.services.outbox.wake()
    await until_killed(wa, 10.0)
    assert [m.text.split(".")[0] for m in henk.messages[seen:]] == ["Eerste deel"]
    await wa.crash()  # a fresh bot on the same database
    await wa.settle()
    got = henk.messages[seen:]
    assert [m.text.split(".")[0] for m in got] == ["Eerste deel", "Tweede deel"]  # once each
    assert THIRD in got[-1].text
    row = await wa.services.db.run(outbox_store.get, row_id)
    assert row.state == "sent" and row.parts is None  # the note goes once it is sent
    assert row.provider_ref == henk.messages[-1].wamid
