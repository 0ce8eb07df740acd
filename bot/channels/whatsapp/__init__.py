"""The WhatsApp channel (issue 14): the official WhatsApp Cloud API (Meta) behind the
messaging core's port. See docs/whatsapp.md for how the pieces fit.
"""

from __future__ import annotations

CHANNEL = "whatsapp"
