"""The buttons of the belronde, surveys, volunteer hours, ops and announcements as typed
actions: each round-trips, and the strings these buttons carried before (still in people's
chats, still tapped by the end-to-end tests) decode to the same actions."""

from __future__ import annotations

import pytest

from bot.actions import Action, decode, ops, registered
from bot.actions import announcements as ann
from bot.actions import checkins as chk
from bot.actions import hours as vh
from bot.actions import surveys as srv

#: Today's literal button data → the action it must decode to.
LITERALS: dict[str, Action] = {
    # belronde
    "chk:on": chk.CheckinOptIn(),
    "chk:no": chk.CheckinNoThanks(),
    "chk:stop": chk.CheckinStop(),
    "chk:days": chk.CheckinAskDay(),
    "chk:day:3": chk.CheckinSetDay("3"),
    "chk:day:d": chk.CheckinSetDay("d"),
    "chk:parts": chk.CheckinAskPart(),
    "chk:part:evening": chk.CheckinSetPart("evening"),
    "chk:part:d": chk.CheckinSetPart("d"),
    "chk:pauses": chk.CheckinAskPause(),
    "chk:pause:2026-11-01": chk.CheckinPause("2026-11-01"),
    "chk:resume": chk.CheckinResume(),
    "chk:phone": chk.CheckinPhone(),
    "chk:a:2:b": chk.CheckinAnswer(2, "b"),
    "chk:take:1": chk.FollowupTake(1),
    "chk:done:1": chk.FollowupDone(1),
    "chk:out:stop": chk.FollowupOutcome("stop"),
    "chk:out:keep": chk.FollowupOutcome("keep"),
    "chk:nonote": chk.FollowupNoNote(),
    "chk:people": chk.ExtraAttentionList(),
    "chk:xa:7": chk.ExtraAttentionToggle(7),
    "chk:me": chk.OwnCheckin(),
    # surveys
    "srv:list": srv.SurveyList(),
    "srv:a:4:1:5": srv.SurveyAnswer(4, 1, 5),
    "srv:a:4:0:0": srv.SurveyAnswer(4, 0, 0),
    "srv:redo:4": srv.SurveyRedo(4),
    "srv:pnew:4": srv.SurveyPaperNew(4),
    "srv:p:4:1a2b3c4d:0:3": srv.SurveyPaperAnswer(4, "1a2b3c4d", 0, 3),
    "srv:new": srv.SurveyNew(),
    "srv:kind:residents": srv.SurveyKind("residents"),
    "srv:room:volunteers:top": srv.SurveyRoom("volunteers", "top"),
    "srv:room:residents:all": srv.SurveyRoom("residents", "all"),
    "srv:go:residents:hart:0a1b2c3d": srv.SurveyGo("residents", "hart", "0a1b2c3d"),
    "srv:close:4": srv.SurveyClose(4),
    "srv:closeok:4": srv.SurveyCloseConfirmed(4),
    "srv:res:4": srv.SurveyResults(4),
    # volunteer hours
    "vh:menu": vh.HoursMenu(),
    "vh:h:2026-W48:1-2": vh.HoursGiven("2026-W48", "1-2"),
    "vh:h:2026-W48:p45": vh.HoursGiven("2026-W48", "p45"),
    "vh:h:2026-W48:0": vh.HoursGiven("2026-W48", "0"),
    "vh:more:2026-W47": vh.HoursType("2026-W47"),
    "vh:week:2026-W47": vh.HoursWeek("2026-W47"),
    "vh:ask:0": vh.HoursAsking(False),
    "vh:ask:1": vh.HoursAsking(True),
    "vh:groups": vh.MyGroups(),
    "vh:g:kookgroep:1": vh.MyGroupToggle("kookgroep", True),
    "vh:v:12": vh.VolunteerOpen(12),
    "vh:key:12:0": vh.KeyholderSet(12, False),
    "vh:cg:12:taalteam:1": vh.TheirGroupToggle(12, "taalteam", True),
    # ops
    "ops:qr:top": ops.QrSign("top"),
    "ops:feed:top": ops.FeedLink("top"),
    "ops:feedn:top": ops.FeedRenewAsk("top"),
    "ops:feedy:top": ops.FeedRenew("top"),
    # announcements
    "ann:stop": ann.AnnouncementStop(),
    "ann:aud:vol_room": ann.AnnouncementAudience("vol_room"),
    "ann:lang:ar": ann.AnnouncementLanguage("ar"),
    "ann:grp": ann.AnnouncementGroups(),
    "ann:go:0123456789abcdef": ann.AnnouncementSend("0123456789abcdef"),
    "ann:later": ann.AnnouncementLater(),
    "ann:back": ann.AnnouncementBack(),
    "ann:unsched:424242": ann.AnnouncementUnschedule(424242),
    "ann:who:3": ann.AnnouncementNotReached(3),
    "ann:prefs": ann.AnnouncementPrefs(),
    "ann:sub:0": ann.AnnouncementSubscribe(False),
    "ann:sub:1": ann.AnnouncementSubscribe(True),
}


