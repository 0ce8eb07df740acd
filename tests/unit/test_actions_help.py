"""The help, account, volunteer and report buttons as typed actions: every kind round-trips,
and the literal strings in people's chats (and in today's tests) decode to the same actions.
"""

from __future__ import annotations

import pytest

from bot.actions import MAX_BYTES, MAX_ID, Action, decode, registered
from bot.actions import account as acc
from bot.actions import help as hlp
from bot.actions import reports as rpt
from bot.actions import volunteers as vol

#: (the string a button carried before typed actions, the action it is now)
WIRE: list[tuple[str, Action]] = [
    ("help:new", hlp.NewRequest()),
    ("help:offer:yes", hlp.OfferYes()),
    ("help:offer:no", hlp.OfferNo()),
    ("help:k:letter", hlp.ChooseKind("letter")),
    ("help:k:odd_job", hlp.ChooseKind("odd_job")),
    ("help:next", hlp.DetailsNext()),
    ("help:stop", hlp.StopIntake()),
    ("help:w:week", hlp.ChooseWhen("week")),
    ("help:w:date", hlp.ChooseWhen("date")),
    ("help:c:call", hlp.ChooseContact("call")),
    ("help:c:message", hlp.ChooseContact("message")),
    ("help:ph:keep", hlp.KeepPhone()),
    ("help:send:Ab-_9xYz0123", hlp.SendRequest("Ab-_9xYz0123")),
    ("help:send:", hlp.SendRequest("")),
    ("help:mine", hlp.MyRequests()),
    ("help:cx:7", hlp.AskCancel(7)),
    ("help:cxok:7", hlp.ConfirmCancel(7)),
    ("help:queue", hlp.Queue()),
    ("help:take:12", hlp.TakeOn(12)),
    ("help:view:12", hlp.ViewRequest(12)),
    ("help:media:12", hlp.ResendMedia(12)),
    ("help:hb:12", hlp.HandBack(12)),
    ("help:done:12", hlp.AskOutcome(12)),
    ("help:dn:12:helped", hlp.MarkDone(12, "helped")),
    ("help:dn:12:not_helped", hlp.MarkDone(12, "not_helped")),
    ("help:note:12", hlp.AddNote(12)),
    ("help:nostop", hlp.StopNote()),
    ("help:skills", hlp.Skills()),
    ("help:sk:werk", hlp.ToggleSkill("werk")),
    ("help:sk:formulierenbrigade", hlp.ToggleSkill("formulierenbrigade")),
    ("help:ref:12", hlp.AskPartner(12)),
    ("help:rp:12:buurtteam", hlp.ChoosePartner(12, "buurtteam")),
    ("help:rnc:12", hlp.NoConsent(12)),
    ("help:rt:12:buurtteam:1", hlp.ChooseTogether(12, "buurtteam", True)),
    ("help:rt:12:buurtteam:0", hlp.ChooseTogether(12, "buurtteam", False)),
    ("help:rf:12:buurtteam:0:7", hlp.Refer(12, "buurtteam", False, "7")),
    ("help:rf:12:ucentraal:1:0", hlp.Refer(12, "ucentraal", True, "0")),
    ("help:fp:12", hlp.AskFromPartner(12)),
    ("help:fpp:12:taalhuis", hlp.FromPartner(12, "taalhuis")),
    ("help:fu:3:not_yet", hlp.FollowupAnswer(3, "not_yet")),
    ("acc:lang", acc.AskLanguage()),
    ("acc:setlang:ar", acc.SetLanguage("ar")),
    ("acc:room", acc.AskRoom()),
    ("acc:setroom:hart", acc.SetRoom("hart")),
    ("acc:keeproom", acc.KeepRoom()),
    ("acc:privacy", acc.ShowPrivacy()),
    ("acc:data", acc.MyData()),
    ("acc:erase", acc.AskErase()),
    ("acc:erase:yes", acc.EraseYes()),
    ("acc:erase:no", acc.EraseNo()),
    ("acc:newcomer", acc.NewcomerSettings()),
    ("vol:new", vol.AskInviteRoom()),
    ("vol:invite:top", vol.CreateInvite("top")),
    ("vol:rm:5", vol.AskRemove(5)),
    ("vol:rmok:5", vol.ConfirmRemove(5)),
    ("rpt:pw:9", rpt.PaidWork(9)),
    ("rpt:nc:9", rpt.AskNewcomer(9)),
    ("rpt:ncy:9", rpt.MarkNewcomer(9)),
    ("nwk:yes", rpt.NewcomerAnswer("yes")),
    ("nwk:no", rpt.NewcomerAnswer("no")),
    ("nwk:skip", rpt.NewcomerAnswer("skip")),
]

MODULES = (hlp, acc, vol, rpt)


def _own_types() -> list[type[Action]]:
    return [value for module in MODULES for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Action) and value is not Action
            and value.__module__ == module.__name__]


@pytest.mark.parametrize(("data", "expected"), WIRE, ids=[data for data, _ in WIRE])
def test_todays_strings_decode_to_the_same_action(data: str, expected: Action) -> None:
    assert decode(data) == expected
    assert expected.encode() == data


def test_every_action_of_these_features_is_covered_and_round_trips() -> None:
    covered = {type(found) for _, found in WIRE}
    assert set(_own_types()) == covered
    for cls in _own_types():
        values = {}
        for name, kind in cls._fields:
            values[name] = MAX_ID if kind is int else True if kind is bool else \
                getattr(cls, "longest_" + name)  # every str field names its longest value
        built = cls(**values)
        assert len(built.encode().encode()) <= MAX_BYTES
        assert decode(built.encode()) == built


@pytest.mark.parametrize("data", [
    "help:k:rocket", "help:w:bogus", "help:c:pigeon", "help:dn:12:maybe", "help:sk:juggling",
    "help:fu:3:perhaps", "help:rt:12:buurtteam:2", "help:rf:12:buurtteam:2:7",
    "help:rf:12:buurtteam:0:07",
    "help:rp:12:a:b", "help:rp:12:", "help:fpp:12:", "help:take", "help:take:x",
    f"help:take:{2**64 + 1}", "help:send", "help:next:1", "acc:setlang:fr", "acc:setlang:",
    "acc:erase:", "acc:erase:maybe", "vol:rm:notanumber", "vol:rmok:", "nwk:maybe", "nwk",
    "rpt:pw:", "help:31",
])
def test_forged_or_stale_strings_decode_to_nothing(data: str) -> None:
    assert decode(data) is None


@pytest.mark.parametrize("cls", [c for c in registered() if c.choices], ids=lambda c: c.code)
def test_a_field_with_choices_takes_only_those_and_names_its_longest(cls: type[Action]) -> None:
    """``choices`` (help's kinds, languages, check-in answers, ...): every allowed value
    round-trips, anything else does not decode, and the longest value is the one the 64-byte
    check uses. Also for a class with its own ``__post_init__`` (it must call super)."""
    base = {name: {int: MAX_ID, bool: True}.get(kind, "") for name, kind in cls._fields}
    for name, allowed in cls.choices.items():
        assert getattr(cls, "longest_" + name) == max(allowed, key=len)
        others = {n: getattr(cls, "longest_" + n, "x") for n, k in cls._fields
                  if k is str and n != name}
        for value in allowed:
            act = cls(**{**base, **others, name: value})
            assert decode(act.encode()) == act
        forged = cls.__new__(cls)
        for field, value in {**base, **others, name: "zz-forged"}.items():
            object.__setattr__(forged, field, value)
        assert decode(Action.encode(forged)) is None
