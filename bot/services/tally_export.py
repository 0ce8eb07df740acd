"""The participation tally as rows (the weekly summary's lines).

The funder report itself is the performance table (``bot.services.indicators`` and
``report_render`` / ``report_pdf`` / ``report_xlsx``). No names, phone numbers or Telegram ids
ever reach these functions: a report holds counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.categories import CATEGORIES
from bot.i18n import N_, Translator
from bot.services.tally import ALL, RoomReport

TOTAL, CONTACT, REFERRAL, VOLUNTEER, NEW = (
    "total", "contact", "referral", "volunteer", "new_residents"
)
EXTRA_LABELS = {
    TOTAL: N_("Total unique participants"),
    CONTACT: N_("Check-in calls (contacts)"),
    REFERRAL: N_("Referrals (residents)"),
    VOLUNTEER: N_("Active volunteers"),
    NEW: N_("New residents"),
}


@dataclass(frozen=True)
class Row:
    """One line of a room's table. ``None`` means "does not apply" (an empty cell)."""

    key: str  # category id or one of TOTAL, CONTACT, REFERRAL, VOLUNTEER, NEW
    label: str
    unique: int
    anonymous: int | None
    count: int | None
    target: int | None
    measured: int  # what the target is compared with

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        # Half up, as people read percentages (Python's round() would make 0.5% into 0%).
        return (200 * self.measured + self.target) // (2 * self.target)


def room_name(t: Translator, room: RoomReport) -> str:
    return t._("All rooms") if room.room == ALL else room.name


def rows(t: Translator, room: RoomReport) -> list[Row]:
    out = []
    for line in room.lines:
        label = t._(CATEGORIES[line.category])
        if line.per_job:
            label += " " + t._("(counted per job)")
        out.append(Row(line.category, label, line.unique, line.anonymous, line.count,
                       line.target, line.measured))
    out.append(Row(TOTAL, t._(EXTRA_LABELS[TOTAL]), room.total_unique, room.total_anonymous,
                   room.total_count, room.total_target, room.total_unique))
    out.append(Row(CONTACT, t._(EXTRA_LABELS[CONTACT]), room.contacts_unique, None,
                   room.contacts_count, None, room.contacts_unique))
    for key, value in ((REFERRAL, room.referrals), (VOLUNTEER, room.volunteers),
                       (NEW, room.new_residents)):
        out.append(Row(key, t._(EXTRA_LABELS[key]), value, None, None, None, value))
    return out
