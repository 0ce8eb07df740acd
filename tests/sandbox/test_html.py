"""Telegram HTML parsing rules of the sandbox."""

from __future__ import annotations

import pytest

from bot.sandbox.html import HtmlParseError, parse_html, strip_text


def test_entities_use_utf16_offsets() -> None:
    text, ents = parse_html("😀 <b>vet</b> &quot;x&quot; &#65;")
    assert text == '😀 vet "x" A'
    assert ents == [{"type": "bold", "offset": 3, "length": 3}]


def test_pre_with_language_and_nesting() -> None:
    text, ents = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert ents == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    text, ents = parse_html("<b>a <i>b</i></b> <blockquote expandable>q</blockquote>")
    assert [e["type"] for e in ents] == ["bold", "italic", "expandable_blockquote"]


@pytest.mark.parametrize(
    "bad",
    ["<b>x", "x</b>", "<p>x</p>", "<span>x</span>", "a < b", "<b><i>x</b></i>"],
)
def test_malformed_rejected(bad: str) -> None:
    with pytest.raises(HtmlParseError):
        parse_html(bad)


def test_unknown_named_entity_kept_and_strip() -> None:
    text, ents = parse_html("  &nbsp;<b>x</b>  ")
    text, ents = strip_text(text, ents)
    assert text == "&nbsp;x"
    assert ents == [{"type": "bold", "offset": 6, "length": 1}]
