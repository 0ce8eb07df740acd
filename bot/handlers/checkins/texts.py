"""Labels and message texts of the belronde shared by residents' and volunteers' screens."""

from __future__ import annotations

from html import escape

from bot.actions.checkins import CheckinAnswer, FollowupTake
from bot.actions.menu import MenuMain
from bot.handlers.common import one_per_row
from bot.handlers.people_labels import WHATSAPP_BADGE, whatsapp_link
from bot.i18n import N_, Translator, shorten
from bot.services.checkins import FollowupView

ANSWER_CODES = {"g": "good", "o": "okay", "b": "bad", "c": "call", "v": "visit"}
ANSWER_LABELS = {
    "good": N_("Good 😊"),
    "okay": N_("So-so 😐"),
    "bad": N_("Not so good 😟"),
    "call": N_("Please call me 📞"),
    "visit": N_("I'll drop by 🚶"),
}
DAYPART_LABELS = {
    "morning": N_("🌅 Morning"),
    "afternoon": N_("☀️ Afternoon"),
    "evening": N_("🌆 Evening"),
}
#: Why a volunteer should call, as whole sentences in the *volunteer's* language: the name is
#: a placeholder, never a fragment glued after it ("Fatima: is not doing so well").
REASON_SENTENCES = {
    "bad": N_("{name} is not doing so well this week."),
    "call": N_("{name} asked to be called."),
    "no_answer": N_("{name} gets extra attention and did not answer this week."),
    "unreachable": N_("{name} can no longer get our messages (blocked the bot or left "
                       "Telegram). Please call them."),
}
#: A volunteer's button to take a call, with the entry's date ("📞 Ik bel Fatima · ma 30 nov").
MAX_BUTTON_NAME = 14


def back_button(t: Translator) -> tuple[str, MenuMain]:
    return (t._("⬅️ Back to the menu"), MenuMain())


def resident_label(t: Translator, name: str | None, user_id: int) -> str:
    """The name as the resident gave it, else a neutral number (plain text, not escaped)."""
    return name or t._("resident {number}").format(number=user_id)


#: The same reason for a resident on WhatsApp (Telegram is not theirs to leave).
WHATSAPP_UNREACHABLE = N_("{name} can no longer get our messages on WhatsApp. Please call "
                          "them.")


def reason_sentence(t: Translator, view: FollowupView) -> str:
    """"<b>Fatima</b> is not doing so well this week." in the reader's language (HTML)."""
    name = f"<b>{escape(resident_label(t, view.name, view.resident_id))}</b>"
    sentence = REASON_SENTENCES[view.followup.reason]
    if view.whatsapp and view.followup.reason == "unreachable":
        sentence = WHATSAPP_UNREACHABLE
    return t._(sentence).format(name=name)


def entry_date(t: Translator, view: FollowupView) -> str:
    """The day the follow-up was made, short ("ma 30 nov"): tells two weeks apart."""
    return t.date(view.followup.created_at, "EEE d MMM")


def about_lines(t: Translator, view: FollowupView) -> list[str]:
    """What the volunteer needs before calling: the resident's language and phone number."""
    lines = []
    if view.language:
        lines.append(t._("Speaks {language}").format(language=t.language_name(view.language)))
    if view.phone:
        lines.append(t._("Phone: {phone}").format(phone=f"\u2068{escape(view.phone)}\u2069"))
        if view.whatsapp:
            lines.append(t.isolate(WHATSAPP_BADGE))
    elif view.whatsapp:
        # A WhatsApp resident's number is how the bot reaches them: the call card (the one
        # place that shows phone numbers, to the room's volunteers) offers it, as the privacy
        # statement says. A tap opens a WhatsApp chat with them.
        lines.append(t._("WhatsApp number: {phone}. Call them, or send a WhatsApp message.")
                     .format(phone=whatsapp_link(t, view.whatsapp)))
    else:
        lines.append(t._("We have no phone number."))
    return lines


def call_button(t: Translator, view: FollowupView) -> tuple[str, FollowupTake]:
    label = shorten(resident_label(t, view.name, view.resident_id), MAX_BUTTON_NAME)
    return (t._("📞 I will call {name} · {date}").format(name=label, date=entry_date(t, view)),
            FollowupTake(view.followup.id))


def checkin_text(t: Translator, name: str | None, room_name: str) -> str:
    hello = t._("Hello {name}!").format(name=escape(name)) if name else t._("Hello!")
    return "\n\n".join([
        hello + " " + t._("How are you this week?"),
        t._("Tap one answer. — BuurtWerkKamer {room}").format(room=escape(room_name)),
    ])


def checkin_markup(t: Translator, checkin_id: int):
    return one_per_row([(t._(ANSWER_LABELS[value]), CheckinAnswer(checkin_id, code))
                        for code, value in ANSWER_CODES.items()])

