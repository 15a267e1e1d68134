"""Prometheus metrics: counters the jobs and the sender bump, gauges read at scrape time.

Everything lives in one registry of our own (not the library's global one), so
tests and several Applications in one process never collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry(auto_describe=True)

messages_sent = Counter(
    "briefbot_messages_sent", "Messages delivered to Telegram.", ["kind"], registry=registry
)
messages_failed = Counter(
    "briefbot_messages_failed",
    "Messages Telegram refused or that failed after retries, by reason.",
    ["reason"],
    registry=registry,
)
rate_limited = Counter(
    "briefbot_telegram_429", "429 Too Many Requests answers received.", registry=registry
)
feed_fetches = Counter(
    "briefbot_feed_fetches", "Feed fetches, by result.", ["result"], registry=registry
)
ingest_duration = Histogram(
    "briefbot_ingest_duration_seconds",
    "Time one ingest run took.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
    registry=registry,
)
planning_duration = Histogram(
    "briefbot_planning_duration_seconds",
    "Time one digest-planning run took.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=registry,
)
outbox_depth = Gauge(
    "briefbot_outbox_depth", "Outbox messages waiting to be sent.", registry=registry
)
subscribers = Gauge("briefbot_subscribers", "Subscribers, by state.", ["state"], registry=registry)
