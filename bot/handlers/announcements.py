"""Announcements: a coordinator composes, picks an audience, previews and sends or schedules.

The sending itself is the service's background sender; this module gives it a Telegram
:class:`TelegramTransport` (its own Bot without PTB's rate limiter: the sender paces itself and
waits out a 429 without stalling everyone else's answers) and renders progress and the report.
Residents switch announcements on or off with ``/berichten`` or in the settings.
"""

from __future__ import annotations

import html
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import jobs
from bot.clock import from_db, to_db
from bot.context import BotContext, BuurtApplication
from bot.handlers.common import (
    END,
    kb,
    parse_data,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import LANGUAGES, N_, Translator, shorten, translator
from bot.services.announcements import (
    MAX_CAPTION,
    MAX_TEXT,
    AnnouncementError,
    Audience,
    Outcome,
    parse_moment,
)
from bot.services.users import COORDINATOR, RESIDENT, Person
from bot.store.broadcasts import BroadcastRow, OutboxRow

log = logging.getLogger(__name__)

TEXT, AUDIENCE, LANGUAGE, PREVIEW, WHEN = range(5)
DRAFT = "ann_draft"

AUDIENCE_LABELS = {
    "room": N_("🏠 Everyone in my room"),
    "all": N_("🏘 Everyone in all rooms"),
    "vol_room": N_("🙋 Volunteers of my room"),
    "vol_all": N_("🙋 All volunteers"),
    "lang": N_("🌐 People who speak one language"),
}


# --- what recipients see -----------------------------------------------------------------


def render_announcement(t: Translator, broadcast: BroadcastRow | dict[str, Any],
                        rooms: dict[str, Any]) -> str:
    """The announcement in the recipient's language: a header, the text, how to opt out."""
    get = broadcast.get if isinstance(broadcast, dict) else broadcast.__getattribute__
    audience, room_id, text = get("audience"), get("room"), get("text")
    if audience in ("vol_room", "vol_all"):
        header = t._("📣 For volunteers")
        footer = ""
    else:
        room = rooms.get(room_id or "")
        if audience == "room" and room is not None:
            header = t._("📣 News from {room}").format(room=html.escape(room.name))
        else:
            header = t._("📣 News from the BuurtWerkKamers")
        footer = t._("No more announcements? Tap /berichten.")
    parts = [f"<b>{header}</b>"]
    if text:
        parts.append(text)
    if footer:
        parts.append(f"<i>{footer}</i>")
    return t.bidi("\n\n".join(parts))


class TelegramTransport:
    """Turns an outbox row into one API call; maps Telegram's answers to an :class:`Outcome`."""

    def __init__(self, app: BuurtApplication) -> None:
        self.app = app
        config = app.services.config
        self.bot = ExtBot(
            token=config.token,
            base_url=config.api_url,
            base_file_url=config.file_url,
            defaults=app.bot.defaults,
            request=HTTPXRequest(connection_pool_size=16),
        )

    async def deliver(self, broadcast: BroadcastRow, row: OutboxRow) -> Outcome:
        if row.chat_id is None:
            return Outcome("blocked", error="no chat")
        t = translator(row.language)
        text = render_announcement(t, broadcast, self.app.services.config.rooms)
        try:
            if broadcast.photo_file_id:
                await self.bot.send_photo(row.chat_id, broadcast.photo_file_id, caption=text)
            else:
                await self.bot.send_message(row.chat_id, text)
        except Forbidden as exc:
            return Outcome("blocked", error=exc.message[:200])
        except RetryAfter as exc:
            wait = getattr(exc, "_retry_after", None)
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else 1.0
            return Outcome("retry_after", retry_after=seconds)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return Outcome("blocked", error=exc.message[:200])
            return Outcome("failed", error=exc.message[:200], permanent=True)
        except (NetworkError, TelegramError) as exc:
            return Outcome("failed", error=str(exc)[:200])
        return Outcome("sent")

    async def progress(self, broadcast: BroadcastRow, counts: dict[str, int],
                       final: bool) -> None:
        t = translator(broadcast.coordinator_language)
        done = counts["sent"] + counts["blocked"] + counts["unreachable"] + counts["failed"]
        total = broadcast.total
        if final:
            text = t._("📣 Your announcement is done: {done} of {total} handled.").format(
                done=t.number(done), total=t.number(total))
        else:
            text = t._("📣 Sending your announcement… sent {done} of {total}.").format(
                done=t.number(done), total=t.number(total))
        await self._edit_or_send(broadcast, t.bidi(text))
        if final:
            report, markup = render_report(t, broadcast, counts)
            await self.bot.send_message(broadcast.coordinator_chat, t.bidi(report),
                                        reply_markup=markup)

    async def _edit_or_send(self, broadcast: BroadcastRow, text: str) -> None:
        services = self.app.services
        if broadcast.progress_message_id is not None:
            try:
                await self.bot.edit_message_text(
                    text, chat_id=broadcast.coordinator_chat,
                    message_id=broadcast.progress_message_id)
                return
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return
                log.info("progress message gone, sending a new one: %s", exc.message)
        message = await self.bot.send_message(broadcast.coordinator_chat, text)
        await services.announcements.set_progress_message(broadcast.id, message.message_id)


def render_report(t: Translator, broadcast: BroadcastRow, counts: dict[str, int]
                  ) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [
        "<b>" + t._("Report of your announcement") + "</b>",
        t._("✅ Delivered: {n}").format(n=t.number(counts["sent"])),
        t._("🚫 Blocked the bot: {n}").format(n=t.number(counts["blocked"])),
        t._("📵 Not on Telegram or unreachable before: {n}").format(
            n=t.number(counts["unreachable"])),
        t._("⚠️ Failed for another reason: {n}").format(n=t.number(counts["failed"])),
    ]
    missed = counts["blocked"] + counts["unreachable"] + counts["failed"]
    if not missed:
        return "\n".join(lines), None
    lines.append(t._("Please reach these people another way: call them or put a note on the "
                     "board."))
    return "\n".join(lines), kb([[(t._("👥 Who was not reached"), f"ann:who:{broadcast.id}")]])


# --- the background sender -----------------------------------------------------------------


def ensure_sender(app: Application) -> None:
    """Start the sender if it is not running (idempotent); otherwise just wake it."""
    buurt: BuurtApplication = app  # type: ignore[assignment]
    service = buurt.services.announcements
    if service.running or not app.running:
        service.kick()
        return
    service.ensure_sender(
        lambda coro: app.create_task(_with_transport(buurt, coro), name="announcements-sender"),
        lambda: app.running,
    )


async def _with_transport(app: BuurtApplication, coro: Any) -> None:
    transport = app.services.announcements.transport
    assert isinstance(transport, TelegramTransport)
    try:
        await transport.bot.initialize()
        await coro
    finally:
        try:
            await transport.bot.shutdown()
        except Exception:  # pragma: no cover - best effort on the way out
            log.exception("could not shut down the sender's bot")


async def _start_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    ensure_sender(context.application)


async def tick(app: BuurtApplication, now: datetime) -> None:
    """Make sure the sender runs; it fills scheduled broadcasts that are due."""
    ensure_sender(app)
    await app.services.announcements.promote_due()
    app.services.announcements.kick()


async def keep_room_for_answers(update: Update, context: BotContext) -> None:
    """Group -8: someone wrote the bot; the broadcast leaves a slot free for the answer."""
    service = context.services.announcements
    if update.message is not None or update.callback_query is not None:
        service.pacer.reserve()


# --- composing -----------------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any] | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, dict) else None


def _cancel_row(t: Translator) -> list[tuple[str, str]]:
    return [(t._("❌ Stop"), "ann:stop")]


@requires(COORDINATOR)
async def start_compose(update: Update, context: BotContext) -> int:
    t = context.t
    assert context.user_data is not None
    context.user_data[DRAFT] = {"key": secrets.token_hex(8)}
    lines = [t._("📣 New announcement. Write your message and send it to me. You can also send "
                 "a photo with a caption.")]
    rows: list[list[tuple[str, str]]] = []
    planned = await context.services.announcements.scheduled()
    if planned:
        lines.append("")
        lines.append(t._("Planned announcements:"))
        for broadcast in planned:
            when = t.datetime(broadcast.send_at)
            lines.append(f"• {when}: {_snippet(broadcast.text)}")
            rows.append([(t._("🗑 Cancel the one of {when}").format(when=when),
                          f"ann:unsched:{broadcast.id}")])
    rows.append(_cancel_row(t))
    await reply(update, context, "\n".join(lines), kb(rows),
                edit=update.callback_query is not None)
    return TEXT


def _snippet(text: str, size: int = 40) -> str:
    """The start of an announcement on one line, cut at a word (see :func:`shorten`)."""
    return shorten(text, size)


@requires(COORDINATOR)
async def got_text(update: Update, context: BotContext) -> int:
    message = update.message
    assert message is not None and message.text is not None
    t = context.t
    draft = _draft(context)
    if draft is None:
        return await start_compose(update, context)
    problem = context.services.announcements.check_text(message.text)
    if problem == "empty":
        await reply(update, context, t._("Your message is empty. Please write a text."))
        return TEXT
    if problem == "too_long":
        await reply(update, context, t._(
            "Your message has {n} characters; an announcement can have at most {max}. "
            "Please make it shorter, or send it as two announcements.").format(
                n=t.number(len(message.text)), max=t.number(MAX_TEXT)))
        return TEXT
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
    if len(caption) > MAX_CAPTION:
        await reply(update, context, t._(
            "The text under a photo can have at most {max} characters; yours has {n}. Send the "
            "photo with a shorter text, or send the text without a photo.").format(
                n=t.number(len(caption)), max=t.number(MAX_CAPTION)))
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
    rows = [[(t._(label), f"ann:aud:{kind}")] for kind, label in AUDIENCE_LABELS.items()]
    rows.append(_cancel_row(t))
    await reply(update, context, t._("Who should receive it?"), kb(rows), edit=False)
    return AUDIENCE


@requires(COORDINATOR)
async def choose_audience(update: Update, context: BotContext) -> int:
    parsed = parse_data(update.callback_query.data, "ann:aud", str)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in AUDIENCE_LABELS or draft is None or "text" not in draft:
        return await stale_button(update, context)
    t = context.t
    draft["audience"] = parsed[0]
    draft["language"] = None
    if parsed[0] == "lang":
        rows = [[(label, f"ann:lang:{code}")] for code, label in LANGUAGES.items()]
        rows.append(_cancel_row(t))
        await reply(update, context, t._("Which language do they speak?"), kb(rows))
        return LANGUAGE
    return await show_preview(update, context)


@requires(COORDINATOR)
async def choose_language(update: Update, context: BotContext) -> int:
    parsed = parse_data(update.callback_query.data, "ann:lang", str)  # type: ignore[union-attr]
    draft = _draft(context)
    if not parsed or parsed[0] not in LANGUAGES or draft is None or "audience" not in draft:
        return await stale_button(update, context)
    draft["language"] = parsed[0]
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
    if draft.get("photo"):
        await context.bot.send_photo(update.effective_chat.id, draft["photo"], caption=preview)
    else:
        await context.bot.send_message(update.effective_chat.id, preview)
    lines = [t.ngettext("To: {audience}. {n} person will receive it.",
                        "To: {audience}. {n} people will receive it.", reachable).format(
        audience=_audience_name(t, draft), n=t.number(reachable))]
    if unreachable:
        lines.append(t.ngettext(
            "{n} more person cannot be reached on Telegram; the report will name them.",
            "{n} more people cannot be reached on Telegram; the report will name them.",
            unreachable).format(n=t.number(unreachable)))
    rows: list[list[tuple[str, str]]] = []
    if reachable:
        rows.append([(t._("✅ Send now"), f"ann:go:{draft['key']}")])
        rows.append([(t._("🕒 Send later"), "ann:later")])
    else:
        lines.append(t._("Nobody would receive it. Choose other people."))
    rows.append([(t._("👥 Other people"), "ann:back")])
    rows.append(_cancel_row(t))
    draft["send_at"] = None
    await context.bot.send_message(update.effective_chat.id, t.bidi("\n".join(lines)),
                                   reply_markup=kb(rows))
    return PREVIEW


@requires(COORDINATOR)
async def back_to_audience(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    if draft is None or "text" not in draft:
        return await stale_button(update, context)
    await safe_answer(update.callback_query)  # type: ignore[arg-type]
    return await ask_audience(update, context)


@requires(COORDINATOR)
async def ask_when(update: Update, context: BotContext) -> int:
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
        [(t._("✅ Plan for {when}").format(when=when), f"ann:go:{draft['key']}")],
        _cancel_row(t),
    ]))
    return PREVIEW


