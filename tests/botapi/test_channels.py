"""The double's channels: posting needs the right to post, twenty a minute, members' rights."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ChatMemberAdministrator
from telegram.error import BadRequest, Forbidden, RetryAfter

from tests.botapi import BotApiDouble, Limits
from tests.botapi.double import BOT_ID
from tests.botapi.test_double import TOKEN, Clock

CHANNEL = -1009988776655
OWNER, ADMIN, READER = 11, 12, 13


@pytest.fixture
async def api() -> AsyncIterator[BotApiDouble]:
    clock = Clock()
    async with BotApiDouble(limits=Limits(), clock=clock) as double:
        double.clock_for_tests = clock  # type: ignore[attr-defined]
        yield double


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


async def test_a_bot_that_is_not_an_admin_of_the_channel_cannot_post_or_look(
    bot: Bot, api: BotApiDouble
) -> None:
    api.make_channel(CHANNEL, owner=OWNER)

    with pytest.raises(Forbidden, match=r"(?i)not a member of the channel"):
        await bot.send_message(CHANNEL, "hello")
    with pytest.raises(Forbidden):
        await bot.get_chat_member(CHANNEL, OWNER)


async def test_members_of_a_channel_have_their_rights(bot: Bot, api: BotApiDouble) -> None:
    api.make_channel(CHANNEL, owner=OWNER, admins={ADMIN}, bot_is_admin=True)

    me = await bot.get_chat_member(CHANNEL, BOT_ID)
    admin = await bot.get_chat_member(CHANNEL, ADMIN)
    owner = await bot.get_chat_member(CHANNEL, OWNER)
    reader = await bot.get_chat_member(CHANNEL, READER)

    assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_post_messages
    assert (owner.status, reader.status) == ("creator", "left")


async def test_a_channel_takes_twenty_messages_a_minute_in_strict_mode(
    bot: Bot, api: BotApiDouble
) -> None:
    api.make_channel(CHANNEL, owner=OWNER, bot_is_admin=True)
    clock = api.clock_for_tests  # type: ignore[attr-defined]

    for n in range(20):
        clock.now += 1.0
        await bot.send_message(CHANNEL, f"post {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHANNEL, "one too many")
    clock.now += 41.0
    await bot.send_message(CHANNEL, "a minute after the first")


async def test_a_bot_without_the_right_to_post_is_refused(bot: Bot, api: BotApiDouble) -> None:
    api.make_channel(CHANNEL, owner=OWNER, bot_is_admin=True)
    api.channels[CHANNEL].bot_rights = {"can_edit_messages"}

    with pytest.raises(BadRequest, match=r"(?i)need administrator rights"):
        await bot.send_message(CHANNEL, "hello")
