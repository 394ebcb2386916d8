"""Which digests are stale: built from other events than their look-back window holds now.

A digest for hour H shows the events stored, when it was built, in the look-back window ending at
the end of H. Materialising an earlier range later (a second run, a retried range, a late
backfill) adds events to later digests' windows without rebuilding them. Counting the window's
events when a digest is built, and again now, shows which digests no longer match.
"""

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from itertools import accumulate

HOUR = timedelta(hours=1)


def events_in_lookback(
    events_per_hour: Mapping[datetime, int], digest_hours: Iterable[datetime], lookback: timedelta
) -> dict[datetime, int]:
    """For each digest hour (its start), the events whose hour lies in the look-back window that
    ends at the end of that hour: [start + 1h - lookback, start + 1h)."""
    hours = sorted(events_per_hour)
    totals = list(accumulate(events_per_hour[hour] for hour in hours))

    def before(moment: datetime) -> int:
        index = bisect_left(hours, moment)
        return totals[index - 1] if index else 0

    return {hour: before(hour + HOUR) - before(hour + HOUR - lookback) for hour in digest_hours}


def stale_hours(
    built_with: Mapping[datetime, int], stored_now: Mapping[datetime, int]
) -> list[datetime]:
    """The digest hours, oldest first, whose window's event count changed since they were built."""
    return sorted(hour for hour, count in built_with.items() if stored_now.get(hour, 0) != count)


def hour_ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive hours merged into (first, last) ranges, oldest first."""
    ranges: list[tuple[datetime, datetime]] = []
    for hour in sorted(set(hours)):
        if ranges and hour - ranges[-1][1] == HOUR:
            ranges[-1] = (ranges[-1][0], hour)
        else:
            ranges.append((hour, hour))
    return ranges
