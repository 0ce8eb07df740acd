"""First contact: language → home room → privacy statement → optional name → menu.

A ConversationHandler (persistent, so a restart midway resumes where the person was). Deep
links: ``/start <room>`` preselects the room (QR code on the room's door); ``/start inv_<code>``
is a volunteer invite.

    /start ──► LANGUAGE ──► ROOM ──► PRIVACY ──► NAME ──► menu
                  (room preset by deep link skips ROOM)
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import Action
from bot.actions.account import KeepRoom, SetRoom
from bot.actions.onboarding import (
    ONBOARDING_ACTIONS,
    OnboardingAgree,
    OnboardingDecline,
    OnboardingLanguage,
    OnboardingRoom,
    OnboardingSkipName,
)
from bot.context import BotContext
from bot.handlers import report_newcomer
from bot.handlers.checkins import offer_after_onboarding as offer_checkin
from bot.handlers.commands import set_person_commands
from bot.handlers.common import (
    END,
    address_of_chat,
    kb,
    one_per_row,
    reply,
    reply_message,
    stale_button,
)
from bot.handlers.menu import menu_markup, show_menu
from bot.handlers.routing import on
from bot.i18n import LANGUAGES, own_direction, translator
from bot.messaging.message import OutMessage
from bot.services.users import COORDINATOR, MAX_NAME, VOLUNTEER, InviteResult

LANGUAGE, ROOM, PRIVACY, NAME = "language", "room", "privacy", "name"
INVITE_PREFIX = "inv_"


def language_markup():
    return one_per_row([(label, OnboardingLanguage(code)) for code, label in LANGUAGES.items()])


def language_prompt() -> str:
    """The one text shown before we know the language: in every shipped language."""
    # Each line in its own direction: the Dutch line is not laid out right to left.
    return "\n".join(
        own_direction(translator(code)._("Choose your language.")) for code in LANGUAGES)


def room_markup(context: BotContext):
    rooms = context.services.config.rooms.values()
    return one_per_row(
        [(f"{room.name} ({room.area})" if room.area else room.name, OnboardingRoom(room.id))
         for room in rooms]
    )


def privacy_text(t, backup_days: int | None = None,
                 channels: Iterable[str] = ("telegram",)) -> str:
    """The privacy statement; ``backup_days`` (the backup rotation window, when backups are
    configured) says how long erased data can still be in a backup; ``channels``: the apps
    the reader uses (the company of each carries the messages: Telegram, WhatsApp/Meta)."""
    used = set(channels)
    parts = [
        "<b>" + t._("Your privacy") + "</b>",
        t._("What we keep: your language, your BuurtWerkKamer and what you ask us for. "
            "A name is not needed."),
        t._("Who sees it: only the volunteers and the coordinator of your room, and only "
            "what they need to help you."),
        t._("Your messages about help and how you are doing are deleted after some time."),
    ]
    if "whatsapp" in used:
        parts.append(t._("On WhatsApp, WhatsApp (Meta) carries the messages between you and "
                         "us, under its own privacy rules. Your phone number is your address "
                         "there. If you take part in the weekly check-in, the volunteers who "
                         "call residents can see it."))
    if "telegram" in used or not used:
        parts.append(t._("On Telegram, Telegram carries the messages between you and us, "
                         "under its own privacy rules."))
    parts.append(t._("See your data with /mijngegevens. Erase everything with /vergeetmij."))
    if backup_days:
        parts.append(t.ngettext(
            "We make a safety copy (backup) every night. What you erase can stay in these "
            "copies for at most {n} day. Then it is gone for good.",
            "We make a safety copy (backup) every night. What you erase can stay in these "
            "copies for at most {n} days. Then it is gone for good.", backup_days).format(
                n=t.number(backup_days)))
    return "\n\n".join(parts)


def privacy_for(update: Update, context: BotContext) -> str:
    """The privacy statement for this reader: their apps, the backup window."""
    return privacy_text(context.t, backup_window(context), reader_channels(update, context))


def reader_channels(update: Update, context: BotContext) -> list[str]:
    """The apps the reader uses: their person's channels, else the app of this update."""
    person = context.person
    if person is not None and person.addresses:
        return sorted({a.channel for a in person.addresses})
    chat = update.effective_chat
    return [address_of_chat(chat.id).channel] if chat is not None else ["telegram"]


