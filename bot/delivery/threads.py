"""Forum groups: which thread each story of a digest goes to, by the group's topic routes.

A story goes to the thread of the first of its topics (in topics-file order)
that has a route; stories with no routed topic go to the general thread
(``None``: no message_thread_id). Numbers stay the digest's own, so /story N
opens the same story whichever thread showed it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.models import Story


@dataclass(frozen=True)
class ThreadShare:
    """The stories of a digest that go to one thread, with their numbers in the digest."""

    thread_id: int | None
    numbers: list[int]
    stories: list[Story]


def thread_of(story: Story, order: Sequence[str], routes: Mapping[str, int]) -> int | None:
    """The thread for a story: its first routed topic in catalogue ``order``, else None."""
    tagged = {tag.topic_slug for tag in story.tags}
    return next((routes[slug] for slug in order if slug in tagged and slug in routes), None)


def split_by_thread(
    stories: Sequence[Story], order: Sequence[str], routes: Mapping[str, int]
) -> list[ThreadShare]:
    """The digest's stories grouped by thread, in the order of each thread's first story.

    Without routes (or without stories) the whole digest is one share for the
    general thread.
    """
    if not routes or not stories:
        return [ThreadShare(None, list(range(1, len(stories) + 1)), list(stories))]
    shares: dict[int | None, ThreadShare] = {}
    for n, story in enumerate(stories, 1):
        thread = thread_of(story, order, routes)
        share = shares.setdefault(thread, ThreadShare(thread, [], []))
        share.numbers.append(n)
        share.stories.append(story)
    return list(shares.values())
