"""A Telegram Bot API test double: a real HTTP server on 127.0.0.1 that bots talk to."""

from tests.botapi.double import BotApiDouble, Call, Limits

__all__ = ["BotApiDouble", "Call", "Limits"]
