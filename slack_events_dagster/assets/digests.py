"""digests: per hour, the deduplicated events announced in the look-back window ending there.
Computing never calls Slack: digest_posts (downstream) posts the due ones."""

from collections import Counter
from datetime import datetime, timedelta

import dagster as dg

from slack_events_dagster.domain.dedup import EventRecord, MergeGraph
from slack_events_dagster.domain.digest import (
    entries_as_json,
    hourly_digest,
    render_blocks,
    render_markdown,
)
from slack_events_dagster.domain.staleness import events_in_lookback
from slack_events_dagster.partitions import hour_window, hourly_table_asset, partition_keys
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.storage.bulk import Columns
from slack_events_dagster.storage.frames import PartitionRows
from slack_events_dagster.storage.schema import digests as table

CHUNK_HOURS = 24  # events are loaded (and old ones forgotten) a day of digests at a time
# Per digest partition, the events its look-back window held when it was built (checks.py).
EVENTS_IN_LOOKBACK = "events_in_lookback"


def digests(
    context: dg.AssetExecutionContext,
    events: PartitionRows,
    pipeline: PipelineResource,
) -> Columns:
    """Per target, for hour H: the events announced in the window ending at the end of H, each
    merged with every announcement of the same event (domain/dedup/), sorted by date then
    category, as Markdown and Slack Block Kit (digest_posts posts them). An empty window gives
    an explicit 'no events' digest. Events are read a day at a time as the hours advance, and
    only new pairs of events are compared (MergeGraph), so a long range stays cheap."""
    policy = pipeline.policy()
    window = timedelta(hours=policy.digest_window_hours)
    lookback = timedelta(hours=policy.digest_lookback_hours)
    graph = MergeGraph(policy.dedup)
    targets = [(target.channel, target.options) for target in policy.digest_targets]
    hours = [hour_window(key) for key in partition_keys(context)]
    rows, markdown, loaded = [], "", 0
    events_per_hour: Counter[datetime] = Counter()
    read_until = hours[0].end - lookback if hours else None
    for first in range(0, len(hours), CHUNK_HOURS):
        chunk = hours[first : first + CHUNK_HOURS]
        graph.drop_announced_before(chunk[0].end - lookback)
        new = events.records(read_until, chunk[-1].end)
        graph.add(EventRecord.from_row(row) for row in new)
        events_per_hour.update(row["partition_hour"] for row in new)
        loaded, read_until = loaded + len(new), chunk[-1].end
        for hour in chunk:
            for target, options in targets:
                digest = hourly_digest(graph, hour.end, window, lookback, options)
                markdown = render_markdown(digest, options.timezone)
                blocks = render_blocks(digest, options.timezone)
                rows.append(
                    {
                        "partition_hour": hour.start,
                        "target": target,
                        "window_start": digest.window_start,
                        "window_end": digest.as_of,
                        "event_count": len(digest.entries),
                        "entries": entries_as_json(digest),
                        "markdown": markdown,
                        "blocks": blocks,
                    }
                )
        context.log.info(f"Digests up to {chunk[-1].end:%Y-%m-%d %H:%M} built ({loaded} events)")
    # Per hour, the events its window held: the `digests_match_the_events_now_stored` check
    # compares them with the events stored now, so an earlier range materialised later shows.
    built_with = events_in_lookback(events_per_hour, [hour.start for hour in hours], lookback)
    for key, hour in zip(partition_keys(context), hours, strict=True):
        metadata = {EVENTS_IN_LOOKBACK: built_with[hour.start]}
        context.add_asset_metadata(metadata, partition_key=key)
    context.add_output_metadata(
        {
            "digests": len(rows),
            "events_in_latest": rows[-1]["event_count"] if rows else 0,
            "events_loaded": loaded,
            "latest_digest": dg.MetadataValue.md(markdown),
        }
    )
    return Columns.of(table, rows)


def build_digests(
    partitions_def: dg.PartitionsDefinition[str], lookback_hours: int
) -> dg.AssetsDefinition:
    """The `digests` asset over these partitions. Its input reaches `lookback_hours` back
    (Policy.digest_lookback_hours of the same settings): the look-back is part of the
    asset graph (the partition mapping), so it is fixed when the definitions are built. A digest
    shows the events announced in its window, merged with earlier announcements of the same
    events up to `deduplication.lookback_days` back (so a moved date shows as moved)."""
    return dg.asset(
        **hourly_table_asset(partitions_def),
        ins={
            "events": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(
                    start_offset=-(lookback_hours - 1),
                    end_offset=0,
                    allow_nonexistent_upstream_partitions=True,
                )
            )
        },
        group_name="publish",
        kinds={"sql"},
        code_version="3",
    )(digests)
