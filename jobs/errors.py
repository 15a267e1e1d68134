"""The errors of background work: each is a ``JobsError``, and so a ``BriefbotError``.

A ``FeedError`` or ``SourceError`` is about the input, never about our code:
ingesting records it on the feed (with back-off) and carries on. Anything else
that escapes a step is a bug and propagates.
"""

from __future__ import annotations

from storage.errors import BriefbotError


class JobsError(BriefbotError):
    """Background work could not be done; the message is one line for people."""


class FeedError(JobsError):
    """The bytes are not a feed (or brief) we can read; the message is one line for the user."""


class SourceError(JobsError):
    """A file or URL could not be fetched or read; the message is one line for the user."""


class FeedGoneError(JobsError):
    """The feed was removed while it was being fetched."""


class CatalogueError(JobsError):
    """The topics or feeds file is malformed."""


class OpmlError(JobsError):
    """The file is not an OPML document we can read."""


class MailError(FeedError):
    """An email message we cannot read; the message is one line for the operator."""


class MailboxError(SourceError):
    """A mailbox URL or setting we cannot use; the message says what to fix."""
