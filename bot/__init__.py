"""briefbot's Telegram side: the CLI, the Application wiring, handlers, rendering, sending."""
