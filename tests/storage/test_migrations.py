"""Migrations: they build the schema the models describe, on both databases, idempotently."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from storage import db
from storage.models import Base
from tests.conftest import BACKENDS


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_upgrade_builds_the_schema_and_a_second_run_changes_nothing(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        assert await db.current_revision(engine) is None

        first = await db.upgrade(engine)
        second = await db.upgrade(engine)

        assert first == (None, db.head_revision())
        assert second == (db.head_revision(), db.head_revision())

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": db.include_object}
            )
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"subscribers", "stories", "digests", "outbox"} <= tables
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", ["sqlite"], indirect=True)
async def test_sqlite_files_are_opened_in_wal_mode_with_a_busy_timeout(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, timeout, foreign_keys) == ("wal", db.SQLITE_BUSY_TIMEOUT_MS, 1)
    finally:
        await engine.dispose()
