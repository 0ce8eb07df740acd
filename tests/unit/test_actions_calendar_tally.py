"""The calendar's and tally's button actions: the wire format of the buttons already in people's
chats decodes to the same actions, every action round-trips, forged data is refused."""

from __future__ import annotations

import pytest

from bot.actions import MAX_ID, Action, decode, registered
from bot.actions import calendar as cal
from bot.actions import tally as tal

#: Button data exactly as the bot wrote it by hand before the action types (and as today's
#: end-to-end tests tap it), with the action it must decode to.
OLD_BUTTONS: list[tuple[str, Action]] = [
    ("cal:w:top:0", cal.AgendaWeek("top", 0)),
    ("cal:w:hart:1", cal.AgendaWeek("hart", 1)),
    ("cal:rooms:2", cal.AgendaRooms(2)),
    ("cal:su:12", cal.ActivitySignUp(12)),
    ("cal:so:12", cal.ActivitySignOff(12)),
    ("cal:sub:top:1", cal.AgendaSubscribe("top", True)),
    ("cal:sub:top:0", cal.AgendaSubscribe("top", False)),
    ("cal:ics:verbinding", cal.AgendaIcs("verbinding")),
    ("cal:prooms", cal.ProgrammeRooms()),
    ("cal:p:top", cal.ProgrammeRoom("top")),
    ("cal:ps:3", cal.ProgrammeSeries(3)),
    ("cal:po:44", cal.ProgrammeOccurrence(44)),
    ("cal:pc:44", cal.CancelDate(44)),
    ("cal:pcy:44", cal.CancelDateConfirmed(44)),
    ("cal:pe:3", cal.EndSeries(3)),
    ("cal:pey:3", cal.EndSeriesConfirmed(3)),
    ("cal:pm:44", cal.MoveDate(44)),
    ("cal:new:w:top", cal.NewActivity("w", "top")),
    ("cal:new:o:hart", cal.NewActivity("o", "hart")),
    ("cal:f:cat:sociale_ontmoeting", cal.FormCategory("sociale_ontmoeting")),
    ("cal:f:cat:taal", cal.FormCategory("taal")),
    ("cal:f:day:0", cal.FormDay(0)),
    ("cal:f:day:6", cal.FormDay(6)),
    ("cal:f:days", cal.FormDaysDone()),
    ("cal:f:dur:90", cal.FormDuration(90)),
    ("cal:f:cap:-1", cal.FormCapacity(-1)),
    ("cal:f:cap:0", cal.FormCapacity(0)),
    ("cal:f:cap:12", cal.FormCapacity(12)),
    ("cal:f:save", cal.FormSave()),
    ("cal:f:lead", cal.FormLeader()),
    ("cal:f:stop", cal.FormStop()),
    ("tal:a:occ.12:20261201", tal.TurfActivity("occ.12", "20261201")),
    ("tal:a:c.taal:20261201", tal.TurfActivity("c.taal", "20261201")),
    ("tal:o:20261201", tal.TurfOtherActivity("20261201")),
    ("tal:p:occ.12:20261201:1", tal.TurfPage("occ.12", "20261201", 1)),
    ("tal:t:occ.12:20261201:0:7", tal.TurfToggle("occ.12", "20261201", 0, 7)),
    ("tal:w:occ.12:20261201:AB12", tal.TurfRemoveWalkin("occ.12", "20261201", "AB12")),
    ("tal:done:c.taal:20261201", tal.TurfDone("c.taal", "20261201")),
    ("tal:code:occ.12:20261201", tal.TurfAskCode("occ.12", "20261201")),
    ("tal:cnt:occ.12:20261201", tal.TurfAskCount("occ.12", "20261201")),
    ("tal:r:2026-03", tal.ReportPeriod("2026-03")),
    ("tal:r:2026-Q1", tal.ReportPeriod("2026-Q1")),
    ("tal:rr:2026:top", tal.ReportRoom("2026", "top")),
    ("tal:rr:2025-01-01_2025-03-31:all", tal.ReportRoom("2025-01-01_2025-03-31", "all")),
    ("tal:x:2021:top", tal.ReportXlsx("2021", "top")),
    ("tal:csv:2021:all", tal.ReportCsv("2021", "all")),
    ("tal:rc", tal.ReportOtherPeriod()),
    ("tal:e", tal.EnterValue()),
    ("tal:er:top", tal.EnterRoom("top")),
    ("tal:ei:top:paying_members", tal.EnterIndicator("top", "paying_members")),
    ("tal:ep:top:paying_members:2026", tal.EnterPeriod("top", "paying_members", "2026")),
]


