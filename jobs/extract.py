"""The main text of an article page, for feed items that carry only a summary.

trafilatura finds the article body and leaves out navigation, comments,
related-links boxes and the like. Pure: HTML bytes in, plain text out.
"""

from __future__ import annotations

import logging

import trafilatura

log = logging.getLogger(__name__)

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
