"""The neutral message survives the outbox as JSON, unchanged."""

from __future__ import annotations

import json

import pytest

from bot.actions import load_all
from bot.messaging.message import Attachment, Button, OutMessage, keyboard

load_all()


def test_round_trip_with_buttons_attachment_and_language() -> None:
    msg = OutMessage("<b>Hoi</b> &amp; dag",
                     (*keyboard([[("Ja", "meal:t:12"), ("Nee", "zz:unknown")]]), (Button("Kaart", url="https://example.org"),)),
                     Attachment("photo", data=b"\x89PNG\x00\xff", filename="c.png"),
                     replace=True, lang="ar")
    back = OutMessage.from_json(json.loads(json.dumps(msg.to_json())))
    assert back.text == msg.text and back.lang == "ar" and back.replace
    assert back.attachment == msg.attachment
    assert [[b.data for b in row] for row in back.buttons] == [["meal:t:12", "zz:unknown"],
                                                                 [None]]
    assert back.buttons[1][0].url == "https://example.org"


def test_plain_text_json_is_small() -> None:
    assert OutMessage("x").to_json() == {"text": "x"}
    assert OutMessage.from_json({"text": "x"}) == OutMessage("x")


def test_button_and_attachment_need_exactly_one_target() -> None:
    with pytest.raises(ValueError):
        Button("x")
    with pytest.raises(ValueError):
        Attachment("photo")


def test_typed_answer_keys_round_trip_and_render_as_a_reply_keyboard() -> None:
    from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove

    from bot.channels.telegram.render import reply_markup_of
    from bot.messaging.message import Key

    asked = OutMessage("Uw nummer?", keys=((Key("📞 Deel", asks_phone=True),), (Key("Nu niet"),)),
                       lang="nl")
    assert OutMessage.from_json(asked.to_json()) == asked
    shown = reply_markup_of(asked)
    assert isinstance(shown, ReplyKeyboardMarkup) and shown.one_time_keyboard
    assert shown.keyboard[0][0].request_contact and not shown.keyboard[1][0].request_contact
    done = OutMessage("Dank u.", clear_keys=True)
    assert OutMessage.from_json(done.to_json()) == done
    assert isinstance(reply_markup_of(done), ReplyKeyboardRemove)
    with pytest.raises(ValueError):
        OutMessage("x", buttons=((Button("a", url="https://example.org"),),),
                   keys=((Key("b"),),))
