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
