"""A loopback stand-in for Meta's WhatsApp Cloud API, for end-to-end tests and the demo."""

from bot.sandbox.whatsapp.driver import WaPerson
from bot.sandbox.whatsapp.errors import WaError
from bot.sandbox.whatsapp.limits import WaLimits
from bot.sandbox.whatsapp.standin import WhatsAppStandIn
from bot.sandbox.whatsapp.state import Choice, Delivery, InMessage, Media, WaMessage
from bot.sandbox.whatsapp.templates import Template, TemplateUse

__all__ = ["Choice", "Delivery", "InMessage", "Media", "Template", "TemplateUse", "WaError",
           "WaLimits", "WaMessage", "WaPerson", "WhatsAppStandIn"]
