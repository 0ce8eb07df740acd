"""Telegram's ``parse_mode=HTML``: turn marked-up text into plain text + entities.

Telegram is strict: an unsupported tag, a tag that is never closed or closed in
the wrong order makes the whole call fail with 400 "can't parse entities". The
bot must never send such text, so the sandbox reproduces that strictness.
Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR_RE = re.compile(r"""([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tag -> entity type (None: decided by attributes)
_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class HtmlParseError(ValueError):
    """Raised for text Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output
    attrs: dict[str, str] = field(default_factory=dict)


def _attrs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if value is None:
            value = m.group(4) if m.group(4) is not None else ""
        out[m.group(1).lower()] = _unescape(value)
    return out


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED.get(name, m.group(0))

    return _ENTITY_RE.sub(repl, text)


def parse_html(text: str) -> tuple[str, list[dict[str, object]]]:
    """Parse Telegram HTML; return (plain text, entities). Raises HtmlParseError."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, object]] = []
    i = 0
    n = len(text)

    def byte_offset(idx: int) -> int:
        return len(text[:idx].encode("utf-8"))

    while i < n:
        ch = text[i]
        if ch == "<":
            m = _TAG_RE.match(text, i)
            if not m:
                word = re.match(r"</?([^\s<>/]*)", text[i:])
                name = word.group(1) if word else ""
                raise HtmlParseError(
                    f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}'
                )
            closing, tag, raw_attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
            if tag not in _TAGS:
                kind = "end" if closing else "start"
                raise HtmlParseError(
                    f'Unsupported {kind} tag "{tag}" at byte offset {byte_offset(i)}'
                )
            if closing:
                if not stack:
                    raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(i)}")
                top = stack.pop()
                if top.tag != tag:
                    raise HtmlParseError(
                        f"Unmatched end tag at byte offset {byte_offset(i)}, "
                        f'expected "</{top.tag}>", found "</{tag}>"'
                    )
                _close(top, pos16, stack, entities)
            else:
                attrs = _attrs(raw_attrs)
                if tag == "span" and attrs.get("class") != "tg-spoiler":
                    raise HtmlParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(i)}'
                    )
                stack.append(_Open(tag, pos16, attrs))
            i = m.end()
            continue
        if ch == "&":
            m = _ENTITY_RE.match(text, i)
            if m:
                piece = _unescape(m.group(0))
                out.append(piece)
                pos16 += utf16_len(piece)
                i = m.end()
                continue
        if ch == ">":
            # Telegram accepts a bare ">" in text.
            pass
        out.append(ch)
        pos16 += utf16_len(ch)
        i += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
    return "".join(out), entities


def _close(top: _Open, end16: int, stack: list[_Open], entities: list[dict[str, object]]) -> None:
    length = end16 - top.start
    if length <= 0:
        return
    etype = _TAGS[top.tag]
    entity: dict[str, object] = {"type": etype, "offset": top.start, "length": length}
    if top.tag == "a":
        href = top.attrs.get("href")
        if not href:
            return
        if href.startswith("tg://user?id="):
            entity = {
                "type": "text_mention",
                "offset": top.start,
                "length": length,
                "user": {"id": int(href.split("=", 1)[1] or 0), "is_bot": False, "first_name": ""},
            }
        else:
            entity["url"] = href
    elif top.tag == "blockquote" and "expandable" in top.attrs:
        entity["type"] = "expandable_blockquote"
    elif top.tag == "tg-emoji":
        entity["custom_emoji_id"] = top.attrs.get("emoji-id", "")
    elif top.tag == "code" and stack and stack[-1].tag == "pre":
        lang = top.attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1].attrs["_language"] = lang[len("language-") :]
        return  # the enclosing <pre> carries it
    elif top.tag == "pre" and "_language" in top.attrs:
        entity["language"] = top.attrs["_language"]
    entities.append(entity)


def strip_text(text: str, entities: list[dict[str, object]]) -> tuple[str, list[dict[str, object]]]:
    """Strip leading/trailing whitespace like Telegram does, shifting entity offsets."""
    lead = text[: len(text) - len(text.lstrip())]
    stripped = text.strip()
    shift = utf16_len(lead)
    total = utf16_len(stripped)
    out = []
    for e in entities:
        start = max(0, int(e["offset"]) - shift)  # type: ignore[call-overload]
        end = min(total, int(e["offset"]) + int(e["length"]) - shift)  # type: ignore[call-overload]
        if end > start:
            out.append({**e, "offset": start, "length": end - start})
    return stripped, out
