"""Archive search over every stored story.

Queries read like a search box: words (all must match), "quoted phrases",
and -word exclusions. SQLite uses the FTS5 table ``stories_fts`` (porter
stemming); PostgreSQL uses ``websearch_to_tsquery`` over a GIN index. Results
come newest day first, best match first within a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import SearchQueryError
from storage.models import Story

CANDIDATES = 500  # newest matches ranked per search
POSTGRES_DOCUMENT = "to_tsvector('english', stories.title || ' ' || stories.text)"
TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    include: tuple[str, ...]  # words or phrases that must all appear
    exclude: tuple[str, ...]  # words or phrases that must not

    def fts5(self) -> str:
        """The query in FTS5 syntax, every term quoted so user text is never syntax."""

        def quoted(term: str) -> str:
            return '"' + term.replace('"', '""') + '"'

        expression = " AND ".join(quoted(t) for t in self.include)
        for term in self.exclude:
            expression += f" NOT {quoted(term)}"
        return expression

    def websearch(self) -> str:
        """The query in PostgreSQL's websearch syntax."""
        parts = [f'"{t}"' if " " in t else t for t in self.include]
        parts += [f'-"{t}"' if " " in t else f"-{t}" for t in self.exclude]
        return " ".join(parts)


def parse_query(raw: str) -> SearchQuery:
    """Split what the user typed into terms; punctuation inside a term is dropped."""
    include: list[str] = []
    exclude: list[str] = []
    for match in TOKEN.finditer(raw):
        negated = bool(match.group(1) or match.group(3))
        words = WORD.findall(match.group(2) if match.group(2) is not None else match.group(4))
        if not words:
            continue
        (exclude if negated else include).append(" ".join(words).lower())
    if not include:
        raise SearchQueryError(
            "give at least one word to look for; -word only excludes, and quotes find phrases"
        )
    return SearchQuery(tuple(dict.fromkeys(include)), tuple(dict.fromkeys(exclude)))


async def search_stories(
    session: AsyncSession,
    query: SearchQuery,
    *,
    limit: int = 10,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Story]:
    """Stories matching ``query``: newest day first, best match first within a day.

    Only the newest ``CANDIDATES`` matches are ranked, which keeps a search for
    a common word as fast as one for a rare word. Story ids grow with ingestion
    time, so "newest" is "highest id", which both indexes can walk backwards.
    """
    low, high = await _id_bounds(session, since, until)
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.websearch_to_tsquery(text("'english'"), query.websearch())
        document: ColumnElement[Any] = literal_column(POSTGRES_DOCUMENT)
        candidates = (
            select(Story.id, func.ts_rank_cd(document, tsquery).label("score"))
            .where(document.op("@@")(tsquery), Story.id >= low, Story.id < high)
            .order_by(Story.id.desc())
            .limit(CANDIDATES)
            .subquery()
        )
        best_first = candidates.c.score.desc()
        day: ColumnElement[Any] = cast(Story.ingested_at, Date)
    else:
        candidates = (
            select(
                literal_column("rowid").label("id"),
                literal_column("bm25(stories_fts)").label("score"),
            )
            .select_from(text("stories_fts"))
            .where(
                text("stories_fts MATCH :q AND rowid >= :low AND rowid < :high").bindparams(
                    q=query.fts5(), low=low, high=high
                )
            )
            .order_by(literal_column("rowid").desc())
            .limit(CANDIDATES)
            .subquery()
        )
        best_first = candidates.c.score.asc()  # bm25: lower is better
        day = func.date(Story.ingested_at)
    stmt = (
        select(Story)
        .join(candidates, candidates.c.id == Story.id)
        .order_by(day.desc(), best_first, Story.id.desc())
        .limit(limit)
    )
    if since is not None:
        stmt = stmt.where(Story.ingested_at >= since)
    if until is not None:
        stmt = stmt.where(Story.ingested_at < until)
    return list(await session.scalars(stmt))


async def _id_bounds(
    session: AsyncSession, since: datetime | None, until: datetime | None
) -> tuple[int, int]:
    """The story-id range [low, high) ingested in [since, until), through the time index."""
    low, high = 0, 2**31 - 1  # stories.id is a 32-bit integer on PostgreSQL
    if since is not None:
        first = await session.scalar(select(func.min(Story.id)).where(Story.ingested_at >= since))
        low = first if first is not None else high
    if until is not None:
        after = await session.scalar(select(func.min(Story.id)).where(Story.ingested_at >= until))
        high = after if after is not None else high
    return low, high
