"""Fetching feeds and article pages over HTTP: the only network I/O in ``jobs``.

Good manners towards the sites we poll: a conditional GET with the validators
of the last fetch (a 304 costs both sides almost nothing), a User-Agent that
says who we are, short timeouts, a cap on the size of a response that is
enforced while it streams in (a 50 MB answer is cut off, never read whole),
and a bounded number of redirects. Compressed answers are inflated a quarter
of a megabyte at a time, so a gzip bomb costs no more memory than the cap.
Connections go only to public addresses (``addresses.PublicOnlyBackend``)
unless the operator allows private ones. Every failure becomes a
``FetchResult`` with a one-line error; nothing here raises for a bad site.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata
from urllib.parse import urlunsplit

import httpcore
import httpx

from jobs.ingest.addresses import (
    Address,
    PrivateAddressError,
    PublicOnlyBackend,
    is_public,
    split_url,
)

log = logging.getLogger(__name__)

_SECRET_PARAM = re.compile(r"token|key|secret|pass|auth|sig|session|code", re.IGNORECASE)

MAX_RETRY_AFTER = timedelta(hours=24)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.7, text/plain;q=0.5, */*;q=0.1"
)
INFLATE_STEP = 256 * 1024  # the most one decompression step may produce


def _version() -> str:
    try:
        return metadata.version("briefbot")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"briefbot/{_version()} (news-brief Telegram bot; polls feeds politely)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How patient and how generous one fetch may be."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # the longest silence between two chunks
    total_timeout: float = 60.0  # the whole fetch, so a slow drip cannot hold us
    max_bytes: int = 10 * 1024 * 1024  # after decompression
    max_redirects: int = 5
    max_connections: int = 8


class FetchStatus(enum.StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one GET brought back. ``error`` is one line, set only when status is ERROR."""

    status: FetchStatus
    url: str
    final_url: str
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None  # what a 429 or 503 asked us to wait

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    pass


def make_client(
    limits: FetchLimits = FetchLimits(),
    *,
    allow_private: bool = False,
    allowed: Callable[[Address], bool] = is_public,
) -> httpx.AsyncClient:
    """The shared client: our User-Agent, timeouts, redirects within the limit, gzip.

    It connects only to addresses ``allowed`` accepts (public ones), checked at
    connect time for every hop, unless ``allow_private`` (BRIEFBOT_ALLOW_PRIVATE_FEEDS).
    """
    pool = httpx.Limits(max_connections=limits.max_connections)
    transport = None
    if not allow_private:
        transport = httpx.AsyncHTTPTransport(limits=pool, trust_env=False)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=pool.max_connections,
            max_keepalive_connections=pool.max_keepalive_connections,
            keepalive_expiry=pool.keepalive_expiry,
            network_backend=PublicOnlyBackend(allowed),
        )
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
        transport=transport,
        timeout=httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.connect_timeout,
        ),
        limits=pool,
        follow_redirects=True,
        max_redirects=limits.max_redirects,
    )


