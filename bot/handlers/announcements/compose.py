"""The coordinator's /omroep conversation: text or photo, audience, preview, now or later."""

from __future__ import annotations

import html
import logging
import secrets
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.actions import Action
from bot.actions.announcements import (
    AnnouncementAudience,
    AnnouncementBack,
    AnnouncementGroups,
    AnnouncementLanguage,
    AnnouncementLater,
    AnnouncementSend,
    AnnouncementStop,
    AnnouncementUnschedule,
)
from bot.clock import from_db, to_db
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.announcements.jobs import ensure_sender
from bot.handlers.announcements.render import (
    AUDIENCE_LABELS,
    render_announcement,
    snippet,
    whatsapp_cost,
    whatsapp_waiting,
)
from bot.handlers.common import (
    END,
    kb,
    reply,
    reply_message,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import LANGUAGES, Translator
from bot.messaging.message import Attachment, OutMessage
from bot.services.announcements import (
    MAX_CAPTION,
    MAX_TEXT,
    AnnouncementError,
    Audience,
    parse_moment,
    text_length,
)
from bot.services.users import COORDINATOR, Person

log = logging.getLogger(__name__)


TEXT, AUDIENCE, LANGUAGE, PREVIEW, WHEN = range(5)
DRAFT = "ann_draft"

# --- composing -----------------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any] | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, dict) else None


def _cancel_row(t: Translator) -> list[tuple[str, Action]]:
    return [(t._("❌ Stop"), AnnouncementStop())]


@requires(COORDINATOR)
async def start_compose(update: Update, context: BotContext) -> int:
    t = context.t
    assert context.user_data is not None
    context.user_data[DRAFT] = {"key": secrets.token_hex(8)}
    lines = [t._("📣 New announcement. Write your message and send it to me. You can also send "
                 "a photo with a caption.")]
    rows: list[list[tuple[str, Action]]] = []
    planned = await context.services.announcements.scheduled()
    if planned:
        lines.append("")
        lines.append(t._("Planned announcements:"))
        for broadcast in planned:
            when = t.datetime(broadcast.send_at)
            lines.append(f"• {when}: {snippet(broadcast.text)}")
            rows.append([(t._("🗑 Cancel the one of {when}").format(when=when),
                          AnnouncementUnschedule(broadcast.id))])
    rows.append(_cancel_row(t))
    await reply(update, context, "\n".join(lines), kb(rows),
                edit=update.callback_query is not None)
    return TEXT



@requires(COORDINATOR)
async def got_text(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None and message.text is not None
    t = context.t
    draft = _draft(context)
    if draft is None:
        return await start_compose(update, context)
    problem = context.services.announcements.check_text(message.text)
    sent_at = message.date.timestamp()
    refused_at = draft.get("too_long_at")
    if problem is None and isinstance(refused_at, float) and 0 <= sent_at - refused_at <= 1:
        # The Telegram app splits a pasted text over 4,096 characters into several messages
        # that arrive together: this is the tail of the one just refused, not a new text.
        draft["too_long_at"] = sent_at
        await reply(update, context, t._(
            "This is the rest of your long message: Telegram cut it into parts. An "
            "announcement can have at most {max} characters. Please send one shorter text.")
            .format(max=t.number(MAX_TEXT)))
        return TEXT
    if problem == "empty":
        await reply(update, context, t._("Your message is empty. Please write a text."))
        return TEXT
    if problem == "too_long":
        length = text_length(message.text)
        await reply(update, context, t.ngettext(
            "Your message has {n} character; an announcement can have at most {max}. "
            "Please make it shorter, or send it as two announcements.",
            "Your message has {n} characters; an announcement can have at most {max}. "
            "Please make it shorter, or send it as two announcements.", length).format(
                n=t.number(length), max=t.number(MAX_TEXT)))
        draft["too_long_at"] = sent_at
        return TEXT
    draft.pop("too_long_at", None)
    draft.update(text=message.text_html, photo=None)
    return await ask_audience(update, context)


@requires(COORDINATOR)
async def got_photo(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None and message.photo
    t = context.t
    draft = _draft(context)
    if draft is None:
        return await start_compose(update, context)
    caption = message.caption or ""
    if context.services.announcements.check_text(caption, caption=True):
        await reply(update, context, t._(
            "The text under a photo can have at most {max} characters; yours has {n}. Send the "
            "photo with a shorter text, or send the text without a photo.").format(
                n=t.number(text_length(caption)), max=t.number(MAX_CAPTION)))
        return TEXT
    draft.update(text=message.caption_html if caption else "",
                 photo=message.photo[-1].file_id)
    return await ask_audience(update, context)


@requires(COORDINATOR)
async def got_document(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None
    t = context.t
    mime = (message.document.mime_type or "") if message.document else ""
    if mime.startswith("image/"):
        text = t._("Please send the picture as a photo, not as a file.")
    else:
        text = t._("This is not a photo. Send a text, or a photo with a caption.")
    await reply(update, context, text)
    return TEXT


@requires(COORDINATOR)
async def got_other(update: Update, context: BotContext) -> int:
    await reply(update, context, context.t._(
        "I can only send a text, or a photo with a caption. Please send one of those."))
    return TEXT


async def ask_audience(update: Update, context: BotContext) -> int:
    t = context.t
    rows = [[(t._(label), AnnouncementAudience(kind))] for kind, label in AUDIENCE_LABELS.items()]
    rows.append(_cancel_row(t))
    await reply(update, context, t._("Who should receive it?"), kb(rows), edit=False)
    return AUDIENCE


async def choose_audience(update: Update, context: BotContext,
                          act: AnnouncementAudience) -> int:
    draft = _draft(context)
    if act.audience not in AUDIENCE_LABELS or draft is None or "text" not in draft:
        return await stale_button(update, context)
    t = context.t
    draft["audience"] = act.audience
    draft["language"] = None
    if act.audience == "lang":
        rows = [[(label, AnnouncementLanguage(code))] for code, label in LANGUAGES.items()]
        rows.append(_cancel_row(t))
        await reply(update, context, t._("Which language do they speak?"), kb(rows))
        return LANGUAGE
    return await show_preview(update, context)


async def choose_language(update: Update, context: BotContext,
                          act: AnnouncementLanguage) -> int:
    draft = _draft(context)
    if act.language not in LANGUAGES or draft is None or "audience" not in draft:
        return await stale_button(update, context)
    draft["language"] = act.language
    return await show_preview(update, context)


def _audience(draft: dict[str, Any], person: Person) -> Audience:
    kind = draft["audience"]
    room = person.room if kind in ("room", "vol_room") else None
    if kind in ("all", "vol_all", "lang"):
        room = person.room  # only for the header; the audience spans all rooms
    return Audience(kind, room, draft.get("language"))


def _audience_name(t: Translator, draft: dict[str, Any]) -> str:
    name = t._(AUDIENCE_LABELS[draft["audience"]])
    if draft["audience"] == "lang" and draft.get("language"):
        name += f" ({LANGUAGES[draft['language']]})"
    return name


async def show_preview(update: Update, context: BotContext) -> int:
    t = context.t
    draft = _draft(context)
    person = context.person
    assert draft is not None and person is not None and update.effective_chat is not None
    services = context.services
    audience = _audience(draft, person)
    reachable, unreachable = await services.announcements.recipients(audience, person)
    await reply(update, context, t._("Preview: this is what people will see."))
    shown = {"audience": audience.kind, "room": audience.room, "text": draft["text"]}
    preview = render_announcement(t, shown, services.config.rooms)
    photo = Attachment("photo", media_id=draft["photo"]) if draft.get("photo") else None
    await reply_message(update, context, OutMessage(preview, attachment=photo))  # bidi done
    groups = services.announcements.groups(audience)
    draft["groups"] = bool(groups)  # offered only where a group exists, and then on
    text, markup = _question(t, draft, services.config.rooms, groups, reachable, unreachable,
                             await _paid(context, audience, person))
    draft["send_at"] = None
    await reply(update, context, text, markup, edit=False)
    return PREVIEW


async def _paid(context: BotContext, audience: Audience, person: Person) -> str | None:
    """The WhatsApp lines of the preview: who gets it as a paid template, and who cannot get
    it yet (no approved template; None: WhatsApp off, or all go free)."""
    services = context.services
    counts = await services.announcements.whatsapp_outside_window(audience, person)
    if counts is None:
        return None
    paid, waiting = counts
    lines = []
    if paid:
        lines.append(whatsapp_cost(context.t, paid, services.config.whatsapp))
    if waiting:
        lines.append(whatsapp_waiting(context.t, waiting))
    return "\n".join(lines) or None


def _question(t: Translator, draft: dict[str, Any], rooms: dict[str, Any],
              groups: list[tuple[str, int]], reachable: int, unreachable: int,
              paid: str | None = None) -> tuple[str, Any]:
    """The preview's question: who gets it, the group toggle (if any), send or not."""
    lines = [t.ngettext("To: {audience}. {n} person will receive it.",
                        "To: {audience}. {n} people will receive it.", reachable).format(
        audience=_audience_name(t, draft), n=t.number(reachable))]
    if unreachable:
        lines.append(t.ngettext(
            "{n} more person cannot be reached on Telegram; the report will name them.",
            "{n} more people cannot be reached on Telegram; the report will name them.",
            unreachable).format(n=t.number(unreachable)))
    if paid:
        lines.append(paid)
    rows: list[list[tuple[str, str]]] = []
    if groups:
        names = t.join(html.escape(rooms[room_id].name) for room_id, _chat in groups)
        if draft.get("groups"):
            lines.append(t.ngettext("It is also posted in the group of {rooms}.",
                                    "It is also posted in the groups of {rooms}.",
                                    len(groups)).format(rooms=names))
            label = t.ngettext("☑️ Also in the group of {rooms}",
                               "☑️ Also in the groups of {rooms}", len(groups))
        else:
            lines.append(t.ngettext("It is not posted in the group of {rooms}.",
                                    "It is not posted in the groups of {rooms}.",
                                    len(groups)).format(rooms=names))
            label = t.ngettext("⬜ Also in the group of {rooms}",
                               "⬜ Also in the groups of {rooms}", len(groups))
        rows.append([(label.format(rooms=names), AnnouncementGroups())])
    if reachable or (groups and draft.get("groups")):
        rows.append([(t._("✅ Send now"), AnnouncementSend(draft["key"]))])
        rows.append([(t._("🕒 Send later"), AnnouncementLater())])
    else:
        lines.append(t._("Nobody would receive it. Choose other people."))
    rows.append([(t._("👥 Other people"), AnnouncementBack())])
    rows.append(_cancel_row(t))
    return "\n".join(lines), kb(rows)


async def toggle_groups(update: Update, context: BotContext, act: AnnouncementGroups) -> int:
    """Switch 'also post in the group' on or off; only the question message changes."""
    draft = _draft(context)
    person = context.person
    if draft is None or "audience" not in draft or person is None \
            or draft.get("send_at") is not None:
        return await stale_button(update, context)
    services = context.services
    audience = _audience(draft, person)
    groups = services.announcements.groups(audience)
    if not groups:  # forged: these people have no group; the draft stays as it is
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          context.t._("These people have no Telegram group."), alert=True)
        return PREVIEW
    if flows.first_handling(context, update):  # handled again after a restart: no 2nd flip
        draft["groups"] = not draft.get("groups")
    reachable, unreachable = await services.announcements.recipients(audience, person)
    text, markup = _question(context.t, draft, services.config.rooms, groups, reachable,
                             unreachable, await _paid(context, audience, person))
    await reply(update, context, text, markup, edit=True)
    return PREVIEW


async def back_to_audience(update: Update, context: BotContext, act: AnnouncementBack) -> int:
    draft = _draft(context)
    if draft is None or "text" not in draft:
        return await stale_button(update, context)
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    return await ask_audience(update, context)


async def ask_when(update: Update, context: BotContext, act: AnnouncementLater) -> int:
    draft = _draft(context)
    if draft is None or "audience" not in draft:
        return await stale_button(update, context)
    t = context.t
    example = context.services.clock.now() + timedelta(days=1)
    await reply(update, context, t._(
        "When should it go out? Type a date and time, for example {example}.").format(
            example=example.strftime("%d-%m 17:00")), kb([_cancel_row(t)]))
    return WHEN


@requires(COORDINATOR)
async def got_when(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None and message.text is not None
    t = context.t
    draft = _draft(context)
    if draft is None or "audience" not in draft:
        return await start_compose(update, context)
    now = context.services.clock.now()
    moment = parse_moment(message.text, now)
    example = (now + timedelta(days=1)).strftime("%d-%m 17:00")
    if moment is None:
        await reply(update, context, t._(
            "I did not understand that date. Please type it like this: {example}.").format(
                example=example))
        return WHEN
    if moment <= now:
        await reply(update, context, t._(
            "That moment has already passed. Please type a date and time in the future, "
            "like {example}.").format(example=example))
        return WHEN
    if moment > now + timedelta(days=365):
        await reply(update, context, t._("That is more than a year away. Please choose an "
                                         "earlier date."))
        return WHEN
    draft["send_at"] = to_db(moment)
    when = t.datetime(moment)
    await reply(update, context, t._("Send it on {when}?").format(when=when), kb([
        [(t._("✅ Plan for {when}").format(when=when), AnnouncementSend(draft["key"]))],
        _cancel_row(t),
    ]))
    return PREVIEW


async def confirm(update: Update, context: BotContext, act: AnnouncementSend) -> int:
    t = context.t
    draft = _draft(context)
    services = context.services
    if draft is None or draft.get("key") != act.key or "audience" not in draft:
        return await _already_or_stale(update, context, act.key)
    person = context.person
    assert person is not None and update.effective_chat is not None
    send_at = from_db(draft.get("send_at"))
    try:
        broadcast, created = await services.announcements.create(
            person, draft_key=draft["key"], chat_id=update.effective_chat.id,
            audience=_audience(draft, person), text=draft["text"],
            photo_file_id=draft.get("photo"), send_at=send_at,
            post_groups=bool(draft.get("groups")))
    except AnnouncementError as exc:
        if exc.code == "past":
            await reply(update, context, t._("That moment has passed meanwhile. Tap /omroep to "
                                             "start again."))
        else:
            await reply(update, context, t._("This announcement cannot be sent. Tap /omroep to "
                                             "start again."))
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        return END
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    if not created:
        return await _already_or_stale(update, context, act.key)
    if broadcast.status == "scheduled":
        await reply(update, context, t._(
            "🕒 Planned for {when}. To cancel it, tap /omroep.").format(
                when=t.datetime(broadcast.send_at)))
        return END
    message = await reply(update, context, t._(
        "📣 Sending your announcement… sent {done} of {total}.").format(
            done=t.number(0), total=t.number(broadcast.total)))
    if message is not None:
        await services.announcements.set_progress_message(broadcast.id, message.message_id)
    ensure_sender(context.application)
    return END


async def _already_or_stale(update: Update, context: BotContext, key: str) -> int:
    existing = await context.services.announcements.by_draft_key(key)
    if existing is None:
        return await stale_button(update, context)
    await safe_answer(update.callback_query,  # type: ignore[arg-type]
                      context.t._("This announcement was already sent or planned."), alert=True)
    return END


async def confirm_outside(update: Update, context: BotContext, act: AnnouncementSend) -> int:
    """A confirm button pressed after the conversation ended: never a second send."""
    return await _already_or_stale(update, context, act.key)


async def stop(update: Update, context: BotContext, act: AnnouncementStop) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, context.t._("Stopped. Nothing was sent."))
    return END


async def press_a_button(update: Update, context: BotContext) -> int | None:
    await reply(update, context, context.t._("Please use the buttons above, or tap ❌ Stop."))
    return None
