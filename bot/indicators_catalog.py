"""The 27 indicators of the rooms' offer ("Prestaties (indicatief)"), with the offer's targets.

Why here and not in a service: the config validates targets against these keys and kinds, and
the report, the exports and the chat flows all read the same list. Keys are stable (they are
stored with entered values and appear in CSV files); labels are msgids, translated when shown.

Target kinds:
- ``number``: a count or a score; reached when the value is at least the target.
- ``percent``: a share in %, the target is the % (``50`` means "> 50 %").
- ``of``: "x of y" ("> 10 op 20"): the target is the pair (taking part, registered).
- ``positive``: the budget lines; reached when the coordinator entered "positive".
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_

BLOCKS: dict[str, str] = {
    "impact": N_("IMPACT: effects"),
    "output": N_("OUTPUT: results"),
    "proces": N_("PROCESS: activities and services"),
    "input": N_("INPUT: means"),
}

#: What kind of evidence the offer names for an indicator (the "measure" column).
MEASURES: dict[str, str] = {
    "survey": N_("Survey"),
    "interviews": N_("Interviews"),
    "number": N_("Number"),
    "number_of": N_("Number of registered"),
    "participants": N_("Number of participants"),
    "partners": N_("Number of partners"),
    "unique": N_("Unique #"),
    "jobs": N_("Jobs #"),
    "budget": N_("Budget"),
    "control": N_("Audit"),
}

Target = int | float | tuple[int, int] | bool


@dataclass(frozen=True)
class Indicator:
    key: str
    block: str
    label: str  # msgid
    measure: str  # key of MEASURES
    kind: str  # number | percent | of | positive
    #: True when the target grows with time (a flow: people helped, jobs done), so a shorter
    #: period is compared with its share of the yearly target. A stock (keyholders, members,
    #: partners, a share in a survey) is compared with the whole target.
    pro_rata: bool = False
    #: Who can supply the value when no service counts it: the coordinator enters it.
    enterable: bool = False


INDICATORS: tuple[Indicator, ...] = (
    Indicator("impact_confidence", "impact",
              N_("Residents have more confidence in their own abilities, partly thanks to the "
                 "BuurtWerkKamer"), "survey", "percent"),
    Indicator("impact_nicer_living", "impact",
              N_("Residents find that the BuurtWerkKamer makes living in the neighbourhood "
                 "nicer"), "survey", "percent"),
    Indicator("impact_benefits", "impact", N_("Less (cost of) benefits and care"),
              "interviews", "percent", enterable=True),
    Indicator("impact_evictions", "impact", N_("Less (cost of) evictions and rent arrears"),
              "interviews", "number", pro_rata=True, enterable=True),
    Indicator("impact_nuisance", "impact", N_("Less (cost of) nuisance and vandalism"),
              "interviews", "percent", enterable=True),
    Indicator("keyholders", "output", N_("Keyholders"), "number", "number"),
    Indicator("active_volunteers", "output",
              N_("Active volunteers (on average 250 hours a year)"), "number", "number"),
    Indicator("volunteer_groups", "output",
              N_("Active volunteer groups (odd jobs, garden, forms, cooking, language, "
                 "computer help, ...)"), "number", "number"),
    Indicator("paying_members", "output",
              N_("Paying registered members of the residents' association"), "number", "number",
              enterable=True),
    Indicator("referred_residents", "output",
              N_("Residents referred by agencies (with benefits or limited earning capacity) "
                 "take part"), "number_of", "of"),
    Indicator("placements", "output",
              N_("Active in a participation, learning-work or internship place"), "number",
              "number", enterable=True),
    Indicator("newcomers", "output",
              N_("Newcomers to the neighbourhood, such as status holders, take part as "
                 "participant or volunteer"), "number_of", "of"),
    Indicator("paid_work", "output", N_("Participants find paid work, partly thanks to us"),
              "number", "number", pro_rata=True),
    Indicator("referrals", "output",
              N_("Referrals to and from agencies (DOCK, Buurtteams, U Centraal and others)"),
              "participants", "number", pro_rata=True),
    Indicator("partners", "output",
              N_("Scaling up and down with agencies and partners through direct cooperation"),
              "partners", "number"),
    Indicator("sociale_ontmoeting", "proces",
              N_("Social contact: chat hour, walk-in, shared dinners, breakfast, crafts"),
              "unique", "number", pro_rata=True),
    Indicator("klussen", "proces",
              N_("Odd jobs: small repairs at home, garden, bicycles, cleaning (counted per job)"),
              "jobs", "number", pro_rata=True),
    Indicator("computer", "proces", N_("Computer skills: practice and help with digital matters"),
              "unique", "number", pro_rata=True),
    Indicator("taal", "proces",
              N_("Dutch language: practise speaking, reading, writing, homework help"),
              "unique", "number", pro_rata=True),
    Indicator("formulieren", "proces",
              N_("Letters and forms: help with letters and e-mails from agencies"),
              "unique", "number", pro_rata=True),
    Indicator("schulden", "proces",
              N_("Debt help and budget advice, incl. help with rent arrears"),
              "unique", "number", pro_rata=True),
    Indicator("werk", "proces", N_("Towards work: help with applications and CV"),
              "unique", "number", pro_rata=True),
    Indicator("total", "proces", N_("Total unique participants in an activity or service"),
              "unique", "number", pro_rata=True),
    Indicator("budget_deficit", "input", N_("Good use of budget: no funding shortfall"),
              "budget", "positive", enterable=True),
    Indicator("budget_control", "input", N_("Accountable use of budget"), "control", "positive",
              enterable=True),
    Indicator("volunteer_satisfaction", "input", N_("Good work of staff and volunteers"),
              "survey", "score"),
    Indicator("partner_satisfaction", "input",
              N_("Good consultation with all partners and funders"), "survey", "score",
              enterable=True),
)

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
KEYS: tuple[str, ...] = tuple(BY_KEY)

_P = True  # "Positief"
#: The offer's rooms, in the order of its table's columns.
_OFFER_COLUMNS: tuple[str, ...] = ("top", "hart", "verbinding")
#: The offer's table as it is printed: one row per indicator, one column per room (TOP, Hart
#: voor Leidsche Rijn, De Verbinding), so a target is checked against the offer line by line.
_OFFER_TABLE: dict[str, tuple[Target, Target, Target]] = {
    "impact_confidence": (50, 50, 50),
    "impact_nicer_living": (70, 70, 70),
    "impact_benefits": (2, 2, 2),
    "impact_evictions": (5, 5, 5),
    "impact_nuisance": (2, 2, 2),
    "keyholders": (20, 20, 15),
    "active_volunteers": (30, 25, 20),
    "volunteer_groups": (15, 15, 15),
    "paying_members": (200, 100, 100),
    "referred_residents": ((10, 20), (5, 10), (5, 10)),
    "placements": (4, 4, 4),
    "newcomers": ((5, 10), (5, 10), (5, 10)),
    "paid_work": (2, 2, 2),
    "referrals": (30, 20, 20),
    "partners": (5, 5, 5),
    "sociale_ontmoeting": (200, 150, 150),
    "klussen": (50, 10, 50),
    "computer": (50, 25, 25),
    "taal": (50, 50, 25),
    "formulieren": (150, 150, 150),
    "schulden": (20, 10, 20),
    "werk": (20, 10, 10),
    "total": (400, 250, 250),
    "budget_deficit": (_P, _P, _P),
    "budget_control": (_P, _P, _P),
    "volunteer_satisfaction": (8, 8, 8),
    "partner_satisfaction": (8, 8, 8),
}
#: The offer's targets per room column.
OFFER_TARGETS: dict[str, dict[str, Target]] = {
    room: {key: row[column] for key, row in _OFFER_TABLE.items()}
    for column, room in enumerate(_OFFER_COLUMNS)
}
#: The offer's hours per active volunteer a year ("gem. 250 uren/jaar").
VOLUNTEER_HOURS_YEAR = 250


def default_targets(room_id: str) -> dict[str, Target]:
    """The offer's column for the room; a room the offer does not name gets Hart's column
    (the middle one), so every indicator has a target until the config says otherwise."""
    return dict(OFFER_TARGETS.get(room_id, OFFER_TARGETS["hart"]))
