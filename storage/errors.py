"""Every error briefbot raises on purpose descends from ``BriefbotError``; storage's are here.

Each package draws its own family in one module (``storage/errors.py``,
``jobs/errors.py``, ``bot/errors.py``), and each class is defined there once.
Catching ``BriefbotError`` catches what briefbot means to report; anything else
that escapes is a bug and should be seen as one.
"""

from __future__ import annotations


class BriefbotError(Exception):
    """The root of every error briefbot raises on purpose; its message is one line for people."""


class StorageError(BriefbotError):
    """Something the database layer refuses or cannot do."""


class DatabaseUnreachableError(StorageError):
    """No connection could be opened: refused, unknown host, wrong credentials, no such
    database, or a SQLite file that cannot be opened or created. The message says why."""


class SearchQueryError(StorageError):
    """A query with nothing to look for (empty, or only exclusions)."""


class UnknownTopicError(StorageError):
    """A topic slug that the topics table does not have."""

    def __init__(self, slugs: list[str]) -> None:
        super().__init__(f"unknown topic(s): {', '.join(slugs)}")
        self.slugs = slugs