def backup_window(context: BotContext) -> int | None:
    """Days erased data can stay in backups, or None without ``[backup]``."""
    backup = context.services.config.backup
    return backup.window_days if backup else None


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault("onboarding", {})  # type: ignore[union-attr]


async def start(update: Update, context: BotContext) -> str | int:
    assert update.effective_user is not None
    payload = context.args[0] if context.args else ""
    person = context.person
    users = context.services.users
    if payload.startswith(INVITE_PREFIX) and person is not None:
        return await _redeem(update, context, payload[len(INVITE_PREFIX) :])
    if person is not None:
        if payload in context.services.config.rooms and payload != person.room:
            await _other_room(update, context, payload)
            return END
        await show_menu(update, context, edit=False)
        return END
    draft = _draft(context)
    draft.clear()
    if payload.startswith(INVITE_PREFIX):
        draft["invite"] = payload[len(INVITE_PREFIX) :]
    elif payload in context.services.config.rooms:
        draft["room"] = payload
    if users.is_coordinator_id(update.effective_user.id):
        draft["coordinator"] = True
    await reply(update, context, language_prompt(), language_markup(), edit=False)
    return LANGUAGE


async def choose_language(update: Update, context: BotContext, act: OnboardingLanguage
                          ) -> str | int:
    code = act.language  # a shipped language: others do not decode
    draft = _draft(context)
    draft["language"] = code
    context.t = t = translator(code)
    if draft.get("invite"):
        assert update.effective_user is not None
        state = await context.services.users.check_invite(update.effective_user.id,
                                                          draft["invite"])
        if state is not InviteResult.OK:
            # A used, expired or unknown link: say so, then onboard as anyone else would.
            draft.pop("invite")
            return await _ask_room(update, context, invite_problem(t, state))
    if draft.get("room") or draft.get("invite"):
        await reply(update, context, privacy_for(update, context), _privacy_markup(t))
        return PRIVACY
    return await _ask_room(update, context)


async def _other_room(update: Update, context: BotContext, room_id: str) -> None:
    """A registered person scanned another room's QR code (a phone that writes to two
    rooms): ask before anything changes. Switch is the settings' own "my room" button, so
    the same rules apply (a volunteer's room is the coordinator's to change)."""
    person, t, rooms = context.person, context.t, context.services.config.rooms
    assert person is not None
    current = rooms.get(person.room or "")
    if person.has_role(COORDINATOR):  # coordinators work for every room: nothing to ask
        await show_menu(update, context, edit=False)
        return
    if person.has_role(VOLUNTEER):
        await reply(update, context, t._("You are a volunteer of your room. Ask your "
                                         "coordinator to change your room."), edit=False)
        await show_menu(update, context, edit=False)
        return
    await reply(update, context,
                t._("You are registered at {current}. Do you want to switch to {room}?").format(
                    current=escape(current.name if current else "-"),
                    room=escape(rooms[room_id].name)),
                kb([[(t._("✅ Yes, switch"), SetRoom(room_id))],
                    [(t._("No, stay"), KeepRoom())]]), edit=False)


def invite_problem(t, state: InviteResult) -> str:
    """Why an invite link did not make this person a volunteer (in their language)."""
    return {
        InviteResult.UNKNOWN: t._("This invitation link is not valid. Ask your coordinator "
                                  "for a new one."),
        InviteResult.USED: t._("This invitation link was already used. Ask your coordinator "
                               "for a new one."),
        InviteResult.ALREADY: t._("This invitation link was already used. Ask your coordinator "
                                  "for a new one."),
        InviteResult.EXPIRED: t._("This invitation link has expired. Ask your coordinator for "
                                  "a new one."),
        InviteResult.IS_COORDINATOR: t._("You are a coordinator already."),
    }[state]


async def _ask_room(update: Update, context: BotContext, before: str | None = None) -> str:
    question = context.t._("Which BuurtWerkKamer is yours?")
    await reply(update, context, f"{before}\n\n{question}" if before else question,
                room_markup(context))
    return ROOM


def _privacy_markup(t):
    return kb([[(t._("✅ I agree"), OnboardingAgree())],
               [(t._("No, thank you"), OnboardingDecline())]])


