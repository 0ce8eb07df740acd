"""Buurtbot: a Telegram bot for the BuurtWerkKamers in Utrecht."""
