"""A loopback stand-in for the Telegram Bot API, for end-to-end tests and demos."""

from bot.sandbox.driver import SandboxUser
from bot.sandbox.limits import Limits
from bot.sandbox.server import Sandbox
from bot.sandbox.state import SandboxChat, SandboxMessage

__all__ = ["Limits", "Sandbox", "SandboxChat", "SandboxMessage", "SandboxUser"]
