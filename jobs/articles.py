"""Summary-only feed items: fetch the article page and read its main text instead."""

from __future__ import annotations

import asyncio
import logging

import httpx

from jobs.drafts import BriefDraft
from jobs.extract import extract_article
from jobs.fetch import FetchLimits, fetch, redact_url
from jobs.prepare import Reader

log = logging.getLogger(__name__)


async def with_article(
    client: httpx.AsyncClient, brief: BriefDraft, reader: Reader, limits: FetchLimits
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
    try:
        expanded = await asyncio.to_thread(reader.article, brief, text)
    except ValueError as exc:
        log.info("article %s not split: %s", redact_url(brief.url), exc)
        return brief, 1
    return (expanded if expanded.stories else brief), 1
