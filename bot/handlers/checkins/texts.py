"""Labels and message texts of the belronde shared by residents' and volunteers' screens."""

from __future__ import annotations

from html import escape

from bot.handlers.common import one_per_row
from bot.i18n import N_, Translator

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
REASON_LABELS = {
    "bad": N_("is not doing so well"),
    "call": N_("asked to be called"),
    "no_answer": N_("extra attention: did not answer"),
    "unreachable": N_("to call: blocked the bot or cannot be reached"),
}


def back_button(t: Translator) -> tuple[str, str]:
    return (t._("⬅️ Back to the menu"), "menu:main")


def resident_label(t: Translator, name: str | None, user_id: int) -> str:
    """The name as the resident gave it, else a neutral number (plain text, not escaped)."""
    return name or t._("resident {number}").format(number=user_id)


def checkin_text(t: Translator, name: str | None, room_name: str) -> str:
    hello = t._("Hello {name}!").format(name=escape(name)) if name else t._("Hello!")
    return "\n\n".join([
        hello + " " + t._("How are you this week?"),
        t._("Tap one answer. — BuurtWerkKamer {room}").format(room=escape(room_name)),
    ])


def checkin_markup(t: Translator, checkin_id: int):
    return one_per_row([(t._(ANSWER_LABELS[value]), f"chk:a:{checkin_id}:{code}")
                        for code, value in ANSWER_CODES.items()])

