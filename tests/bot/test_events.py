"""Events in the digest: a Gaza follower gets one strike once, with the other outlets named."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery.sender import OutboxSender
from jobs.catalogue import load_topics
from jobs.ingest.drafts import BriefDraft, StoryDraft
from jobs.ingest.store import Counts, prepare_brief, store
from jobs.ingest.tag import Tagger
from jobs.schedule import Scheduler
from storage.models import Feed
from tests.bot.conftest import bot_settings, delivering, running
from tests.bot.test_delivery import _database
from tests.botapi import BotApiDouble
from tests.conftest import SEEDS
from tests.factories import add_subscriber

KYIV_MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=ZoneInfo("Europe/Kyiv")).astimezone(UTC)

REPORTS = [
    (
        "BBC",
        "Israeli strike on Gaza school kills at least 16",
        "An Israeli air strike hit the Mustafa Hafez school in Gaza City on Thursday, killing "
        "at least 16 people sheltering there, the Hamas-run civil defence agency said.",
    ),
    (
        "NYT",
        "At Least 16 Killed in Israeli Strikes Near Gaza School Buildings",
        "Israeli strikes near the Mustafa Hafez school compound in Gaza City killed at least 16 "
        "people, Palestinian officials said; Israel said Hamas fighters were operating there.",
    ),
    (
        "Al Jazeera",
        "Israeli attack on Gaza City school sheltering displaced kills 16",
        "At least 16 Palestinians were killed when Israel bombed the Mustafa Hafez school in "
        "Gaza City on Thursday, medics said, the latest of several strikes on shelters in Gaza.",
    ),
]


async def ingest_reports(sessions, now: datetime, reports=REPORTS) -> None:
    """Each outlet's story stored through the ingest path, an hour apart."""
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    for hour, (outlet, title, text) in enumerate(reports):
        at = now - timedelta(hours=6 - hour)
        url = f"https://{outlet.lower().replace(' ', '')}.example/gaza-school"
        async with sessions.begin() as session:
            feed = Feed(url=f"https://{outlet.lower().replace(' ', '')}.example/rss", title=outlet)
            session.add(feed)
            await session.flush()
            draft = BriefDraft(
                key=url, title=title, url=url, published_at=at,
                stories=(StoryDraft(1, title, text, url, at),),
            )  # fmt: skip
            prepared = [prepare_brief(feed.url, draft, tagger, None, at)]
            await store(session, feed.id, prepared, at, Counts())


async def test_a_gaza_follower_gets_one_strike_once_with_the_other_outlets_under_it(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4343, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"],
            timezone="Europe/Kyiv", at=time(7, 30),
        )  # fmt: skip
    await ingest_reports(sessions, KYIV_MORNING)
    async with delivering(url, sessions, lambda: KYIV_MORNING) as world:
        try:
            await world.api.wait_for(lambda: bool(world.api.sent_to(4343)), within=10)
            [digest] = world.api.sent_to(4343)
            second = await world.say("/story 2", 4343)
            why = await world.say("/why 1", 4343)
        finally:
            await engine.dispose()

    assert digest.text.count("Mustafa Hafez") == 1
    assert REPORTS[0][1] in digest.text and "also: NYT, Al Jazeera" in digest.text
    assert digest.text.count("/story_") == 1 and "· 1 story" in digest.text
    # Nothing is lost: the other outlets' versions are still stories of the digest.
    assert REPORTS[1][1] in second[-1].text and "also: " in second[-1].text
    assert [label for label, _ in second[-1].buttons() if label.startswith("🔗")] == [
        "🔗 BBC",
        "🔗 Al Jazeera",
    ]
    assert "one event with 2 other stories" in why[-1].text


REWRITE = (
    "Guardian",
    "Israeli strike on Gaza City school kills 16, say officials",
    "Sixteen people were killed in an Israeli strike on the Mustafa Hafez school in Gaza City "
    "on Thursday, Palestinian officials said; Israel said it had targeted Hamas fighters.",
)
UPDATE = (
    "Reuters",
    "Gaza school strike toll rises to 40 as UNRWA calls for inquiry",
    "The toll of Thursday's Israeli strike on the Mustafa Hafez school in Gaza City rose to 40, "
    "the World Health Organization said on Friday, as UNRWA and Egypt called for an inquiry.",
)


async def test_a_later_story_of_a_delivered_event_comes_only_when_it_brings_news_marked_update(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    next_morning = KYIV_MORNING + timedelta(days=1)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4444, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"],
            timezone="Europe/Kyiv", at=time(7, 30),
        )  # fmt: skip
    await ingest_reports(sessions, KYIV_MORNING, REPORTS[:1])
    async with BotApiDouble() as api, running(api, bot_settings(api, url), sessions) as world:
        try:
            for day, reports in ((KYIV_MORNING, []), (next_morning, [REWRITE, UPDATE])):
                await ingest_reports(sessions, day, reports)
                sender = OutboxSender(world.application.bot, sessions, clock=lambda d=day: d)
                await Scheduler(sessions, deliver=sender.drain, clock=lambda d=day: d).sweep()
        finally:
            await engine.dispose()
    first, second = api.sent_to(4444)

    assert REPORTS[0][1] in first.text
    assert UPDATE[1] in second.text and "🔄 update" in second.text
    assert REWRITE[1] not in second.text


async def test_digest_on_demand_brings_a_delivered_event_only_as_news_marked_update(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4545, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"]
        )
    now = datetime.now(UTC)
    await ingest_reports(sessions, now, REPORTS[:1])
    async with BotApiDouble() as api, running(api, bot_settings(api, url), sessions) as world:
        try:
            first = await world.say("/digest", 4545)
            await ingest_reports(sessions, now, [REWRITE, UPDATE])
            asked = await world.say("/digest", 4545)
        finally:
            await engine.dispose()

    assert REPORTS[0][1] in first[-1].text
    assert UPDATE[1] in asked[-1].text and "🔄 update" in asked[-1].text
    assert REWRITE[1] not in asked[-1].text


async def test_digest_on_demand_of_only_rewrites_says_nothing_is_new(
    tmp_path: Path, template_database: Path
) -> None:
    url, engine, sessions = _database(tmp_path, template_database)
    async with sessions.begin() as session:
        await add_subscriber(
            session, 4646, created_at=datetime(2020, 1, 1, tzinfo=UTC), topics=["gaza"]
        )
    now = datetime.now(UTC)
    await ingest_reports(sessions, now, REPORTS[:1])
    async with BotApiDouble() as api, running(api, bot_settings(api, url), sessions) as world:
        try:
            await world.say("/digest", 4646)
            await ingest_reports(sessions, now, [REWRITE])
            asked = await world.say("/digest", 4646)
        finally:
            await engine.dispose()

    assert asked[-1].text == "📰 Nothing new on your topics today."
    assert REWRITE[1] not in asked[-1].text
