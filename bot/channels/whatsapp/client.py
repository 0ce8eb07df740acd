"""The WhatsApp Cloud API calls, through pywa (``pywa_async``), on our own httpx client.

Why pywa's API layer (``WhatsApp.api``, :class:`pywa_async.api.GraphAPIAsync`) and not its
high-level ``send_message(buttons=…)``: :mod:`bot.channels.whatsapp.render` already builds the
Cloud API's message objects to WhatsApp's rules (lists split, titles unique …), and the API
layer sends exactly those, while pywa still gives the endpoints, the auth header and its typed
errors (:class:`pywa.errors.WhatsAppError` with Meta's code: :mod:`.errors` reads them).
Messages go through ``send_raw_request`` (pywa's documented way to post a message object as
it is) rather than the API layer's ``send_message``: same request, and a method of that name
outside the Telegram adapter is what tests/test_architecture.py rightly refuses.

The httpx client is ours: its ``base_url`` is ``{api_url}/v{api_version}`` from the settings,
so the sandbox's stand-in (or another endpoint) answers instead of graph.facebook.com, and its
timeouts are ours (an answer within seconds, not pywa's defaults).

Media are downloaded with the API layer's ``stream_media_bytes`` rather than the client's
``download_media`` (which writes a file, or returns bytes of any size): :meth:`CloudClient.download`
collects the stream in memory and stops at :data:`MEDIA_MAX`; media never touch the disk.

pywa logs every request's arguments (message bodies: personal text) at DEBUG: its loggers are
held at INFO here whatever the root level is.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pywa_async import WhatsApp

from bot.config import WhatsAppSettings

for _name in ("pywa", "pywa_async"):
    if logging.getLogger(_name).getEffectiveLevel() < logging.INFO:
        logging.getLogger(_name).setLevel(logging.INFO)

#: A media file larger than this is refused (WhatsApp's own maximum is 100 MB for a
#: document; a resident's photo or voice note is far smaller; all of it is held in memory).
MEDIA_MAX = 64 * 1024 * 1024
#: Seconds: connect quickly or not at all (nothing left: retry), then wait for the answer.
TIMEOUT = httpx.Timeout(20.0, connect=5.0, pool=5.0)


class MediaTooLarge(Exception):
    """The media file is larger than :data:`MEDIA_MAX`."""


def base_url(settings: WhatsAppSettings) -> str:
    return f"{settings.api_url.rstrip('/')}/v{settings.api_version}"


class CloudClient:
    """One WhatsApp Business number's Cloud API (messages, media, templates)."""

    def __init__(self, settings: WhatsAppSettings,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.phone_id = settings.phone_number_id
        self.session = httpx.AsyncClient(timeout=TIMEOUT, transport=transport)
        self.wa = WhatsApp(phone_id=settings.phone_number_id, token=settings.access_token,
                           session=self.session, server=None,
                           waba_id=settings.business_account_id or None,
                           api_version=settings.api_version)
        # pywa sets graph.facebook.com; ours may be the sandbox's stand-in.
        self.session.base_url = base_url(settings)

    async def close(self) -> None:
        await self.session.aclose()

    # --- messages ------------------------------------------------------------------------

    async def send(self, to: str, kind: str, content: dict[str, Any]) -> str:
        """Send one message object (``kind``: text, interactive, image, document, audio,
        template) to ``to`` (a wa_id); returns its wamid. Raises pywa's WhatsAppError or
        httpx's errors."""
        answer = await self.wa.api.send_raw_request(
            "POST", f"/{self.phone_id}/messages",
            json={"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                  "type": kind, kind: content})
        return str(answer["messages"][0]["id"])

    async def send_template(self, to: str, name: str, language: str,
                            body_params: list[str] | tuple[str, ...] = (),
                            button_payloads: list[str] | tuple[str, ...] = ()) -> str:
        return await self.send(to, "template",
                               template_object(name, language, body_params, button_payloads))

    async def mark_read(self, wamid: str) -> None:
        """The blue ticks for a message the person sent (optional courtesy)."""
        await self.wa.api.send_raw_request(
            "POST", f"/{self.phone_id}/messages",
            json={"messaging_product": "whatsapp", "status": "read", "message_id": wamid})

    # --- media ---------------------------------------------------------------------------

    async def upload(self, data: bytes, mime: str, filename: str) -> str:
        """Upload bytes held in memory; returns the media id."""
        if len(data) > MEDIA_MAX:
            raise MediaTooLarge(len(data))
        answer = await self.wa.api.upload_media(
            phone_id=self.phone_id, media=data, mime_type=mime, filename=filename)
        return str(answer["id"])

    async def media_url(self, media_id: str) -> dict[str, Any]:
        """``{"url", "mime_type", "sha256", "file_size", "id"}`` of a media id."""
        return await self.wa.api.get_media_url(media_id)

    async def download(self, media_id: str) -> tuple[bytes, str]:
        """A media file's bytes (in memory, never on disk) and its MIME type."""
        info = await self.media_url(media_id)
        if int(info.get("file_size") or 0) > MEDIA_MAX:
            raise MediaTooLarge(info.get("file_size"))
        chunks: list[bytes] = []
        size = 0
        async with self.wa.api.stream_media_bytes(str(info["url"])) as res:
            res.raise_for_status()
            async for chunk in res.aiter_bytes():
                size += len(chunk)
                if size > MEDIA_MAX:
                    raise MediaTooLarge(size)
                chunks.append(chunk)
        mime = str(info.get("mime_type") or res.headers.get("content-type")
                   or "application/octet-stream")
        return b"".join(chunks), mime

    # --- templates (wa-tpl) --------------------------------------------------------------

    def _waba(self) -> str:
        if not self.settings.business_account_id:
            raise LookupError("[whatsapp] business_account_id is not set")
        return self.settings.business_account_id

    async def templates(self) -> list[dict[str, Any]]:
        """Every message template of the business account (all pages):
        ``{"name", "language", "status", "category", "id", "components", …}``."""
        found: list[dict[str, Any]] = []
        pagination: dict[str, Any] | None = None
        while True:
            answer = await self.wa.api.get_templates(waba_id=self._waba(), pagination=pagination)
            found.extend(answer.get("data") or [])
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (answer.get("paging") or {}).get("next"):
                return found
            pagination = {"after": after}

    async def create_template(self, template: dict[str, Any]) -> dict[str, Any]:
        """Create one template (``{"name", "language", "category", "components"}``);
        Meta answers ``{"id", "status", "category"}`` (status PENDING until reviewed)."""
        return await self.wa.api.create_template(waba_id=self._waba(), template=template)


def template_object(name: str, language: str, body_params: list[str] | tuple[str, ...] = (),
                    button_payloads: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The Cloud API's ``template`` object: body parameters (text) in order, and one
    quick-reply payload per button (index 0, 1, …), which comes back as the tap's payload."""
    components: list[dict[str, Any]] = []
    if body_params:
        components.append({"type": "body", "parameters": [
            {"type": "text", "text": str(value)} for value in body_params]})
    for index, payload in enumerate(button_payloads):
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                           "parameters": [{"type": "payload", "payload": payload}]})
    content: dict[str, Any] = {"name": name, "language": {"code": language}}
    if components:
        content["components"] = components
    return content
