"""The survey buttons (``srv:``): one-tap answers, paper forms, and the coordinator's rounds.

Wire format as it always was (``srv:a:<round>:<question>:<answer>``), so questions already in
people's chats keep working. A survey kind other than the two there are, or a nonce longer
than the bot makes, is refused here (decodes to None → "this button no longer works").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.actions import Action, action

#: The kinds of survey (``bot.services.surveys.QUESTIONS``).
SURVEY_KINDS = ("residents", "volunteers")
#: "All BuurtWerkKamers" as a room value.
ALL_ROOMS = "all"


#: A question's index and an answer's value are small (2 questions; answers 0 = "I do not
#: know", 1…10). ``longest_index``/``longest_value`` tell the 64-byte check so.
MAX_INDEX = 9
MAX_VALUE = 10


def _check_answer(index: int, value: int) -> None:
    if not 0 <= index <= MAX_INDEX or not 0 <= value <= MAX_VALUE:
        raise ValueError((index, value))


@action("srv:list")
@dataclass(frozen=True)
class SurveyList(Action):
    """Back to the overview of the rounds (/enquete)."""


@action("srv:a")
@dataclass(frozen=True)
class SurveyAnswer(Action):
    """A respondent's own answer to question ``index`` of a round."""

    round_id: int
    index: int
    value: int
    longest_index: ClassVar[int] = MAX_INDEX
    longest_value: ClassVar[int] = MAX_VALUE

    def __post_init__(self) -> None:
        _check_answer(self.index, self.value)


@action("srv:redo")
@dataclass(frozen=True)
class SurveyRedo(Action):
    round_id: int


@action("srv:pnew")
@dataclass(frozen=True)
class SurveyPaperNew(Action):
    """A volunteer starts entering the next paper form."""

    round_id: int


@action("srv:p")
@dataclass(frozen=True)
class SurveyPaperAnswer(Action):
    """One answer on a paper form (``form`` keeps the answers of one form together)."""

    round_id: int
    form: str
    index: int
    value: int
    longest_form: ClassVar[str] = "0123abcd"  # SurveyService.new_form_key(): 8 hex digits
    longest_index: ClassVar[int] = MAX_INDEX
    longest_value: ClassVar[int] = MAX_VALUE

    def __post_init__(self) -> None:
        _check_answer(self.index, self.value)
        if not self.form or len(self.form) > 16:
            raise ValueError(self.form)


@action("srv:new")
@dataclass(frozen=True)
class SurveyNew(Action):
    pass


@action("srv:kind")
@dataclass(frozen=True)
class SurveyKind(Action):
    kind: str
    choices = {"kind": SURVEY_KINDS}


@action("srv:room")
@dataclass(frozen=True)
class SurveyRoom(Action):
    """The preview for one room (or ``all``); whether the room exists is the config's."""

    kind: str
    room: str
    longest_room: ClassVar[str] = "leidsche-rijn"
    choices = {"kind": SURVEY_KINDS}


@action("srv:go")
@dataclass(frozen=True)
class SurveyGo(Action):
    """Send the survey; ``nonce`` makes a second tap on the same preview start nothing new."""

    kind: str
    room: str
    nonce: str
    longest_room: ClassVar[str] = "leidsche-rijn"
    longest_nonce: ClassVar[str] = "0123abcd"
    choices = {"kind": SURVEY_KINDS}

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.nonce or len(self.nonce) > 16:
            raise ValueError(self.nonce)


@action("srv:close")
@dataclass(frozen=True)
class SurveyClose(Action):
    round_id: int


@action("srv:closeok")
@dataclass(frozen=True)
class SurveyCloseConfirmed(Action):
    round_id: int


@action("srv:res")
@dataclass(frozen=True)
class SurveyResults(Action):
    round_id: int
