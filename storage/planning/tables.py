"""The temporary tables of one planning run, and the values their rows hold.

Planning works through these tables (see ``storage.planning.due`` for what
each one holds and the order they are filled in). They are created once per
run; the tables of one chunk of subscribers are emptied before the next.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.types import UTCDateTime

SQLITE_PLANNING_CACHE_KB = 64 * 1024
POSTGRES_PLANNING_WORK_MEM = "32MB"
MASK_BITS = 62  # topics at positions below this fit a BIGINT mask
_ANALYSED = "plan_tables_analysed"  # session.info: the temporary tables analysed this run


class WindowAction(enum.StrEnum):
    """What to do for the subscribers inside a window (stored as the string)."""

    PLAN = "plan"  # their digest time is due: plan the digest
    SKIP = "skip"  # their digest time fell out of the grace window: mark the date done


class MatchPath(enum.IntEnum):
    """How a due subscriber's stories are found (see ``storage.planning.matching``)."""

    LISTS = 0  # topics only: their mask's shared list, minus what they were sent
    KEYWORDS = 1  # own keywords too: the head of that list plus keyword stories
    PAIRS = 2  # mutes, or a topic past the mask's bits: every pair enumerated


_temporary = MetaData()
plan_windows = Table(
    "plan_windows",
    _temporary,
    Column("timezone", String(64), nullable=False),
    Column("local_date", Date),
    Column("from_time", Time, nullable=False),
    Column("to_time", Time, nullable=False),
    Column("created_before", UTCDateTime, nullable=False),
    Column("action", String(8), nullable=False),
    Column("local_time", Time),  # the zone's wall-clock time now (instant alerts)
    prefixes=["TEMPORARY"],
)
plan_due = Table(
    "plan_due",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("local_date", Date),
    Column("action", String(8), nullable=False),
    # The followed topics as bits of topics.position, and how to match (LISTS, KEYWORDS, PAIRS).
    Column("mask", BigInteger, nullable=False),
    Column("path", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
# The story lists each due subscriber received lately, one row each.
plan_recent = Table(
    "plan_recent",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("list_id", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
# The story lists a due subscriber on the LISTS path received lately, as "id,id,...".
plan_history = Table(
    "plan_history",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("history", Text, nullable=False),
    prefixes=["TEMPORARY"],
)
# Subscribers who get the same stories: one group per (mask, history) on the LISTS
# path, one per subscriber on the others (``subscriber_id`` set). ``member`` is a
# subscriber whose deliveries stand for the group's; ``delivered`` counts those in
# the mask's list (KEYWORDS path); ``content`` (the stories' ids, "1,5,9"), ``list_id``
# and ``total`` are filled when writing, and groups of the same content share a list.
plan_groups = Table(
    "plan_groups",
    _temporary,
    Column("group_id", Integer, primary_key=True, autoincrement=False),
    Column("mask", BigInteger, nullable=False),
    Column("history", Text, nullable=False),
    Column("path", Integer, nullable=False),
    Column("subscriber_id", Integer),
    Column("member", Integer, nullable=False),
    Column("delivered", Integer, nullable=False, default=0),
    Column("list_id", Integer),
    Column("total", Integer, nullable=False, default=0),
    Column("content", Text),
    Index("ix_plan_groups_content", "content"),
    prefixes=["TEMPORARY"],
)
# Each due subscriber to plan, with their group and what made it.
plan_members = Table(
    "plan_members",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("group_id", Integer, nullable=False),
    Column("mask", BigInteger, nullable=False),
    Column("history", Text, nullable=False),
    Column("path", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
plan_matches = Table(
    "plan_matches",
    _temporary,
    Column("group_id", Integer, primary_key=True, autoincrement=False),
    Column("rank", Integer, primary_key=True, autoincrement=False),
    Column("story_id", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
plan_stories = Table(
    "plan_stories",
    _temporary,
    Column("story_id", Integer, primary_key=True, autoincrement=False),
    Column("rank", Integer, nullable=False),
    Column("mask", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)
# Which candidate stories each group's member has already been sent.
plan_delivered = Table(
    "plan_delivered",
    _temporary,
    Column("member", Integer, primary_key=True, autoincrement=False),
    Column("story_id", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
# For each distinct topic mask of the due subscribers: its matching stories, ranked.
plan_lists = Table(
    "plan_lists",
    _temporary,
    Column("mask", BigInteger, primary_key=True, autoincrement=False),
    Column("rank", Integer, primary_key=True, autoincrement=False),
    Column("story_id", Integer, nullable=False),
    Column("story_rank", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
TEMPORARY_TABLES = (
    plan_windows,
    plan_due,
    plan_recent,
    plan_history,
    plan_groups,
    plan_members,
    plan_stories,
    plan_delivered,
    plan_lists,
    plan_matches,
)
# Filled once per run, whatever the chunk.
RUN_TABLES = (plan_windows, plan_stories)
CHUNK_TABLES = tuple(t for t in TEMPORARY_TABLES if t not in RUN_TABLES)


async def create_all(session: AsyncSession) -> None:
    """Create the temporary tables, empty, with the run's memory settings."""
    if session.get_bind().dialect.name == "sqlite":
        # Sorting many candidate rows: a bigger page cache for the temporary b-trees
        # (which live in memory: storage.db sets temp_store on every connection).
        await session.execute(text(f"PRAGMA cache_size=-{SQLITE_PLANNING_CACHE_KB}"))
    else:
        # Sorts of a chunk of subscribers fit in memory instead of spilling to disk.
        await session.execute(text(f"SET LOCAL work_mem = '{POSTGRES_PLANNING_WORK_MEM}'"))
        # Planning's statements are simple scans and joins over a chunk: compiling them
        # (JIT, for queries the planner guesses are costly) took longer than running them.
        await session.execute(text("SET LOCAL jit = off"))
    await drop_all(session)
    await session.run_sync(_create_temporary_tables)
    session.info[_ANALYSED] = set()


def _create_temporary_tables(sync_session: Session) -> None:
    for table in TEMPORARY_TABLES:
        table.create(sync_session.connection())


async def analyze(session: AsyncSession, *filled: Table) -> None:
    """Give PostgreSQL the statistics of tables just filled (it keeps none on temporary
    tables), so that it joins a chunk's rows by hash instead of row by row.

    Once per run and table: the chunks are alike, TRUNCATE keeps the column
    statistics, and PostgreSQL estimates a later chunk's row count from the
    table's size, so analysing every chunk again took time and changed no plan.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    analysed: set[str] = session.info.setdefault(_ANALYSED, set())
    fresh = [t.name for t in filled if t.name not in analysed]
    if fresh:
        await session.execute(text("ANALYZE " + ", ".join(fresh)))
        analysed.update(fresh)


async def clear_chunk(session: AsyncSession) -> None:
    """Empty the tables of one chunk of subscribers, keeping the run's."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("TRUNCATE " + ", ".join(t.name for t in CHUNK_TABLES)))
        return
    for table in CHUNK_TABLES:
        # Without a WHERE clause SQLite drops the rows' pages at once.
        await session.execute(text(f"DELETE FROM {table.name}"))


async def drop_all(session: AsyncSession) -> None:
    for table in reversed(TEMPORARY_TABLES):
        await session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