@requires(COORDINATOR)
async def confirm(update: Update, context: BotContext) -> int:
    parsed = parse_data(update.callback_query.data, "ann:go", str)  # type: ignore[union-attr]
    t = context.t
    draft = _draft(context)
    services = context.services
    if not parsed:
        return await stale_button(update, context)
    if draft is None or draft.get("key") != parsed[0] or "audience" not in draft:
        return await _already_or_stale(update, context, parsed[0])
    person = context.person
    assert person is not None and update.effective_chat is not None
    send_at = from_db(draft.get("send_at"))
    try:
        broadcast, created = await services.announcements.create(
            person, draft_key=draft["key"], chat_id=update.effective_chat.id,
            audience=_audience(draft, person), text=draft["text"],
            photo_file_id=draft.get("photo"), send_at=send_at)
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
        return await _already_or_stale(update, context, parsed[0])
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


@requires(COORDINATOR)
async def confirm_outside(update: Update, context: BotContext) -> int:
    """A confirm button pressed after the conversation ended: never a second send."""
    parsed = parse_data(update.callback_query.data, "ann:go", str)  # type: ignore[union-attr]
    if not parsed:
        return await stale_button(update, context)
    return await _already_or_stale(update, context, parsed[0])


async def stop(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, context.t._("Stopped. Nothing was sent."))
    return END


