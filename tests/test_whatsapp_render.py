"""A neutral message as WhatsApp shows it: every rule of bot/channels/whatsapp/render.py,
checked against WhatsApp's limits (the stand-in's validator is the referee)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.whatsapp.render import (
    BODY_MAX,
    TEXT_MAX,
    WaPayload,
    formatted,
    render,
    split_text,
)
from bot.i18n import FSI, RLM, plain
from bot.messaging.message import Attachment, Button, Key, OutMessage
from bot.sandbox.whatsapp import validate

HENK = "31612345678"


def checked(payloads: list[WaPayload]) -> list[WaPayload]:
    """Every payload passes Meta's checks (the stand-in's validator)."""
    for payload in payloads:
        body = payload.body("MEDIA1" if payload.attachment is not None else None)
        envelope = {"messaging_product": "whatsapp", "to": HENK, "type": payload.type,
                    payload.type: body}
        assert validate.check_envelope(envelope) == payload.type
        if payload.type == "text":
            validate.check_text(body)
        elif payload.type == "interactive":
            validate.check_interactive(body)
        elif payload.attachment is not None:
            validate.check_media(payload.type, body, {"MEDIA1"})
    return payloads


def out(message: OutMessage, wa_id: str | None = HENK) -> list[WaPayload]:
    return checked(render(message, wa_id))


def buttons(n: int, label: str = "Optie {i}") -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(label.format(i=i), f"t:{i}"),) for i in range(1, n + 1))


def titles(payload: WaPayload) -> list[str]:
    content = payload.content
    if content["type"] == "button":
        return [b["reply"]["title"] for b in content["action"]["buttons"]]
    return [r["title"] for s in content["action"]["sections"] for r in s["rows"]]


def ids(payload: WaPayload) -> list[str]:
    content = payload.content
    if content["type"] == "button":
        return [b["reply"]["id"] for b in content["action"]["buttons"]]
    return [r["id"] for s in content["action"]["sections"] for r in s["rows"]]


def rows(payload: WaPayload) -> list[dict[str, Any]]:
    return [r for s in payload.content["action"]["sections"] for r in s["rows"]]


# --- formatting ----------------------------------------------------------------------------


def test_html_becomes_whatsapp_markers_and_entities_are_unescaped() -> None:
    assert formatted("<b>Eten</b> op <i>maandag</i> &amp; <s>dinsdag</s>") == \
        "*Eten* op _maandag_ & ~dinsdag~"
    assert formatted("Code: <code>AB-12</code>") == "Code: ```AB-12```"
    assert formatted("&lt;geen tag&gt; &quot;x&quot; &#39;y&#39;") == '<geen tag> "x" \'y\''


def test_markers_hug_the_words_and_stay_inside_one_line() -> None:
    assert formatted("<b> Eten </b>!") == " *Eten* !"
    assert formatted("<b>regel een\nregel twee</b>") == "*regel een*\n*regel twee*"
    assert formatted("<b></b>leeg<i> </i>") == "leeg "
    assert formatted("<b>vet <b>dubbel</b></b>") == "*vet dubbel*"


def test_links_show_their_address() -> None:
    assert formatted('<a href="https://buurt.nl/agenda">de agenda</a>') == \
        "de agenda (https://buurt.nl/agenda)"
    assert formatted('<a href="https://buurt.nl">https://buurt.nl</a>') == "https://buurt.nl"
    assert formatted('<a href="https://buurt.nl/">buurt.nl</a>') == "https://buurt.nl/"
    assert formatted('<a href="tg://user?id=5">Fatima</a>') == "Fatima"


def test_code_keeps_its_text_as_it_is() -> None:
    assert formatted("<pre>a *b*\nc</pre>") == "```a *b*\nc```"
    assert formatted("<code><b>x</b></code>") == "```x```"


def test_a_quote_is_a_block_of_lines() -> None:
    assert formatted("Zij schreef:<blockquote>een\ntwee</blockquote>Dank") == \
        "Zij schreef:\n> een\n> twee\nDank"


def test_unknown_and_stray_tags_leave_the_text() -> None:
    assert formatted("<u>onder</u> <span class='tg-spoiler'>geheim</span></b> rest") == \
        "onder geheim rest"


# --- text ------------------------------------------------------------------------------------


def test_plain_text_is_one_text_message_without_preview() -> None:
    [payload] = out(OutMessage("Hallo <b>Henk</b>"))
    assert payload.type == "text"
    assert payload.content == {"body": "Hallo *Henk*", "preview_url": False}


def test_a_long_text_is_split_at_paragraphs_and_nothing_is_lost() -> None:
    paragraphs = [f"Alinea {i}. " + "woord " * 150 for i in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 2 * TEXT_MAX
    payloads = out(OutMessage(text))
    assert len(payloads) >= 3 and {p.type for p in payloads} == {"text"}
    bodies = [p.content["body"] for p in payloads]
    assert all(len(b) <= TEXT_MAX for b in bodies)
    assert all(b.startswith("Alinea ") for b in bodies)  # cut between paragraphs
    assert "\n\n".join(bodies) == text


def test_split_falls_back_to_lines_then_words() -> None:
    one_paragraph = "\n".join("regel " * 20 for _ in range(60))
    pieces = split_text(one_paragraph, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert [w for p in pieces for w in p.split()] == one_paragraph.split()
    words = "woord " * 2000
    assert [w for p in split_text(words, 4096) for w in p.split()] == words.split()
    assert split_text("x" * 5000, 4096) == ["x" * 4096, "x" * 904]


# --- buttons ---------------------------------------------------------------------------------


def test_three_short_actions_are_reply_buttons_with_the_action_ids() -> None:
    [payload] = out(OutMessage("Komt u?", buttons=((Button("Ja", "m:y:1"),
                                                      Button("Nee", "m:n:1")),
                                                     (Button("Misschien", "m:m:1"),))))
    assert payload.type == "interactive" and payload.content["type"] == "button"
    assert payload.content["body"]["text"] == "Komt u?"
    assert titles(payload) == ["Ja", "Nee", "Misschien"]
    assert ids(payload) == ["m:y:1", "m:n:1", "m:m:1"]


def test_four_actions_become_one_list() -> None:
    [payload] = out(OutMessage("Kies een dag", buttons=buttons(4)))
    assert payload.content["type"] == "list"
    assert titles(payload) == ["Optie 1", "Optie 2", "Optie 3", "Optie 4"]
    assert payload.content["action"]["button"] == "Kies"  # Dutch by default


def test_a_title_longer_than_20_makes_a_list_even_for_two() -> None:
    [payload] = out(OutMessage("x", buttons=((Button("Ik kom met twee gasten", "a:1"),
                                               Button("Nee", "a:2")),)))
    assert payload.content["type"] == "list"
    assert titles(payload) == ["Ik kom met twee gasten", "Nee"]


def test_ten_actions_are_one_list_eleven_are_two_balanced_lists() -> None:
    [ten] = out(OutMessage("Tien", buttons=buttons(10)))
    assert len(titles(ten)) == 10 and "footer" not in ten.content
    first, second = out(OutMessage("Elf", buttons=buttons(11)))
    assert (len(ids(first)), len(ids(second))) == (6, 5)
    assert ids(first) + ids(second) == [f"t:{i}" for i in range(1, 12)]
    assert first.content["body"]["text"] == "Elf"
    assert (first.content["footer"]["text"], second.content["footer"]["text"]) == ("1/2", "2/2")
    assert second.content["body"]["text"] == "Meer keuzes"


def test_twenty_five_actions_lose_nothing() -> None:
    payloads = out(OutMessage("Veel", buttons=buttons(25)))
    assert len(payloads) == 3
    assert [i for p in payloads for i in ids(p)] == [f"t:{i}" for i in range(1, 26)]
    assert [p.content["footer"]["text"] for p in payloads] == ["1/3", "2/3", "3/3"]
    assert all(len(ids(p)) <= 10 for p in payloads)


def test_long_labels_keep_their_first_words_as_title_and_the_rest_as_description() -> None:
    label = "Maandag 7 december 18:00 eettafel met soep (3 plekken vrij)"
    [payload] = out(OutMessage("Wanneer?", buttons=((Button(label, "m:su:7"),),
                                                    (Button("Andere dag", "m:other"),))))
    row = rows(payload)[0]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert label.startswith(row["title"][:-1])
    assert row["title"][:-1] + " " + row["description"] == label
    assert row["id"] == "m:su:7"


def test_duplicate_labels_are_made_unique_and_duplicate_actions_go_once() -> None:
    [payload] = out(OutMessage("x", buttons=((Button("Ja", "a:1"), Button("Ja", "a:2")),
                                             (Button("Ja", "a:1"),))))
    assert titles(payload) == ["Ja", "Ja (2)"]
    assert ids(payload) == ["a:1", "a:2"]
    long = "Dinsdag 8 december eettafel"
    [listing] = out(OutMessage("x", buttons=tuple(
        (Button(long + suffix, f"b:{n}"),) for n, suffix in enumerate([" soep", " stamppot",
                                                                       " curry", " pasta"]))))
    shown = titles(listing)
    assert len(set(shown)) == 4 and all(len(t) <= 24 for t in shown)


def test_a_long_text_with_buttons_goes_first_as_text_then_a_short_interactive() -> None:
    text = "\n\n".join(f"Punt {i}: " + "uitleg " * 40 for i in range(8)) + "\n\nKomt u?"
    assert len(text) > BODY_MAX
    payloads = out(OutMessage(text, buttons=((Button("Ja", "a:y"), Button("Nee", "a:n")),)))
    assert [p.type for p in payloads[:-1]] == ["text"] * (len(payloads) - 1)
    last = payloads[-1]
    assert last.content["type"] == "button"
    assert len(last.content["body"]["text"]) <= BODY_MAX
    assert last.content["body"]["text"].endswith("Komt u?")
    shown = "\n\n".join([p.content["body"] for p in payloads[:-1]]
                        + [last.content["body"]["text"]])
    assert shown == text


def test_buttons_without_text_get_a_short_question() -> None:
    [payload] = out(OutMessage("", buttons=((Button("Ja", "a:y"),),)))
    assert payload.content["body"]["text"] == "Kies een van deze."


def test_replace_is_a_new_message() -> None:
    assert out(OutMessage("Nieuw", replace=True)) == out(OutMessage("Nieuw"))


# --- links -----------------------------------------------------------------------------------


def test_one_link_as_the_only_button_is_a_cta_url() -> None:
    [payload] = out(OutMessage("Het programma", buttons=((Button("Open", url="https://x.nl/p"),),)))
    assert payload.content["type"] == "cta_url"
    assert payload.content["action"]["parameters"] == {"display_text": "Open",
                                                       "url": "https://x.nl/p"}


def test_links_next_to_actions_become_lines_in_the_text() -> None:
    [payload] = out(OutMessage("Kies", buttons=((Button("Ja", "a:y"),),
                                                (Button("Agenda", url="https://x.nl/a"),
                                                 Button("Kaart", url="https://x.nl/k")))))
    assert payload.content["type"] == "button" and titles(payload) == ["Ja"]
    assert payload.content["body"]["text"] == \
        "Kies\n\nAgenda: https://x.nl/a\nKaart: https://x.nl/k"


# --- keys --------------------------------------------------------------------------------------


def test_typed_answer_keys_are_buttons_whose_id_is_the_full_label() -> None:
    [payload] = out(OutMessage("Hoeveel gasten?", keys=((Key("0"), Key("1")), (Key("2"),))))
    assert ids(payload) == ["k:0", "k:1", "k:2"] and titles(payload) == ["0", "1", "2"]
    many = out(OutMessage("Welke dag?", keys=tuple((Key(d),) for d in
                                                   ["maandag", "dinsdag", "woensdag",
                                                    "donderdag"])))
    assert ids(many[0]) == ["k:maandag", "k:dinsdag", "k:woensdag", "k:donderdag"]


def test_a_phone_key_offers_the_number_whatsapp_knows() -> None:
    message = OutMessage("Deel uw nummer.", keys=((Key("📞 Deel mijn nummer", asks_phone=True),),
                                                 (Key("Niet nu"),)))
    [payload] = out(message)
    assert ids(payload) == [f"k:+{HENK}", "k:Niet nu"]
    assert titles(payload) == ["📞 Gebruik dit nummer", "Niet nu"]
    assert f"+{HENK}" in payload.content["body"]["text"]
    # Without the person's number: only what can be typed or tapped.
    [unknown] = out(message, wa_id=None)
    assert ids(unknown) == ["k:Niet nu"]


def test_clearing_keys_sends_only_the_text() -> None:
    [payload] = out(OutMessage("Dank u.", clear_keys=True))
    assert payload.type == "text" and payload.content["body"] == "Dank u."
    assert out(OutMessage("", clear_keys=True)) == []


# --- right to left ---------------------------------------------------------------------------


def test_arabic_gets_the_same_marks_as_on_telegram_counted_in_the_limits() -> None:
    [payload] = out(OutMessage("هل تأتي؟\n18:00 العشاء", lang="ar",
                               buttons=((Button("نعم", "a:y"), Button("لا", "a:n")),)))
    assert payload.content["body"]["text"] == f"{RLM}هل تأتي؟\n{RLM}18:00 العشاء"
    assert titles(payload) == [f"{RLM}نعم", f"{RLM}لا"]
    # A 20-letter Arabic title is 21 with its mark: a list row, not a refused button.
    arabic = "ا" * 20
    [listing] = out(OutMessage("x", lang="ar", buttons=((Button(arabic, "a:1"),),)))
    assert listing.content["type"] == "list" and titles(listing) == [RLM + arabic]
    assert listing.content["action"]["button"] == RLM + "اختر"


def test_arabic_phone_number_is_isolated() -> None:
    [payload] = out(OutMessage("رقمك", lang="ar", keys=((Key("📞", asks_phone=True),),)))
    assert f"{FSI}+{HENK}" in payload.content["body"]["text"]


# --- attachments -----------------------------------------------------------------------------


def test_photo_document_voice_become_image_document_audio() -> None:
    [photo] = out(OutMessage("Mijn brief", attachment=Attachment("photo", media_id="wa:1")))
    assert photo.type == "image" and photo.body("M") == {"caption": "Mijn brief", "id": "M"}
    [doc] = out(OutMessage("", attachment=Attachment("document", data=b"%PDF",
                                                     filename="rapport.pdf")))
    assert doc.type == "document" and doc.body("M") == {"filename": "rapport.pdf", "id": "M"}
    voice, caption = out(OutMessage("Spraakbericht van Henk",
                                    attachment=Attachment("voice", media_id="wa:2")))
    assert voice.type == "audio" and voice.body("M") == {"id": "M"}  # audio has no caption
    assert caption.type == "text" and caption.content["body"] == "Spraakbericht van Henk"


def test_a_long_caption_or_choices_follow_the_media_as_their_own_message() -> None:
    text = "brief " * 300
    photo, *rest = out(OutMessage(text, attachment=Attachment("photo", media_id="wa:1")))
    assert "caption" not in photo.content
    assert [p.type for p in rest] == ["text"] and rest[0].content["body"] == text.strip()
    photo, choice = out(OutMessage("Is dit goed?", attachment=Attachment("photo", media_id="x"),
                                   buttons=((Button("Ja", "h:y"),),)))
    assert photo.type == "image" and "caption" not in photo.content
    assert choice.content["type"] == "button" and choice.content["body"]["text"] == "Is dit goed?"


@pytest.mark.parametrize("n", [3, 4, 10, 11, 25])
def test_every_count_of_choices_passes_meta_checks(n: int) -> None:
    payloads = out(OutMessage("Kies", buttons=buttons(n, "Een heel lange keuze nummer {i}"),
                              lang="ar"))
    assert sum(len(ids(p)) for p in payloads) == n
    assert all(plain(t) for p in payloads for t in titles(p))
