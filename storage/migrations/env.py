"""Alembic environment: async engines, batch mode for SQLite.

briefbot calls migrations through ``storage.db.upgrade``, which hands over an
open connection in ``config.attributes["connection"]``. Running ``alembic``
by hand with ``sqlalchemy.url`` set works too.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from storage import channels as _channels  # noqa: F401  (their tables are in Base.metadata)
from storage import events as _events  # noqa: F401
from storage import mailboxes as _mailboxes  # noqa: F401
from storage import preferred as _preferred  # noqa: F401
from storage import updates as _updates  # noqa: F401
from storage.db import create_engine, include_object
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    run_migrations(connection)
else:
    asyncio.run(run_async_migrations(config.get_main_option("sqlalchemy.url") or ""))
