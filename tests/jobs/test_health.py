"""Feed-health decisions: when a feed is in an incident, and when to alert or clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs.feeds.incidents import (
    FeedState,
    Incident,
    Step,
    failing_since,
    incident,
    layout_incident,
    next_step,
    usual_story_count,
)
from storage.states import FeedAlertKind

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 1, tzinfo=UTC)
SIX_HOURS = timedelta(hours=6)


def failing(hours: float, *, ever_worked: bool = True) -> FeedState:
    since = NOW - timedelta(hours=hours)
    return FeedState(
        consecutive_failures=3,
        last_success_at=since if ever_worked else None,
        created_at=since if not ever_worked else CREATED,
    )


def test_a_feed_failing_longer_than_the_threshold_is_an_incident_since_its_last_success() -> None:
    found = incident(failing(7), NOW, SIX_HOURS)

    assert found is not None and found.kind is FeedAlertKind.FAILING
    assert found.note == "failing since 2026-11-29 05:00 UTC (7 h)"


def test_a_feed_failing_for_less_than_the_threshold_is_not_an_incident_yet() -> None:
    assert incident(failing(5), NOW, SIX_HOURS) is None
    assert incident(failing(6), NOW, SIX_HOURS) is None


def test_a_feed_that_never_worked_counts_from_when_it_was_added() -> None:
    state = failing(8, ever_worked=False)

    assert failing_since(state) == NOW - timedelta(hours=8)
    assert incident(state, NOW, SIX_HOURS) is not None
    assert incident(failing(2, ever_worked=False), NOW, SIX_HOURS) is None


def test_a_feed_that_works_again_is_not_failing_however_old_its_last_success() -> None:
    state = FeedState(consecutive_failures=0, last_success_at=CREATED, created_at=CREATED)

    assert failing_since(state) is None
    assert incident(state, NOW, SIX_HOURS) is None


def test_one_story_from_a_feed_that_usually_gives_five_means_its_layout_changed() -> None:
    found = layout_incident([1, 5, 6, 5, 7, 4])

    assert found == Incident(
        FeedAlertKind.LAYOUT, "layout changed: 1 story where it usually gives 5"
    )


def test_two_stories_or_a_feed_that_usually_gives_few_is_no_layout_incident() -> None:
    assert layout_incident([2, 6, 6, 6, 6, 6]) is None
    assert layout_incident([1, 4, 4, 5, 4, 6]) is None  # median 4
    assert layout_incident([1, 1, 1, 1, 1, 1]) is None  # a one-story feed


def test_the_usual_count_is_the_median_of_the_five_briefs_before_the_latest() -> None:
    assert usual_story_count([5, 9, 1, 6, 5]) == 5
    assert usual_story_count([]) is None
    # Only five earlier briefs count: the old small ones beyond them do not.
    assert layout_incident([0, 6, 6, 6, 6, 6, 1, 1, 1]) is not None
    assert layout_incident([1]) is None  # no history: nothing to compare with


def test_a_failing_feed_is_reported_as_failing_even_when_its_last_brief_was_broken() -> None:
    state = FeedState(3, NOW - timedelta(hours=9), CREATED, story_counts=[1, 6, 6, 6, 6, 6])

    found = incident(state, NOW, SIX_HOURS)

    assert found is not None and found.kind is FeedAlertKind.FAILING


def test_a_new_incident_alerts_the_same_one_does_not_and_recovery_clears() -> None:
    down = Incident(FeedAlertKind.FAILING, "failing since …")
    broken = Incident(FeedAlertKind.LAYOUT, "layout changed: …")

    assert next_step(None, down) is Step.ALERT
    assert next_step(FeedAlertKind.FAILING, down) is Step.NOTHING
    assert next_step(FeedAlertKind.FAILING, None) is Step.CLEAR
    assert next_step(None, None) is Step.NOTHING
    assert next_step(FeedAlertKind.LAYOUT, down) is Step.ALERT  # a different incident
    assert next_step(FeedAlertKind.FAILING, broken) is Step.ALERT
