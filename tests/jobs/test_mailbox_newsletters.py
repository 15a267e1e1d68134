"""Newsletters sharing one mailbox folder, on a real Dovecot server: each is a source of
its own, with its own briefs and its own layout template."""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Brief, Feed, Story
from tests.mailbuild import STORIES, message, newsletter_html, numbered
from tests.mailpoll import NOW, add, poll
from tests.mailserver import Dovecot

SPONSOR = {
    "daily": "The Daily Brief is free because our sponsor pays for it; thank them today.",
    "wire": "Evening Wire comes to you with the support of readers like you, every night.",
}
STANDING = "Our correspondents in five cities send these notes before sunrise each weekday."


def issue(letter: str, n: int, *extra: str) -> bytes:
    """Issue ``n`` of a newsletter: its own stories, its sponsor line and ``extra`` lines."""
    stories = numbered(n if letter == "daily" else 10 + n)
    closing = "".join(f"<p>{line}</p>" for line in (*extra, SPONSOR[letter]))
    html = newsletter_html(stories).replace("</body>", closing + "</body>")
    if letter == "daily":
        return message(subject=f"Daily {n}", html=html, message_id=make_msgid()).as_bytes()
    return message(
        subject=f"Evening {n}",
        sender="Evening Wire <wire@evening.test>",
        list_id=None,
        html=html,
        message_id=make_msgid(),
    ).as_bytes()


async def texts_of(sessions: async_sessionmaker[AsyncSession], subject: str) -> list[str]:
    """The texts of the stories stored from the issue with this subject."""
    async with sessions() as session:
        found = await session.scalars(
            select(Story.text).join(Brief, Brief.id == Story.brief_id).where(Brief.title == subject)
        )
        return list(found)


async def test_two_newsletters_in_one_folder_are_sources_of_their_own(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    mailbox = await add(sessions, dovecot.url())
    dovecot.put(issue("daily", 1), issue("wire", 1))
    await poll(sessions, client)
    async with sessions() as session:
        rows = (await session.execute(select(Brief.title, Feed.title, Feed.mailbox_id).join(
            Feed, Feed.id == Brief.feed_id))).all()  # fmt: skip
    assert sorted(rows) == [
        ("Daily 1", "The Daily Brief", mailbox),
        ("Evening 1", "Evening Wire", mailbox),
    ]


async def test_each_newsletter_learns_its_own_layout_and_its_third_issue_splits_with_it(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    for n in (1, 2, 3):  # one issue of each a poll; only the Evening Wire forwards at first
        dovecot.put(issue("daily", n, *([STANDING] if n == 3 else [])), issue("wire", n, STANDING))
        await poll(sessions, client, now=NOW + timedelta(minutes=10 * n))

    for n in (1, 2):
        assert SPONSOR["daily"] in " ".join(await texts_of(sessions, f"Daily {n}"))
        assert SPONSOR["wire"] in " ".join(await texts_of(sessions, f"Evening {n}"))
    third = await texts_of(sessions, "Daily 3"), await texts_of(sessions, "Evening 3")
    assert [len(texts) for texts in third] == [len(STORIES)] * 2  # the stories are there ...
    daily, evening = (" ".join(texts) for texts in third)
    assert SPONSOR["daily"] not in daily and SPONSOR["wire"] not in evening  # ... the sponsors not
    assert STANDING not in evening  # the Evening Wire repeated it twice before: layout
    assert STANDING in daily  # the Daily Brief never had: its news, whatever the Wire does
