"""The states a row can be in: subscribers, digests, outbox messages, feeds and their alerts.

Stored as their string values (``Enum(..., native_enum=False)`` in the models).
"""

from __future__ import annotations

import enum


class SubscriberState(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"  # the subscriber sent /stop; preferences are kept
    BLOCKED = "blocked"  # Telegram said the bot was blocked or removed


class DeliveryMode(enum.StrEnum):
    DIGEST = "digest"
    INSTANT = "instant"
    BOTH = "both"


class DigestKind(enum.StrEnum):
    SCHEDULED = "scheduled"
    ON_DEMAND = "on_demand"
    SEARCH = "search"
    INSTANT = "instant"
    # A scheduled date that got no message (nothing new, or past the grace window):
    # it holds the date's place so the planner does not come back to it.
    SKIPPED = "skipped"


# Digests whose stories the subscriber has been sent (search results are not).
DELIVERING_KINDS = (DigestKind.SCHEDULED, DigestKind.ON_DEMAND, DigestKind.INSTANT)


class OutboxKind(enum.StrEnum):
    DIGEST = "digest"  # a digest (scheduled, instant or "nothing new"), rendered when sent
    TEXT = "text"  # a ready-made text, such as an alert to the admins


class FeedAlertKind(enum.StrEnum):
    """The incident an operator was alerted about for a feed."""

    FAILING = "failing"  # every fetch fails, for longer than the alert threshold
    LAYOUT = "layout"  # a brief split into far fewer stories than the feed usually gives


class FeedKind(enum.StrEnum):
    """What a row of ``feeds`` is: a polled feed or mailbox, or a newsletter a mailbox
    receives (not polled itself: the unit of its briefs, template and health)."""

    FEED = "feed"
    MAILBOX = "mailbox"
    NEWSLETTER = "newsletter"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