async def choose_room(update: Update, context: BotContext, act: OnboardingRoom
                      ) -> str | int | None:
    room = act.room
    if room not in context.services.config.rooms:
        return await stale_button(update, context)
    draft = _draft(context)
    draft["room"] = room
    t = context.t = translator(draft.get("language"))
    if draft.get("agreed") and "language" in draft:
        # Agreed already (their invite turned out used meanwhile): no second privacy step.
        return await _register(update, context, room)
    await reply(update, context, privacy_for(update, context), _privacy_markup(t))
    return PRIVACY


async def privacy_answer(update: Update, context: BotContext,
                         act: OnboardingAgree | OnboardingDecline) -> str | int | None:
    draft = _draft(context)
    t = context.t = translator(draft.get("language"))
    if isinstance(act, OnboardingDecline):
        draft.clear()
        await reply(
            update,
            context,
            t._("That is fine. Without your agreement I cannot keep anything, so I cannot help "
                "you here. Tap /start if you change your mind. You are always welcome in the "
                "BuurtWerkKamer itself."),
        )
        return END
    if "language" not in draft:
        return await stale_button(update, context)
    assert update.effective_user is not None
    invite = draft.get("invite")
    if invite:
        redemption = await context.services.users.redeem_invite(
            update.effective_user.id, invite, draft["language"],
            then=_tell_inviter(context, update.effective_user.first_name))
        if redemption.result in (InviteResult.OK, InviteResult.ALREADY) and redemption.person:
            context.person = redemption.person
            draft["volunteer"] = True
            if redemption.result is InviteResult.OK:
                await context.services.outbox.deliver()
            await set_person_commands(context.application, context.person)  # type: ignore[arg-type]
            return await _ask_name(update, context)
        # Someone else used it between the language step and now: the ordinary way in.
        draft.pop("invite", None)
        draft["agreed"] = True
        return await _ask_room(update, context, invite_problem(t, redemption.result))
    room = draft.get("room") or next(iter(context.services.config.rooms))
    return await _register(update, context, room)


async def _register(update: Update, context: BotContext, room: str) -> str:
    assert update.effective_user is not None
    draft = _draft(context)
    person = await context.services.users.register(update.effective_user.id, draft["language"],
                                                   room)
    context.person = person
    await set_person_commands(context.application, person)
    return await _ask_name(update, context)


async def _ask_name(update: Update, context: BotContext) -> str:
    t = context.t
    await reply(
        update,
        context,
        t._("Thank you! What may we call you? Type your first name, or tap Skip. "
            "This is not needed."),
        kb([[(t._("Skip"), OnboardingSkipName())]]),
    )
    return NAME


async def name_text(update: Update, context: BotContext) -> str | int:
    assert update.message is not None and context.person is not None
    t = context.t
    text = (update.message.text or "").strip()
    if len(text) > MAX_NAME or "\n" in text:
        await reply(update, context,
                    t.ngettext("Please keep it short: one name of at most {n} letter.",
                               "Please keep it short: one name of at most {n} letters.",
                               MAX_NAME).format(n=MAX_NAME), edit=False)
        return NAME
    context.person = await context.services.users.set_name(context.person, text)
    return await _finish(update, context)


async def name_skip(update: Update, context: BotContext, act: OnboardingSkipName) -> int:
    return await _finish(update, context)


async def name_other(update: Update, context: BotContext) -> str:
    assert update.effective_message is not None
    t = context.t
    await reply(update, context, t._("Please type a name with letters, or tap Skip."),
                edit=False)
    return NAME


