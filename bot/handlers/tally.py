"""Handlers for tally (not built yet: the main menu answers "coming soon")."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
