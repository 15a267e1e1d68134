"""How each background job last ran: one ``job_runs`` row per job name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert
from storage.models import JobRun


async def record_job_run(
    session: AsyncSession,
    name: str,
    *,
    started_at: datetime,
    finished_at: datetime,
    summary: str,
    error: str | None = None,
) -> None:
    """Remember a run: a success clears the last error, a failure keeps the last success."""
    values: dict[str, object] = {
        "name": name,
        "last_started_at": started_at,
        "last_summary": summary[:2000],
        "last_error": error[:2000] if error else None,
    }
    if error is None:
        values["last_success_at"] = finished_at
    await session.execute(
        upsert(session, JobRun.__table__, ["name"], [k for k in values if k != "name"]).values(
            **values
        )
    )


async def job_runs(session: AsyncSession) -> dict[str, JobRun]:
    """Every job's last run, by name."""
    return {run.name: run for run in await session.scalars(select(JobRun))}


async def ping(session: AsyncSession) -> None:
    """Raise if the database does not answer."""
    await session.execute(text("SELECT 1"))
