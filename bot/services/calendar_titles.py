"""Titles of the shipped programme (bot/data/programme.toml), marked for translation.

A shipped activity's title is an English msgid and is shown in each person's language; a title
a coordinator typed is shown exactly as typed. Adding an activity with a new title to the
shipped file? Add the title here too, then run ``python -m bot.i18n_tools update calendar``.
"""

from __future__ import annotations

from bot.i18n import N_

SHIPPED_TITLES: frozenset[str] = frozenset({
    N_("Coffee and chat (drop-in)"),
    N_("Help with your CV and job applications"),
    N_("Help with letters and forms"),
    N_("Dutch lessons"),
    N_("Computer and phone help"),
    N_("Bingo"),
    N_("Homework help for children"),
    N_("Breakfast together"),
    N_("Money and debts consultation"),
    N_("Sewing club"),
    N_("Odd-jobs service"),
    N_("Needlework and knitting"),
})
