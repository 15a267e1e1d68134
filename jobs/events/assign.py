"""Keeping a grouper in step with storage, and giving each new story its event.

``assign`` runs in the caller's transaction, right after the stories are
stored: it brings the process's grouper up to date with what storage holds
(the stories of the window the first time, then only those stored since, by
any process), matches each new story against its candidates and records the
event it joined, or a new one. The grouper lives as long as the process, one per
database; it is rebuilt from storage when storage no longer holds what it knew
(a database reset under a running process).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from jobs.events.features import Features, features
from jobs.events.grouper import DEFAULT_WINDOW, Grouper
from storage import events as event_store
from storage.events import Membership

WINDOW_VARIABLE = "BRIEFBOT_EVENT_HOURS"


_configured: list[timedelta] = []


def set_event_window(window: timedelta) -> None:
    """Use ``window`` from now on (the settings' BRIEFBOT_EVENT_HOURS, validated at start)."""
    _configured[:] = [window]


def window_from_environment() -> timedelta:
    """The event window: as set at start, else BRIEFBOT_EVENT_HOURS hours (36 unless set)."""
    if _configured:
        return _configured[0]
    raw = os.environ.get(WINDOW_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_WINDOW
    try:
        hours = float(raw)
    except ValueError:
        raise ValueError(
            f"{WINDOW_VARIABLE} must be a number of hours, such as 36; got {raw!r}"
        ) from None
    if not 1 <= hours <= 24 * 14:
        raise ValueError(f"{WINDOW_VARIABLE} must be between 1 and 336 hours; got {raw!r}")
    return timedelta(hours=hours)


@dataclass(slots=True)
class EventIndex:
    """A grouper over the stored stories of the window, and how much of storage it has read.

    ``members`` and ``last_story_id`` are what storage held at the last look plus
    what this process added since; storage holding fewer means a rollback or a reset
    took rows away, and the index is rebuilt.
    """

    grouper: Grouper
    last_story_id: int = 0
    members: int = 0
    known: set[int] = field(default_factory=set)

    async def sync(self, session: AsyncSession, now: datetime) -> None:
        """Add the stories with an event stored since the last call (by any process)."""
        members, newest = await event_store.member_count(session)
        if members < self.members or newest < self.last_story_id:
            self.grouper = Grouper(window=self.grouper.window)
            self.last_story_id, self.known = 0, set()
        since = now - self.grouper.window
        for row in await event_store.stories_since(session, since, after_id=self.last_story_id):
            if row.event_id is not None:
                self.add(row.story_id, features(row.title, row.text), row.at, row.event_id)
        self.members = members

    def add(self, story_id: int, feats: Features, at: datetime, event_id: int) -> None:
        if story_id not in self.known:
            self.grouper.add(story_id, feats, at, event_id)
            self.known.add(story_id)
        self.last_story_id = max(self.last_story_id, story_id)


_INDEXES: dict[str, EventIndex] = {}


def index_for(session: AsyncSession, window: timedelta | None = None) -> EventIndex:
    """This process's index for the session's database."""
    bind = session.get_bind()
    key = str(getattr(bind, "url", id(bind)))
    index = _INDEXES.get(key)
    wanted = window or window_from_environment()
    if index is None or index.grouper.window != wanted:
        index = _INDEXES[key] = EventIndex(Grouper(window=wanted))
    return index


async def assign(
    session: AsyncSession, story_ids: Sequence[int], now: datetime, index: EventIndex | None = None
) -> list[Membership]:
    """Give each of ``story_ids`` (just stored, in the caller's transaction) its event."""
    if not story_ids:
        return []
    index = index or index_for(session)
    await index.sync(session, now)
    joined = []
    for row in await event_store.stories_since(session, now, ids=story_ids):
        if row.event_id is not None:
            continue
        feats = features(row.title, row.text)
        found = index.grouper.match(feats, row.at)
        matched = found.key if found is not None and isinstance(found.key, int) else None
        # The matched story may belong to a rolled-back or not yet committed transaction.
        if (
            found is None
            or matched is None
            or not await event_store.is_member(session, matched, found.event)
        ):
            event_id = await event_store.new_event(session, row.at)
            joined.append(Membership(row.story_id, event_id, row.at))
        else:
            joined.append(
                Membership(row.story_id, found.event, row.at, matched, found.score, found.shared)
            )
        index.add(row.story_id, feats, row.at, joined[-1].event_id)
    await event_store.join(session, joined)
    index.members += len(joined)
    return joined
