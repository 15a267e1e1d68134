"""Fetching over real HTTP from a feed server on 127.0.0.1."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from jobs.ingest.fetch import (
    USER_AGENT,
    FetchLimits,
    FetchStatus,
    fetch,
    make_client,
    redact_url,
    retry_after,
)
from tests.feedserver import HTML, FeedServer, Item, rss, serving

LIMITS = FetchLimits(connect_timeout=2, read_timeout=0.3, total_timeout=5, max_bytes=1024 * 1024)
FEED = rss("Test feed", [Item("One story", "Something happened today in the capital.")])


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with serving() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(LIMITS, allow_private=True) as client:
        yield client


async def test_a_feed_is_fetched_with_our_user_agent(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("feed.xml", FEED)

    result = await fetch(client, url, limits=LIMITS)

    assert result.status is FetchStatus.OK
    assert result.body == FEED.encode()
    assert result.content_type and result.content_type.startswith("application/rss+xml")
    sent = server.requests["feed.xml"][0]
    assert sent["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("briefbot/") and "bot" in USER_AGENT.split("(", 1)[1]


async def test_conditional_get_round_trip_gets_304_the_second_time(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("feed.xml", FEED, etag='"v1"', last_modified="Wed, 12 Feb 2025 08:00:00 GMT")

    first = await fetch(client, url, limits=LIMITS)
    second = await fetch(
        client, url, etag=first.etag, last_modified=first.last_modified, limits=LIMITS
    )

    assert first.status is FetchStatus.OK
    assert (first.etag, first.last_modified) == ('"v1"', "Wed, 12 Feb 2025 08:00:00 GMT")
    assert second.status is FetchStatus.NOT_MODIFIED
    assert second.body == b""
    assert server.requests["feed.xml"][1]["If-None-Match"] == '"v1"'
    assert server.requests["feed.xml"][1]["If-Modified-Since"] == first.last_modified


async def test_a_changed_feed_is_fetched_again_despite_old_validators(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("feed.xml", FEED, etag='"v2"')

    result = await fetch(client, url, etag='"v1"', limits=LIMITS)

    assert result.status is FetchStatus.OK
    assert result.etag == '"v2"'


async def test_a_gzipped_feed_arrives_decompressed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("feed.xml", FEED * 20, gzip=True)

    result = await fetch(client, url, limits=LIMITS)

    assert result.ok
    assert result.body == (FEED * 20).encode()
    assert "gzip" in server.requests["feed.xml"][0]["Accept-Encoding"]


async def test_a_server_error_is_one_line(server: FeedServer, client: httpx.AsyncClient) -> None:
    result = await fetch(client, server.url("status/500"), limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.http_status == 500


async def test_a_busy_server_s_retry_after_is_kept(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    result = await fetch(client, server.url("status/503?retry_after=3600"), limits=LIMITS)

    assert result.error == "HTTP 503 Service Unavailable (asked to retry after 60 min)"
    assert result.retry_after == timedelta(hours=1)


def test_retry_after_is_read_as_seconds_or_a_date_and_capped() -> None:
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

    assert retry_after("120") == timedelta(minutes=2)
    assert retry_after("Sun, 29 Nov 2026 09:30:00 GMT", now) == timedelta(minutes=90)
    assert retry_after("9999999") == timedelta(hours=24)
    assert retry_after("Sun, 29 Nov 2026 07:00:00 GMT", now) is None
    assert retry_after("soon") is None
    assert retry_after(None) is None


async def test_a_slow_server_times_out_quickly(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    started = time.monotonic()

    result = await fetch(client, server.url("slow/30"), limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error and "too slow" in result.error
    assert time.monotonic() - started < 3


async def test_the_whole_fetch_has_a_deadline(server: FeedServer) -> None:
    limits = FetchLimits(read_timeout=5, total_timeout=0.3)
    async with make_client(limits, allow_private=True) as client:
        result = await fetch(client, server.url("slow/30"), limits=limits)

    assert result.status is FetchStatus.ERROR
    assert result.error and "gave up after 0.3s" in result.error


async def test_an_endless_response_is_cut_off_at_the_size_cap(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    result = await fetch(client, server.url("endless"), limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error and "1,048,576-byte limit" in result.error
    assert result.body == b""
    assert server.streamed["endless"] < 10 * 1024 * 1024  # far from the 50 MB on offer


async def test_a_declared_oversize_response_is_refused_before_reading(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("big.xml", b" " * (2 * 1024 * 1024))

    result = await fetch(client, url, limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error and "2,097,152 bytes is over the 1,048,576-byte limit" in result.error


async def test_a_redirect_loop_is_reported_clearly(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    result = await fetch(client, server.url("loop/0"), limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error and "more than 5 redirects (a redirect loop?)" in result.error
    assert server.hits("loop/0") + server.hits("loop/1") == 6


async def test_a_moved_feed_is_followed_and_its_new_address_reported(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    target = server.add("new.xml", FEED)

    result = await fetch(client, server.url("redirect/new.xml"), limits=LIMITS)

    assert result.ok
    assert result.final_url == target


async def test_nobody_listening_is_a_connect_error() -> None:
    async with make_client(LIMITS, allow_private=True) as client:
        result = await fetch(client, "http://127.0.0.1:9/feed.xml", limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error and result.error.startswith("cannot connect")


async def test_a_url_that_is_not_http_is_refused(client: httpx.AsyncClient) -> None:
    result = await fetch(client, "ftp://example.org/feed.xml", limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert (
        result.error
        == "ftp://example.org/feed.xml is not a URL briefbot can fetch (http or https only)"
    )


async def test_an_html_page_is_fetched_as_it_is(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("index.html", "<html><body>hello</body></html>", content_type=HTML)

    result = await fetch(client, url, limits=LIMITS)

    assert result.ok
    assert result.content_type and result.content_type.startswith("text/html")


def test_secrets_in_a_url_are_hidden_from_error_texts() -> None:
    assert redact_url("https://me:hunter2@example.org/f?token=abc&page=2") == (
        "https://me:***@example.org/f?token=***&page=2"
    )
    assert redact_url("https://example.org/feed.xml") == "https://example.org/feed.xml"


async def test_a_gzip_bomb_is_cut_off_without_inflating_a_whole_chunk_at_once(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    bomb = gzip.compress(b"\0" * (60 * 1024 * 1024), compresslevel=9)  # about 60 KB
    url = server.add("bomb.xml", bomb, encoding="gzip")

    tracemalloc.start()
    try:
        result = await fetch(client, url, limits=LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.error and "1,048,576-byte limit" in result.error
    assert peak < LIMITS.max_bytes + 3 * 1024 * 1024, f"peak {peak:,} bytes"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "two-gzip-members"])
async def test_compressed_answers_arrive_whole(
    server: FeedServer, client: httpx.AsyncClient, coding: str
) -> None:
    body = FEED.encode() * 40
    if coding == "gzip":
        data, header = gzip.compress(body), "gzip"
    elif coding == "deflate":
        data, header = zlib.compress(body), "deflate"
    elif coding == "raw-deflate":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data, header = packer.compress(body) + packer.flush(), "deflate"
    else:
        half = len(body) // 2
        data, header = gzip.compress(body[:half]) + gzip.compress(body[half:]), "gzip"
    url = server.add("packed.xml", data, encoding=header)

    result = await fetch(client, url, limits=LIMITS)

    assert result.ok, result.error
    assert result.body == body
