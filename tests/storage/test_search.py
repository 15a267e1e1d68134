"""Archive search: words, "phrases" and -exclusions, newest day first; on both databases."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import SearchQueryError
from storage.models import Brief, Story
from storage.search import SearchQuery, parse_query, search_stories

DAY = datetime(2025, 2, 12, 9, 0, tzinfo=UTC)


async def add_story(session: AsyncSession, title: str, text: str, at: datetime) -> Story:
    key = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    brief = Brief(key=key, title=title, ingested_at=at)
    session.add(brief)
    await session.flush()
    story = Story(
        brief_id=brief.id, position=1, title=title, text=text, content_key=key, ingested_at=at
    )
    session.add(story)
    await session.flush()
    return story


@pytest.fixture
async def archive(session: AsyncSession) -> dict[str, Story]:
    """Four stories over four days, added oldest first as ingestion does."""
    return {
        "grain": await add_story(
            session,
            "Grain deal",
            "Ukraine and Turkey agree on a grain corridor; tariffs are not part of it.",
            DAY - timedelta(days=3),
        ),
        "ford": await add_story(
            session,
            "Odds and Ends",
            "Ontario's premier challenges proposed tariffs on Canadian imports.",
            DAY - timedelta(days=1),
        ),
        "hegseth": await add_story(
            session,
            "Is Europe on Its Own?",
            "Hegseth rules out U.S. peacekeeping in Ukraine; Europe must provide aid.",
            DAY,
        ),
        "modi": await add_story(
            session,
            "Modi comes to Washington.",
            "India hopes to avoid a trade war as reciprocal tariffs loom.",
            DAY,
        ),
    }


def titles(stories: list[Story]) -> list[str]:
    return [s.title for s in stories]


async def test_words_match_stemmed_forms_newest_day_first(
    session: AsyncSession, archive: dict[str, Story]
) -> None:
    found = await search_stories(session, parse_query("tariff"))

    assert titles(found) == ["Modi comes to Washington.", "Odds and Ends", "Grain deal"]


async def test_every_word_must_match(session: AsyncSession, archive: dict[str, Story]) -> None:
    found = await search_stories(session, parse_query("tariffs India"))

    assert titles(found) == ["Modi comes to Washington."]


async def test_a_quoted_phrase_matches_only_as_a_phrase(
    session: AsyncSession, archive: dict[str, Story]
) -> None:
    assert titles(await search_stories(session, parse_query('"trade war"'))) == [
        "Modi comes to Washington."
    ]
    assert await search_stories(session, parse_query('"war trade"')) == []


async def test_a_minus_word_excludes_stories(
    session: AsyncSession, archive: dict[str, Story]
) -> None:
    found = await search_stories(session, parse_query("tariffs -ontario"))

    assert "Odds and Ends" not in titles(found)
    assert "Modi comes to Washington." in titles(found)


async def test_search_can_be_limited_to_a_day(
    session: AsyncSession, archive: dict[str, Story]
) -> None:
    day_before = DAY.replace(hour=0) - timedelta(days=1)

    found = await search_stories(
        session, parse_query("tariffs"), since=day_before, until=day_before + timedelta(days=1)
    )

    assert titles(found) == ["Odds and Ends"]


async def test_search_syntax_in_user_text_is_taken_literally(
    session: AsyncSession, archive: dict[str, Story]
) -> None:
    for raw in ['Ukraine" OR "x', "NEAR(ukraine", "ukraine*", "title:ukraine", "AND"]:
        await search_stories(session, parse_query(raw))  # no syntax error reaches the user


def test_a_query_of_only_exclusions_is_refused_with_a_hint() -> None:
    with pytest.raises(SearchQueryError, match="at least one word"):
        parse_query("-ukraine")
    with pytest.raises(SearchQueryError):
        parse_query('  "" - ')


def test_the_query_parser_keeps_phrases_and_exclusions() -> None:
    assert parse_query('Gaza "cease-fire deal" -Egypt') == SearchQuery(
        include=("gaza", "cease fire deal"), exclude=("egypt",)
    )
