"""Coordinators invite volunteers (single-use deep links) and list or remove them."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.actions import Action
from bot.actions import volunteers as act
from bot.actions.hours import VolunteerOpen
from bot.actions.menu import MenuVolunteers
from bot.context import BotContext
from bot.handlers.commands import set_person_commands
from bot.handlers.common import kb, one_per_row, reply, requires, stale_button
from bot.handlers.people_labels import badge, on_whatsapp
from bot.handlers.routing import on
from bot.messaging.message import OutMessage
from bot.services.users import COORDINATOR


def _label(t, person) -> str:
    if person.name:
        return escape(person.name)
    return t._("volunteer {number}").format(number=person.id)


def _room_buttons(context: BotContext) -> list[tuple[str, Action]]:
    return [(room.name, act.CreateInvite(room.id))
            for room in context.services.config.rooms.values()]


@requires(COORDINATOR)
async def ask_invite_room(update: Update, context: BotContext) -> None:
    await reply(
        update,
        context,
        context.t._("For which BuurtWerkKamer is the new volunteer?"),
        one_per_row(_room_buttons(context)),
        edit=update.callback_query is not None,
    )


async def create_invite(update: Update, context: BotContext, chosen: act.CreateInvite) -> None:
    config = context.services.config
    if chosen.room not in config.rooms:  # a room no longer in the config
        await stale_button(update, context)
        return
    t = context.t
    code = await context.services.users.create_invite(context.person, chosen.room)  # type: ignore[arg-type]
    valid_until = context.services.clock.now().date() + timedelta(days=config.invite_valid_days)
    link = f"https://t.me/{context.bot.username}?start=inv_{code}"
    await reply(
        update,
        context,
        t._("Send this link to the new volunteer of {room}. It works once, until {date}:").format(
            room=config.rooms[chosen.room].name, date=t.date(valid_until)
        )
        + f"\n\n{link}",
    )


@requires(COORDINATOR)
async def list_volunteers(update: Update, context: BotContext) -> None:
    t = context.t
    person = context.person
    assert person is not None
    rooms = context.services.config.rooms
    lines: list[str] = []
    buttons: list[tuple[str, str | Action]] = []
    for room in rooms.values():
        volunteers = await context.services.users.volunteers(room.id)
        lines.append(f"<b>{room.name}</b>: " + (
            t.ngettext("{n} volunteer", "{n} volunteers", len(volunteers)).format(
                n=len(volunteers))))
        for volunteer in volunteers:
            label = _label(t, volunteer)
            lines.append(f"• {label}{badge(t, on_whatsapp(volunteer.addresses))}")
            # Keyholder mark and groups: bot/handlers/volunteer_work.py.
            buttons.append((t._("🔑 Keyholder and groups: {name}").format(name=label),
                            VolunteerOpen(volunteer.id)))
            buttons.append((t._("Remove {name}").format(name=label),
                            act.AskRemove(volunteer.id)))
    buttons.append((t._("➕ Invite a volunteer"), act.AskInviteRoom()))
    await reply(update, context, "\n".join(lines), one_per_row(buttons),
                edit=update.callback_query is not None)


async def confirm_remove(update: Update, context: BotContext, pressed: act.AskRemove) -> None:
    target = await context.services.users.by_id(pressed.volunteer_id)
    if target is None or target.role != "volunteer":
        await stale_button(update, context)
        return
    t = context.t
    label = _label(t, target)
    await reply(
        update,
        context,
        t._("Remove {name} as a volunteer? They stay a resident.").format(name=label),
        kb([[(t._("Yes, remove"), act.ConfirmRemove(target.id))],
            [(t._("No"), MenuVolunteers())]]),
    )


#: The outbox kind telling a volunteer they were removed (written with the role change).
REMOVED = "volunteers.removed"


async def remove(update: Update, context: BotContext, pressed: act.ConfirmRemove) -> None:
    outbox = context.services.outbox

    async def tell(conn, person) -> None:  # in the transaction of the role change
        await outbox.enqueue(conn, to=person.id, kind=REMOVED, ref=person.id,
                             dedupe=context.services.clock.now().isoformat(), params={})

    removed = await context.services.users.remove_volunteer(
        context.person, pressed.volunteer_id, then=tell)  # type: ignore[arg-type]
    if removed is None:
        await stale_button(update, context)
        return
    await set_person_commands(context.application, removed)
    await outbox.deliver()
    await reply(update, context, context.t._("Done. They are no longer a volunteer."))


def render_removed(app, row, t) -> OutMessage:
    return OutMessage(t._("You are no longer a volunteer in the bot. Thank you for all your "
                          "help!"), lang=t.language)


def register(app: Application) -> None:
    app.services.outbox.renderer(REMOVED)(render_removed)  # type: ignore[attr-defined]
    app.add_handler(CommandHandler("uitnodigen", ask_invite_room))
    app.add_handler(on(act.AskInviteRoom, lambda u, c, _a: ask_invite_room(u, c)))
    app.add_handler(on(act.CreateInvite, create_invite, role=COORDINATOR))
    app.add_handler(CommandHandler("vrijwilligers", list_volunteers))
    # The main menu's button, and "No" when asked to remove someone.
    app.add_handler(on(MenuVolunteers, lambda u, c, _a: list_volunteers(u, c)))
    app.add_handler(on(act.AskRemove, confirm_remove, role=COORDINATOR))
    app.add_handler(on(act.ConfirmRemove, remove, role=COORDINATOR))
