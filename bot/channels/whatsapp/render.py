"""A neutral message as WhatsApp shows it: designed for WhatsApp's rules, not cut to fit.

WhatsApp is not Telegram with other limits; it has other shapes:

* **Formatting** is in the text (``*bold*``, ``_italic_``, ``~struck~``, ```mono```), not
  HTML. A marker only works inside one line and next to a letter, so ``<b> Eten </b>`` becomes
  `` *Eten* `` and a bold span over two lines is marked on each line. A link is its label
  followed by the address ("Agenda (https://…)"); the address alone when it is its own label.
* **Choices**: at most 3 *reply buttons* (title ≤ 20), else one *list* (≤ 10 rows, title ≤ 24,
  description ≤ 72) that opens from a button. More than 10 choices become several lists
  ("1/2", "2/2" in the footer): nothing is left out. A label too long for a row title keeps
  its first words as the title and the rest as the row's description. Titles stay unique
  (WhatsApp refuses duplicates), ids are the action's own encoding (the inbound webhook hands
  them to the same handlers as Telegram's callback data).
* **Lengths**: an interactive message's body holds 1,024 characters, a text 4,096. A longer
  text goes first as text messages (split at paragraphs, then lines, then words), the choices
  follow in a short interactive message holding the text's last paragraphs.
* **Typed-answer keys** (Telegram's reply keyboard) become reply buttons or list rows whose id is
  ``k:<full label>``: the inbound side turns a tap into that text, as Telegram does. A key
  that asks for the phone number becomes "Use this number" with the person's own WhatsApp
  number (WhatsApp already knows it), and the text says so. Taking keys away needs nothing.
* **Links** (URL buttons) become lines in the text, or one "cta_url" button when the link is
  the only choice.
* **No edits**: ``replace`` is sent as a new message.
* **Attachments**: photo → image, document → document (with its file name), voice → audio.
  A caption holds 1,024 characters and an audio message none: a longer or audio caption, and
  any caption with choices, follows as its own message.
* **Commands** in a text ("Tap /menu"): the word a person types on WhatsApp, in bold, and a
  reply button per command when the message has no choices of its own
  (:mod:`bot.channels.whatsapp.command_hints`).
* **Right to left** (Arabic): the same marks as the Telegram adapter (``Translator.bidi`` at
  each line of the body, ``mark_rtl`` on each title), counted in the limits.

The result is a list of :class:`WaPayload` (the Cloud API's message type and object); the
channel resolves attachments into media ids and sends them in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bot.channels.whatsapp import command_hints
from bot.i18n import N_, mark_rtl, translator
from bot.messaging.message import Attachment, OutMessage

#: Meta's limits (Cloud API reference, "Interactive object", "Text object").
TEXT_MAX = 4096
BODY_MAX = 1024
CAPTION_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20
FOOTER_MAX = 60
CTA_TEXT_MAX = 20

#: A typed-answer key's reply id: ``k:`` + the full label (the inbound side makes it text).
KEY_PREFIX = "k:"
#: Media ids of WhatsApp's own media inside the application (``wa:`` + Meta's media id).
MEDIA_PREFIX = "wa:"

#: The list's button, the body of a list that has no text of its own.
LIST_BUTTON = N_("Choose")
MORE_CHOICES = N_("More choices")
CHOOSE_ONE = N_("Choose one of these.")
#: A key asking for the phone number, on WhatsApp: the number is known.
USE_THIS_NUMBER = N_("📞 Use this number")
YOUR_NUMBER = N_("Your WhatsApp number is {number}. Tap «📞 Use this number» to share it, "
                 "or type another number.")

_KIND = {"photo": "image", "document": "document", "voice": "audio"}


@dataclass(frozen=True)
class WaPayload:
    """One Cloud API message: ``type`` and the object under that key. ``attachment`` is the
    media still to be turned into a WhatsApp media id (the channel does that before sending:
    an upload, or a Telegram file fetched first)."""

    type: str
    content: dict[str, Any]
    attachment: Attachment | None = None

    def body(self, media_id: str | None = None) -> dict[str, Any]:
        """The object to send (with ``media_id`` filled in for an attachment)."""
        if self.attachment is None:
            return self.content
        return {**self.content, "id": media_id}


@dataclass(frozen=True)
class Choice:
    """One thing to tap: its reply id and what it says."""

    id: str
    label: str


# --- formatting --------------------------------------------------------------------------

_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "s": "~", "strike": "~", "del": "~"}
_LITERAL = {"code", "pre"}


@dataclass
class _Frame:
    mark: str = ""
    href: str | None = None
    literal: bool = False
    parts: list[str] = field(default_factory=list)


class _Converter(HTMLParser):
    """Telegram's HTML subset → WhatsApp's markers (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.stack: list[_Frame] = [_Frame()]
        self.tags: list[str] = []

    # Each line is built on its own: a marker never spans a line break.
    def _active(self) -> set[str]:
        return {f.mark for f in self.stack if f.mark}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stack[-1].literal:
            return
        if tag == "br":
            self.handle_data("\n")
            return
        self.tags.append(tag)
        if tag in _LITERAL:
            self.stack.append(_Frame(literal=True))
        elif tag == "a":
            self.stack.append(_Frame(href=dict(attrs).get("href") or ""))
        elif tag in _MARKS and _MARKS[tag] not in self._active():
            self.stack.append(_Frame(mark=_MARKS[tag]))
        elif tag == "blockquote":
            self.stack.append(_Frame(mark=">"))
        else:  # <u>, <span class="tg-spoiler">, <tg-spoiler>, a doubled <b>: text as it is
            self.stack.append(_Frame())

    def handle_endtag(self, tag: str) -> None:
        if self.stack[-1].literal and tag not in _LITERAL:
            return
        if tag not in self.tags:
            return  # a stray end tag
        while self.tags:
            open_tag = self.tags.pop()
            self._close()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)

    def _close(self) -> None:
        frame = self.stack.pop()
        inner = "".join(frame.parts)
        parent = self.stack[-1].parts
        if frame.mark == ">":  # a quote is a block of its own lines
            before = "".join(parent)
            if before and not before.endswith("\n"):
                parent.append("\n")
            parent.append(_wrap(frame, inner) + "\n")
            return
        parent.append(_wrap(frame, inner))

    def result(self) -> str:
        while len(self.stack) > 1:
            self._close()
        return re.sub(r"\n{3,}", "\n\n", "".join(self.stack[0].parts))


