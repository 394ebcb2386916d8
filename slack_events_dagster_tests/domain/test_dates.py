"""Tests for the date mention parser: every supported form, asserted against concrete values."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from slack_events_dagster.domain import dates
from slack_events_dagster.domain.dates import DateMention, find_dates
from slack_events_dagster.domain.text import fold_case

UTC = ZoneInfo("UTC")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Wednesday, so "Friday", "next Friday", "Wednesday" and "next Wednesday" are all distinct.
REF = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
# A Wednesday right before New Year.
NEW_YEAR_REF = datetime(2026, 12, 30, 10, 0, tzinfo=UTC)
EN_DASH = "\u2013"

Summary = tuple[str, str | None, str, str, str]


def summary(mention: DateMention) -> Summary:
    """Compare by ISO strings so the UTC offset is part of every assertion."""
    end = mention.end.isoformat() if mention.end else None
    return (mention.start.isoformat(), end, mention.precision, mention.source, mention.text)


def only(text: str, reference: datetime = REF, tz: str = "UTC") -> Summary:
    """The single mention expected in `text`."""
    mentions = find_dates(text, reference, tz)
    assert len(mentions) == 1, mentions
    return summary(mentions[0])


def day(iso_date: str, offset: str = "+00:00") -> str:
    """Midnight of a date as an ISO string, to keep the tables short."""
    return f"{iso_date}T00:00:00{offset}"


ISO_CASES = [
    ("Deploy 2026-12-01 please", day("2026-12-01"), None, "day", "2026-12-01"),
    ("2026-12-01 14:00", "2026-12-01T14:00:00+00:00", None, "datetime", "2026-12-01 14:00"),
    ("2026-12-01T14:00", "2026-12-01T14:00:00+00:00", None, "datetime", "2026-12-01T14:00"),
    ("2026-12-01T14:00:00Z", "2026-12-01T14:00:00+00:00", None, "datetime", "2026-12-01T14:00:00Z"),
    (
        "2026-12-01T14:00+01:00",
        "2026-12-01T13:00:00+00:00",
        None,
        "datetime",
        "2026-12-01T14:00+01:00",
    ),
    ("2026-12-01 at 9:00", "2026-12-01T09:00:00+00:00", None, "datetime", "2026-12-01 at 9:00"),
    ("old ticket from 2025-01-15", day("2025-01-15"), None, "day", "2025-01-15"),
]


@pytest.mark.parametrize(("text", "start", "end", "precision", "matched"), ISO_CASES)
def test_iso_dates(text: str, start: str, end: str | None, precision: str, matched: str) -> None:
    assert only(text) == (start, end, precision, "explicit", matched)


MONTH_NAME_CASES = [
    ("Nov 28", "2026-11-28", "Nov 28"),
    ("November 28th", "2026-11-28", "November 28th"),
    ("on nov. 28 we ship", "2026-11-28", "nov. 28"),
    ("28 Nov", "2026-11-28", "28 Nov"),
    ("28th of November", "2026-11-28", "28th of November"),
    ("Thu Nov 26", "2026-11-26", "Thu Nov 26"),
    ("Thursday, Nov 26", "2026-11-26", "Thursday, Nov 26"),
    ("Thursday 26 November", "2026-11-26", "Thursday 26 November"),
    ("Fri Nov 26", "2026-11-26", "Fri Nov 26"),  # the calendar date wins over the weekday
    ("Dec 3, 2026", "2026-12-03", "Dec 3, 2026"),
    ("Dec 3 2027", "2027-12-03", "Dec 3 2027"),
    ("3 December 2027", "2027-12-03", "3 December 2027"),
    ("Sept 1st", "2026-09-01", "Sept 1st"),
    ("MARCH 3", "2027-03-03", "MARCH 3"),
    ("May 5th", "2027-05-05", "May 5th"),
]


@pytest.mark.parametrize(("text", "iso_date", "matched"), MONTH_NAME_CASES)
def test_month_name_dates(text: str, iso_date: str, matched: str) -> None:
    assert only(text) == (day(iso_date), None, "day", "explicit", matched)


def test_month_with_year_only_has_month_precision() -> None:
    assert only("GA in December 2026") == (
        day("2026-12-01"),
        None,
        "month",
        "explicit",
        "December 2026",
    )


RANGE_CASES = [
    ("Dec 1-3", "Dec 1-3"),
    (f"Dec 1{EN_DASH}3", f"Dec 1{EN_DASH}3"),
    ("1-3 Dec", "1-3 Dec"),
    ("Dec 1st to 3rd", "Dec 1st to 3rd"),
    ("offsite 1st - 3rd of December", "1st - 3rd of December"),
    ("the conference runs between 1st to 3rd December", "1st to 3rd December"),
    ("from 1 through 3 December", "1 through 3 December"),
]


@pytest.mark.parametrize(("text", "matched"), RANGE_CASES)
def test_day_ranges(text: str, matched: str) -> None:
    assert only(text) == (day("2026-12-01"), day("2026-12-03"), "day", "explicit", matched)


def test_day_range_with_time_ends_on_last_day() -> None:
    assert only("Dec 1-3 at 10:00") == (
        "2026-12-01T10:00:00+00:00",
        "2026-12-03T10:00:00+00:00",
        "datetime",
        "explicit",
        "Dec 1-3 at 10:00",
    )


NUMERIC_CASES = [
    ("12/03", "2026-12-03", "12/03"),
    ("12/03/2026", "2026-12-03", "12/03/2026"),
    ("12/03/27", "2027-12-03", "12/03/27"),
    ("release on 12/3", "2026-12-03", "12/3"),
    ("02/28", "2027-02-28", "02/28"),
    ("12/03 is the deadline", "2026-12-03", "12/03"),
]


@pytest.mark.parametrize(("text", "iso_date", "matched"), NUMERIC_CASES)
def test_numeric_dates_are_us_month_day(text: str, iso_date: str, matched: str) -> None:
    assert only(text) == (day(iso_date), None, "day", "explicit", matched)


WEEKDAY_CASES = [
    ("Friday", "2026-11-27", "Friday"),
    ("see you on Fri", "2026-11-27", "Fri"),
    ("this Friday", "2026-11-27", "this Friday"),
    ("next Friday", "2026-12-04", "next Friday"),  # Friday of next week, not the 27th
    ("next Monday", "2026-11-30", "next Monday"),
    ("Wednesday", "2026-11-25", "Wednesday"),
    ("this Wednesday", "2026-11-25", "this Wednesday"),
    ("next Wednesday", "2026-12-02", "next Wednesday"),
    ("Monday", "2026-11-30", "Monday"),
    ("due thurs", "2026-11-26", "thurs"),
    ("this coming Monday", "2026-11-30", "this coming Monday"),
    ("last Friday", "2026-11-20", "last Friday"),
    ("Tuesday next week", "2026-12-01", "Tuesday next week"),
    ("next week on Tuesday", "2026-12-01", "next week on Tuesday"),
    ("Friday's release", "2026-11-27", "Friday"),
]


@pytest.mark.parametrize(("text", "iso_date", "matched"), WEEKDAY_CASES)
def test_weekdays(text: str, iso_date: str, matched: str) -> None:
    assert only(text) == (day(iso_date), None, "day", "relative", matched)


RELATIVE_DAY_CASES = [
    ("today", "2026-11-25", "day"),
    ("tonight", "2026-11-25", "day"),
    ("tomorrow", "2026-11-26", "day"),
    ("tmrw", "2026-11-26", "day"),
    ("the day after tomorrow", "2026-11-27", "day"),
    ("day after tomorrow", "2026-11-27", "day"),
    ("yesterday", "2026-11-24", "day"),
    ("in 3 days", "2026-11-28", "day"),
    ("in twelve days", "2026-12-07", "day"),
    ("in two weeks", "2026-12-09", "week"),
    ("in a week", "2026-12-02", "week"),
    # approximate counts still say roughly when (issue #12)
    ("in about two weeks", "2026-12-09", "week"),
    ("in a couple of weeks", "2026-12-09", "week"),
    # a countdown says when it ends
    ("a week left", "2026-12-02", "week"),
    ("three days to go", "2026-11-28", "day"),
    ("in a few days", "2026-11-28", "day"),
    ("within the next 2 days", "2026-11-27", "day"),
    ("next week", "2026-11-30", "week"),
    ("this week", "2026-11-23", "week"),
    ("end of the week", "2026-11-27", "day"),
    ("end of week", "2026-11-27", "day"),
    ("EOW", "2026-11-27", "day"),
    ("end of the month", "2026-11-30", "day"),
    ("end of month", "2026-11-30", "day"),
    ("EOM", "2026-11-30", "day"),
    ("end of next month", "2026-12-31", "day"),
    ("end of the year", "2026-12-31", "day"),
    ("next month", "2026-12-01", "month"),
    ("this month", "2026-11-01", "month"),
]


@pytest.mark.parametrize(("text", "iso_date", "precision"), RELATIVE_DAY_CASES)
def test_relative_days(text: str, iso_date: str, precision: str) -> None:
    assert only(text) == (day(iso_date), None, precision, "relative", text)


RELATIVE_INSTANT_CASES = [
    ("EOD", "2026-11-25T17:00:00+00:00"),
    ("end of day", "2026-11-25T17:00:00+00:00"),
    ("in 2 hours", "2026-11-25T12:00:00+00:00"),
    ("in 30 minutes", "2026-11-25T10:30:00+00:00"),
]


@pytest.mark.parametrize(("text", "start"), RELATIVE_INSTANT_CASES)
def test_relative_instants(text: str, start: str) -> None:
    assert only(text) == (start, None, "datetime", "relative", text)


QUARTER_CASES = [
    ("Q1", "2027-01-01", "2027-03-31", "explicit"),  # Q1 2026 is over
    ("Q3", "2027-07-01", "2027-09-30", "explicit"),  # Q3 2026 ended in September
    ("Q4", "2026-10-01", "2026-12-31", "explicit"),  # still running
    ("Q1 2027", "2027-01-01", "2027-03-31", "explicit"),
    ("Q4-2026", "2026-10-01", "2026-12-31", "explicit"),
    ("q2'27", "2027-04-01", "2027-06-30", "explicit"),
    ("2026-Q3", "2026-07-01", "2026-09-30", "explicit"),
    ("next quarter", "2027-01-01", "2027-03-31", "relative"),
    ("this quarter", "2026-10-01", "2026-12-31", "relative"),
]


@pytest.mark.parametrize(("text", "first", "last", "source"), QUARTER_CASES)
def test_quarters(text: str, first: str, last: str, source: str) -> None:
    assert only(text) == (day(first), day(last), "quarter", source, text)


TIME_ATTACHMENT_CASES = [
    ("tomorrow at 15:00", "2026-11-26T15:00:00+00:00", "relative", "tomorrow at 15:00"),
    ("Thu Nov 26, 14:00 UTC", "2026-11-26T14:00:00+00:00", "explicit", "Thu Nov 26, 14:00 UTC"),
    ("at 10am on Friday", "2026-11-27T10:00:00+00:00", "relative", "10am on Friday"),
    ("Friday 3pm", "2026-11-27T15:00:00+00:00", "relative", "Friday 3pm"),
    ("noon tomorrow", "2026-11-26T12:00:00+00:00", "relative", "noon tomorrow"),
    ("by EOD Friday", "2026-11-27T17:00:00+00:00", "relative", "EOD Friday"),
    ("Friday EOD", "2026-11-27T17:00:00+00:00", "relative", "Friday EOD"),
    ("Dec 3 (14:00 UTC)", "2026-12-03T14:00:00+00:00", "explicit", "Dec 3 (14:00 UTC)"),
    ("Dec 1 - 14:00", "2026-12-01T14:00:00+00:00", "explicit", "Dec 1 - 14:00"),
    ("tmrw 9am", "2026-11-26T09:00:00+00:00", "relative", "tmrw 9am"),
    ("standup at 10:00", "2026-11-25T10:00:00+00:00", "relative", "10:00"),
    ("call at 10:30 am", "2026-11-25T10:30:00+00:00", "relative", "10:30 am"),
    ("9:30", "2026-11-25T09:30:00+00:00", "relative", "9:30"),
    ("at 3pm.", "2026-11-25T15:00:00+00:00", "relative", "3pm"),
    ("3 p.m. works", "2026-11-25T15:00:00+00:00", "relative", "3 p.m."),
    ("12am", "2026-11-25T00:00:00+00:00", "relative", "12am"),
    ("12pm", "2026-11-25T12:00:00+00:00", "relative", "12pm"),
    ("noon", "2026-11-25T12:00:00+00:00", "relative", "noon"),
    ("switch over at midnight", "2026-11-26T00:00:00+00:00", "relative", "midnight"),
]


@pytest.mark.parametrize(("text", "start", "source", "matched"), TIME_ATTACHMENT_CASES)
def test_times_attach_to_dates(text: str, start: str, source: str, matched: str) -> None:
    assert only(text) == (start, None, "datetime", source, matched)


TIME_RANGE_CASES = [
    (
        "Sat Nov 28 02:00-04:00 UTC",
        "2026-11-28T02:00:00+00:00",
        "2026-11-28T04:00:00+00:00",
        "explicit",
    ),
    (
        f"Nov 28 02:00{EN_DASH}04:00 UTC",
        "2026-11-28T02:00:00+00:00",
        "2026-11-28T04:00:00+00:00",
        "explicit",
    ),
    ("10:00-12:00 CET", "2026-11-25T09:00:00+00:00", "2026-11-25T11:00:00+00:00", "relative"),
    ("10-11am", "2026-11-25T10:00:00+00:00", "2026-11-25T11:00:00+00:00", "relative"),
    ("11-1pm", "2026-11-25T11:00:00+00:00", "2026-11-25T13:00:00+00:00", "relative"),
    ("10am-2pm PT", "2026-11-25T18:00:00+00:00", "2026-11-25T22:00:00+00:00", "relative"),
    (
        "between 9 am and noon",
        "2026-11-25T09:00:00+00:00",
        "2026-11-25T12:00:00+00:00",
        "relative",
    ),
    ("22:00-02:00", "2026-11-25T22:00:00+00:00", "2026-11-26T02:00:00+00:00", "relative"),
    (
        "Saturday midnight-4am",
        "2026-11-28T00:00:00+00:00",
        "2026-11-28T04:00:00+00:00",
        "relative",
    ),
    (
        "9:00 to 17:00 on Monday",
        "2026-11-30T09:00:00+00:00",
        "2026-11-30T17:00:00+00:00",
        "relative",
    ),
]


@pytest.mark.parametrize(("text", "start", "end", "source"), TIME_RANGE_CASES)
def test_time_ranges(text: str, start: str, end: str, source: str) -> None:
    assert only(text) == (start, end, "datetime", source, text)


ZONE_CASES = [
    ("Dec 3 14:00 CET", "UTC", "2026-12-03T13:00:00+00:00"),
    ("Jul 1 14:00 CEST", "UTC", "2027-07-01T12:00:00+00:00"),
    ("Dec 3 14:00 EET", "UTC", "2026-12-03T12:00:00+00:00"),
    ("Dec 3 14:00 GMT", "UTC", "2026-12-03T14:00:00+00:00"),
    ("Jul 1 14:00 BST", "UTC", "2027-07-01T13:00:00+00:00"),
    ("Dec 3 10:00 ET", "UTC", "2026-12-03T15:00:00+00:00"),
    ("Dec 3 10:00 EST", "UTC", "2026-12-03T15:00:00+00:00"),
    ("Jul 1 10:00 EDT", "UTC", "2027-07-01T14:00:00+00:00"),
    ("Dec 3 14:00 PT", "UTC", "2026-12-03T22:00:00+00:00"),
    ("Dec 3 14:00 PST", "UTC", "2026-12-03T22:00:00+00:00"),
    ("Jul 1 14:00 PDT", "UTC", "2027-07-01T21:00:00+00:00"),
    ("Dec 3 9:00 IST", "UTC", "2026-12-03T03:30:00+00:00"),
    ("Dec 3 14:00 Europe/Amsterdam", "UTC", "2026-12-03T13:00:00+00:00"),
    ("Dec 3 18:00 UTC+2", "UTC", "2026-12-03T16:00:00+00:00"),
    ("Dec 3 14:00 UTC", "Europe/Amsterdam", "2026-12-03T15:00:00+01:00"),
    ("Dec 3 14:00", "Europe/Amsterdam", "2026-12-03T14:00:00+01:00"),
    ("Dec 31 at 23:00 PT", "UTC", "2027-01-01T07:00:00+00:00"),
]


@pytest.mark.parametrize(("text", "tz", "start"), ZONE_CASES)
def test_named_zones_are_converted_to_tz(text: str, tz: str, start: str) -> None:
    assert only(text, tz=tz) == (start, None, "datetime", "explicit", text)


def test_time_without_date_in_other_zone() -> None:
    assert only("14:00 CET") == (
        "2026-11-25T13:00:00+00:00",
        None,
        "datetime",
        "relative",
        "14:00 CET",
    )


def test_unknown_zone_name_is_left_out_of_the_mention() -> None:
    assert only("at 10:00 Foo/Bar") == (
        "2026-11-25T10:00:00+00:00",
        None,
        "datetime",
        "relative",
        "10:00",
    )


YEAR_INFERENCE_CASES = [
    ("Jan 5", NEW_YEAR_REF, "2027-01-05"),
    ("Nov 20", REF, "2026-11-20"),  # 5 days ago: still this year
    ("Sep 1", REF, "2026-09-01"),  # 85 days ago: within the 90-day window
    ("Aug 1", REF, "2027-08-01"),  # 116 days ago: too old, so next year
    ("Jan 5 2026", NEW_YEAR_REF, "2026-01-05"),  # explicit years are kept
    ("Feb 29", REF, "2028-02-29"),  # next leap year
    ("12/03", NEW_YEAR_REF, "2026-12-03"),
    ("01/05", NEW_YEAR_REF, "2027-01-05"),
]


@pytest.mark.parametrize(("text", "reference", "iso_date"), YEAR_INFERENCE_CASES)
def test_year_inference(text: str, reference: datetime, iso_date: str) -> None:
    assert only(text, reference) == (day(iso_date), None, "day", "explicit", text)


YEAR_BOUNDARY_CASES = [
    ("next week", NEW_YEAR_REF, "2027-01-04", None, "week"),
    ("Monday", NEW_YEAR_REF, "2027-01-04", None, "day"),
    ("in 3 days", NEW_YEAR_REF, "2027-01-02", None, "day"),
    ("next month", NEW_YEAR_REF, "2027-01-01", None, "month"),
    ("end of the month", NEW_YEAR_REF, "2026-12-31", None, "day"),
    ("tomorrow", datetime(2026, 12, 31, 10, 0, tzinfo=UTC), "2027-01-01", None, "day"),
    ("Q1", datetime(2026, 12, 10, 10, 0, tzinfo=UTC), "2027-01-01", "2027-03-31", "quarter"),
]


@pytest.mark.parametrize(("text", "reference", "first", "last", "precision"), YEAR_BOUNDARY_CASES)
def test_year_boundaries(
    text: str, reference: datetime, first: str, last: str | None, precision: str
) -> None:
    mention = only(text, reference)
    assert mention[:3] == (day(first), day(last) if last else None, precision)


DST_CASES = [
    # Fall back on 2026-10-25 03:00 CEST -> 02:00 CET.
    (
        "tomorrow at 10:00",
        datetime(2026, 10, 24, 12, 0, tzinfo=AMSTERDAM),
        "2026-10-25T10:00:00+01:00",
    ),
    ("tomorrow", datetime(2026, 10, 24, 12, 0, tzinfo=AMSTERDAM), "2026-10-25T00:00:00+02:00"),
    # Ambiguous wall time: the first occurrence (still summer time).
    (
        "tomorrow at 02:30",
        datetime(2026, 10, 24, 12, 0, tzinfo=AMSTERDAM),
        "2026-10-25T02:30:00+02:00",
    ),
    # Exact durations cross the transition in absolute time.
    ("in 2 hours", datetime(2026, 10, 25, 1, 30, tzinfo=AMSTERDAM), "2026-10-25T02:30:00+01:00"),
    # Spring forward on 2026-03-29 02:00 CET -> 03:00 CEST.
    (
        "tomorrow at 10:00",
        datetime(2026, 3, 28, 12, 0, tzinfo=AMSTERDAM),
        "2026-03-29T10:00:00+02:00",
    ),
    ("tomorrow", datetime(2026, 3, 28, 12, 0, tzinfo=AMSTERDAM), "2026-03-29T00:00:00+01:00"),
    # Non-existent wall time: shifted forward by the gap.
    (
        "tomorrow at 02:30",
        datetime(2026, 3, 28, 12, 0, tzinfo=AMSTERDAM),
        "2026-03-29T03:30:00+02:00",
    ),
    ("next week", datetime(2026, 3, 25, 12, 0, tzinfo=AMSTERDAM), "2026-03-30T00:00:00+02:00"),
    # The reference is converted to tz before "tomorrow" is computed.
    ("tomorrow", datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "2026-10-26T00:00:00+01:00"),
]


@pytest.mark.parametrize(("text", "reference", "start"), DST_CASES)
def test_dst_transitions_in_amsterdam(text: str, reference: datetime, start: str) -> None:
    mention = find_dates(text, reference, "Europe/Amsterdam")[0]
    assert mention.start.isoformat() == start
    assert mention.start.tzinfo == AMSTERDAM


NEGATIVE_CASES = [
    "upgrade to v2.14.0",
    "release 2.3.1 is out",
    "see PAY-2231",
    "5xx errors spiking",
    "100/200 requests failed",
    "3/4 of the team",
    "1/2 day",
    "8/12 pods ready",
    "5/10 tests passed",
    "24/7 support",
    "13/45",
    "May I ask a question?",
    "we march forward",
    "Q&A at the all-hands",
    "1-3 people",
    "error rate up 15%",
    "https://grafana.example.com/d/abc?from=10:00&to=12:00",
    "<https://example.com/notes?t=10:00|Dec 3 notes>",
    "Feb 30",
    "2026-02-30",
    "I sat on it",
    "the sun is out",
    "every Friday we sync",
    "Fridays are quiet",
    "at the end of the day it is your call",
    "1:1 with Bob",
    "aspect ratio 16:9",
    "10 amazing people",
    "25:00",
    "13pm",
    "the 3rd",
    "Dec 10-5",
]


@pytest.mark.parametrize("text", NEGATIVE_CASES)
def test_not_dates(text: str) -> None:
    assert find_dates(text, REF) == []


def test_span_and_text_point_into_the_input() -> None:
    text = "Release is on Dec 3, 2026 at 14:00 CET."
    [mention] = find_dates(text, REF, "UTC")
    assert mention.span == (14, 38)
    assert mention.text == "Dec 3, 2026 at 14:00 CET" == text[14:38]
    assert mention.start.isoformat() == "2026-12-03T13:00:00+00:00"


def test_mentions_are_sorted_and_disjoint() -> None:
    text = "Retro Friday at 16:00, release Dec 3 and the freeze from Q1; standup at 9:30."
    mentions = find_dates(text, REF)
    assert [(m.text, m.span) for m in mentions] == [
        ("Friday at 16:00", (6, 21)),
        ("Dec 3", (31, 36)),
        ("Q1", (57, 59)),
        ("9:30", (72, 76)),
    ]
    assert [m.start.isoformat() for m in mentions] == [
        "2026-11-27T16:00:00+00:00",
        "2026-12-03T00:00:00+00:00",
        "2027-01-01T00:00:00+00:00",
        "2026-11-25T09:30:00+00:00",  # new sentence: the reference date
    ]


def test_second_time_reuses_the_same_date() -> None:
    mentions = find_dates("tomorrow at 10:00 and 14:00", REF)
    assert [summary(m) for m in mentions] == [
        ("2026-11-26T10:00:00+00:00", None, "datetime", "relative", "tomorrow at 10:00"),
        ("2026-11-26T14:00:00+00:00", None, "datetime", "relative", "14:00"),
    ]


def test_distant_time_in_same_sentence_borrows_the_date() -> None:
    mentions = find_dates("Tomorrow we deploy the service at 15:00.", REF)
    assert [summary(m) for m in mentions] == [
        (day("2026-11-26"), None, "day", "relative", "Tomorrow"),
        ("2026-11-26T15:00:00+00:00", None, "datetime", "relative", "15:00"),
    ]


def test_time_in_next_sentence_uses_reference_date() -> None:
    mentions = find_dates("Standup tomorrow. At 10:00 we sync.", REF)
    assert [m.start.isoformat() for m in mentions] == [
        day("2026-11-26"),
        "2026-11-25T10:00:00+00:00",
    ]


def test_each_time_takes_its_adjacent_date() -> None:
    mentions = find_dates("at 10:00 Monday, 11:00 Tuesday", REF)
    assert [(m.start.isoformat(), m.text) for m in mentions] == [
        ("2026-11-30T10:00:00+00:00", "10:00 Monday"),
        ("2026-12-01T11:00:00+00:00", "11:00 Tuesday"),
    ]


def test_time_next_to_a_coarse_mention_is_absorbed_without_guessing_a_day() -> None:
    assert only("next week at 10:00") == (
        day("2026-11-30"),
        None,
        "week",
        "relative",
        "next week at 10:00",
    )


def test_invalid_tz_raises_value_error_naming_the_zone() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        find_dates("tomorrow", REF, "Mars/Olympus")


def test_naive_reference_raises_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        find_dates("tomorrow", datetime(2026, 11, 25, 10, 0))


def test_date_mention_is_frozen() -> None:
    [mention] = find_dates("tomorrow", REF)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mention.text = "changed"  # type: ignore[misc]


FRAGMENTS = [
    "Dec 3",
    "1-3 Dec",
    "12/03",
    "3/4",
    "tomorrow",
    "at",
    "on",
    "10:00",
    "3pm",
    "-",
    "CET",
    "Friday",
    "next",
    "week",
    "Q1",
    "EOD",
    "v2.3.1",
    "2026-12-01",
    "T14:00",
    ",",
    ".",
    "\n",
    "in",
    "two",
    "days",
    "https://x.io/?t=10:00",
    "midnight",
    "and",
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=14),
    separators=st.lists(st.sampled_from([" ", "", ", "]), min_size=14, max_size=14),
    tz=st.sampled_from(["UTC", "Europe/Amsterdam", "America/Los_Angeles"]),
)
def test_invariants_hold_for_arbitrary_fragment_soup(
    parts: list[str], separators: list[str], tz: str
) -> None:
    text = "".join(part + separator for part, separator in zip(parts, separators, strict=False))
    mentions = find_dates(text, REF, tz)
    assert mentions == sorted(mentions, key=lambda m: m.span)
    for previous, current in itertools.pairwise(mentions):
        assert previous.span[1] <= current.span[0]
    for mention in mentions:
        assert mention.text == text[mention.span[0] : mention.span[1]]
        assert mention.start.tzinfo == ZoneInfo(tz)
        assert mention.precision in {"datetime", "day", "week", "month", "quarter"}
        assert mention.source in {"explicit", "relative"}
        if mention.end is not None:
            assert mention.end >= mention.start


def test_a_date_followed_by_a_colon_is_still_a_date() -> None:
    (mention,) = find_dates("New travel policy applies from January 1st: economy only", REF)
    assert (mention.text, mention.start.date().isoformat()) == ("January 1st", "2027-01-01")
    (clock,) = find_dates("Nov 12:30", REF)  # but a clock time is not a day number
    assert clock.text == "12:30"


def test_text_without_any_date_still_checks_zone_and_reference() -> None:
    """The shortcut for text without date words must not skip the argument checks."""
    with pytest.raises(ValueError, match="Mars/Olympus"):
        find_dates("lunch anyone?", REF, "Mars/Olympus")
    with pytest.raises(ValueError, match="timezone-aware"):
        find_dates("lunch anyone?", datetime(2026, 11, 25, 10, 0))


# Date words in odd cases and spellings, characters re.IGNORECASE folds (dotless i, long s, Kelvin
# sign), links, and near misses of every hint (bare numbers, "weekend", "Friday" for "day").
HINT_FRAGMENTS = [
    *FRAGMENTS,
    *("Jan 5th", "5th of JANUARY", "Sept. 3", "december 2026", "Dec, 2026", "2026-Q3", "q4'27"),
    *("Q2 2027", "sat", "on sat", "THURS", "this coming Monday", "Tuesday next week", "week"),
    *("next week, on Wed", "weekend", "today", "TONIGHT", "tmrw", "day after tomorrow", "day"),
    *("in 3 hrs", "in an HOUR", "in 10 min", "in one day", "EOM", "eoq", "end of the year"),
    *("at the end of the day", "EOD", "COB", "cob", "close of business", "noon", "Midday"),
    *("10", "10am", "10 A.M.", "14:00 UTC", "9:00 Europe/Berlin", "10-11am", "noon to 2pm"),
    *("noon to midnight", "in a day", "Midnight\u2013noon"),
    *("between 9 am and noon", "9 till 5pm", "until 17:00", "22:00\u201302:00", "2026/12/01"),
    *("12/03/26", "8/12 pods", "www.example.com", "<https://x.io/1/2/3|link>", "http://a/5-6"),
    *(
        "\u0130",
        "\u0131",
        "\u017f",
        "\u212a",
        "\u017fept 3",
        "\u017fat",
        "\u212aeek",
        "\u0663/\u0664",
    ),
]


@st.composite
def hint_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(HINT_FRAGMENTS), max_size=12))
    separators = draw(st.lists(st.sampled_from([" ", "", ", ", "\n", ". "]), min_size=12))
    text = "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    return draw(st.sampled_from([str, str.upper, str.lower, str.swapcase, str.title]))(text)


def _finds_something(pattern: re.Pattern[str], handler: object, ctx: dates._Context) -> bool:
    """Whether a scan yields a candidate (or fails: then it must run, to fail as before)."""
    try:
        return next(dates._scan(pattern, handler, ctx), None) is not None  # type: ignore[arg-type]
    except (KeyError, ValueError):
        return True


def assert_hints_are_necessary(text: str, tz: str) -> None:
    """Skipping the scans without a hint cannot lose a mention: the hints are necessary."""
    zone = ZoneInfo(tz)
    local = REF.astimezone(zone)
    ctx = dates._Context(text, local, local.date(), zone)
    present = dates._present_hints(text)
    for pattern, handler, hints in dates._DATE_MATCHERS + dates._TIME_MATCHERS:
        if _finds_something(pattern, handler, ctx):
            assert not present.isdisjoint(hints), (handler.__name__, text)
    if dates._URL_RE.search(text):
        assert "://" in text or "www." in fold_case(text)


@pytest.mark.parametrize("fragment", HINT_FRAGMENTS)
@pytest.mark.parametrize("case", [str, str.upper, str.title])
def test_hints_are_present_wherever_a_scan_finds_a_fragment(
    fragment: str, case: Callable[[str], str]
) -> None:
    assert_hints_are_necessary(case(f"see {fragment}, ok"), "UTC")


@settings(max_examples=400, deadline=None)
@given(text=hint_texts(), tz=st.sampled_from(["UTC", "Europe/Amsterdam"]))
def test_hints_are_present_wherever_a_scan_would_find_something(text: str, tz: str) -> None:
    assert_hints_are_necessary(text, tz)


@settings(max_examples=300, deadline=None)
@given(text=hint_texts(), tz=st.sampled_from(["UTC", "Europe/Amsterdam", "America/New_York"]))
def test_find_dates_with_hints_equals_scanning_everything(text: str, tz: str) -> None:
    every_hint = {
        hint for _, _, hints in dates._DATE_MATCHERS + dates._TIME_MATCHERS for hint in hints
    }

    def outcome() -> object:
        try:
            return find_dates(text, REF, tz)
        except KeyError as error:  # a pre-existing failure must stay the same failure
            return error

    fast = outcome()
    with mock.patch.object(dates, "_present_hints", lambda _: every_hint):
        slow = outcome()
    assert repr(fast) == repr(slow)


def assert_grouped_search_finds_every_hint(text: str) -> None:
    """A hint is searched only once a broader hint is found: each must imply that one."""
    folded = fold_case(text)
    every_hint = {*dates._DIGIT_HINTS, *dates._WORD_HINTS, *dates._MONTH_DATE_HINTS}
    every_hint.add(dates._RANGE_HINT)
    assert dates._present_hints(text) == {hint for hint in every_hint if hint.search(folded)}


@pytest.mark.parametrize("fragment", HINT_FRAGMENTS)
@pytest.mark.parametrize("case", [str, str.upper])
def test_grouped_search_finds_every_hint_of_a_fragment(
    fragment: str, case: Callable[[str], str]
) -> None:
    assert_grouped_search_finds_every_hint(case(f"see {fragment}, ok"))


@settings(max_examples=400, deadline=None)
@given(text=hint_texts())
def test_grouped_search_finds_every_hint_in_the_text(text: str) -> None:
    assert_grouped_search_finds_every_hint(text)


@given(
    words=st.lists(st.text("abcmno", min_size=1, max_size=4), min_size=1, max_size=6),
    text=st.text("abcmno -", max_size=20),
)
def test_literal_union_finds_a_word_exactly_when_one_is_in_the_text(
    words: list[str], text: str
) -> None:
    found = dates._literal_union(words).search(text) is not None
    assert found == any(word in text for word in words)


# re.IGNORECASE lets dotless i, dotted capital I, long s and the Kelvin sign match "i", "s" and
# "k" in the patterns; the words they spell must then be read like their ASCII spelling, not crash
# with a KeyError or silently mean something else (midnight with a dotless i read as noon).
FOLDED_CASES = [
    ("Frıday", "Friday"),
    ("FRİDAY", "FRIDAY"),
    ("on frı at 3pm", "on fri at 3pm"),
    ("on ſat", "on sat"),
    ("ſunday", "Sunday"),
    ("laſt Friday", "last Friday"),
    ("ſept 3", "Sept 3"),
    ("3 ſeptember", "3 September"),
    ("ſep 2027", "Sep 2027"),
    ("in ſix days", "in six days"),
    ("in fıve weeks", "in five weeks"),
    ("in nİne hours", "in nine hours"),
    ("in 5 mıns", "in 5 mins"),
    ("Friday at mıdnight", "Friday at midnight"),
    ("noon to mİdnight", "noon to midnight"),
    ("next wee\u212a", "next week"),
]
FOLDED_DATES = {
    "Frıday": "2026-11-27T00:00:00+00:00",
    "FRİDAY": "2026-11-27T00:00:00+00:00",
    "on ſat": "2026-11-28T00:00:00+00:00",
    "laſt Friday": "2026-11-20T00:00:00+00:00",
    "ſept 3": "2026-09-03T00:00:00+00:00",
    "in ſix days": "2026-12-01T00:00:00+00:00",
    "in 5 mıns": "2026-11-25T10:05:00+00:00",
    "Friday at mıdnight": "2026-11-28T00:00:00+00:00",
}


def resolved(text: str, tz: str = "UTC") -> list[tuple[str, str | None, str, str, tuple[int, int]]]:
    """Mentions without their text, to compare spellings of the same words."""
    return [(*summary(mention)[:4], mention.span) for mention in find_dates(text, REF, tz)]


@pytest.mark.parametrize(("text", "ascii_text"), FOLDED_CASES)
@pytest.mark.parametrize("tz", ["UTC", "Europe/Amsterdam"])
def test_letters_ignorecase_folds_read_like_their_ascii_spelling(
    text: str, ascii_text: str, tz: str
) -> None:
    expected = resolved(ascii_text, tz)
    assert expected
    assert resolved(text, tz) == expected
    if text in FOLDED_DATES and tz == "UTC":
        assert [start for start, *_ in expected] == [FOLDED_DATES[text]]


# Every spelling of the words looked up after a match, in a phrase that makes it a mention.
LOOKED_UP_WORDS = [
    *(f"{month} 3" for month in ("jan", "february", "march", "april", "may", "june", "july")),
    *(f"3 {month}" for month in ("august", "sept", "september", "oct", "november", "dec")),
    *(f"{month} 2027" for month in ("sep", "sept", "september", "aug", "june")),
    *(f"on {weekday}" for weekday in ("mon", "tues", "wed", "thurs", "fri", "sat", "sun")),
    *("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    *("this Friday", "next Friday", "last Friday", "this coming Friday", "Friday this week"),
    *("next week on Tuesday", "this week", "next month", "next quarter", "end of this week"),
    *("end of next month", "end of the quarter", "end of the year", "eow", "eom", "eoq", "eoy"),
    *(f"in {n} days" for n in ("a", "one", "two", "three", "four", "five", "six", "seven")),
    *(f"in {n} weeks" for n in ("eight", "nine", "ten", "eleven", "twelve")),
    *("in 3 mins", "in 10 minutes", "in an hour", "in 2 hrs", "in six hours", "in a week"),
    *("today", "tonight", "tomorrow", "tmrw", "yesterday", "day after tomorrow"),
    *("noon", "midday", "midnight", "midnight-4am", "noon to midnight", "9 am till midnight"),
    *("between 9 am and midday", "3pm", "3 P.M.", "10-11am", "EOD", "end of business day"),
    *("close of business", "Friday at 10:00 am", "tomorrow at midnight"),
]
# Characters re.IGNORECASE matches to each ASCII letter in those words, keeping lower and upper
# case apart (a lower-case weekday abbreviation is read differently from a capitalised one).
IGNORECASE_TWINS = {"i": "\u0131\u0130", "I": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}
IGNORECASE_TWINS["K"] = "\u212a"


def twin_spellings(text: str) -> list[str]:
    """`text` with each foldable letter replaced in turn, and with all of them replaced."""
    spellings = [
        text[:index] + twin + text[index + 1 :]
        for index, char in enumerate(text)
        for twin in IGNORECASE_TWINS.get(char, "")
    ]
    for pick in (0, -1):
        spellings.append("".join(IGNORECASE_TWINS.get(c, c)[pick] for c in text))
    return spellings


@pytest.mark.parametrize("text", LOOKED_UP_WORDS)
@pytest.mark.parametrize("case", [str, str.upper, str.title])
def test_every_ignorecase_spelling_of_a_looked_up_word_reads_like_ascii(
    text: str, case: Callable[[str], str]
) -> None:
    ascii_text = case(text)
    expected = resolved(ascii_text)
    assert expected, ascii_text
    for spelling in twin_spellings(ascii_text):
        assert resolved(spelling) == expected, spelling


FOLDABLE = "\u0130\u0131\u017f\u212a"
SOUP_WORDS = [
    *("jan", "sept", "September", "may", "Friday", "fri", "sat", "sun", "thurs", "mon", "tues"),
    *("next", "last", "this", "on", "in", "six", "five", "nine", "an", "mins", "hours", "days"),
    *("weeks", "week", "month", "noon", "midnight", "midday", "am", "pm", "at", "to", "and"),
    *("between", "EOD", "end of the", "eom", "today", "CET", "IST", "Europe/Istanbul", "Q3"),
    *("2026", "3", "12", "10:30", "3pm", "-", "/", ",", ".", "\n", " ", "2026-12-01", "12/03"),
]


@st.composite
def foldable_texts(draw: st.DrawFn) -> str:
    """Date words with letters swapped for their re.IGNORECASE twins, plus arbitrary text."""
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(SOUP_WORDS),
                st.sampled_from(FOLDABLE),
                st.text(max_size=4),
                st.text(alphabet="isk ISK0123456789:" + FOLDABLE, max_size=6),
            ),
            max_size=12,
        )
    )
    separators = draw(st.lists(st.sampled_from([" ", "", ", ", "\n"]), min_size=12))
    text = "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    text = draw(st.sampled_from([str, str.upper, str.lower, str.title]))(text)
    swap = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(
        draw(st.sampled_from(IGNORECASE_TWINS[c])) if s and c in IGNORECASE_TWINS else c
        for c, s in zip(text, swap, strict=True)
    )


@example(text="Fr\u0131day", tz="UTC")
@example(text="\u017fept 3", tz="UTC")
@example(text="in \u017fix days", tz="UTC")
@settings(max_examples=500, deadline=None)
@given(text=foldable_texts(), tz=st.sampled_from(["UTC", "Europe/Amsterdam"]))
def test_find_dates_never_raises_on_arbitrary_text(text: str, tz: str) -> None:
    mentions = find_dates(text, REF, tz)
    for mention in mentions:
        assert mention.text == text[mention.span[0] : mention.span[1]]
        assert mention.start.tzinfo == ZoneInfo(tz)


@pytest.mark.parametrize(
    ("text", "iso_date"),
    [
        ("initiated within 2 business days", "2026-11-27"),  # Wednesday -> Friday
        ("within two working days", "2026-11-27"),
        ("within 3 business days", "2026-11-30"),  # over the weekend: Monday
        ("within 2 days", "2026-11-27"),
    ],
)
def test_within_working_days_skips_the_weekend(text: str, iso_date: str) -> None:
    start, _, precision, source, _ = only(text)
    assert (start, precision, source) == (day(iso_date), "day", "relative")
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert only("within 2 business days", friday)[0] == day("2026-12-01")  # Friday -> Tuesday


@pytest.mark.parametrize(
    ("text", "iso_date", "precision"),
    [
        ("by the end of December", "2026-12-31", "day"),
        ("mid-January", "2027-01-15", "week"),
        ("early February 2027", "2027-02-01", "week"),
        ("late February", "2027-02-28", "day"),
        ("the beginning of December", "2026-12-01", "week"),
    ],
)
def test_a_part_of_a_named_month_is_a_day_in_it(text: str, iso_date: str, precision: str) -> None:
    assert only(text)[:4] == (day(iso_date), None, precision, "explicit")


def test_late_may_the_verb_is_no_date() -> None:
    assert find_dates("the release is running late may be the runners", REF, "UTC") == []
    assert only("the release is late May")[0] == day("2027-05-31")


def test_an_eta_in_days_is_a_relative_date() -> None:
    assert only("We will release a fix soon ETA 1 day")[0] == day("2026-11-26")


@pytest.mark.parametrize(
    "text",
    [
        "I hope you have an amazing Friday!",
        "Happy Friday everyone",
        "enjoy your Sunday",
        "Have a great rest of your Tuesday",
        "Good morning, happy Monday!",
    ],
)
def test_a_weekday_in_a_greeting_is_no_date(text: str) -> None:
    assert find_dates(text, REF, "UTC") == []


@pytest.mark.parametrize(
    "text",
    [
        "We have a call Friday",
        "We have a release Friday.",
        "a great Friday meetup",
        "see you Friday",
    ],
)
def test_a_weekday_beside_greeting_words_is_still_a_date(text: str) -> None:
    assert only(text)[0] == day("2026-11-27")


@pytest.mark.parametrize(
    ("text", "first_day"),
    [
        ("a community call during the first week of December", "2026-12-01"),
        ("the 2nd week of January", "2027-01-08"),
        ("in the third week of Dec", "2026-12-15"),
        ("the last week of February 2027", "2027-02-22"),
    ],
)
def test_a_numbered_week_of_a_month_is_that_week(text: str, first_day: str) -> None:
    start, _, precision, source, _ = only(text)
    assert (start, precision, source) == (day(first_day), "week", "explicit")


@pytest.mark.parametrize(
    ("text", "iso_date", "matched"),
    [
        ("we plan to tag it on the 28th", "2026-11-28", "the 28th"),
        ("talk proposals are open until the 3rd.", "2026-12-03", "the 3rd"),  # next month
        ("on Friday the 27th at the usual venue", "2026-11-27", "Friday the 27th"),
        ("starts on the 31st", "2026-12-31", "the 31st"),  # November has no 31st
        ("we're running it again on the 25th for APAC", "2026-11-25", "the 25th"),
    ],
)
def test_a_day_of_the_month_alone_is_its_next_occurrence(
    text: str, iso_date: str, matched: str
) -> None:
    assert only(text) == (day(iso_date), None, "day", "relative", matched)


@pytest.mark.parametrize(
    "text",
    [
        "usually on the 2nd Thursday of the month",  # an ordinal of a weekday
        "it failed on the 3rd attempt",
        "broken since the 3rd",  # a past start, not the next 3rd
        "the 5th edition",
    ],
)
def test_an_ordinal_that_is_no_day_of_the_month_is_no_date(text: str) -> None:
    assert [mention.text for mention in find_dates(text, REF, "UTC")] == ["Thursday"] * (
        "Thursday" in text
    )


@pytest.mark.parametrize("text", ["the call is this evening", "the call is this afternoon"])
def test_parts_of_today_are_today(text: str) -> None:
    (mention,) = find_dates(text, REF, "UTC")
    assert (mention.start, mention.precision, mention.source) == (
        datetime(2026, 11, 25, tzinfo=UTC),
        "day",
        "relative",
    )


@pytest.mark.parametrize(
    ("text", "matched"),
    [("the 28th, after that only fixes", "the 28th"), ("our new RM from the 28th", "the 28th")],
)
def test_a_day_of_the_month_opens_a_reply_or_follows_from(text: str, matched: str) -> None:
    assert only(text) == (day("2026-11-28"), None, "day", "relative", matched)


@pytest.mark.parametrize(
    ("text", "iso_date"),
    [
        ("Release call after lunch tomorrow", "2026-11-26"),
        ("back after lunch on Friday", "2026-11-27"),
    ],
)
def test_after_lunch_is_no_date_of_its_own(text: str, iso_date: str) -> None:
    assert [summary(mention)[0] for mention in find_dates(text, REF, "UTC")] == [day(iso_date)]


@pytest.mark.parametrize("text", ["today the 3rd one failed", "a holiday the 3rd time"])
def test_today_or_a_holiday_introduces_no_day_of_the_month(text: str) -> None:
    assert [mention.text for mention in find_dates(text, REF, "UTC")] == ["today"] * (
        text.startswith("today")
    )


@pytest.mark.parametrize(
    ("text", "reference", "start", "end", "matched"),
    [
        ("we migrate the forum this weekend", REF, "2026-11-28", "2026-11-29", "this weekend"),
        ("the jam is next weekend", REF, "2026-12-05", "2026-12-06", "next weekend"),
        ("hack day this coming weekend", REF, "2026-11-28", "2026-11-29", "this coming weekend"),
        # on a Sunday, this weekend is the one under way
        (
            "cleanup this weekend",
            datetime(2026, 11, 29, 9, tzinfo=UTC),
            "2026-11-29",
            "2026-11-29",
            "this weekend",
        ),
    ],
)
def test_a_weekend_runs_saturday_to_sunday(
    text: str, reference: datetime, start: str, end: str, matched: str
) -> None:
    assert only(text, reference) == (day(start), day(end), "day", "relative", matched)
