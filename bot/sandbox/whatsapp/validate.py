"""Payload checks of ``POST /{phone_number_id}/messages``, the way Meta refuses them.

Lengths count characters (Python ``len``, as Meta counts code points). Each rule is
accepted at its limit and refused one over, with Meta's code: 100 for a parameter of the
wrong shape or length, 131009 for an interactive value it does not allow, 131008 for a
missing one. Templates are checked against the template store (``templates.py``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.whatsapp.errors import WaError, invalid, missing, not_valid

TEXT_MAX = 4096
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
CAPTION_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
CTA_TEXT_MAX = 20

MESSAGE_TYPES = ("text", "interactive", "template", "image", "document", "audio", "video",
                 "sticker", "location", "contacts", "reaction")
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
_CAPTIONED = ("image", "document", "video")
_TO = re.compile(r"\+?[0-9]{6,15}")


def wa_id_of(to: Any) -> str:
    """The WhatsApp id of ``to`` (digits, country code first); refuses anything else."""
    if not isinstance(to, str) or not _TO.fullmatch(to.strip()):
        raise invalid(f"Param to must be a phone number (digits with country code) - got "
                      f"{to!r}")
    return to.strip().lstrip("+")


def check_envelope(body: Any) -> str:
    """messaging_product, recipient_type, to, type; returns the message type."""
    if not isinstance(body, dict):
        raise invalid("Invalid parameter: a JSON object is expected")
    product = body.get("messaging_product")
    if product is None:
        raise invalid("The parameter messaging_product is required.")
    if product != "whatsapp":
        raise invalid(f'Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')
    rtype = body.get("recipient_type", "individual")
    if rtype != "individual":
        raise invalid(f'Param recipient_type must be one of {{INDIVIDUAL}} - got "{rtype}".')
    if "to" not in body:
        raise missing("The parameter to is required.")
    wa_id_of(body["to"])
    kind = body.get("type", "text")
    if kind not in MESSAGE_TYPES:
        raise invalid(f"Param type must be one of {{{', '.join(t.upper() for t in MESSAGE_TYPES)}}}"
                      f" - got \"{kind}\".")
    if not isinstance(body.get(kind), dict) and kind != "contacts":
        raise missing(f"The parameter {kind} is required.")
    context = body.get("context")
    if context is not None and not (isinstance(context, dict)
                                    and isinstance(context.get("message_id"), str)):
        raise invalid("Param context['message_id'] must be a string.")
    return kind


def check_text(text: dict[str, Any]) -> None:
    body = text.get("body")
    if not isinstance(body, str) or not body.strip():
        raise missing("The parameter text['body'] is required.")
    _at_most("text['body']", body, TEXT_MAX)
    if not isinstance(text.get("preview_url", False), bool):
        raise invalid("Param text['preview_url'] must be a boolean.")


def check_interactive(inter: dict[str, Any]) -> None:
    kind = inter.get("type")
    if kind not in ("button", "list", "cta_url"):
        raise invalid(f"Param interactive['type'] must be one of {{BUTTON, LIST, CTA_URL}} - got "
                      f"\"{kind}\".")
    body = inter.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
        raise missing("The parameter interactive['body']['text'] is required.")
    _at_most("interactive['body']['text']", body["text"], BODY_MAX)
    header = inter.get("header")
    if header is not None:
        if not isinstance(header, dict) or header.get("type") not in (
                "text", "image", "document", "video"):
            raise invalid("Param interactive['header']['type'] must be one of {TEXT, IMAGE, "
                          "DOCUMENT, VIDEO}.")
        if header["type"] == "text":
            _required_text("interactive['header']['text']", header.get("text"), HEADER_MAX)
        elif kind == "list":
            raise not_valid("Header type for list messages must be text.")
    footer = inter.get("footer")
    if footer is not None:
        if not isinstance(footer, dict):
            raise invalid("Param interactive['footer'] must be an object.")
        _required_text("interactive['footer']['text']", footer.get("text"), FOOTER_MAX)
    action = inter.get("action")
    if not isinstance(action, dict):
        raise missing("The parameter interactive['action'] is required.")
    if kind == "button":
        _check_buttons(action)
    elif kind == "list":
        _check_list(action)
    else:
        _check_cta(action)


def _check_length(value: Any, maximum: int, what: str) -> None:
    """Meta's answer to a title, id or label that is no string of 1 to ``maximum`` characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= maximum:
        raise not_valid(f"{what} length invalid. Min length: 1, Max length: {maximum}")


def _items(action: dict[str, Any], key: str, maximum: int, too_many: str) -> list[Any]:
    """``action[key]``, a list of 1 to ``maximum`` items; else Meta's answer (``too_many``
    past the maximum)."""
    items = action.get(key)
    if not isinstance(items, list) or not items:
        raise missing(f"The parameter interactive['action']['{key}'] is required.")
    if len(items) > maximum:
        raise not_valid(too_many)
    return items