async def press_a_button(update: Update, context: BotContext) -> int | None:
    await reply(update, context, context.t._("Please use the buttons above, or tap ❌ Stop."))
    return None


# --- after sending ---------------------------------------------------------------------------


@requires(COORDINATOR)
async def who_not_reached(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "ann:who", int)  # type: ignore[union-attr]
    services = context.services
    person = context.person
    assert person is not None
    if not parsed or await services.announcements.get(parsed[0]) is None:
        await stale_button(update, context)
        return
    t = context.t
    rows = await services.announcements.not_reached(person, parsed[0])
    if not rows:
        await safe_answer(update.callback_query, t._("Everyone was reached."), alert=True)  # type: ignore[arg-type]
        return
    why = {"blocked": t._("blocked the bot"), "unreachable": t._("not on Telegram"),
           "failed": t._("sending failed")}
    lines = ["<b>" + t._("Not reached ({n}):").format(n=t.number(len(rows))) + "</b>"]
    for row in rows:
        name = (html.escape(row["display_name"]) if row["display_name"]
                else t._("anonymous {id}").format(id=row["id"]))
        room = services.config.room(row["room"])
        where = f" · {html.escape(room.name)}" if room else ""
        lines.append(f"• {name}{where} — {why[row['state']]}")
    text = "\n".join(lines)
    if len(text) > 4000:
        text = text[:3990].rsplit("\n", 1)[0] + "\n…"
    await reply(update, context, text, edit=False)


