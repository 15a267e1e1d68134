"""Channels: picked with Telegram's chat picker, set up from a private chat, lost once."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.sender import OutboxSender
from jobs.plan import plan_due_digests
from storage import channels, subscribers
from storage.states import SubscriberState
from storage.types import utcnow
from tests.bot.conftest import ME, World
from tests.bot.seed import insert_seed_brief
from tests.botapi.double import BOT_USERNAME

CHANNEL = -1001234567890
OTHER_ADMIN, STRANGER = 4343, 4444


async def _pick(world: World, user: int = ME) -> list[str]:
    await world.say("/channel", user)
    mark = len(world.api.calls)
    await world.until_processed(await world.api.user_picks_channel(user, CHANNEL))
    return [m.text for m in world.sent_since(mark)]


async def test_a_picked_channel_becomes_a_subscriber_managed_by_its_admin(world: World) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME)

    (prompt,) = await world.say("/channel")
    picker = prompt.markup["keyboard"][0][0]["request_chat"]  # type: ignore[index]
    texts = await _pick(world)

    assert picker["chat_is_channel"] is True
    assert picker["bot_administrator_rights"]["can_post_messages"] is True
    assert picker["user_administrator_rights"]["can_post_messages"] is True
    assert texts[0].startswith("📣 Added Morning Wire")
    assert "at most 10 stories a day" in texts[1]
    async with world.sessions() as session:
        assert await channels.can_manage(session, ME, CHANNEL)
        assert not await channels.can_manage(session, STRANGER, CHANNEL)


async def test_settings_commands_change_the_channel_and_bad_values_change_nothing(
    world: World,
) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)

    (card,) = await world.say("/channel 1 topics ukraine gaza")
    await world.say("/channel 1 time 06:45")
    await world.say("/channel 1 timezone kyiv")
    (bad,) = await world.say("/channel 1 time 25:00")
    (capped,) = await world.say("/channel 1 cap 3")
    (stranger,) = await world.say("/channel 1 cap 5", STRANGER)

    assert "Ukraine" in card.text and "Gaza" in card.text
    assert bad.text.startswith("Usage: /channel N")
    assert "Digest at 06:45 (Europe/Kyiv)" in capped.text and "at most 3 stories" in capped.text
    assert stranger.text == "You don't manage a channel 1. /channel lists yours."


async def test_another_admin_who_picks_the_channel_manages_it_too(world: World) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, admins={OTHER_ADMIN})
    await _pick(world)

    texts = await _pick(world, OTHER_ADMIN)

    assert texts[0] == "📣 Morning Wire is yours to manage too, and posting."
    async with world.sessions() as session:
        assert await channels.can_manage(session, OTHER_ADMIN, CHANNEL)
        assert await channels.owners_of(
            session, (await channels.get_channel(session, CHANNEL)).id
        ) == [ME]  # type: ignore[union-attr]


async def test_losing_the_right_to_post_stops_the_channel_and_tells_its_owner_once(
    world: World,
) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)

    mark = len(world.api.calls)
    await world.until_processed(await world.api.bot_loses_channel(CHANNEL, by_user=ME))
    await world.until_processed(
        await world.api.bot_loses_channel(CHANNEL, by_user=ME, removed=True)
    )

    told = world.sent_since(mark)
    assert [m.chat_id for m in told] == [ME]
    assert "I can no longer post in Morning Wire" in told[0].text
    async with world.sessions() as session:
        found = await channels.get_channel(session, CHANNEL)
    assert found is not None and found.state is SubscriberState.BLOCKED


async def test_a_story_link_from_a_channel_opens_the_story_in_the_bot(world: World) -> None:
    async with world.sessions.begin() as session:
        stories = await insert_seed_brief(session)

    story, hint = await world.say(f"/start story_{stories[1].id}", STRANGER)

    assert stories[1].title in story.text
    assert "Send /start" in hint.text


async def test_the_channel_gets_its_capped_digest_without_reader_buttons_with_links(
    world: World,
) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)
    await world.say("/channel 1 topics ukraine gaza trade")
    await world.say("/channel 1 cap 2")
    now = utcnow()
    async with world.sessions.begin() as session:
        stories = await insert_seed_brief(session)
        await subscribers.set_digest_time(
            session, CHANNEL, (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
        )
        await plan_due_digests(session, now, lookback=timedelta(days=2), max_stories=10)

    report = await OutboxSender(world.application.bot, world.sessions).drain()

    (post,) = world.api.sent_to(CHANNEL)
    links = [e["url"] for e in post.entities if e.get("type") == "text_link"]
    assert report.sent == 1
    assert post.text.startswith("📰 The day's stories")
    assert post.markup is None and "/story" not in post.text
    assert post.text.count("\n\n") == 2  # the heading and two stories: the cap
    deep = [u for u in links if u.startswith(f"https://t.me/{BOT_USERNAME}?start=story_")]
    assert len(deep) == 2
    opened, _ = await world.say(f"/start {deep[0].rsplit('=', 1)[1]}", STRANGER)
    assert any(s.title in opened.text for s in stories)


async def test_the_settings_button_and_the_topic_toggles_reach_the_channel(world: World) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)
    (settings,) = await world.say("/settings")

    listed, _prompt = await world.tap(settings, "📣 Channels")
    (card,) = await world.tap(listed, "Morning Wire")
    await world.tap(card, "Topics")
    await world.tap(world.api.messages[(ME, card.message_id)], "Climate")

    async with world.sessions() as session:
        found = await channels.get_channel(session, CHANNEL)
        private = await subscribers.get_subscriber(session, ME)
    assert found is not None and found.topic_slugs == ["climate"]
    assert private is not None and private.topic_slugs == []


async def test_an_unknown_topic_for_a_channel_changes_nothing(world: World) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)
    await world.say("/channel 1 topics gaza")

    (refused,) = await world.say("/channel 1 topics ukrane trade")

    assert "did you mean ukraine?" in refused.text and "Nothing was changed." in refused.text
    async with world.sessions() as session:
        found = await channels.get_channel(session, CHANNEL)
    assert found is not None and found.topic_slugs == ["gaza"]


async def test_a_channel_has_its_own_preferred_sources_and_an_unknown_one_changes_nothing(
    world: World,
) -> None:
    world.api.make_channel(CHANNEL, "Morning Wire", owner=ME, bot_is_admin=True)
    await _pick(world)

    (card,) = await world.say("/channel 1 prefer Guardian, NYT")
    (refused,) = await world.say("/channel 1 prefer Reuters")
    (own,) = await world.say("/prefer")
    (again,) = await world.say("/channel 1")

    chosen = "Preferred sources: 1. The Guardian: World news, 2. The New York Times: World"
    assert chosen in card.text
    assert refused.text.startswith("I don't know the source “Reuters”. My sources: ")
    assert chosen in again.text
    assert "Preferred sources: none" in own.text
