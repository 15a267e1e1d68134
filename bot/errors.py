"""The Telegram side's errors: each is a ``BotError``, and so a ``BriefbotError``."""

from __future__ import annotations

from storage.errors import BriefbotError


class BotError(BriefbotError):
    """Something the bot or its command line cannot do; the message is one line for people."""


class SettingsError(BotError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class StartError(BotError):
    """Telegram refused to start the bot; the message says what to check."""


class NotSubscribedError(BotError):
    """``digest --now --chat`` named a chat that is not subscribed."""


class SettingsFileError(BotError):
    """A file that is not a settings file this bot can restore; the message says why."""


class NotATimeError(BotError):
    """Text that does not have the shape of a time of day (or of a range of two)."""


class StoppedError(BotError):
    """The bot stopped on its own; the message says why and what to do."""


class AnotherRunError(BotError):
    """Another ``briefbot run`` holds this database."""
