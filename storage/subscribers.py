"""Subscribers and their preferences."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.digests import delete_unused_lists
from storage.errors import UnknownTopicError
from storage.models import (
    Digest,
    MutedKeyword,
    OutboxMessage,
    Subscriber,
    SubscriberKeyword,
    SubscriberTopic,
    Topic,
)
from storage.mutes import Mutes, replace_mutes, unmute_topics
from storage.preferred import set_preferred_sources
from storage.states import DeliveryMode, SubscriberState
from storage.types import utcnow

MAX_KEYWORD_LENGTH = 64
QUIET_DEFAULT: Final = "default"  # in Preferences: back to the operator's quiet hours

# The lookups every command makes, built once: building such a statement and its cache
# key for each call cost a third of the lookup's time.
_SUBSCRIBER = (
    select(Subscriber)
    .where(Subscriber.chat_id == bindparam("chat_id"))
    .options(joinedload(Subscriber.topics), joinedload(Subscriber.keywords))
    .execution_options(populate_existing=True)
)
_LANGUAGE = select(Subscriber.language).where(Subscriber.chat_id == bindparam("chat_id"))


async def subscribe(
    session: AsyncSession,
    chat_id: int,
    *,
    user_id: int | None = None,
    chat_type: str = "private",
    language: str | None = None,
) -> tuple[Subscriber, bool]:
    """Subscribe a chat, or reactivate it; returns (subscriber, created).

    A returning subscriber keeps every preference; a paused, stopped or blocked
    one becomes active again.
    """
    created = False
    subscriber = await get_subscriber(session, chat_id)
    if subscriber is None:
        result = await session.execute(
            insert_ignoring_conflicts(session, Subscriber.__table__).values(
                chat_id=chat_id,
                user_id=user_id,
                chat_type=chat_type,
                language=language,
                timezone="UTC",
                digest_time=time(7, 30),
                mode=DeliveryMode.DIGEST.value,
                state=SubscriberState.ACTIVE.value,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        created = bool(rowcount(result))
        subscriber = await _require(session, chat_id)
    if not created:
        subscriber.state = SubscriberState.ACTIVE
        subscriber.paused_until = None
        subscriber.chat_type = chat_type
        if language and not subscriber.language:
            subscriber.language = language
        await session.flush()
    return subscriber, created


async def get_subscriber(session: AsyncSession, chat_id: int) -> Subscriber | None:
    """The subscriber for a chat, with topics and keywords loaded, or None.

    In one statement (joined, not the model's two follow-up selects): every command
    loads its chat's subscriber, and the follow-ups made that about 60% dearer."""
    result = await session.scalars(_SUBSCRIBER, {"chat_id": chat_id})
    return result.unique().one_or_none()


async def language_of(session: AsyncSession, chat_id: int) -> tuple[bool, str | None]:
    """Whether the chat is a subscriber, and its stored language (one column, one statement)."""
    row = (await session.execute(_LANGUAGE, {"chat_id": chat_id})).first()
    return (False, None) if row is None else (True, row[0])


async def _require(session: AsyncSession, chat_id: int) -> Subscriber:
    subscriber = await get_subscriber(session, chat_id)
    if subscriber is None:
        raise LookupError(f"chat {chat_id} is not subscribed")
    return subscriber


async def _loaded(session: AsyncSession, chat_id: int) -> Subscriber:
    """The chat's subscriber as this session already loaded it (a handler has usually made
    sure of it first), else from the database. For changes to its own columns only: its
    topics and keywords are as they were loaded."""
    for loaded in session.identity_map.values():
        if isinstance(loaded, Subscriber) and loaded.chat_id == chat_id:
            return loaded
    return await _require(session, chat_id)


async def unsubscribe(session: AsyncSession, chat_id: int) -> bool:
    """Stop sending to a chat, keeping its preferences; False if it was unknown."""
    return await _set_state(session, chat_id, SubscriberState.STOPPED)


async def mark_blocked(session: AsyncSession, chat_id: int) -> bool:
    """Telegram said the bot cannot write to this chat any more."""
    return await _set_state(session, chat_id, SubscriberState.BLOCKED)


async def pause(session: AsyncSession, chat_id: int, until: datetime | None) -> Subscriber:
    """Hold deliveries until ``until`` (or until /resume when None)."""
    subscriber = await _require(session, chat_id)
    subscriber.state = SubscriberState.PAUSED
    subscriber.paused_until = until
    await session.flush()
    return subscriber


async def resume(session: AsyncSession, chat_id: int) -> Subscriber:
    subscriber = await _require(session, chat_id)
    subscriber.state = SubscriberState.ACTIVE
    subscriber.paused_until = None
    await session.flush()
    return subscriber


async def _set_state(session: AsyncSession, chat_id: int, state: SubscriberState) -> bool:
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id)
        .values(state=state, updated_at=utcnow())
    )
    return bool(rowcount(result))


