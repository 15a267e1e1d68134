"""Feed health: when a feed's trouble is an incident worth one alert to the operators.

Pure decisions from a feed's state to the incident it is in (if any):

- **failing**: its fetches fail, and have for longer than the alert threshold,
  counted from its last success (or from when it was added, if it never worked);
- **layout**: its latest brief split into fewer than ``MAX_BROKEN`` + 1 stories
  while the median of the briefs before it (up to ``HISTORY``) is at least
  ``USUAL_MIN`` — the source most likely changed its layout.

``next_step`` compares the incident now with the one already alerted about, so
an incident alerts once, and a recovered feed that breaks again alerts again.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from storage.states import FeedAlertKind

HISTORY = 5  # briefs before the latest that say what the feed usually gives
USUAL_MIN = 5  # a feed "usually gives" this many stories or more ...
MAX_BROKEN = 1  # ... and a brief with this many or fewer is broken


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the health check knows of one feed."""

    consecutive_failures: int
    last_success_at: datetime | None
    created_at: datetime
    # Stories per brief, newest brief first.
    story_counts: Sequence[int] = ()


@dataclass(frozen=True, slots=True)
class Incident:
    kind: FeedAlertKind
    note: str  # one line for /stats and `feeds list`, e.g. "failing since 2026-11-29 02:00 UTC"


class Step(enum.Enum):
    NOTHING = "nothing"  # healthy and nothing alerted, or the same incident already alerted
    ALERT = "alert"  # a new incident: record it and tell the admins
    CLEAR = "clear"  # the feed recovered: forget the incident


def failing_since(state: FeedState) -> datetime | None:
    """Since when the feed has been failing (its last success, else its creation), or None."""
    if state.consecutive_failures <= 0:
        return None
    return state.last_success_at or state.created_at


def failing_incident(state: FeedState, now: datetime, threshold: timedelta) -> Incident | None:
    since = failing_since(state)
    if since is None or now - since <= threshold:
        return None
    hours = int((now - since).total_seconds() // 3600)
    note = f"failing since {since:%Y-%m-%d %H:%M} UTC ({hours} h)"
    return Incident(FeedAlertKind.FAILING, note)


def usual_story_count(counts: Sequence[int]) -> float | None:
    """The median stories per brief over the briefs given, or None without any."""
    return median(counts) if counts else None


def layout_incident(story_counts: Sequence[int]) -> Incident | None:
    """A broken latest brief from a feed that usually gives many stories, or None."""
    if len(story_counts) < 2:
        return None
    latest, before = story_counts[0], story_counts[1 : 1 + HISTORY]
    usual = usual_story_count(before)
    if usual is None or usual < USUAL_MIN or latest > MAX_BROKEN:
        return None
    stories = "story" if latest == 1 else "stories"
    note = f"layout changed: {latest} {stories} where it usually gives {usual:g}"
    return Incident(FeedAlertKind.LAYOUT, note)


def incident(state: FeedState, now: datetime, threshold: timedelta) -> Incident | None:
    """The feed's incident now; a failing feed counts as failing before anything else."""
    return failing_incident(state, now, threshold) or layout_incident(state.story_counts)


def next_step(alerted: FeedAlertKind | None, current: Incident | None) -> Step:
    """What to do given the incident already alerted about and the one now."""
    if current is None:
        return Step.CLEAR if alerted is not None else Step.NOTHING
    return Step.NOTHING if current.kind is alerted else Step.ALERT
