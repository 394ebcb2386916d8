"""A candidate's events as rows: exact duplicates within one message are dropped."""

from datetime import UTC, datetime

from slack_events_dagster.domain.events import event_rows
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput

SENT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CANDIDATE = {
    "channel_id": "C1",
    "ts": "1795425000.000100",
    "partition_hour": datetime(2026, 11, 23, 9, tzinfo=UTC),
    "channel_name": "releases",
    "message_time": SENT,
    "permalink": None,
}


def _event(title: str, day: int) -> ExtractedEvent:
    return ExtractedEvent(
        title=title,
        category="release",
        action="announce",
        status="scheduled",
        event_date=datetime(2026, 12, day, tzinfo=UTC),
        event_end=None,
        date_precision="day",
        date_source="explicit",
        confidence=0.9,
        summary=title,
        links=(),
        anchors=(),
    )


def test_the_second_event_with_the_same_dedup_key_is_dropped_and_indexes_stay_dense() -> None:
    message = ExtractionInput(text="v2 ships Dec 1", message_time=SENT, timezone="UTC")
    extracted = [_event("v2 release", 1), _event("v2 release", 1), _event("v3 release", 8)]
    rows, dropped = event_rows(CANDIDATE, message, extracted)
    assert dropped == 1
    assert [(row["event_index"], row["title"]) for row in rows] == [
        (0, "v2 release"),
        (1, "v3 release"),
    ]
    assert len({row["event_id"] for row in rows}) == 2
    assert len({row["dedup_key"] for row in rows}) == 2
