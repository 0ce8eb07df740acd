"""Channel adapters: the only code that knows how a chat service is spoken to."""
