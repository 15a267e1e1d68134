"""Forum groups: admins route topics to threads, and digests arrive split by thread."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.delivery.sender import OutboxSender
from jobs.plan import plan_due_digests
from storage import routes, subscribers
from tests.bot.conftest import World
from tests.botapi.double import Sent
from tests.factories import StorySpec, add_brief, add_subscriber

FORUM = -100777888999
OWNER, MEMBER = 601, 602
UKRAINE_THREAD, GAZA_THREAD = 7, 9
FOLLOWED = ["ukraine", "gaza", "trade"]
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)
NOT_A_FORUM = (
    "Routing works in groups with topics: turn on Topics in the group's settings, "
    "then send /route TOPIC inside a thread."
)


async def _routes(world: World) -> dict[str, int]:
    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, FORUM)
        return await routes.routes_of(session, found.id) if found else {}


async def _routed_forum(world: World) -> None:
    world.api.make_forum(FORUM)
    world.api.set_admins(FORUM, {OWNER})
    await world.say("/start ukraine gaza trade", FORUM, user_id=OWNER)
    await world.say("/route ukraine", FORUM, user_id=OWNER, thread_id=UKRAINE_THREAD)
    await world.say("/route gaza", FORUM, user_id=OWNER, thread_id=GAZA_THREAD)


async def test_an_admin_routes_topics_to_the_threads_they_are_sent_in(world: World) -> None:
    world.api.make_forum(FORUM)
    world.api.set_admins(FORUM, {OWNER})
    await world.say("/start ukraine gaza", FORUM, user_id=OWNER)

    (routed,) = await world.say("/route ukraine", FORUM, user_id=OWNER, thread_id=UKRAINE_THREAD)
    (trade,) = await world.say("/route trade", FORUM, user_id=OWNER, thread_id=UKRAINE_THREAD)
    await world.say("/route gaza", FORUM, user_id=OWNER, thread_id=GAZA_THREAD)
    (listed,) = await world.say("/route", FORUM, user_id=MEMBER, thread_id=UKRAINE_THREAD)
    (empty,) = await world.say("/route", FORUM, user_id=MEMBER, thread_id=11)

    assert routed.text == "Stories on 🇺🇦 Ukraine now go to this thread."
    assert routed.thread_id == UKRAINE_THREAD
    assert "does not follow 🚢 Trade yet; /topics adds them" in trade.text
    assert listed.text.startswith("Stories on 🇺🇦 Ukraine, 🚢 Trade go to this thread")
    assert listed.thread_id == UKRAINE_THREAD
    assert empty.text.startswith("No topics go to this thread yet.")
    assert await _routes(world) == {"gaza": GAZA_THREAD, "trade": UKRAINE_THREAD,
                                    "ukraine": UKRAINE_THREAD}  # fmt: skip


async def test_a_member_who_is_not_an_admin_cannot_route_or_unroute(world: World) -> None:
    await _routed_forum(world)

    (refused,) = await world.say("/route trade", FORUM, user_id=MEMBER, thread_id=GAZA_THREAD)
    (unrouted,) = await world.say("/unroute ukraine", FORUM, user_id=MEMBER)

    assert refused.text == "Only this group's admins can change my settings here."
    assert unrouted.text == refused.text
    assert await _routes(world) == {"gaza": GAZA_THREAD, "ukraine": UKRAINE_THREAD}


async def test_route_outside_a_thread_or_a_forum_gets_one_line_of_explanation(
    world: World,
) -> None:
    world.api.make_forum(FORUM)
    world.api.set_admins(FORUM, {OWNER})
    plain_group = -100123
    world.api.set_admins(plain_group, {OWNER})

    (general,) = await world.say("/route ukraine", FORUM, user_id=OWNER)
    (group,) = await world.say("/route ukraine", plain_group, user_id=OWNER, thread_id=3)
    (private,) = await world.say("/unroute ukraine")

    assert general.text == (
        "Send /route TOPIC inside the thread that should get that topic's stories, "
        "e.g. /route ukraine."
    )
    assert group.text == private.text == NOT_A_FORUM
    assert await _routes(world) == {}


async def test_unroute_sends_a_topic_back_and_unknown_topics_change_nothing(
    world: World,
) -> None:
    await _routed_forum(world)

    (unknown,) = await world.say("/route ukrane", FORUM, user_id=OWNER, thread_id=GAZA_THREAD)
    (back,) = await world.say("/unroute ukraine", FORUM, user_id=OWNER)
    (again,) = await world.say("/unroute ukraine", FORUM, user_id=OWNER)
    (usage,) = await world.say("/unroute", FORUM, user_id=OWNER)

    assert unknown.text.splitlines() == [
        "unknown topic 'ukrane' — did you mean ukraine?",
        "Nothing was changed.",
    ]
    assert back.text == "Stories on 🇺🇦 Ukraine now go to the general thread."
    assert again.text == "🇺🇦 Ukraine had no thread of its own; nothing was changed."
    assert usage.text.startswith("Usage: /unroute TOPIC")
    assert await _routes(world) == {"gaza": GAZA_THREAD}


def _numbered(text: str) -> dict[int, str]:
    """Story number -> title, as a digest message lists them."""
    return {int(n): title for n, title in re.findall(r"^(\d+)\. \S+ (.+)$", text, re.M)}


async def _scheduled_digest(world: World, stories: list[StorySpec]) -> tuple[int, list[Sent]]:
    """Publish ``stories``, plan the forum group's morning digest and drain the outbox:
    (messages sent by the drain, what arrived in the group)."""
    async with world.sessions.begin() as session:
        await add_subscriber(session, FORUM, created_at=LONG_AGO, topics=FOLLOWED)
        await add_brief(session, MORNING - timedelta(hours=2), stories)
        await plan_due_digests(session, MORNING, lookback=timedelta(hours=48), max_stories=10)
    mark = len(world.api.calls)
    report = await OutboxSender(
        world.application.bot, world.sessions, clock=lambda: MORNING, worker_id="test"
    ).drain()
    return report.sent, world.sent_since(mark)


async def test_a_scheduled_digest_arrives_split_by_thread_with_the_digest_numbers(
    world: World,
) -> None:
    await _routed_forum(world)

    sent, messages = await _scheduled_digest(world, [
        StorySpec("Drone strikes on Kharkiv", ["ukraine"]),
        StorySpec("Aid convoy enters Gaza", ["gaza"]),
        StorySpec("Tariffs on steel rise", ["trade"]),
        StorySpec("Kyiv hosts Gaza talks", ["gaza", "ukraine"]),
    ])  # fmt: skip

    assert sent == 1
    by_thread = {m.thread_id: _numbered(m.text) for m in messages}
    assert len(messages) == 3
    assert sorted(by_thread[UKRAINE_THREAD].values()) == [
        "Drone strikes on Kharkiv",
        "Kyiv hosts Gaza talks",  # ukraine comes before gaza in the topics file
    ]
    assert list(by_thread[GAZA_THREAD].values()) == ["Aid convoy enters Gaza"]
    assert list(by_thread[None].values()) == ["Tariffs on steel rise"]
    numbers = sorted(n for stories in by_thread.values() for n in stories)
    assert numbers == [1, 2, 3, 4]
    for message in messages:
        for n in _numbered(message.text):
            assert (f"📖 {n}", f"🔇 {n}") == tuple(
                label for label, _ in message.buttons() if label.endswith(f" {n}")
            )
    for thread, stories in by_thread.items():
        for n, title in stories.items():
            (opened,) = await world.say(f"/story {n}", FORUM, user_id=MEMBER, thread_id=thread)
            assert f"{n}. {title}" in opened.text


async def test_help_in_a_forum_group_tells_how_to_route_topics(world: World) -> None:
    world.api.make_forum(FORUM)

    (forum_help,) = await world.say("/help", FORUM, user_id=MEMBER, thread_id=GAZA_THREAD)
    (private_help,) = await world.say("/help")

    assert "/route TOPIC inside a thread sends that topic's stories there" in forum_help.text
    assert forum_help.thread_id == GAZA_THREAD
    assert "/route" not in private_help.text


async def test_stories_routed_to_a_deleted_thread_arrive_in_the_general_thread(
    world: World,
) -> None:
    await _routed_forum(world)
    world.api.deleted_threads.add((FORUM, GAZA_THREAD))

    sent, messages = await _scheduled_digest(world, [
        StorySpec("Drone strikes on Kharkiv", ["ukraine"]),
        StorySpec("Aid convoy enters Gaza", ["gaza"]),
    ])  # fmt: skip

    assert sent == 1
    by_thread = {m.thread_id: list(_numbered(m.text).values()) for m in messages}
    assert by_thread == {UKRAINE_THREAD: ["Drone strikes on Kharkiv"],
                         None: ["Aid convoy enters Gaza"]}  # fmt: skip
