"""The channel-neutral way the bot speaks: messages (:mod:`.message`) and the port a channel
adapter implements (:mod:`.port`). Nothing here knows Telegram."""
