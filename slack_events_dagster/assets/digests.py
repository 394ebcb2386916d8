"""digests: per hour, the deduplicated events announced in the look-back window ending there."""

from datetime import timedelta

import dagster as dg
import pandas as pd

from slack_events_dagster.domain.dedup import EventRecord
from slack_events_dagster.domain.digest import (
    build_digest,
    entries_as_json,
    render_blocks,
    render_markdown,
)
from slack_events_dagster.partitions import HOURLY, HOURLY_TABLE_ASSET, partition_keys
from slack_events_dagster.resources.database import frame_records, rows_to_frame
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.settings import get_settings
from slack_events_dagster.storage.schema import digests as table

# The look-back is part of the asset graph (the partition mapping), so it is fixed at load time.
WINDOW_HOURS = get_settings().digest.window_hours


def _event_record(row: dict) -> EventRecord:
    return EventRecord(
        event_id=row["event_id"],
        dedup_key=row["dedup_key"],
        title=row["title"],
        category=row["category"],
        status=row["status"],
        event_date=row["event_date"],
        event_end=row["event_end"],
        date_precision=row["date_precision"],
        event_timezone=row["event_timezone"],
        confidence=float(row["confidence"]),
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        message_ts=row["message_ts"],
        message_time=row["message_time"],
        permalink=row["permalink"],
        links=tuple(row["links"] or ()),
    )


@dg.asset(
    **HOURLY_TABLE_ASSET,
    ins={
        "events": dg.AssetIn(
            partition_mapping=dg.TimeWindowPartitionMapping(
                start_offset=-(WINDOW_HOURS - 1),
                end_offset=0,
                allow_nonexistent_upstream_partitions=True,
            )
        )
    },
    group_name="publish",
    kinds={"slack", "sql"},
    code_version="1",
)
def digests(
    context: dg.AssetExecutionContext, events: pd.DataFrame, pipeline: PipelineResource
) -> pd.DataFrame:
    """For hour H: events announced in the window ending at the end of H, merged by dedup key,
    sorted by date then category, as Markdown and Slack Block Kit. An empty window gives an
    explicit 'no events' digest."""
    records = [_event_record(row) for row in frame_records(events)]
    options = pipeline.digest_options
    window = timedelta(hours=WINDOW_HOURS)
    rows, markdown = [], ""
    for key in partition_keys(context):
        window_end = HOURLY.time_window_for_partition_key(key).end
        digest = build_digest(records, window_end - window, window_end, options)
        markdown = render_markdown(digest, options.timezone)
        rows.append(
            {
                "partition_hour": HOURLY.time_window_for_partition_key(key).start,
                "target": pipeline.digest_target,
                "window_start": digest.window_start,
                "window_end": digest.as_of,
                "event_count": len(digest.entries),
                "entries": entries_as_json(digest),
                "markdown": markdown,
                "blocks": render_blocks(digest, options.timezone),
            }
        )
    frame = rows_to_frame(table, rows)
    context.add_output_metadata(
        {
            "digests": len(frame),
            "events_in_latest": int(frame["event_count"].iloc[-1]) if len(frame) else 0,
            "events_loaded": len(records),
            "latest_digest": dg.MetadataValue.md(markdown),
        }
    )
    return frame
