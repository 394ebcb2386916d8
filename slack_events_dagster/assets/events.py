"""events: structured events extracted from the partition's candidates, with dedup keys."""

from collections import Counter

import dagster as dg
import pandas as pd

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dedup import dedup_key, event_id
from slack_events_dagster.domain.rules import ExtractionInput
from slack_events_dagster.partitions import HOURLY_TABLE_ASSET
from slack_events_dagster.resources.database import frame_records, rows_to_frame
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.storage.schema import events as table


@dg.asset(
    **HOURLY_TABLE_ASSET,
    group_name="extract",
    kinds={"python", "sql"},
    code_version="1",
)
def events(
    context: dg.AssetExecutionContext,
    event_candidates: pd.DataFrame,
    extractor: ExtractorResource,
    pipeline: PipelineResource,
) -> pd.DataFrame:
    """0..5 events per candidate: title, category, status, date resolved against the message time
    in the channel's time zone, confidence, links and anchors; exact duplicates within a message
    (same dedup key) are dropped."""
    rows, categories = [], Counter()
    duplicates = without_events = 0
    for candidate in frame_records(event_candidates):
        channel_id, channel_name = candidate["channel_id"], candidate["channel_name"]
        timezone = pipeline.timezone_for(channel_id, channel_name)
        anchors = tuple(Anchor(a["kind"], a["value"]) for a in candidate["anchors"])
        extracted = extractor.extract(
            ExtractionInput(
                text=candidate["text_normalized"],
                message_time=candidate["message_time"],
                timezone=timezone,
                anchors=anchors,
                links=tuple(candidate["links"]),
                broadcast="broadcast_mention" in candidate["features"],
            )
        )
        if not extracted:
            without_events += 1
        keys: set[str] = set()
        for event in extracted:
            key = dedup_key(event.category, event.title, event.anchors, event.event_date, timezone)
            if key in keys:
                duplicates += 1
                continue
            keys.add(key)
            categories[event.category] += 1
            rows.append(
                {
                    "event_id": event_id(channel_id, candidate["ts"], len(keys) - 1),
                    "partition_hour": candidate["partition_hour"],
                    "channel_id": channel_id,
                    "channel_name": channel_name,
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
                    "event_timezone": timezone,
                    "confidence": event.confidence,
                    "summary": event.summary,
                    "links": list(event.links),
                    "anchors": [anchor.as_json() for anchor in event.anchors],
                    "dedup_key": key,
                    "extractor": extractor.name,
                }
            )
    frame = rows_to_frame(table, rows)
    context.add_output_metadata(
        {
            "candidates": len(event_candidates),
            "events": len(frame),
            "events_by_category": dg.MetadataValue.json(dict(sorted(categories.items()))),
            "candidates_without_events": without_events,
            "duplicates_in_message_dropped": duplicates,
            "extractor": extractor.name,
        }
    )
    return frame