def _check_buttons(action: dict[str, Any]) -> None:
    buttons = _items(action, "buttons", BUTTONS_MAX,
                     f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: "
                     f"{BUTTONS_MAX}")
    titles: set[str] = set()
    ids: set[str] = set()
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") != "reply" or not isinstance(
                button.get("reply"), dict):
            raise invalid("Param interactive['action']['buttons'][]['type'] must be one of "
                          "{REPLY}.")
        reply = button["reply"]
        title, bid = reply.get("title"), reply.get("id")
        _check_length(title, BUTTON_TITLE_MAX, "Button title")
        _check_length(bid, BUTTON_ID_MAX, "Button id")
        if title in titles:
            raise not_valid("Button title is not unique")
        if bid in ids:
            raise not_valid("Duplicate button ids not allowed")
        titles.add(title)
        ids.add(bid)


def _check_list(action: dict[str, Any]) -> None:
    label = action.get("button")
    _check_length(label, LIST_BUTTON_MAX, "Button label")
    sections = _items(action, "sections", SECTIONS_MAX,
                      f"Too many sections. Min allowed sections: 1, Max allowed sections: "
                      f"{SECTIONS_MAX}")
    ids: set[str] = set()
    total = 0
    for section in sections:
        if not isinstance(section, dict):
            raise invalid("Param interactive['action']['sections'][] must be an object.")
        title = section.get("title")
        if len(sections) > 1 and not title:
            raise missing("Section title is required when there is more than one section.")
        if title is not None:
            _required_text("interactive['action']['sections'][]['title']", title,
                           SECTION_TITLE_MAX)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing("The parameter interactive['action']['sections'][]['rows'] is "
                          "required.")
        total += len(rows)
        if total > ROWS_MAX:
            raise not_valid(f"Total row count exceed max allowed count: {ROWS_MAX}")
        for row in rows:
            if not isinstance(row, dict):
                raise invalid("Param interactive['action']['sections'][]['rows'][] must be an "
                              "object.")
            rtitle, rid, desc = row.get("title"), row.get("id"), row.get("description")
            _check_length(rtitle, ROW_TITLE_MAX, "Row title")
            _check_length(rid, ROW_ID_MAX, "Row id")
            if desc is not None and (not isinstance(desc, str)
                                     or len(desc) > ROW_DESCRIPTION_MAX):
                raise not_valid(f"Row description length invalid. Max length: "
                                f"{ROW_DESCRIPTION_MAX}")
            if rid in ids:
                raise not_valid("Row ids must be unique")
            ids.add(rid)


def _check_cta(action: dict[str, Any]) -> None:
    if action.get("name") != "cta_url":
        raise invalid("Param interactive['action']['name'] must be cta_url.")
    params = action.get("parameters")
    if not isinstance(params, dict):
        raise missing("The parameter interactive['action']['parameters'] is required.")
    _required_text("interactive['action']['parameters']['display_text']",
                   params.get("display_text"), CTA_TEXT_MAX)
    url = params.get("url")
    if not isinstance(url, str) or not re.match(r"https?://\S+$", url):
        raise not_valid("Param interactive['action']['parameters']['url'] must be a valid URL.")


def check_media(kind: str, media: dict[str, Any], known: set[str] | dict[str, Any]) -> None:
    """By ``id`` (must be in the media store) or ``link`` (http/https), not both."""
    mid, link = media.get("id"), media.get("link")
    if (mid is None) == (link is None):
        raise invalid(f"Param {kind} must have exactly one of id or link.")
    if mid is not None and (not isinstance(mid, str) or mid not in known):
        raise not_valid(f"Param {kind}['id'] is not a valid media id: {mid!r}")
    if link is not None and (not isinstance(link, str) or not re.match(r"https?://\S+$", link)):
        raise not_valid(f"Param {kind}['link'] is not a valid URI.")
    caption = media.get("caption")
    if caption is not None:
        if kind not in _CAPTIONED:
            raise invalid(f"Param {kind}['caption'] is not allowed for {kind} messages.")
        _at_most(f"{kind}['caption']", caption, CAPTION_MAX)
    filename = media.get("filename")
    if filename is not None and (kind != "document" or not isinstance(filename, str)):
        raise invalid(f"Param {kind}['filename'] is only allowed for documents.")


def check_location(loc: dict[str, Any]) -> None:
    for key in ("latitude", "longitude"):
        if not isinstance(loc.get(key), (int, float, str)):
            raise missing(f"The parameter location['{key}'] is required.")


def check_reaction(reaction: dict[str, Any]) -> None:
    if not isinstance(reaction.get("message_id"), str):
        raise missing("The parameter reaction['message_id'] is required.")
    if not isinstance(reaction.get("emoji"), str):
        raise missing("The parameter reaction['emoji'] is required.")


def _at_most(name: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        raise invalid(f"Param {name} must be a string.")
    if len(value) > limit:
        raise invalid(f"Param {name} must be at most {limit} characters long.")


def _required_text(name: str, value: Any, limit: int) -> None:
    if not isinstance(value, str) or not value:
        raise missing(f"The parameter {name} is required.")
    _at_most(name, value, limit)


__all__ = ["WaError", "check_envelope", "check_interactive", "check_location", "check_media",
           "check_reaction", "check_text", "wa_id_of"]
