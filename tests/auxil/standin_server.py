"""The WhatsApp Cloud API stand-in on its own, as a process, for trying ``buurtbot run``.

There is no ``buurtbot`` command that starts the stand-in alone (``buurtbot demo`` starts it
together with its own bot), so an operator or tester who wants to point a real ``buurtbot
run`` at it (``[whatsapp] api_url``) starts this::

    .venv/bin/python -m tests.auxil.standin_server --port 8790 \\
        --webhook http://127.0.0.1:8081/whatsapp

It prints the settings to use (api_url, the ids and the demo secrets, for the environment)
and serves until Ctrl-C. The sandbox's Telegram side runs on the same port (``/bot<token>``),
so ``bot.api_url`` can point at it too. People are played through the practice-chat JSON
(``POST /wa/_sandbox/say`` ``{"wa_id", "text"}``, ``/wa/_sandbox/tap``, ``GET
/wa/_sandbox/chats/<wa_id>``: what each person received).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.sandbox import Limits, Sandbox
from bot.sandbox.whatsapp import WhatsAppStandIn
from tests.auxil.harness import BOT_USERNAME, TOKEN


async def serve(port: int, webhook: str | None, limits: bool) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Buurtbot",
                      limits=Limits() if limits else Limits.off())
    standin = WhatsAppStandIn()
    standin.attach(sandbox)
    if not limits:
        standin.limits_off()
    await sandbox.start(host="127.0.0.1", port=port)
    if webhook:
        standin.webhook_url = webhook
    print(f"stand-in: api_url = \"{standin.api_url}\"", flush=True)
    print(f"  bot.api_url = \"{sandbox.api_url}\"  (token {TOKEN})", flush=True)
    print(f"  phone_number_id = \"{standin.phone_number_id}\"  business_account_id = "
          f"\"{standin.business_account_id}\"", flush=True)
    print(f"  BUURTBOT_WHATSAPP_ACCESS_TOKEN={standin.token} "
          f"BUURTBOT_WHATSAPP_APP_SECRET={standin.app_secret} "
          f"BUURTBOT_WHATSAPP_VERIFY_TOKEN={standin.verify_token}", flush=True)
    print(f"  webhook_url = {standin.webhook_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await standin.close()
    await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--webhook", help="the bot's WhatsApp webhook address")
    parser.add_argument("--limits", action="store_true", help="Meta's rate limits on")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.webhook, args.limits))


if __name__ == "__main__":
    main()
