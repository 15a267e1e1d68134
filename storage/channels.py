"""Channels: a subscriber with chat type "channel", and the people who manage it.

A channel has its own topics, keywords, digest time, time zone and language,
like any subscriber, plus a daily cap on stories (``Subscriber.daily_cap``).
``channel_managers`` says who may change it from their private chat: the
person who added it (its owner, told when the bot loses the channel) and
other admins of the channel who added it again. One row per channel and
person (the primary key), so adding twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.models import Subscriber
from storage.states import SubscriberState
from storage.subscribers import get_subscriber, subscribe
from storage.types import Base, UTCDateTime, utcnow

CHANNEL = "channel"  # Subscriber.chat_type of a channel
DEFAULT_DAILY_CAP = 10
MAX_DAILY_CAP = 50


class ChannelManager(Base):
    """A person who may change a channel's settings from their private chat."""

    __tablename__ = "channel_managers"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def add_channel(
    session: AsyncSession, chat_id: int, *, user_id: int, title: str, language: str | None = None
) -> tuple[Subscriber, bool]:
    """Make a channel a subscriber managed by ``user_id``, or reactivate it; returns
    (channel, created). The person who adds it first is its owner."""
    channel, created = await subscribe(
        session, chat_id, user_id=user_id, chat_type=CHANNEL, language=language
    )
    channel.title = title[:256]
    if created:
        channel.daily_cap = DEFAULT_DAILY_CAP
    await session.flush()
    await add_manager(session, channel.id, user_id, owner=created)
    return channel, created


async def add_manager(
    session: AsyncSession, subscriber_id: int, user_id: int, *, owner: bool = False
) -> bool:
    """Let ``user_id`` manage the channel; False when they already did."""
    result = await session.execute(
        insert_ignoring_conflicts(session, ChannelManager.__table__).values(
            subscriber_id=subscriber_id, user_id=user_id, is_owner=owner, added_at=utcnow()
        )
    )
    return bool(rowcount(result))


async def managed_channels(session: AsyncSession, user_id: int) -> list[Subscriber]:
    """The channels this person manages, in the order they were added (active or not)."""
    rows = await session.scalars(
        select(Subscriber)
        .join(ChannelManager, ChannelManager.subscriber_id == Subscriber.id)
        .where(ChannelManager.user_id == user_id, Subscriber.chat_type == CHANNEL)
        .order_by(Subscriber.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def can_manage(session: AsyncSession, user_id: int, chat_id: int) -> bool:
    """True when ``user_id`` manages the channel ``chat_id``."""
    found = await session.scalar(
        select(ChannelManager.user_id)
        .join(Subscriber, Subscriber.id == ChannelManager.subscriber_id)
        .where(
            ChannelManager.user_id == user_id,
            Subscriber.chat_id == chat_id,
            Subscriber.chat_type == CHANNEL,
        )
    )
    return found is not None


async def get_channel(session: AsyncSession, chat_id: int) -> Subscriber | None:
    """The channel subscriber of ``chat_id``, or None (also for chats that are not channels)."""
    subscriber = await get_subscriber(session, chat_id)
    return subscriber if subscriber is not None and subscriber.chat_type == CHANNEL else None


async def owners_of(session: AsyncSession, subscriber_id: int) -> list[int]:
    """The user ids told about the channel: its owner, else every manager."""
    rows = (
        await session.execute(
            select(ChannelManager.user_id, ChannelManager.is_owner)
            .where(ChannelManager.subscriber_id == subscriber_id)
            .order_by(ChannelManager.added_at, ChannelManager.user_id)
        )
    ).all()
    owners = [user for user, is_owner in rows if is_owner]
    return owners or [user for user, _ in rows]


async def deactivate(session: AsyncSession, chat_id: int) -> Subscriber | None:
    """The bot lost the channel (no longer an admin who may post, or removed): no more
    digests. The channel when it was active until now, None when it already was not
    (or is not a channel), so its owner is told once."""
    channel = await get_channel(session, chat_id)
    if channel is None or channel.state is SubscriberState.BLOCKED:
        return None
    channel.state = SubscriberState.BLOCKED
    channel.updated_at = utcnow()
    await session.flush()
    return channel


async def set_daily_cap(session: AsyncSession, chat_id: int, cap: int) -> Subscriber:
    """At most ``cap`` stories a day in the channel (1 to MAX_DAILY_CAP)."""
    if not 1 <= cap <= MAX_DAILY_CAP:
        raise ValueError(f"a daily cap is 1 to {MAX_DAILY_CAP} stories, not {cap}")
    channel = await get_channel(session, chat_id)
    if channel is None:
        raise LookupError(f"chat {chat_id} is not a channel")
    channel.daily_cap = cap
    channel.updated_at = utcnow()
    await session.flush()
    return channel


async def daily_caps(session: AsyncSession, subscriber_ids: list[int]) -> dict[int, int]:
    """The daily cap of each of these subscribers that has one (channels)."""
    if not subscriber_ids:
        return {}
    rows = await session.execute(
        select(Subscriber.id, Subscriber.daily_cap).where(
            Subscriber.id.in_(subscriber_ids), Subscriber.daily_cap.is_not(None)
        )
    )
    return {sid: cap for sid, cap in rows if cap is not None}