@requires(COORDINATOR)
async def unschedule(update: Update, context: BotContext) -> int:
    parsed = parse_data(update.callback_query.data, "ann:unsched", int)  # type: ignore[union-attr]
    if not parsed:
        return await stale_button(update, context)
    t = context.t
    person = context.person
    assert person is not None
    cancelled = await context.services.announcements.cancel(person, parsed[0])
    if cancelled is None:
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("This announcement cannot be cancelled: it was already sent or "
                              "cancelled."), alert=True)
        return END
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await reply(update, context, t._("Cancelled: the announcement of {when} will not be sent.")
                .format(when=t.datetime(cancelled.send_at)))
    return END


# --- residents: on or off ----------------------------------------------------------------------


def settings_button(t: Translator, person: Person | None) -> tuple[str, str]:
    """The row for the settings keyboard in ``account.py``."""
    on = person is None or person.row.announcements
    label = t._("📣 Announcements: on") if on else t._("📣 Announcements: off")
    return label, "ann:prefs"


@requires(RESIDENT)
async def show_subscription(update: Update, context: BotContext) -> None:
    person = context.person
    assert person is not None
    t = context.t
    if person.row.announcements:
        text = t._("You receive announcements from the BuurtWerkKamer, such as a changed "
                   "opening time. Do you want to stop them? Answers to your own questions "
                   "still reach you.")
        button = (t._("🔕 Stop announcements"), "ann:sub:0")
    else:
        text = t._("You do not receive announcements now. Answers to your own questions still "
                   "reach you. Do you want announcements again?")
        button = (t._("🔔 Receive announcements"), "ann:sub:1")
    await reply(update, context, text, kb([[button], [(t._("⬅️ Back to the menu"),
                                                       "menu:main")]]))


