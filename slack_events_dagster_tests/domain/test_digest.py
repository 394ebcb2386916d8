from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slack_events_dagster.domain.dedup import EventRecord
from slack_events_dagster.domain.digest import (
    DigestOptions,
    build_digest,
    digest_of,
    entries_as_json,
    render_blocks,
    render_markdown,
)

END = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _event(key: str, title: str, hours_before: float, **kw: object) -> EventRecord:
    values = dict(
        event_id=f"id-{key}-{hours_before}",
        dedup_key=key,
        title=title,
        category="product",
        status="planned",
        event_date=datetime(2026, 11, 26, 14, tzinfo=UTC),
        event_end=None,
        date_precision="datetime",
        event_timezone="UTC",
        confidence=0.8,
        channel_id="C1",
        channel_name="releases",
        message_ts=f"{hours_before}",
        message_time=END - timedelta(hours=hours_before),
        permalink="https://acme.slack.com/archives/C1/p1",
    )
    values.update(kw)
    return EventRecord(**values)


def test_window_confidence_dedup_and_order() -> None:
    events = [
        _event("a", "Release v2", 3, confidence=0.9),
        _event("a", "Release v2 (repeat)", 1, channel_name="engineering", channel_id="C2"),
        _event("b", "Incident", 2, category="risk", event_date=datetime(2026, 11, 24, tzinfo=UTC)),
        _event("c", "Too old", 25),
        _event("d", "Unsure", 2, confidence=0.5),
        _event("e", "Undated", 2, event_date=None, date_precision=None),
    ]
    digest = build_digest(events, END - timedelta(hours=24), END, DigestOptions())
    assert [e.title for e in digest.entries] == ["Incident", "Release v2", "Undated"]
    assert [s.channel_name for s in digest.entries[1].sources] == ["releases", "engineering"]


def test_max_events_caps_and_reports_the_total() -> None:
    events = [_event(str(i), f"E{i}", 1) for i in range(5)]
    digest = build_digest(events, END - timedelta(hours=24), END, DigestOptions(max_events=2))
    assert len(digest.entries) == 2 and digest.total_matching == 5
    assert "(top 2 of 5)" in render_markdown(digest, "UTC")


def test_markdown_and_blocks_show_date_title_and_linked_sources() -> None:
    digest = build_digest(
        [_event("a", "Release payments-api v2.14.0", 1)],
        END - timedelta(hours=24),
        END,
        DigestOptions(),
    )
    markdown = render_markdown(digest, "Europe/Amsterdam")
    assert markdown.splitlines()[0] == "## Upcoming events — as of Mon 23 Nov 2026 13:00 CET"
    assert (
        "- 🚀 **Thu 26 Nov 15:00 CET** — Release payments-api v2.14.0 · "
        "[#releases](https://acme.slack.com/archives/C1/p1)" in markdown
    )
    blocks = render_blocks(digest, "UTC")
    assert blocks[0]["type"] == "header"
    assert blocks[-1]["text"]["text"] == (
        ":rocket: *Thu 26 Nov 14:00 UTC*\nRelease payments-api v2.14.0\n"
        "<https://acme.slack.com/archives/C1/p1|#releases>"
    )
    assert entries_as_json(digest)[0]["sources"][0]["channel_name"] == "releases"


def test_day_precision_ranges_and_status_notes() -> None:
    event = _event(
        "m",
        "DB maintenance",
        1,
        category="risk",
        date_precision="day",
        event_date=datetime(2026, 12, 1, tzinfo=UTC),
        event_end=datetime(2026, 12, 3, tzinfo=UTC),
        status="postponed",
    )
    digest = build_digest([event], END - timedelta(hours=24), END, DigestOptions())
    assert "**Tue 01 Dec – Thu 03 Dec** — DB maintenance _(moved)_" in render_markdown(
        digest, "UTC"
    )


def test_an_empty_window_says_so() -> None:
    digest = build_digest([], END - timedelta(hours=24), END, DigestOptions())
    markdown = render_markdown(digest, "UTC")
    assert "_No events announced in the 24 h before 23 Nov 12:00._" in markdown
    assert [b["type"] for b in render_blocks(digest, "UTC")] == ["header", "context"]


def test_a_line_links_its_first_ten_sources_and_counts_the_rest() -> None:
    """A line merging many announcements stays readable (and under Slack's 3,000 characters);
    the stored entry keeps every source."""
    events = [
        _event("k", "Release v2", 1 + i / 100, channel_id=f"C{i}", channel_name=f"team-{i}")
        for i in range(13)
    ]
    digest = build_digest(events, END - timedelta(hours=24), END, DigestOptions())
    markdown = render_markdown(digest, "UTC")
    section = render_blocks(digest, "UTC")[-1]["text"]["text"]
    for text in (markdown, section):
        assert text.count("#team-") == 10 and " and 3 more" in text
    assert len(entries_as_json(digest)[0]["sources"]) == 13


def test_dates_outside_the_as_of_year_show_their_year() -> None:
    """A far-future (or past) event is never mistaken for one this year: only dates in the
    digest's own year leave the year out, in Markdown and in Block Kit alike."""
    events = [
        _event("y", "This year", 1),
        _event("n", "Next year", 1, event_date=datetime(2027, 1, 5, 9, tzinfo=UTC)),
        _event(
            "f",
            "Far future",
            1,
            date_precision="day",
            event_date=datetime(2099, 1, 1, tzinfo=UTC),
            event_end=datetime(2099, 1, 3, tzinfo=UTC),
        ),
        _event("w", "Week", 1, date_precision="week", event_date=datetime(2028, 3, 6, tzinfo=UTC)),
    ]
    digest = build_digest(events, END - timedelta(hours=24), END, DigestOptions())
    markdown = render_markdown(digest, "UTC")
    blocks = "\n".join(b["text"]["text"] for b in render_blocks(digest, "UTC")[3:])
    for text in (markdown, blocks):
        assert "Thu 26 Nov 14:00 UTC" in text
        assert "Tue 05 Jan 2027 09:00 UTC" in text
        assert "Thu 01 Jan 2099 – Sat 03 Jan 2099" in text
        assert "week of Mon 06 Mar 2028" in text
    moved = replace(digest.entries[0], previous_date=datetime(2025, 12, 1, tzinfo=UTC))
    digest = digest_of([moved], END - timedelta(hours=24), END, DigestOptions())
    assert "_(moved from Mon 01 Dec 2025)_" in render_markdown(digest, "UTC")
