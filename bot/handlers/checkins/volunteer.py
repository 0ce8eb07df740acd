"""Volunteers: the list of whom to call, taking a call, finishing it, "extra aandacht"."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.actions import Action
from bot.actions.checkins import (
    ExtraAttentionList,
    ExtraAttentionToggle,
    FollowupDone,
    FollowupNoNote,
    FollowupOutcome,
    FollowupTake,
    OwnCheckin,
)
from bot.actions.menu import MenuFollowups
from bot.context import BotContext
from bot.handlers import flows, routing
from bot.handlers.checkins.resident import resident_view
from bot.handlers.checkins.texts import (
    MAX_BUTTON_NAME,
    about_lines,
    back_button,
    call_button,
    entry_date,
    reason_sentence,
    resident_label,
)
from bot.handlers.common import (
    END,
    kb,
    one_per_row,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import Translator, shorten
from bot.services.checkins import MAX_NOTE, FollowupView, TakeResult
from bot.services.users import VOLUNTEER, Person

NOTE, OUTCOME = "note", "outcome"

async def belronde_command(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    if person.has_role(VOLUNTEER):
        await volunteer_view(update, context, edit=False)
    else:
        await resident_view(update, context, edit=False)


# --- volunteers ------------------------------------------------------------------------


def _followup_entry(t: Translator, view: FollowupView, me: Person) -> str:
    """One resident on the list, in whole sentences: date and reason, language, phone, who."""
    lines = [f"• <b>{entry_date(t, view)}</b> · " + reason_sentence(t, view)]
    about = about_lines(t, view)
    if view.followup.reason == "unreachable" and view.reachable:
        about.append(t._("{name} can get our messages again.").format(
            name=escape(resident_label(t, view.name, view.resident_id))))
    if view.followup.taken_by == me.id:
        about.append(t._("You call them."))
    elif view.followup.taken_by is not None:
        about.append(t._("{name} is calling them.").format(
            name=escape(view.taken_by_name or t._("A volunteer"))))
    lines.append("   " + " · ".join(about))
    return "\n".join(lines)


async def volunteer_view(update: Update, context: BotContext, *, edit: bool = True) -> None:
    t = context.t
    me = context.person
    assert me is not None
    views = await context.services.checkins.open_followups(me)
    lines = ["<b>" + t._("Belronde: who to call") + "</b>"]
    rows: list[list[tuple[str, Action]]] = []
    if not views:
        lines.append(t._("Nobody to call right now. Thank you!"))
    for view in views[:30]:
        lines.append(_followup_entry(t, view, me))
        label = shorten(resident_label(t, view.name, view.resident_id), MAX_BUTTON_NAME)
        if view.followup.taken_by is None:
            rows.append([call_button(t, view)])
        elif view.followup.taken_by == me.id:
            rows.append([(t._("✅ Done: {name} · {date}").format(
                name=label, date=entry_date(t, view)), FollowupDone(view.followup.id))])
    rows.append([(t._("⭐ Extra attention"), ExtraAttentionList()),
                 (t._("🙋 My own check-in"), OwnCheckin())])
    rows.append([back_button(t)])
    await reply(update, context, "\n\n".join(lines), kb(rows), edit=edit)


@requires(VOLUNTEER)
async def followups_menu(update: Update, context: BotContext) -> None:
    await volunteer_view(update, context)


async def take(update: Update, context: BotContext, act: FollowupTake) -> None:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    result, view = await context.services.checkins.take(context.person, act.followup_id)
    if result is TakeResult.UNKNOWN or view is None:
        await stale_button(update, context)
        return
    if result is TakeResult.TAKEN:
        await safe_answer(query, t._("{name} is already calling this person. Thank you!").format(
            name=view.taken_by_name or t._("Another volunteer")), alert=True)
        return
    if result is TakeResult.DONE:
        await safe_answer(query, t._("This call is already done."), alert=True)
        return
    label = resident_label(t, view.name, view.resident_id)
    lines = [t._("You call {name}. Thank you!").format(name=f"<b>{escape(label)}</b>"),
             reason_sentence(t, view), *about_lines(t, view)]
    if not view.phone and not view.whatsapp:
        lines.append(t._("Maybe the BuurtWerkKamer knows them, or drop by."))
    lines.append(t._("Tap Done when you have called."))
    await reply(update, context, "\n".join(lines), kb([
        [(t._("✅ Done: {name} · {date}").format(name=shorten(label, MAX_BUTTON_NAME),
                                                 date=entry_date(t, view)),
          FollowupDone(view.followup.id))],
        [(t._("⬅️ Back to the list"), MenuFollowups())],
    ]))


async def ask_note(update: Update, context: BotContext, act: FollowupDone) -> str | int:
    query = update.callback_query
    assert query is not None and context.person is not None
    t = context.t
    view = await context.services.checkins.followup(context.person, act.followup_id)
    if view is None:
        await stale_button(update, context)
        return END
    if view.followup.done_at is not None:
        await safe_answer(query, t._("This call is already done."), alert=True)
        return END
    if view.followup.taken_by != context.person.id:
        await safe_answer(query, t._("Only the volunteer who took this call can finish it."),
                          alert=True)
        return END
    context.user_data["chk_note"] = view.followup.id  # type: ignore[index]
    context.user_data.pop("chk_stop", None)  # type: ignore[union-attr]
    if view.followup.reason == "unreachable":
        # We cannot message this resident: the volunteer decides whether the belronde goes on
        # by phone (a new "to call" entry next week) or ends (moved away, does not want it).
        label = resident_label(t, view.name, view.resident_id)
        await reply(update, context,
                    t._("We cannot send {name} messages. Should the room keep calling them "
                        "every week?").format(name=f"<b>{escape(label)}</b>"),
                    kb([[(t._("📞 Yes, keep calling every week"), FollowupOutcome("keep"))],
                        [(t._("🛑 No, take them off the belronde"), FollowupOutcome("stop"))]]))
        return OUTCOME
    await _ask_note_text(update, context)
    return NOTE


async def _ask_note_text(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(update, context,
                t.ngettext("How did it go? Write a short note for the room (at most {n} letter), "
                           "or tap No note. Write no medical details.",
                           "How did it go? Write a short note for the room (at most {n} letters), "
                           "or tap No note. Write no medical details.",
                           MAX_NOTE).format(n=MAX_NOTE),
                kb([[(t._("No note"), FollowupNoNote())]]))


async def outcome(update: Update, context: BotContext, act: FollowupOutcome) -> str | int:
    """The volunteer's choice for a resident we cannot reach; then the usual note."""
    query = update.callback_query
    assert query is not None
    if "chk_note" not in (context.user_data or {}):
        await stale_button(update, context)
        return END
    context.user_data["chk_stop"] = act.choice == "stop"  # type: ignore[index]
    await _ask_note_text(update, context)
    return NOTE


