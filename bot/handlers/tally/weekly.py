"""The weekly summary to each room's coordinators: text and a chart, once per week."""

from __future__ import annotations

import logging
from datetime import date
from html import escape

from bot.clock import from_db
from bot.i18n import Translator
from bot.jobs import DueMoment, next_weekly
from bot.messaging.message import Attachment, OutMessage
from bot.services.tally import WEEKLY_AT, WEEKLY_CHART, WEEKLY_DAY, WEEKLY_KIND, WeeklySummary
from bot.services.tally_chart import chart_png
from bot.services.tally_export import rows
from bot.store.outbox import OutboxRow

log = logging.getLogger(__name__)


# --- the weekly summary ----------------------------------------------------------------------


def summary_text(t: Translator, summary: WeeklySummary, room_name: str) -> str:
    week, ytd = summary.this_week, summary.ytd
    lines = [
        "<b>" + t._("Weekly tally: {room}").format(room=escape(room_name)) + "</b>",
        # Two sentences: "new" is first contact, registering included, so it is not a part of
        # those who took part ("5 took part, of whom 8 new" read as a mistake).
        t.ngettext("This week ({start} to {end}): {n} resident took part.",
                   "This week ({start} to {end}): {n} residents took part.",
                   week.total_unique).format(
            start=t.date(summary.week.start, "d MMMM"), end=t.date(summary.week.end, "d MMMM"),
            n=t.number(week.total_unique))
        + " " + t._("New at the BuurtWerkKamer (first contact): {new}.").format(
            new=t.number(week.new_residents)),
        "",
        t._("Since 1 January, against the targets for the year:"),
    ]
    for this, year in zip(rows(t, week), rows(t, ytd), strict=True):
        if this.key in ("contact", "referral", "volunteer", "new_residents"):
            continue
        value = t.number(year.measured)
        if year.target:
            value = t._("{value} of {target} ({percent}%)").format(
                value=value, target=t.number(year.target), percent=year.percent)
        lines.append(t._("• {label}: {value} (this week {week})").format(
            label=escape(year.label), value=value, week=t.number(this.measured)))
    lines += ["", t._("Check-in calls this week: {calls}. Active volunteers: {volunteers}.")
              .format(calls=t.number(week.contacts_count), volunteers=t.number(week.volunteers))]
    return "\n".join(lines)


async def upcoming(app, after) -> list[DueMoment]:
    """Each room's next Sunday 18:00 summary, for the practice chat's "next scheduled moment"
    (a week without records sends nothing, as the tick decides)."""
    at = next_weekly(WEEKLY_DAY, WEEKLY_AT, after)
    return [DueMoment(at, "tally_summary", room) for room in app.services.config.rooms]


async def tick(app, now) -> None:
    """Sunday evening: each room's coordinators get the week and the year so far, once
    (claimed and queued together; ``run_ticks`` delivers after the run)."""
    await app.services.tally.queue_weekly(now)


async def _summary(app, row: OutboxRow) -> WeeklySummary | None:
    params = row.params or {}
    room = params.get("room")
    if room not in app.services.config.rooms:
        return None  # the room left the settings meanwhile: nothing to tell
    return await app.services.tally.weekly_summary(
        room, date.fromisoformat(params["week"]), from_db(params["at"]))


async def render_summary(app, row: OutboxRow, t: Translator) -> OutMessage | None:
    """``tally.weekly``: the text (``dedupe=""``) or the chart (``dedupe="chart"``)."""
    summary = await _summary(app, row)
    if summary is None:
        return None
    room = app.services.config.rooms[summary.room]
    if row.dedupe != WEEKLY_CHART:
        return OutMessage(summary_text(t, summary, room.name), lang=t.language)
    png = chart_png(t, t._("{room}: so far this year").format(room=room.name),
                    summary.ytd, summary.year_fraction)
    return OutMessage(t._("Green: on track. Orange: behind the pace for the target."),
                      attachment=Attachment("photo", data=png, filename="chart.png"),
                      lang=t.language)


def register_outbox(app) -> None:
    app.services.outbox.renderer(WEEKLY_KIND)(render_summary)