def _wrap(frame: _Frame, inner: str) -> str:
    if frame.literal:
        return f"```{inner}```" if inner.strip() else inner
    if frame.href is not None:
        label, href = inner.strip(), frame.href.strip()
        if not href or href.startswith("tg:"):
            return inner  # a Telegram-only link (a user mention): the name alone
        if not label or _same_url(label, href):
            return inner.replace(label, href) if label else href
        return f"{inner} ({href})"
    if frame.mark == ">":
        return "\n".join("> " + line if line.strip() else line
                         for line in inner.strip("\n").split("\n"))
    if not frame.mark:
        return inner
    return "\n".join(_mark_line(frame.mark, line) for line in inner.split("\n"))


def _mark_line(mark: str, line: str) -> str:
    core = line.strip()
    if not core:
        return line
    lead = line[:len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


def _same_url(label: str, href: str) -> bool:
    def bare(url: str) -> str:
        for scheme in ("https://", "http://", "mailto:"):
            if url.startswith(scheme):
                url = url[len(scheme):]
        return url.rstrip("/")
    return bare(label) == bare(href)


def formatted(html_text: str) -> str:
    """Telegram-HTML (the bot's subset) as WhatsApp text; entities unescaped."""
    converter = _Converter()
    converter.feed(html_text)
    converter.close()
    return converter.result()


# --- lengths -----------------------------------------------------------------------------

_BREAKS = ("\n\n", "\n", ". ", " ")


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraphs where it can,
    else at lines, sentences, words; a word longer than ``limit`` alone is cut."""
    text = text.strip("\n")
    pieces: list[str] = []
    while len(text) > limit:
        cut = -1
        for mark in _BREAKS:
            at = text.rfind(mark, 0, limit + 1 - (len(mark) if mark == ". " else 0))
            if at > 0:
                cut = at + (1 if mark == ". " else 0)
                break
        if cut <= 0:
            cut = limit
        head, text = text[:cut].rstrip(), text[cut:].lstrip(" \n")
        if head:
            pieces.append(head)
    if text.strip():
        pieces.append(text)
    return pieces


def tail_body(text: str, limit: int = BODY_MAX) -> tuple[list[str], str]:
    """(text messages before, the body of the interactive message): the body is the last
    paragraphs that fit ``limit``, the rest goes before it (split for :data:`TEXT_MAX`)."""
    if len(text) <= limit:
        return [], text
    paragraphs = text.split("\n\n")
    body: list[str] = []
    size = 0
    while paragraphs and size + len(paragraphs[-1]) + (2 if body else 0) <= limit:
        size += len(paragraphs[-1]) + (2 if body else 0)
        body.insert(0, paragraphs.pop())
    if body and "".join(body).strip():
        return split_text("\n\n".join(paragraphs)), "\n\n".join(body)
    pieces = split_text(text, limit)
    return split_text("\n\n".join(pieces[:-1])), pieces[-1]


def _shorten(label: str, limit: int) -> tuple[str, str]:
    """(the first words of ``label`` that fit ``limit`` with "…", the rest)."""
    if len(label) <= limit:
        return label, ""
    cut = label.rfind(" ", 0, limit)
    if cut <= limit // 3:
        cut = limit - 1
    return label[:cut].rstrip() + "…", label[cut:].strip()


def _unique(titles: list[str], limit: int) -> list[str]:
    """Titles made unique within one message: a repeated one gets " (2)", " (3)" …"""
    seen: set[str] = set()
    result = []
    for title in titles:
        candidate, n = title, 1
        while candidate in seen:
            n += 1
            suffix = f" ({n})"
            base = title
            if len(title) + len(suffix) > limit:
                base = title[:limit - len(suffix) - 1] + "…"
            candidate = base + suffix
        seen.add(candidate)
        result.append(candidate)
    return result


# --- the message -------------------------------------------------------------------------


def choices_of(message: OutMessage, wa_id: str | None = None) -> tuple[list[Choice], list[Choice]]:
    """(the actions and keys to tap, the links), duplicates (same id) once."""
    t = translator(message.lang)
    taps: list[Choice] = []
    links: list[Choice] = []
    for row in message.buttons:
        for button in row:
            if button.url is not None:
                links.append(Choice(button.url, button.label))
            elif button.data:
                taps.append(Choice(button.data, button.label))
    for key_row in message.keys:
        for key in key_row:
            if key.asks_phone:
                if wa_id:
                    taps.append(Choice(f"{KEY_PREFIX}+{wa_id}", t._(USE_THIS_NUMBER)))
                continue  # without a number to offer, typing it is the way
            taps.append(Choice(KEY_PREFIX + key.label, key.label))
    seen: set[str] = set()
    once = []
    for choice in taps:
        if choice.id not in seen:
            seen.add(choice.id)
            once.append(choice)
    return once, links


def _fits_buttons(choices: list[Choice]) -> bool:
    return (len(choices) <= BUTTONS_MAX
            and all(len(mark_rtl(c.label)) <= BUTTON_TITLE_MAX for c in choices)
            and all(len(c.id) <= BUTTON_ID_MAX for c in choices))


def text_payloads(text: str) -> list[WaPayload]:
    return [WaPayload("text", {"body": piece, "preview_url": False})
            for piece in split_text(text)]


def buttons_payload(body: str, choices: list[Choice], footer: str | None = None) -> WaPayload:
    titles = _unique([mark_rtl(c.label) for c in choices], BUTTON_TITLE_MAX)
    content: dict[str, Any] = {
        "type": "button",
        "body": {"text": body},
        "action": {"buttons": [{"type": "reply", "reply": {"id": c.id, "title": title}}
                               for c, title in zip(choices, titles, strict=True)]},
    }
    if footer:
        content["footer"] = {"text": footer[:FOOTER_MAX]}
    return WaPayload("interactive", content)


def _row(choice: Choice) -> tuple[str, str]:
    label = mark_rtl(choice.label)
    title, rest = _shorten(label, ROW_TITLE_MAX)
    if rest:
        rest = mark_rtl(rest)
        if len(rest) > ROW_DESCRIPTION_MAX:
            rest = _shorten(rest, ROW_DESCRIPTION_MAX)[0]
    return title, rest


def list_payload(body: str, choices: list[Choice], button: str,
                 footer: str | None = None) -> WaPayload:
    rows = [_row(c) for c in choices]
    titles = _unique([title for title, _ in rows], ROW_TITLE_MAX)
    items = []
    for choice, title, (_, description) in zip(choices, titles, rows, strict=True):
        item = {"id": choice.id[:ROW_ID_MAX], "title": title}
        if description:
            item["description"] = description
        items.append(item)
    content: dict[str, Any] = {
        "type": "list",
        "body": {"text": body},
        "action": {"button": button[:LIST_BUTTON_MAX], "sections": [{"rows": items}]},
    }
    if footer:
        content["footer"] = {"text": footer[:FOOTER_MAX]}
    return WaPayload("interactive", content)


def cta_payload(body: str, link: Choice) -> WaPayload:
    return WaPayload("interactive", {
        "type": "cta_url", "body": {"text": body},
        "action": {"name": "cta_url",
                   "parameters": {"display_text": mark_rtl(link.label), "url": link.id}}})


def link_lines(links: list[Choice]) -> str:
    return "\n".join(f"{link.label}: {link.id}" for link in links)


def choice_payloads(text: str, choices: list[Choice], lang: str | None) -> list[WaPayload]:
    """The text (maybe as text messages first) and the choices: buttons or lists."""
    t = translator(lang)
    before, body = tail_body(text) if text.strip() else ([], "")
    payloads = [p for piece in before for p in text_payloads(piece)]
    if _fits_buttons(choices):
        return [*payloads, buttons_payload(body or t.bidi(t._(CHOOSE_ONE)), choices)]
    # More than 10: several lists of about the same size (11 → 6 + 5, not 10 + 1), in order.
    count = -(-len(choices) // ROWS_MAX)
    size = -(-len(choices) // count)
    chunks = [choices[i:i + size] for i in range(0, len(choices), size)]
    button = mark_rtl(t._(LIST_BUTTON))
    for n, chunk in enumerate(chunks, start=1):
        footer = f"{n}/{len(chunks)}" if len(chunks) > 1 else None
        if n == 1:
            part_body = body or t.bidi(t._(CHOOSE_ONE))
        else:
            part_body = t.bidi(t._(MORE_CHOICES))
        if _fits_buttons(chunk):
            payloads.append(buttons_payload(part_body, chunk, footer))
        else:
            payloads.append(list_payload(part_body, chunk, button, footer))
    return payloads


def render(message: OutMessage, wa_id: str | None = None,
           language: str | None = None) -> list[WaPayload]:
    """The WhatsApp messages that say ``message``, in order (see the module docstring).
    ``wa_id``: the recipient (a key asking for the phone number offers theirs);
    ``language``: theirs, when ``message.lang`` is not set (the words for commands)."""
    t = translator(message.lang)
    words_in = message.lang or language
    html_text, mentioned = command_hints.rewrite(message.text, words_in)
    text = formatted(html_text).strip()
    choices, links = choices_of(message, wa_id)
    if mentioned and not message.buttons and not message.keys:
        choices = [Choice(reply_id, label)
                   for reply_id, label in command_hints.buttons(mentioned, words_in)]
    if wa_id and any(k.asks_phone for row in message.keys for k in row):
        number = t.isolate("+" + wa_id) if t.rtl else "+" + wa_id
        text = "\n\n".join(p for p in (text, t._(YOUR_NUMBER).format(number=number)) if p)
    cta: Choice | None = None
    if links:
        if (len(links) == 1 and not choices and message.attachment is None and text
                and len(mark_rtl(links[0].label)) <= CTA_TEXT_MAX):
            cta = links[0]
        else:
            text = "\n\n".join(p for p in (text, link_lines(links)) if p)
    if message.lang:
        text = t.bidi(text)
    payloads: list[WaPayload] = []
    attachment = message.attachment
    if attachment is not None:
        kind = _KIND[attachment.kind]
        content: dict[str, Any] = {}
        as_caption = (kind != "audio" and not choices and cta is None and text
                      and len(text) <= CAPTION_MAX)
        if as_caption:
            content["caption"] = text
            text = ""
        if kind == "document":
            content["filename"] = attachment.filename or "document"
        payloads.append(WaPayload(kind, content, attachment))
    if cta is not None:
        before, body = tail_body(text)
        payloads += [p for piece in before for p in text_payloads(piece)]
        payloads.append(cta_payload(body, cta))
    elif choices:
        payloads += choice_payloads(text, choices, message.lang)
    elif text.strip():
        payloads += text_payloads(text)
    return payloads
