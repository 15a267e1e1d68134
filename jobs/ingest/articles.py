"""Summary-only feed items: fetch the article page and read its main text instead."""

from __future__ import annotations

import asyncio
import logging

import httpx
import trafilatura

from jobs.ingest.drafts import BriefDraft
from jobs.ingest.fetch import FetchLimits, fetch, redact_url
from jobs.ingest.parse import article

log = logging.getLogger(__name__)


async def with_article(
    client: httpx.AsyncClient, brief: BriefDraft, limits: FetchLimits
) -> tuple[BriefDraft, int]:
    """The brief rebuilt from its article page, or unchanged when the page gives nothing.

    Returns (brief, 1 when a page was fetched else 0). The page is fetched with
    the same limits as feeds; a page that fails or has no article text leaves
    the brief with its summary.
    """
    if not brief.url:
        return brief, 0
    result = await fetch(client, brief.url, limits=limits)
    if not result.ok:
        log.info("article %s not fetched: %s", redact_url(brief.url), result.error)
        return brief, 1
    text = await asyncio.to_thread(extract_article, result.body, url=result.final_url)
    if text is None:
        log.info("no article text in %s; keeping the summary", redact_url(brief.url))
        return brief, 1
    expanded = await asyncio.to_thread(article, brief, text)
    return (expanded if expanded.stories else brief), 1


# Pages whose extracted text is shorter than this are not worth more than the summary.
MIN_ARTICLE_CHARS = 200


def extract_article(html: bytes, *, url: str | None = None) -> str | None:
    """The article's text, paragraphs separated by a blank line; None when none is found."""
    if not html.strip():
        return None
    try:
        text = trafilatura.extract(
            html,
            url=url,
            output_format="txt",
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            favor_precision=True,
            deduplicate=True,
        )
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        log.info("no article text in %s: %s", url or "page", exc)
        return None
    if not text:
        return None
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n\n".join(p for p in paragraphs if p)
    return text if len(text) >= MIN_ARTICLE_CHARS else None
