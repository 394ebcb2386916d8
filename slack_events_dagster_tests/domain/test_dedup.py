from dataclasses import replace
from datetime import UTC, datetime

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dedup import EventRecord, dedup_key, merge_exact, title_tokens

THURSDAY = datetime(2026, 11, 26, 14, tzinfo=UTC)


def test_same_primary_anchor_and_day_give_the_same_key_whatever_the_wording() -> None:
    first = dedup_key(
        "product",
        "Release payments-api v2.14.0 is scheduled",
        [Anchor("version", "v2.14.0"), Anchor("jira", "PAY-2231")],
        THURSDAY,
        "UTC",
    )
    second = dedup_key(
        "product",
        "payments-api v2.14.0 ships Thu",
        [Anchor("jira", "PAY-2231")],
        THURSDAY.replace(hour=9),
        "UTC",
    )
    assert first == second


def test_key_changes_with_the_day_category_or_anchor() -> None:
    anchors = [Anchor("jira", "PAY-1")]
    base = dedup_key("product", "x", anchors, THURSDAY, "UTC")
    assert base != dedup_key("product", "x", anchors, THURSDAY.replace(day=27), "UTC")
    assert base != dedup_key("risk", "x", anchors, THURSDAY, "UTC")
    assert base != dedup_key("product", "x", [Anchor("jira", "PAY-2")], THURSDAY, "UTC")


def test_without_anchors_the_title_words_identify_the_event() -> None:
    a = dedup_key("process", "Sprint 47 retro at 15:00", [], None, "UTC")
    b = dedup_key("process", "sprint 47 RETRO at 15:00!", [], None, "UTC")
    assert a == b
    assert title_tokens("The retro is at 15:00") == ["15:00", "retro"]


def test_the_day_is_taken_in_the_event_timezone() -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already Nov 27 in Amsterdam
    assert dedup_key("product", "x", [], late, "UTC") != dedup_key(
        "product", "x", [], late, "Europe/Amsterdam"
    )


def _event(event_id: str, channel: str, minute: int, **changes: object) -> EventRecord:
    base = EventRecord(
        event_id=event_id,
        dedup_key="k",
        title=f"title from {channel}",
        category="product",
        status="planned",
        event_date=THURSDAY,
        event_end=None,
        date_precision="datetime",
        event_timezone="UTC",
        confidence=0.8,
        channel_id=f"C-{channel}",
        channel_name=channel,
        message_ts=f"17954{minute:05d}.000000",
        message_time=datetime(2026, 11, 23, 9, minute, tzinfo=UTC),
        permalink=f"https://x/{channel}",
        links=(f"https://l/{channel}",),
    )
    return replace(base, **changes)


def test_merge_keeps_every_source_the_best_title_and_the_latest_date() -> None:
    first = _event("1", "releases", 10, confidence=0.9)
    later = _event("2", "engineering", 50, event_date=THURSDAY.replace(day=27), status="postponed")
    (merged,) = merge_exact([later, first])
    assert [s.channel_name for s in merged.sources] == ["releases", "engineering"]
    assert merged.title == "title from releases"  # highest confidence
    assert merged.event_date == THURSDAY.replace(day=27) and merged.status == "postponed"
    assert merged.first_announced == first.message_time
    assert merged.confidence == 0.9
    assert merged.links == ("https://l/releases", "https://l/engineering")


def test_merge_does_not_depend_on_input_order() -> None:
    events = [_event(str(i), f"c{i}", i, dedup_key=f"k{i % 2}") for i in range(6)]
    assert merge_exact(events) == merge_exact(list(reversed(events)))