async def _finish(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    joined_as_volunteer = bool(draft.get("volunteer"))
    draft.clear()
    t = context.t
    assert context.person is not None
    if joined_as_volunteer and context.person.has_role(VOLUNTEER):
        # One clear welcome with their menu; the residents' check-in question is not for them.
        await _volunteer_welcome(update, context)
        return END
    room = context.services.config.room(context.person.room)
    await reply(
        update,
        context,
        t._("Welcome! Your BuurtWerkKamer is {room}.").format(room=room.name if room else "-"),
        edit=False,
    )
    await show_menu(update, context, edit=False)
    await report_newcomer.offer(update, context)  # optional, skippable (issue 15)
    await offer_checkin(update, context)
    return END


async def out_of_step(update: Update, context: BotContext, act: Action) -> None:
    """An onboarding button of another step (an older message): refused, the step stays."""
    await stale_button(update, context)


async def press_a_button(update: Update, context: BotContext) -> None:
    """Typing (or a sticker, photo...) where a button is expected."""
    assert update.effective_message is not None
    t = translator(_draft(context).get("language") or context.t.language)
    # In the language chosen a step ago (the person may not be saved yet).
    await reply_message(update, context, OutMessage(
        t._("Please tap one of the buttons above. Or send /start to begin again."),
        lang=t.language))


def volunteer_welcome_text(t, room_name: str) -> str:
    """What a new volunteer can do, in one message (with their menu under it)."""
    return "\n\n".join([
        "<b>" + t._("Welcome! You are now a volunteer of {room}. Thank you for helping!").format(
            room=escape(room_name)) + "</b>",
        "\n".join([
            t._("As a volunteer you can:"),
            "• " + t._("confirm sign-ups for the shared dinner: /tafel"),
            "• " + t._("take on help requests: /vragen"),
            "• " + t._("mark who came today: /turf"),
            "• " + t._("call residents for the weekly check-in: /belronde"),
        ]),
        t._("Or use the buttons below."),
    ])


async def _volunteer_welcome(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    t = context.t
    room = context.services.config.room(person.room)
    await reply(update, context, volunteer_welcome_text(t, room.name if room else "-"),
                menu_markup(t, person), edit=False)


#: The coordinator who made an invite link hears it was used (an outbox kind).
INVITE_USED = "onboarding.invite_used"


def _tell_inviter(context: BotContext, telegram_name: str) -> Any:
    """``then`` for ``redeem_invite``: the maker of the link hears it was used, and by whom —
    queued in the redemption's own transaction, so it is told once and never lost."""

    async def tell(conn: Any, person: Any, created_by: int, room: str) -> None:
        await context.services.outbox.enqueue(
            conn, to=created_by, kind=INVITE_USED, ref=str(person.id),
            params={"name": person.name or telegram_name or "", "room": room})

    return tell


def render_invite_used(app: Any, row: Any, t: Any) -> OutMessage:
    name = row.params.get("name") or ""
    room = app.services.config.room(row.params.get("room"))
    return OutMessage(
        t._("{name} used your invitation link and is now a volunteer of {room}.").format(
            name=f"<b>{escape(name)}</b>" if name else t._("Someone"),
            room=escape(room.name if room else "-")), lang=t.language)


async def _redeem(update: Update, context: BotContext, code: str) -> int:
    """/start inv_… from someone who is already registered."""
    assert update.effective_user is not None
    t = context.t
    redemption = await context.services.users.redeem_invite(
        update.effective_user.id, code, t.language,
        then=_tell_inviter(context, update.effective_user.first_name))
    person = redemption.person
    if redemption.result is InviteResult.OK and person is not None:
        context.person = person
        await set_person_commands(context.application, person)
        await context.services.outbox.deliver()
        await _volunteer_welcome(update, context)
    elif (redemption.result is InviteResult.ALREADY and person is not None
          and person.has_role(VOLUNTEER)):
        room = context.services.config.room(person.room)
        await reply(update, context,
                    t._("You are already a volunteer of {room}. Nothing has changed.").format(
                        room=escape(room.name if room else "-")),
                    menu_markup(t, person), edit=False)
    else:
        await reply(update, context, invite_problem(t, redemption.result), edit=False)
    return END


def build_conversation() -> ConversationHandler:
    not_button = ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            LANGUAGE: [on(OnboardingLanguage, choose_language)],
            ROOM: [on(OnboardingRoom, choose_room)],
            PRIVACY: [on((OnboardingAgree, OnboardingDecline), privacy_answer)],
            NAME: [
                MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                               name_text),
                on(OnboardingSkipName, name_skip),
                MessageHandler(not_button, name_other),
            ],
        },
        fallbacks=[
            CommandHandler("start", start),
            on(ONBOARDING_ACTIONS, out_of_step),
            MessageHandler(not_button, press_a_button),
        ],
        name="onboarding",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    app.services.outbox.renderer(INVITE_USED)(render_invite_used)  # type: ignore[attr-defined]
    app.add_handler(build_conversation())