@pytest.mark.parametrize("data", sorted(LITERALS))
def test_todays_strings_decode_to_the_same_action_and_back(data: str) -> None:
    expected = LITERALS[data]
    assert decode(data) == expected
    assert type(decode(data)) is type(expected)
    assert expected.encode() == data


def test_every_action_of_these_features_is_covered() -> None:
    """Every registered button kind of these modules (a shared base such as ``_OfRoom`` is
    no button kind) has a literal."""
    covered = {type(found) for found in LITERALS.values()}
    kinds = set(registered())
    for module in (chk, srv, vh, ops, ann):
        for value in vars(module).values():
            if isinstance(value, type) and value in kinds:
                assert value in covered, value.__name__


@pytest.mark.parametrize("data", [
    "chk:day:7", "chk:day:mon", "chk:part:night", "chk:pause:morgen", "chk:pause:2026-13-01",
    "chk:a:2:x", "chk:a:x:b", "chk:out:maybe", "chk:on:1", "chk:take", "chk:xa:1:2",
    "srv:kind:everyone", "srv:room:x:top", "srv:go:residents:top:" + "a" * 17, "srv:a:1:2",
    "srv:p:1::0:3", "srv:a:1:0:11", "srv:a:1:10:1", "srv:a:1:-1:1",
    "vh:h:2026-48:0", "vh:h:2026-W48:7", "vh:h:2026-W48:p", "vh:ask:2", "vh:more:soon",
    "vh:key:12:yes",
    "ops:qr", "ops:feed",
    "ann:aud:everyone", "ann:go:", "ann:go:" + "a" * 33, "ann:sub:2", "ann:who:x",
])
def test_offers_the_bot_never_makes_are_refused(data: str) -> None:
    assert decode(data) is None


def test_the_choices_match_the_features_rules() -> None:
    """The actions refuse what the features would refuse; the lists must not drift apart."""
    from bot.handlers.announcements.render import AUDIENCE_LABELS
    from bot.handlers.checkins.texts import ANSWER_CODES
    from bot.services.checkins import DAYPARTS
    from bot.services.surveys import QUESTIONS
    from bot.services.volunteer_work import BUTTON_HOURS, MAX_HOURS_WEEK

    assert set(chk.ANSWER_CODES) == set(ANSWER_CODES)
    assert set(chk.DAYPART_CODES) == {*DAYPARTS, "d"}
    assert set(srv.SURVEY_KINDS) == set(QUESTIONS)
    assert set(vh.HOURS_CHOICES) == set(BUTTON_HOURS)
    assert vh.HoursGiven("2026-W48", f"p{MAX_HOURS_WEEK * 10}")
    assert set(ann.AUDIENCES) == set(AUDIENCE_LABELS)
