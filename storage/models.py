"""The schema: typed SQLAlchemy 2 models.

Idempotency lives here, in unique constraints: a story's content key, one
scheduled digest per subscriber and local date, one outbox row per digest.

What a subscriber has been sent is the stories of their digests: a digest
points at a ``StoryList``, an immutable numbered list of stories that many
digests share (everyone following the same topics with the same history gets
the same list), so planning writes a row per subscriber, not one per
subscriber and story.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.states import (
    DeliveryMode,
    DigestKind,
    FeedAlertKind,
    FeedKind,
    OutboxKind,
    OutboxStatus,
    SubscriberState,
)
from storage.types import Base, UTCDateTime, enum_column, utcnow


class Subscriber(Base):
    """A Telegram chat that gets briefs: a person's private chat, a group or a channel."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_type: Mapped[str] = mapped_column(String(16), default="private")
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_time: Mapped[time] = mapped_column(Time, default=time(7, 30))
    # The subscriber's own quiet hours for instant alerts (equal ends: none); None: the
    # operator's BRIEFBOT_QUIET_HOURS.
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    mode: Mapped[DeliveryMode] = mapped_column(
        enum_column(DeliveryMode, "delivery_mode"), default=DeliveryMode.DIGEST
    )
    state: Mapped[SubscriberState] = mapped_column(
        enum_column(SubscriberState, "subscriber_state"), default=SubscriberState.ACTIVE, index=True
    )
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(256))  # a channel's name, as last seen
    daily_cap: Mapped[int | None] = mapped_column(Integer)  # a channel's stories a day at most
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topics: Mapped[list[SubscriberTopic]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    keywords: Mapped[list[SubscriberKeyword]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    @property
    def topic_slugs(self) -> list[str]:
        return sorted(t.topic_slug for t in self.topics)

    @property
    def keyword_list(self) -> list[str]:
        return sorted(k.keyword for k in self.keywords)


class Topic(Base):
    """A topic subscribers can follow; synced from the topics file at start."""

    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    emoji: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class SubscriberTopic(Base):
    __tablename__ = "subscriber_topics"
    # Planning goes from a story's topics to their followers: a covering index.
    __table_args__ = (Index(None, "topic_slug", "subscriber_id"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_slug: Mapped[str] = mapped_column(
        ForeignKey("topics.slug", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    )


class SubscriberKeyword(Base):
    """A word or phrase a subscriber follows on top of the topics."""

    __tablename__ = "subscriber_keywords"
    # Planning goes from a story's keywords to their followers: a covering index.
    __table_args__ = (Index(None, "keyword", "subscriber_id"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True)


class MutedTopic(Base):
    """A topic a subscriber muted: its stories are left out even when something else matches.

    Separate from following: muting Gaza silences Gaza stories that a followed
    Middle East topic would otherwise bring in. Following the topic again lifts it.
    """

    __tablename__ = "muted_topics"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_slug: Mapped[str] = mapped_column(
        ForeignKey("topics.slug", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )


class TopicRoute(Base):
    """In a forum group: the thread (message_thread_id) a topic's stories are sent to."""

    __tablename__ = "topic_routes"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_slug: Mapped[str] = mapped_column(
        ForeignKey("topics.slug", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    message_thread_id: Mapped[int] = mapped_column(BigInteger)


class MutedKeyword(Base):
    """A word a subscriber wants fewer stories about ("fewer like this").

    Matched like followed keywords, through ``story_keywords``: ingest records
    hits for muted keywords too (``subscribers.all_tracked_keywords``).
    """

    __tablename__ = "muted_keywords"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True)


class Feed(Base):
    """A source of briefs, with the state of its last fetches.

    Feeds and mailboxes are polled by the scheduler. A newsletter is the unit of
    the briefs a mailbox receives from one List-Id (else sender): its URL is
    ``mail:`` and that key, ``mailbox_id`` the mailbox it came to, and it is never
    polled itself.
    """

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(String(256))
    kind: Mapped[FeedKind] = mapped_column(
        enum_column(FeedKind, "feed_kind"), default=FeedKind.FEED
    )
    mailbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(256))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The open incident the admins were told about (cleared when the feed recovers).
    alert_kind: Mapped[FeedAlertKind | None] = mapped_column(
        Enum(
            FeedAlertKind,
            native_enum=False,
            create_constraint=False,
            length=16,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    alert_note: Mapped[str | None] = mapped_column(Text)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FeedTemplateBlock(Base):
    """A block (paragraph or list item, by its layout key) seen in a feed's issues.

    Blocks seen in several issues are the feed's layout, not stories; the
    splitter is handed them as the feed's template.
    """

    __tablename__ = "feed_templates"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    issues: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Brief(Base):
    """One newsletter issue or feed item, before it is split into stories."""

    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Identity of the item: feed URL + guid, else link, else title; a hash for files.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(512), default="")
    summary: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Story(Base):
    """One story of a brief: what a subscriber reads with /story N."""

    __tablename__ = "stories"
    __table_args__ = (UniqueConstraint("brief_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    # sha256 of the normalised title and text: the same story is stored once.
    content_key: Mapped[str] = mapped_column(String(64), unique=True)
    # 64-bit SimHash of the text, for near-duplicate detection (signed to fit BIGINT).
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    tags: Mapped[list[StoryTopic]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class StoryTopic(Base):
    """A topic tag on a story, with the terms that earned it."""

    __tablename__ = "story_topics"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    topic_slug: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)


class StoryKeyword(Base):
    """A subscriber keyword found in a story, so planning can match keywords in SQL.

    Filled at ingest for every keyword anyone follows, and for recent stories
    when somebody starts following a new keyword.
    """

    __tablename__ = "story_keywords"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)


class StoryList(Base):
    """An immutable numbered list of stories, shared by every digest that shows it."""

    __tablename__ = "story_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoryListItem(Base):
    """Story ``position`` (from 1) of a list: what /story N opens."""

    __tablename__ = "story_list_items"
    # A list names a story once; deleting a story finds its rows by story.
    __table_args__ = (
        UniqueConstraint("list_id", "story_id"),
        Index(None, "story_id"),
    )

    # Neither is a foreign key (see migration 0017): items are written right after their
    # list and deleted before it (delete_unused_lists); stories are never deleted.
    list_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(Integer)


class Digest(Base):
    """A numbered list of stories a chat received; /story N reads from the latest.

    ``local_date`` is set for scheduled digests only, so the unique constraint
    allows one scheduled digest per subscriber and local date while on-demand
    lists (NULL date) are unlimited. ``list_id`` is None for a digest without
    stories (a skipped date, "nothing new today"). The stories of scheduled,
    on-demand and instant digests count as delivered (``DELIVERING_KINDS``).
    """

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "local_date"),
        Index("ix_digests_subscriber_id_created_at", "subscriber_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Not a foreign key (see migration 0017): forget deletes a chat's digests itself.
    subscriber_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[DigestKind] = mapped_column(enum_column(DigestKind, "digest_kind"))
    local_date: Mapped[date | None] = mapped_column(Date)
    more_count: Mapped[int] = mapped_column(Integer, default=0)
    # Not a foreign key (see migration 0012): a million checks per planning run guarded
    # what delete_unused_lists already keeps true.
    list_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[StoryListItem]] = relationship(
        primaryjoin="Digest.list_id == foreign(StoryListItem.list_id)",
        viewonly=True,
        lazy="selectin",
        order_by="StoryListItem.position",
    )


class OutboxMessage(Base):
    """A message planned for sending; senders claim rows and mark them sent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for operators' alerts to admin chats, which belong to no subscriber. Not a
    # foreign key (see migration 0012): forget deletes a subscriber's rows.
    subscriber_id: Mapped[int | None] = mapped_column(Integer)
    # Not a foreign key either (migration 0017): written right after its digest, and
    # deleted with it by forget. Unique: one message per digest.
    digest_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    kind: Mapped[OutboxKind] = mapped_column(
        enum_column(OutboxKind, "outbox_kind"), default=OutboxKind.DIGEST
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxRange(Base):
    """Digests one planning run queued, as a range of ids: their outbox rows are made when
    a sender claims them (``storage.outbox.claim_batch``), not one by one when planned.

    The digests of ``kind`` with an id in (``after_id``, ``last_id``] wait to be sent from
    ``due_at``; ``after_id`` moves up as senders take them, and the range goes once it is
    empty. ``waiting`` counts those without an outbox row yet (the outbox's depth).
    """

    __tablename__ = "outbox_ranges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DigestKind] = mapped_column(enum_column(DigestKind, "outbox_range_kind"))
    after_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)
    waiting: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobRun(Base):
    """When each background job last ran and how it went (for /stats and health)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_summary: Mapped[str | None] = mapped_column(Text)


class SeededDefault(Base):
    """A default the seeds files put into this database once ("feeds"), never again by itself."""

    __tablename__ = "seeded_defaults"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
