"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CursorResult,
    FromClause,
    Integer,
    Result,
    SQLColumnExpression,
    Table,
    Text,
    cast,
    column,
    func,
    literal,
    select,
)
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement


def _table(table: FromClause) -> Table:
    """A model's ``__table__`` (typed as any ``FromClause``) as the ``Table`` it is."""
    if not isinstance(table, Table):
        raise TypeError(f"{table!r} is not a table")
    return table


def insert_ignoring_conflicts(session: AsyncSession, table: FromClause) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(_table(table)).on_conflict_do_nothing()
    return sqlite.insert(_table(table)).on_conflict_do_nothing()


def upsert(session: AsyncSession, table: FromClause, key: list[str], update: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET update = excluded.update``."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(_table(table))
    return stmt.on_conflict_do_update(
        index_elements=key, set_={name: stmt.excluded[name] for name in update}
    )


def ordered_id_list(
    session: AsyncSession,
    value: SQLColumnExpression[int | None],
    partition: SQLColumnExpression[int],
) -> ColumnElement[str]:
    """Window expression: the ``value``s of the row's ``partition``, ascending, as "1,5,9"."""
    if session.get_bind().dialect.name == "postgresql":
        joined: ColumnElement[str] = func.string_agg(cast(value, Text), literal(","))
    else:
        joined = func.group_concat(value, literal(","))
    return joined.over(partition_by=partition, order_by=value, rows=(None, None))


def fresh_ids(session: AsyncSession, table: str, ordinal: ColumnElement[int]) -> ColumnElement[int]:
    """A new id for ``table`` per row of the statement it is used in, for explicit inserts.

    PostgreSQL draws them from the table's own sequence, so concurrent inserts
    never collide. SQLite counts on from the largest id by ``ordinal`` (distinct
    per row, from 1); the caller holds the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.nextval(func.pg_get_serial_sequence(table, "id"))
    largest = select(func.coalesce(func.max(column("id", Integer)), 0)).select_from(
        sql_table(table)
    )
    return largest.scalar_subquery() + ordinal


def rowcount(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched.

    ``AsyncSession.execute`` is typed as returning a ``Result``; for those
    statements it is the ``CursorResult`` that has the count.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count; pass a DML statement's result")
    return int(result.rowcount)
