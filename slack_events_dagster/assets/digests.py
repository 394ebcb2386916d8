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

# The look-backs are part of the asset graph (the partition mapping), so they are fixed at load
# time: a digest shows events announced in its window, merged with earlier announcements of the
# same events up to `deduplication.lookback_days` back (so a moved date shows as moved).
WINDOW_HOURS = get_settings().digest.window_hours
LOOKBACK_HOURS = max(WINDOW_HOURS, get_settings().deduplication.lookback_days * 24)


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
        anchors=tuple(f"{a['kind']}:{a['value']}" for a in row["anchors"] or ()),
    )


@dg.asset(
    **HOURLY_TABLE_ASSET,
    ins={
        "events": dg.AssetIn(
            partition_mapping=dg.TimeWindowPartitionMapping(
                start_offset=-(LOOKBACK_HOURS - 1),
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
    window, lookback = timedelta(hours=WINDOW_HOURS), timedelta(hours=LOOKBACK_HOURS)
    rows, markdown = [], ""
    for key in partition_keys(context):
        hour = HOURLY.time_window_for_partition_key(key)
        # Exactly this hour's look-back, so a range run equals hour-by-hour runs.
        visible = [r for r in records if hour.end - lookback <= r.message_time < hour.end]
        for target in pipeline.digest_targets:
            options = pipeline.digest_options(target)
            digest = build_digest(visible, hour.end - window, hour.end, options)
            markdown = render_markdown(digest, options.timezone)
            rows.append(
                {
                    "partition_hour": hour.start,
                    "target": target.channel,
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