async def forget(session: AsyncSession, chat_id: int) -> bool:
    """Delete everything stored about a chat; False if there was nothing.

    Its outbox rows and digests go first (no foreign key cascades them: see
    migration 0017), then the chat (its topics, keywords, mutes and routes
    cascade), then the story lists no other chat's digest shares.
    """
    ids = select(Subscriber.id).where(Subscriber.chat_id == chat_id).scalar_subquery()
    lists = await session.scalars(
        select(Digest.list_id).where(Digest.subscriber_id == ids, Digest.list_id.is_not(None))
    )
    list_ids = [i for i in lists if i is not None]
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.digest_id.in_(select(Digest.id).where(Digest.subscriber_id == ids))
        )
    )
    await session.execute(delete(Digest).where(Digest.subscriber_id == ids))
    result = await session.execute(delete(Subscriber).where(Subscriber.chat_id == chat_id))
    await delete_unused_lists(session, list_ids)
    return bool(rowcount(result))


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup: move its subscription to the new chat id."""
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == old_chat_id)
        .values(chat_id=new_chat_id, chat_type="supergroup", updated_at=utcnow())
    )
    return bool(rowcount(result))


async def set_topics(session: AsyncSession, chat_id: int, slugs: Iterable[str]) -> Subscriber:
    """Replace the topics a chat follows; unknown slugs raise UnknownTopicError."""
    wanted = sorted(set(slugs))
    known = set(await session.scalars(select(Topic.slug).where(Topic.slug.in_(wanted))))
    if unknown := [s for s in wanted if s not in known]:
        raise UnknownTopicError(unknown)
    subscriber = await _require(session, chat_id)
    # Following a topic again lifts its mute.
    await unmute_topics(session, subscriber.id, set(wanted) - set(subscriber.topic_slugs))
    await session.execute(
        delete(SubscriberTopic).where(SubscriberTopic.subscriber_id == subscriber.id)
    )
    if wanted:
        await session.execute(
            insert_ignoring_conflicts(session, SubscriberTopic.__table__),
            [{"subscriber_id": subscriber.id, "topic_slug": s} for s in wanted],
        )
    return await _touch(session, subscriber, reload=True)


async def toggle_topic(session: AsyncSession, chat_id: int, slug: str) -> tuple[Subscriber, bool]:
    """Follow ``slug`` if not followed, else unfollow; returns (subscriber, now followed)."""
    subscriber = await _require(session, chat_id)
    current = set(subscriber.topic_slugs)
    following = slug not in current
    updated = await set_topics(session, chat_id, current ^ {slug})
    return updated, following


def normalise_keyword(word: str) -> str:
    """Keywords are stored lower-case with inner whitespace collapsed."""
    return re.sub(r"\s+", " ", word).strip().lower()[:MAX_KEYWORD_LENGTH]


async def follow_keywords(session: AsyncSession, chat_id: int, words: Iterable[str]) -> Subscriber:
    subscriber = await _require(session, chat_id)
    rows = [
        {"subscriber_id": subscriber.id, "keyword": kw}
        for kw in {normalise_keyword(w) for w in words}
        if kw
    ]
    if rows:
        await session.execute(
            insert_ignoring_conflicts(session, SubscriberKeyword.__table__),
            rows,
        )
    return await _touch(session, subscriber, reload=True)


async def unfollow_keywords(
    session: AsyncSession, chat_id: int, words: Iterable[str]
) -> Subscriber:
    subscriber = await _require(session, chat_id)
    await session.execute(
        delete(SubscriberKeyword).where(
            SubscriberKeyword.subscriber_id == subscriber.id,
            SubscriberKeyword.keyword.in_([normalise_keyword(w) for w in words]),
        )
    )
    return await _touch(session, subscriber, reload=True)


async def set_timezone(session: AsyncSession, chat_id: int, zone: str) -> Subscriber:
    """Set an IANA time zone; an unknown name raises ZoneInfoNotFoundError."""
    ZoneInfo(zone)
    subscriber = await _loaded(session, chat_id)
    subscriber.timezone = zone
    return await _touch(session, subscriber)


async def set_digest_time(session: AsyncSession, chat_id: int, at: time) -> Subscriber:
    subscriber = await _loaded(session, chat_id)
    subscriber.digest_time = at.replace(second=0, microsecond=0, tzinfo=None)
    return await _touch(session, subscriber)


async def set_mode(session: AsyncSession, chat_id: int, mode: DeliveryMode) -> Subscriber:
    subscriber = await _loaded(session, chat_id)
    subscriber.mode = mode
    return await _touch(session, subscriber)


async def set_quiet_hours(
    session: AsyncSession, chat_id: int, hours: tuple[time, time] | None
) -> Subscriber:
    """Hours without instant alerts, as (start, end) local times; equal ends: never quiet;
    None: the operator's default."""
    subscriber = await _loaded(session, chat_id)
    start, end = hours or (None, None)
    subscriber.quiet_start = _minute(start)
    subscriber.quiet_end = _minute(end)
    return await _touch(session, subscriber)


