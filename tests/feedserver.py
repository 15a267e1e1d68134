"""A small feed server for tests, on 127.0.0.1 with an ephemeral port.

It serves what a test puts in it, and the ways real sites misbehave: 304 for
matching validators, a 500, a slow answer, an endless stream, a redirect loop.
It records every request so a test can check what the fetcher sent.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from aiohttp import web
from multidict import CIMultiDictProxy

RSS = "application/rss+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
CHUNK = 64 * 1024


@dataclass
class Page:
    body: bytes
    content_type: str = RSS
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    encoding: str | None = None  # body is already encoded so; sent with Content-Encoding


class FeedServer:
    """Pages by path plus a few misbehaving routes; ``url(path)`` gives their address."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.pages: dict[str, Page] = {}
        self.requests: dict[str, list[CIMultiDictProxy[str]]] = defaultdict(list)
        self.streamed: dict[str, int] = defaultdict(int)  # bytes the endless route wrote
        self.base = ""
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/slow/{seconds}", self._slow)
        app.router.add_get("/endless", self._endless)
        app.router.add_get("/loop/{n}", self._loop)
        app.router.add_get("/redirect/{path:.*}", self._redirect)
        app.router.add_get("/away", self._away)
        app.router.add_get("/{path:.*}", self._page)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def add(self, path: str, body: str | bytes, **options: object) -> str:
        """Serve ``body`` at ``path`` (see Page for the options); returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path.lstrip("/")] = Page(data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> int:
        return len(self.requests[path.lstrip("/")])

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://{self.host}:{port}"

    async def stop(self) -> None:
        self._release.set()
        await self._runner.cleanup()

    def _record(self, request: web.Request) -> None:
        self.requests[request.path.lstrip("/")].append(request.headers)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        page = self.pages.get(request.match_info["path"])
        if page is None:
            return web.Response(status=404, text="not found")
        if page.etag and request.headers.get("If-None-Match") == page.etag:
            return web.Response(status=304, headers={"ETag": page.etag})
        if page.last_modified and request.headers.get("If-Modified-Since") == page.last_modified:
            return web.Response(status=304, headers={"Last-Modified": page.last_modified})
        headers = {"Content-Type": page.content_type}
        if page.etag:
            headers["ETag"] = page.etag
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        if page.encoding:
            headers["Content-Encoding"] = page.encoding
        response = web.Response(body=page.body, headers=headers)
        if page.gzip:
            response.enable_compression(web.ContentCoding.gzip)
        return response

    async def _status(self, request: web.Request) -> web.Response:
        """Answers with the status in the path; ``?retry_after=N`` adds a Retry-After."""
        self._record(request)
        headers = {}
        if "retry_after" in request.query:
            headers["Retry-After"] = request.query["retry_after"]
        return web.Response(status=int(request.match_info["code"]), text="broken", headers=headers)

    async def _slow(self, request: web.Request) -> web.Response:
        """Answers after the given seconds, or when the server stops, whichever is first."""
        self._record(request)
        with suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), float(request.match_info["seconds"]))
        return web.Response(text="<rss/>", content_type="application/rss+xml")

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        """A 50 MB answer without a Content-Length, streamed until the client hangs up."""
        self._record(request)
        response = web.StreamResponse(headers={"Content-Type": RSS})
        await response.prepare(request)
        chunk = b"<rss>" + b" " * (CHUNK - 5)
        try:
            for _ in range(50 * 1024 * 1024 // CHUNK):
                await response.write(chunk)
                self.streamed["endless"] += len(chunk)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def _loop(self, request: web.Request) -> web.Response:
        self._record(request)
        following = 1 - int(request.match_info["n"])
        raise web.HTTPFound(self.url(f"loop/{following}"))

    async def _redirect(self, request: web.Request) -> web.Response:
        self._record(request)
        raise web.HTTPMovedPermanently(self.url(request.match_info["path"]))

    async def _away(self, request: web.Request) -> web.Response:
        """Redirects to any URL given as ``?to=``, as a public site might."""
        self._record(request)
        raise web.HTTPFound(request.query["to"])


@asynccontextmanager
async def serving(host: str = "127.0.0.1") -> AsyncIterator[FeedServer]:
    """A started server on the current event loop."""
    server = FeedServer(host)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@contextmanager
def serving_in_thread() -> Iterator[FeedServer]:
    """A started server on an event loop of its own, for code that runs ``asyncio.run``."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: list[FeedServer] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = FeedServer()
        loop.run_until_complete(server.start())
        holder.append(server)
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.stop())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield holder[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@dataclass
class Item:
    title: str
    text: str
    guid: str | None = None
    link: str | None = None
    summary_only: bool = False


def rss(title: str, items: list[Item], *, link: str = "https://example.org/") -> str:
    """A small RSS 2.0 feed; items carry content:encoded unless they are summary-only."""
    entries = []
    for item in items:
        body = f"<p>{item.text}</p>"
        content = (
            "" if item.summary_only else f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        )
        summary = item.text[:80] if item.summary_only else item.text
        entries.append(
            f"<item><title>{escape(item.title)}</title>"
            f"<link>{escape(item.link or link + quote(item.title))}</link>"
            f'<guid isPermaLink="false">{escape(item.guid or item.title)}</guid>'
            f"<pubDate>Wed, 12 Feb 2025 08:00:00 GMT</pubDate>"
            f"<description>{escape(summary)}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>test feed</description>{''.join(entries)}</channel></rss>"
    )


def article_page(title: str, paragraphs: list[str]) -> str:
    """An article page with navigation and a footer around the story."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{escape(title)}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/login'>Log in</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>Subscribe to our newsletter. Copyright Example News.</footer></body></html>"
    )
