"""A small HTTP endpoint for operators: ``/healthz`` and ``/metrics``.

With the bot given, the same server serves the settings Mini App (``bot.webapp``).

``/healthz`` answers 200 with a JSON report while the database answers, and
503 when it does not or when its file is gone. ``/metrics`` is Prometheus text, with the gauges read
from the database at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.webapp.server import BOT, add_webapp
from jobs import metrics
from storage import job_runs
from storage.outbox import outbox_depth
from storage.subscribers import count_by_state

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
SESSIONS: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessions")
SCHEDULER_RUNNING: web.AppKey[Callable[[], bool]] = web.AppKey("scheduler_running")
DATABASE_PROBLEM: web.AppKey[Callable[[], str | None]] = web.AppKey("database_problem")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def healthz(request: web.Request) -> web.Response:
    """Database reachable, scheduler running, last successful ingest and digest run."""
    report: dict[str, object] = {"scheduler_running": request.app[SCHEDULER_RUNNING]()}
    if problem := request.app[DATABASE_PROBLEM]():
        report.update(status="unavailable", database="gone", error=problem)
        return web.json_response(report, status=503)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), request.app[SESSIONS]() as session:
            await job_runs.ping(session)
            runs = await job_runs.job_runs(session)
    except Exception as exc:  # any failure to answer means "not healthy"
        log.warning("health check: database unreachable: %s", exc)
        report.update(status="unavailable", database="unreachable", error=str(exc)[:200])
        return web.json_response(report, status=503)
    for name in ("ingest", "digest"):
        run = runs.get(name)
        report[f"last_{name}_success"] = _iso(run.last_success_at if run else None)
        report[f"last_{name}_error"] = run.last_error if run else None
    report.update(status="ok", database="ok")
    return web.json_response(report)


async def prometheus(request: web.Request) -> web.Response:
    """Prometheus text format; gauges refreshed from the database first."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), request.app[SESSIONS]() as session:
            for state, count in (await count_by_state(session)).items():
                metrics.subscribers.labels(state=state.value).set(count)
            metrics.outbox_depth.set(await outbox_depth(session))
    except Exception as exc:  # stale gauges are better than no metrics
        log.warning("metrics: could not refresh gauges: %s", exc)
    body = generate_latest(metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_health_app(
    sessions: async_sessionmaker[AsyncSession],
    scheduler_running: Callable[[], bool],
    database_problem: Callable[[], str | None] = lambda: None,
    webapp: Application | None = None,
) -> web.Application:
    """The operators' endpoint; with ``webapp`` (the bot) also the settings Mini App, when
    BRIEFBOT_WEBAPP_URL is set."""
    app = web.Application()
    app[SESSIONS] = sessions
    app[SCHEDULER_RUNNING] = scheduler_running
    app[DATABASE_PROBLEM] = database_problem
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    if webapp is not None and webapp.bot_data["deps"].settings.webapp_url:
        add_webapp(app, webapp)
    return app


async def start_health_server(
    sessions: async_sessionmaker[AsyncSession],
    scheduler_running: Callable[[], bool],
    *,
    host: str,
    port: int,
    database_problem: Callable[[], str | None] = lambda: None,
    webapp: Application | None = None,
) -> web.AppRunner:
    """Serve /healthz and /metrics (and the Mini App, see ``build_health_app``) on
    host:port; stop it with ``await runner.cleanup()``."""
    server = build_health_app(sessions, scheduler_running, database_problem, webapp)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on http://%s:%d/healthz and /metrics", host, port)
    if BOT in server:
        log.info("settings Mini App on http://%s:%d/webapp/", host, port)
    return runner
