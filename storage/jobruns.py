"""When each background job last ran, and how it went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert
from storage.models import JobRun


async def record_run(
    session: AsyncSession,
    name: str,
    *,
    started_at: datetime,
    finished_at: datetime,
    error: str | None = None,
    summary: str | None = None,
) -> None:
    """Remember one run of job ``name``; a failed run keeps the last success time."""
    row: dict[str, object] = {
        "name": name,
        "last_started_at": started_at,
        "last_error": error[:2000] if error else None,
        "last_summary": summary,
    }
    update = ["last_started_at", "last_error", "last_summary"]
    if error is None:
        row["last_success_at"] = finished_at
        update.append("last_success_at")
    await session.execute(upsert(session, JobRun.__table__, ["name"], update), [row])  # type: ignore[arg-type]


async def job_runs(session: AsyncSession) -> dict[str, JobRun]:
    """Every job's last run, by name."""
    return {run.name: run for run in await session.scalars(select(JobRun))}


async def ping(session: AsyncSession) -> None:
    """Raise if the database does not answer."""
    await session.execute(text("SELECT 1"))