async def outcome_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await reply(update, context, t._("Please tap one of the two buttons above."), edit=False)
    return OUTCOME


async def _finish(update: Update, context: BotContext, note: str | None) -> int:
    t = context.t
    followup_id = (context.user_data or {}).pop("chk_note", None)
    stop_checkin = bool((context.user_data or {}).pop("chk_stop", False))
    if followup_id is None or context.person is None:
        await stale_button(update, context)
        return END
    result, view = await context.services.checkins.finish(context.person, followup_id, note,
                                                          stop_checkin=stop_checkin)
    if result is TakeResult.OK and stop_checkin and view is not None:
        text = t._("Done. {name} is off the belronde: no more calls from the list.").format(
            name=f"<b>{escape(resident_label(t, view.name, view.resident_id))}</b>")
    elif result is TakeResult.OK:
        text = t._("Done. Thank you for calling!")
    elif result is TakeResult.DONE:
        text = t._("This call is already done.")
    else:
        text = t._("Only the volunteer who took this call can finish it.")
    await reply(update, context, text, kb([[(t._("⬅️ Back to the list"), MenuFollowups())]]),
                edit=update.callback_query is not None)
    return END


async def note_text(update: Update, context: BotContext) -> str | int:
    assert update.effective_message is not None
    t = context.t
    text = (update.effective_message.text or "").strip()
    if len(text) > MAX_NOTE:
        await reply(update, context, t.ngettext(
            "Please keep it short: at most {n} letter.",
            "Please keep it short: at most {n} letters.", MAX_NOTE).format(n=MAX_NOTE),
            edit=False)
        return NOTE
    return await _finish(update, context, text)


async def note_skip(update: Update, context: BotContext, act: FollowupNoNote) -> int:
    return await _finish(update, context, None)


async def note_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await reply(update, context, t._("Please type a short note, or tap No note."), edit=False)
    return NOTE


async def people(update: Update, context: BotContext,
                 act: ExtraAttentionList | None = None) -> None:
    t = context.t
    assert context.person is not None
    rows = await context.services.checkins.participants(context.person)
    lines = ["<b>" + t._("Extra attention") + "</b>",
             t._("Residents with ⭐ who do not answer within two days get a call. Tap a name "
                 "to switch it on or off.")]
    if not rows:
        lines.append(t._("Nobody of your room is in the weekly check-in yet."))
    buttons = []
    for row in rows[:40]:
        star = "⭐ " if row["extra_attention"] else ""
        buttons.append((star + resident_label(t, row["display_name"], row["user_id"]),
                        ExtraAttentionToggle(row['user_id'])))
    markup = one_per_row([*buttons, (t._("⬅️ Back to the list"), MenuFollowups())])
    await reply(update, context, "\n".join(lines), markup)


async def toggle_attention(update: Update, context: BotContext,
                           act: ExtraAttentionToggle) -> None:
    if not flows.first_handling(context, update):  # handled again after a restart: done
        await people(update, context)
        return
    value = await context.services.checkins.toggle_extra_attention(context.person, act.user_id)  # type: ignore[arg-type]
    if value is None:
        await stale_button(update, context)
        return
    await people(update, context)


async def own_checkin(update: Update, context: BotContext, act: OwnCheckin) -> None:
    await resident_view(update, context)


def build_note_conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[routing.on(FollowupDone, ask_note, role=VOLUNTEER)],
        states={
            OUTCOME: [
                routing.on(FollowupOutcome, outcome),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, outcome_other),
            ],
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               note_text),
                routing.on(FollowupNoNote, note_skip),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, note_other),
            ],
        },
        fallbacks=[routing.on(FollowupDone, ask_note, role=VOLUNTEER)],
        name="checkins_note",
        persistent=True,
        allow_reentry=True,
    )


