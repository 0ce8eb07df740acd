"""The activity categories the rooms report on to their funders.

Ids are stable (they are stored and appear in reports); labels are translated.
"""

from __future__ import annotations

from bot.i18n import N_

#: id → English label (msgid). Order is the order of the rooms' indicator table.
CATEGORIES: dict[str, str] = {
    "sociale_ontmoeting": N_("Social contact"),
    "klussen": N_("Odd jobs"),
    "computer": N_("Computer skills"),
    "taal": N_("Dutch language"),
    "formulieren": N_("Letters and forms"),
    "schulden": N_("Debts and budget"),
    "werk": N_("Work and CV"),
}


def is_category(value: str) -> bool:
    return value in CATEGORIES
