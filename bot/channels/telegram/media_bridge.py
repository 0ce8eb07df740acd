"""Media of another channel sent to Telegram (issue 14): a media id that Telegram does not
know (``wa:<WhatsApp media id>``: a resident's photo of a letter on WhatsApp, forwarded to a
volunteer on Telegram) is fetched from its channel into memory and uploaded as bytes. Never on
disk. The file_id Telegram gives the upload is remembered, so the next volunteer's copy goes
by file_id.

The WhatsApp channel registers its download for the Telegram bot it shares the application
with (:func:`serve_from`); a bot without a source for a prefix leaves the id as it is.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message
from telegram.error import BadRequest, NetworkError

from bot.messaging.message import Attachment, OutMessage

#: ``fetch(media_id) -> (bytes, mime type)``
Fetch = Callable[[str], Awaitable[tuple[bytes, str]]]
#: file_ids remembered per bot (a foreign media id → the Telegram file_id of its upload).
KEPT = 512


@dataclasses.dataclass
class _Sources:
    fetch: dict[str, Fetch] = dataclasses.field(default_factory=dict)
    uploaded: OrderedDict[str, str] = dataclasses.field(default_factory=OrderedDict)


class MediaGone(Exception):
    """Raised by a fetch: that channel does not have this media (any more)."""


# Keyed by id(bot), not by the bot: PTB's Bot.__hash__ changes once initialize() has
# fetched getMe, so a WeakKeyDictionary filled at build time never found the bot again.
_by_bot: dict[int, _Sources] = {}


def serve_from(bot: Any, prefix: str, fetch: Fetch) -> None:
    """Media ids starting with ``prefix`` are fetched with ``fetch`` when ``bot`` sends them."""
    if id(bot) not in _by_bot:
        _by_bot[id(bot)] = _Sources()
        weakref.finalize(bot, _by_bot.pop, id(bot), None)
    _by_bot[id(bot)].fetch[prefix] = fetch


def foreign(bot: Any, message: OutMessage) -> str | None:
    """The attachment's media id when another channel must provide it, else None."""
    attachment = message.attachment
    sources = _by_bot.get(id(bot))
    if attachment is None or attachment.media_id is None or sources is None:
        return None
    media_id = attachment.media_id
    return media_id if any(media_id.startswith(p) for p in sources.fetch) else None


async def resolved(bot: Any, message: OutMessage) -> OutMessage:
    """``message`` with a foreign attachment as Telegram can send it: the file_id of an
    earlier upload of it, else its bytes fetched from its channel."""
    media_id = foreign(bot, message)
    if media_id is None:
        return message
    attachment = message.attachment
    assert attachment is not None
    sources = _by_bot[id(bot)]
    known = sources.uploaded.get(media_id)
    if known is not None:
        return dataclasses.replace(message, attachment=Attachment(
            attachment.kind, media_id=known, filename=attachment.filename))
    fetch = next(f for p, f in sources.fetch.items() if media_id.startswith(p))
    try:
        data, mime = await fetch(media_id)
    except MediaGone as exc:  # that channel no longer has it: sending again will not help
        raise BadRequest("the media file is no longer available") from exc
    except Exception as exc:  # not reached, or not answered: try again later
        raise NetworkError("could not fetch the media file") from exc
    filename = attachment.filename or _name(attachment.kind, mime)
    return dataclasses.replace(message, attachment=Attachment(
        attachment.kind, data=data, filename=filename))


def uploaded(bot: Any, media_id: str, sent: Any) -> None:
    """Remember the file_id Telegram gave the upload of ``media_id`` (for the next copy)."""
    if not isinstance(sent, Message):
        return
    file_id = None
    if sent.photo:
        file_id = sent.photo[-1].file_id
    elif sent.document is not None:
        file_id = sent.document.file_id
    elif sent.voice is not None:
        file_id = sent.voice.file_id
    elif sent.audio is not None:
        file_id = sent.audio.file_id
    sources = _by_bot.get(id(bot))
    if file_id is None or sources is None:
        return
    sources.uploaded[media_id] = file_id
    while len(sources.uploaded) > KEPT:
        sources.uploaded.popitem(last=False)


def _name(kind: str, mime: str) -> str:
    extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ""
    if kind == "voice" and "ogg" in mime:
        extension = ".ogg"
    return {"photo": "photo", "voice": "voice"}.get(kind, "document") + extension
