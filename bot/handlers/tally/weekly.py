"""The weekly summary to each room's coordinators: text and a chart, once per week."""

from __future__ import annotations

import logging
from html import escape

from bot.handlers.common import send_safely
from bot.handlers.delivery import Retry
from bot.i18n import Translator, translator
from bot.jobs import DueMoment, next_weekly
from bot.messaging.message import Attachment
from bot.services.tally import WEEKLY_AT, WEEKLY_DAY, WeeklySummary
from bot.services.tally_chart import chart_png
from bot.services.tally_export import rows

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
    """Sunday evening: each room's coordinators get the week and the year so far, once."""
    services = app.services
    for summary in await services.tally.claim_weekly(now):
        room = services.config.rooms[summary.room]
        for person in await services.users.coordinators(summary.room):
            if person.telegram_id is None or not person.row.reachable:
                continue
            t = translator(person.language)
            ref = f"{summary.room}:{summary.week.key}"
            await send_safely(app, person.telegram_id,
                              t.bidi(summary_text(t, summary, room.name)),
                              retry=Retry("tally:week", ref, dedupe=""))
            png = chart_png(t, t._("{room}: so far this year").format(room=room.name),
                            summary.ytd, summary.year_fraction)
            await send_safely(app, person.telegram_id,
                              t.bidi(t._("Green: on track. Orange: behind the pace for the "
                                         "target.")),
                              retry=Retry("tally:week", ref, dedupe="chart"),
                              attachment=Attachment("photo", data=png, filename="chart.png"))