@requires(RESIDENT)
async def set_subscription(update: Update, context: BotContext) -> None:
    parsed = parse_data(update.callback_query.data, "ann:sub", int)  # type: ignore[union-attr]
    if not parsed or parsed[0] not in (0, 1):
        await stale_button(update, context)
        return
    person = context.person
    assert person is not None
    person = await context.services.announcements.set_subscribed(person, bool(parsed[0]))
    context.person = person
    t = context.t
    text = (t._("Done. You will receive announcements again.") if parsed[0]
            else t._("Done. You will not receive announcements anymore. Tap /berichten to "
                     "switch them on again."))
    await reply(update, context, text, kb([[(t._("⬅️ Back to the menu"), "menu:main")]]))


def build_conversation() -> ConversationHandler:
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    text = private & filters.TEXT & ~filters.COMMAND
    cancel = CallbackQueryHandler(stop, pattern=r"^ann:stop$")
    return ConversationHandler(
        entry_points=[
            CommandHandler("omroep", start_compose),
            CallbackQueryHandler(start_compose, pattern=r"^menu:broadcast$"),
        ],
        states={
            TEXT: [
                MessageHandler(text, got_text),
                MessageHandler(private & filters.PHOTO, got_photo),
                MessageHandler(private & filters.Document.ALL, got_document),
                MessageHandler(private & ~filters.COMMAND, got_other),
            ],
            AUDIENCE: [CallbackQueryHandler(choose_audience, pattern=r"^ann:aud:")],
            LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^ann:lang:")],
            PREVIEW: [
                CallbackQueryHandler(confirm, pattern=r"^ann:go:"),
                CallbackQueryHandler(ask_when, pattern=r"^ann:later$"),
                CallbackQueryHandler(back_to_audience, pattern=r"^ann:back$"),
            ],
            WHEN: [MessageHandler(text, got_when)],
        },
        fallbacks=[
            CommandHandler("omroep", start_compose),
            cancel,
            CallbackQueryHandler(unschedule, pattern=r"^ann:unsched:"),
            CallbackQueryHandler(confirm_outside, pattern=r"^ann:go:"),
            CallbackQueryHandler(stale_button, pattern=r"^ann:"),
            MessageHandler(private & ~filters.COMMAND, press_a_button),
        ],
        name="announcements",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers, its tick, and start the sender once the bot runs."""
    buurt: BuurtApplication = app  # type: ignore[assignment]
    buurt.services.announcements.transport = TelegramTransport(buurt)
    app.add_handler(TypeHandler(Update, keep_room_for_answers), group=-8)
    app.add_handler(build_conversation())
    app.add_handler(CallbackQueryHandler(who_not_reached, pattern=r"^ann:who:"))
    app.add_handler(CallbackQueryHandler(unschedule, pattern=r"^ann:unsched:"))
    app.add_handler(CallbackQueryHandler(confirm_outside, pattern=r"^ann:go:"))
    app.add_handler(CommandHandler("berichten", show_subscription,
                                   filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(show_subscription, pattern=r"^ann:prefs$"))
    app.add_handler(CallbackQueryHandler(set_subscription, pattern=r"^ann:sub:"))
    jobs.add_tick(buurt, "announcements", tick)
    if app.job_queue is not None:
        app.job_queue.run_once(_start_job, when=0, name="announcements-sender")