def redact_url(url: str) -> str:
    """The URL without a password or secret-looking query values, safe for logs."""
    parts = split_url(url)
    if parts is None:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else f"***@{host}"
    query = "&".join(
        f"{name}=***" if _SECRET_PARAM.search(name) else f"{name}={value}" if sep else name
        for name, sep, value in (pair.partition("=") for pair in parts.query.split("&") if pair)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> FetchResult:
    """GET ``url`` conditionally; never raises for network or HTTP trouble."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    shown = redact_url(url)
    try:
        async with asyncio.timeout(limits.total_timeout):
            result = await _get(client, url, headers, limits)
    except TimeoutError:
        result = _error(url, f"gave up after {limits.total_timeout:g}s (the whole fetch)")
    except (_TooLarge, _Undecodable) as exc:
        result = _error(url, str(exc))
    except httpx.TooManyRedirects:
        result = _error(
            url, f"more than {limits.max_redirects} redirects (a redirect loop?) from {shown}"
        )
    except httpx.ConnectTimeout:
        result = _error(url, f"could not connect within {limits.connect_timeout:g}s")
    except httpx.ReadTimeout:
        result = _error(url, f"no data for {limits.read_timeout:g}s; the server is too slow")
    except httpx.TimeoutException:
        result = _error(url, "timed out")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        result = _error(url, f"{shown} is not a URL briefbot can fetch (http or https only)")
    except httpx.ConnectError as exc:
        if isinstance(exc.__cause__, PrivateAddressError):
            result = _error(url, str(exc.__cause__))
        else:
            result = _error(url, f"cannot connect: {_one_line(exc, url) or 'connection refused'}")
    except httpx.HTTPError as exc:
        result = _error(url, f"{type(exc).__name__}: {_one_line(exc, url)}")
    if result.error:
        log.info("fetch %s failed: %s", shown, result.error)
    else:
        log.debug("fetch %s: %s, %d bytes", shown, result.status, len(result.body))
    return result


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limits: FetchLimits
) -> FetchResult:
    async with client.stream("GET", url, headers=headers) as response:
        final_url = str(response.url)
        validators = {
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
        if response.status_code == 304:
            return FetchResult(
                FetchStatus.NOT_MODIFIED, url, final_url, http_status=304, **validators
            )
        if response.status_code >= 400:
            reason = response.reason_phrase or ""
            return _error(url, f"HTTP {response.status_code} {reason}".strip(), final_url, response)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise _TooLarge(
                f"response of {int(declared):,} bytes is over the {limits.max_bytes:,}-byte limit"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in _inflated(response):
            size += len(chunk)
            if size > limits.max_bytes:
                raise _TooLarge(
                    f"response is over the {limits.max_bytes:,}-byte limit; stopped reading"
                )
            chunks.append(chunk)
        return FetchResult(
            FetchStatus.OK,
            url,
            final_url,
            body=b"".join(chunks),
            content_type=response.headers.get("content-type"),
            http_status=response.status_code,
            **validators,
        )


async def _inflated(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body, decompressed at most ``INFLATE_STEP`` bytes at a time."""
    coding = response.headers.get("content-encoding", "identity").strip().lower()
    if coding in {"", "identity"}:
        async for chunk in response.aiter_raw():
            yield chunk
        return
    if coding not in {"gzip", "x-gzip", "deflate"}:
        raise _Undecodable(f"the server sent a Content-Encoding we did not ask for: {coding}")
    inflater = None
    try:
        async for chunk in response.aiter_raw():
            data = chunk
            while data:
                if inflater is None:
                    inflater = _inflater(coding, data)
                yield inflater.decompress(data, INFLATE_STEP)
                if inflater.unconsumed_tail:
                    data = inflater.unconsumed_tail
                elif inflater.eof and inflater.unused_data:  # another gzip member
                    data, inflater = inflater.unused_data, None
                else:
                    data = b""
        if inflater is not None:
            yield inflater.flush()
    except zlib.error as exc:
        raise _Undecodable(f"the {coding} body is damaged: {exc}") from None


def _inflater(coding: str, first: bytes) -> zlib._Decompress:
    """gzip, or "deflate" with the zlib header or (as some servers send it) without."""
    if coding != "deflate":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    zlib_header = len(first) > 1 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)


def _error(
    url: str, text: str, final_url: str | None = None, response: httpx.Response | None = None
) -> FetchResult:
    wait = retry_after(response.headers.get("retry-after")) if response is not None else None
    return FetchResult(
        FetchStatus.ERROR,
        url,
        final_url or url,
        http_status=response.status_code if response is not None else None,
        error=text + (f" (asked to retry after {_duration(wait)})" if wait else ""),
        retry_after=wait,
    )


def retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait, capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = when - (now or datetime.now(UTC))
    if wait <= timedelta(0):
        return None
    return min(wait, MAX_RETRY_AFTER)


def _duration(wait: timedelta) -> str:
    seconds = int(wait.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _one_line(exc: BaseException, url: str) -> str:
    text = " ".join(str(exc).split()).replace(url, redact_url(url))
    return text[:300]
