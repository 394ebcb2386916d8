"""Which digests are stale: the look-back counts and the hour ranges the check names."""

from datetime import UTC, datetime, timedelta

from slack_events_dagster.domain.staleness import events_in_lookback, hour_ranges, stale_hours

H = timedelta(hours=1)
T0 = datetime(2026, 11, 20, tzinfo=UTC)


def test_a_digest_counts_the_events_of_its_look_back_window_ending_at_its_hours_end() -> None:
    per_hour = {T0: 2, T0 + 3 * H: 1, T0 + 5 * H: 4}
    counts = events_in_lookback(per_hour, [T0 - H, T0, T0 + 3 * H, T0 + 5 * H, T0 + 8 * H], 4 * H)
    # [start + 1h - 4h, start + 1h): T0+5h's window is T0+2h .. T0+6h.
    assert counts == {T0 - H: 0, T0: 2, T0 + 3 * H: 3, T0 + 5 * H: 5, T0 + 8 * H: 4}
    assert events_in_lookback({}, [T0], 4 * H) == {T0: 0}


def test_stale_hours_are_those_whose_count_changed() -> None:
    built = {T0: 1, T0 + H: 3, T0 + 2 * H: 0}
    assert stale_hours(built, {T0: 1, T0 + H: 4}) == [T0 + H]
    assert stale_hours(built, {T0: 1, T0 + H: 3, T0 + 2 * H: 2}) == [T0 + 2 * H]


def test_consecutive_hours_merge_into_ranges() -> None:
    hours = [T0 + 5 * H, T0, T0 + H, T0 + 2 * H, T0 + 7 * H, T0 + 6 * H, T0 + H]
    assert hour_ranges(hours) == [(T0, T0 + 2 * H), (T0 + 5 * H, T0 + 7 * H)]
    assert hour_ranges([]) == []