@pytest.mark.parametrize(("data", "expected"), OLD_BUTTONS, ids=[d for d, _ in OLD_BUTTONS])
def test_old_button_data_decodes_to_the_same_action(data: str, expected: Action) -> None:
    assert decode(data) == expected
    assert type(decode(data)) is type(expected)
    assert expected.encode() == data


def test_every_calendar_and_tally_action_has_an_old_button() -> None:
    """Each button kind is covered above, so a changed code or field order shows up here."""
    ours = {cls for cls in registered() if cls.code.split(":")[0] in ("cal", "tal")}
    assert ours == {type(a) for _, a in OLD_BUTTONS}


@pytest.mark.parametrize("cls", sorted(
    (c for c in registered() if c.code.split(":")[0] in ("cal", "tal")),
    key=lambda c: c.code), ids=lambda c: c.code)
def test_round_trip_with_longest_values(cls: type[Action]) -> None:
    values = {name: getattr(cls, "longest_" + name, MAX_ID) if kind is int
              else True if kind is bool else getattr(cls, "longest_" + name)
              for name, kind in cls._fields}
    act = cls(**values)
    assert decode(act.encode()) == act
    assert len(act.encode().encode()) <= 64


@pytest.mark.parametrize("data", [
    "cal:po", "cal:su:abc", "cal:su:1:2", f"cal:su:{MAX_ID + 1}", "cal:w:top", "cal:w:top:-1",
    "cal:w:top:x", "cal:rooms:-1", "cal:sub:top:2", "cal:sub:top", "cal:new:x:top",
    "cal:new:w", "cal:f:day:7", "cal:f:day:-1", "cal:f:days:1", "cal:f:dur:", "cal:f:save:1",
    "cal:prooms:top", "tal:t:occ.12:nonsense", "tal:p:occ.12:20261201:two",
    "tal:p:occ.12:20261201:-1", "tal:t:occ.12:20261201:0:-7", "tal:a:occ.12:20261301",
    "tal:a:occ.12:2026120", "tal:o:yesterday", "tal:e:top", "tal:rc:1", "tal:r",
    "tal:ep:top:paying_members", "tal:unknown:1",
])
def test_forged_or_stale_data_decodes_to_nothing(data: str) -> None:
    assert decode(data) is None


def test_a_room_with_a_colon_cannot_be_built_into_a_button() -> None:
    """Only the last str field may hold ':' (a time such as 18:00); a room id never does."""
    with pytest.raises(ValueError):
        cal.AgendaWeek("a:b", 0).encode()
    assert decode("tal:x:2021:top:extra") == tal.ReportXlsx("2021", "top:extra")  # refused
    # by the handler: "top:extra" is no configured room


def test_the_turf_day_is_a_real_date() -> None:
    assert tal.TurfActivity("occ.1", "20240229").date.isoformat() == "2024-02-29"
    with pytest.raises(ValueError):
        tal.TurfActivity("occ.1", "20230229")


@pytest.mark.parametrize("cls", [c for c in registered() if c.never_negative],
                         ids=lambda c: c.code)
def test_a_never_negative_field_refuses_a_negative_number(cls: type[Action]) -> None:
    """``never_negative`` (agenda offsets, /turf pages and people): 0 decodes, -1 does not,
    also where the class checks more itself (the /turf day)."""
    values = {name: 0 if kind is int else getattr(cls, "longest_" + name)
              for name, kind in cls._fields if kind is not bool}
    values.update({name: True for name, kind in cls._fields if kind is bool})
    assert decode(cls(**values).encode()) == cls(**values)
    for name in cls.never_negative:
        forged = cls.__new__(cls)
        for field, value in {**values, name: -1}.items():
            object.__setattr__(forged, field, value)
        assert decode(Action.encode(forged)) is None
