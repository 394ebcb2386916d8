"""A candidate's extracted events to its `events` rows, with the in-message dedup rule: two events
of one message with the same dedup key are one event (the first is kept). Merging announcements
across messages is domain/dedup/'s job, at digest time."""

from collections.abc import Mapping
from typing import Any

from slack_events_dagster.domain.dedup import dedup_key, event_id
from slack_events_dagster.domain.rules import ExtractedEvent, ExtractionInput


def event_rows(
    candidate: Mapping[str, Any], message: ExtractionInput, extracted: list[ExtractedEvent]
) -> tuple[list[dict[str, Any]], int]:
    """The `events` rows of one candidate's extracted events, and how many it dropped as exact
    duplicates within the message: an event whose dedup key (category, title, anchors, date in
    the message's zone) an earlier event of the same message has. Indexes count kept events."""
    channel_id = candidate["channel_id"]
    keys: set[str] = set()
    rows, duplicates = [], 0
    for event in extracted:
        key = dedup_key(
            event.category, event.title, event.anchors, event.event_date, message.timezone
        )
        if key in keys:
            duplicates += 1
            continue
        keys.add(key)
        rows.append(
            {
                "event_id": event_id(channel_id, candidate["ts"], len(keys) - 1),
                "partition_hour": candidate["partition_hour"],
                "channel_id": channel_id,
                "channel_name": candidate["channel_name"],
                "message_ts": candidate["ts"],
                "message_time": candidate["message_time"],
                "permalink": candidate["permalink"],
                "event_index": len(keys) - 1,
                "title": event.title,
                "category": event.category,
                "status": event.status,
                "event_date": event.event_date,
                "event_end": event.event_end,
                "date_precision": event.date_precision,
                "date_source": event.date_source,
                "event_timezone": message.timezone,
                "confidence": event.confidence,
                "summary": event.summary,
                "links": list(event.links),
                "anchors": [anchor.as_json() for anchor in event.anchors],
                "dedup_key": key,
                "extractor": event.extractor,
            }
        )
    return rows, duplicates
