"""Channels on SQLite and PostgreSQL: who manages them, their cap, losing them once."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage import channels, subscribers
from storage.states import SubscriberState

OWNER, OTHER_ADMIN, STRANGER = 5101, 5102, 5103
CHANNEL = -1005100


async def test_a_picked_channel_is_a_subscriber_managed_by_the_person_who_picked_it(
    session: AsyncSession,
) -> None:
    channel, created = await channels.add_channel(
        session, CHANNEL, user_id=OWNER, title="Morning Wire"
    )

    assert created and channel.chat_type == "channel" and channel.title == "Morning Wire"
    assert channel.daily_cap == channels.DEFAULT_DAILY_CAP
    assert [c.chat_id for c in await channels.managed_channels(session, OWNER)] == [CHANNEL]
    assert await channels.can_manage(session, OWNER, CHANNEL)
    assert not await channels.can_manage(session, STRANGER, CHANNEL)
    assert await channels.managed_channels(session, STRANGER) == []


async def test_another_admin_picking_the_channel_again_manages_it_too_but_is_not_its_owner(
    session: AsyncSession,
) -> None:
    await channels.add_channel(session, CHANNEL, user_id=OWNER, title="Morning Wire")
    channel, created = await channels.add_channel(
        session, CHANNEL, user_id=OTHER_ADMIN, title="Morning Wire (renamed)"
    )
    again = await channels.add_manager(session, channel.id, OTHER_ADMIN)

    assert not created and not again
    assert await channels.can_manage(session, OTHER_ADMIN, CHANNEL)
    assert await channels.owners_of(session, channel.id) == [OWNER]
    assert channel.title == "Morning Wire (renamed)"


async def test_a_private_chat_is_never_a_managed_channel(session: AsyncSession) -> None:
    await subscribers.subscribe(session, OWNER, user_id=OWNER)

    assert not await channels.can_manage(session, OWNER, OWNER)
    assert await channels.get_channel(session, OWNER) is None


async def test_a_lost_channel_is_deactivated_once(session: AsyncSession) -> None:
    await channels.add_channel(session, CHANNEL, user_id=OWNER, title="Morning Wire")

    first = await channels.deactivate(session, CHANNEL)
    second = await channels.deactivate(session, CHANNEL)

    assert first is not None and first.state is SubscriberState.BLOCKED
    assert second is None


async def test_the_daily_cap_takes_one_to_fifty_stories(session: AsyncSession) -> None:
    channel, _ = await channels.add_channel(session, CHANNEL, user_id=OWNER, title="Wire")

    await channels.set_daily_cap(session, CHANNEL, 3)
    with pytest.raises(ValueError, match="1 to 50"):
        await channels.set_daily_cap(session, CHANNEL, 0)

    assert await channels.daily_caps(session, [channel.id]) == {channel.id: 3}


async def test_forgetting_a_channel_forgets_its_managers(session: AsyncSession) -> None:
    await channels.add_channel(session, CHANNEL, user_id=OWNER, title="Wire")

    await subscribers.forget(session, CHANNEL)

    assert await channels.managed_channels(session, OWNER) == []
