"""Summary-only feed items: fetch the article page and read its main text instead."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import httpx

from jobs.drafts import BriefDraft
from jobs.extract import extract_article
from jobs.fetch import FetchLimits, fetch, redact_url
from jobs.prepare import Reader

log = logging.getLogger(__name__)

TEXT = "text/plain; charset=utf-8"


async def with_article(
    client: httpx.AsyncClient, brief: BriefDraft, read: Reader, limits: FetchLimits
) -> tuple[BriefDraft, int]:
    """The brief with its article page's stories, or unchanged when the page gives nothing.

    Returns (brief, 1 when a page was fetched else 0). The page is fetched with
    the same limits as feeds; its text is split like any plain-text brief.
    """
    if not brief.url:
        return brief, 0
    result = await fetch(client, brief.url, limits=limits)
    if not result.ok:
        log.info("article %s not fetched: %s", redact_url(brief.url), result.error)
        return brief, 1
    text = await asyncio.to_thread(extract_article, result.body, url=result.final_url)
    if text is None:
        return brief, 1
    try:
        reading = read(
            text.encode("utf-8"), name=result.final_url, content_type=TEXT, feed_only=False
        )
    except ValueError as exc:
        log.info("article %s not split: %s", redact_url(brief.url), exc)
        return brief, 1
    stories = tuple(s for b in reading.briefs for s in b.stories)
    if not stories:
        return brief, 1
    if len(stories) == 1 and brief.stories:
        # An ordinary news item stays one story under the feed's own title.
        stories = (dataclasses.replace(stories[0], title=brief.stories[0].title),)
    stories = tuple(
        dataclasses.replace(s, position=i, url=s.url or brief.url) for i, s in enumerate(stories, 1)
    )
    return dataclasses.replace(brief, stories=stories), 1