def _minute(at: time | None) -> time | None:
    return None if at is None else at.replace(second=0, microsecond=0, tzinfo=None)


async def set_language(session: AsyncSession, chat_id: int, language: str) -> Subscriber:
    """Set the language the bot speaks in this chat (a code such as "uk" or "en")."""
    subscriber = await _loaded(session, chat_id)
    subscriber.language = language
    return await _touch(session, subscriber)


async def _touch(
    session: AsyncSession, subscriber: Subscriber, *, reload: bool = False
) -> Subscriber:
    """Write the subscriber's changes with the time of them. ``reload``: its topics or
    keywords were changed by statements, so load it again; else the object is current
    (loading it again cost every such command a second joined select)."""
    subscriber.updated_at = utcnow()
    await session.flush()
    return await _require(session, subscriber.chat_id) if reload else subscriber


async def count_by_state(session: AsyncSession) -> dict[SubscriberState, int]:
    """How many subscribers are in each state (every state present, zero included)."""
    result = await session.execute(
        select(Subscriber.state, func.count()).group_by(Subscriber.state)
    )
    counts = dict.fromkeys(SubscriberState, 0)
    counts.update({state: n for state, n in result.all()})
    return counts


async def all_tracked_keywords(session: AsyncSession) -> list[str]:
    """Every keyword some subscriber follows or muted: ingest records hits for all of them."""
    followed = select(SubscriberKeyword.keyword)
    muted = select(MutedKeyword.keyword)
    result = await session.scalars(union(followed, muted).order_by("keyword"))
    return list(result)


@dataclass(frozen=True, slots=True)
class Preferences:
    """Preferences to restore from a settings file; None leaves a setting as it is.

    Topics must exist and the time zone must be valid: the caller validates.
    """

    topics: list[str] | None = None
    keywords: list[str] | None = None
    timezone: str | None = None
    digest_time: time | None = None
    mode: DeliveryMode | None = None
    mutes: Mutes | None = None
    language: str | None = None
    # (start, end), equal ends for none; QUIET_DEFAULT: the operator's default.
    quiet_hours: tuple[time, time] | Literal["default"] | None = None
    # Preferred sources (feed ids), most preferred first; [] clears them.
    sources: list[int] | None = None


async def restore_preferences(
    session: AsyncSession, chat_id: int, preferences: Preferences
) -> Subscriber:
    """Replace a chat's preferences with the given ones, all in the caller's transaction."""
    subscriber = await _require(session, chat_id)
    if preferences.topics is not None:
        subscriber = await set_topics(session, chat_id, preferences.topics)
    if preferences.keywords is not None:
        await session.execute(
            delete(SubscriberKeyword).where(SubscriberKeyword.subscriber_id == subscriber.id)
        )
        subscriber = await follow_keywords(session, chat_id, preferences.keywords)
    if preferences.timezone is not None:
        subscriber = await set_timezone(session, chat_id, preferences.timezone)
    if preferences.digest_time is not None:
        subscriber = await set_digest_time(session, chat_id, preferences.digest_time)
    if preferences.mode is not None:
        subscriber = await set_mode(session, chat_id, preferences.mode)
    if preferences.mutes is not None:
        await replace_mutes(session, subscriber.id, preferences.mutes)
    if preferences.language is not None:
        subscriber = await set_language(session, chat_id, preferences.language)
    if preferences.quiet_hours == QUIET_DEFAULT:
        subscriber = await set_quiet_hours(session, chat_id, None)
    elif preferences.quiet_hours is not None:
        subscriber = await set_quiet_hours(session, chat_id, preferences.quiet_hours)
    if preferences.sources is not None:
        await set_preferred_sources(session, subscriber.id, preferences.sources)
    return subscriber
