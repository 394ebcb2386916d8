"""event_candidates: messages that score at or above their channel's threshold, with the why.
The scoring is domain/scoring.py's, the per-channel policy domain/policy.py's, the selection
domain/candidates.py's; this module reads the messages and their thread parents."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from slack_events_dagster.domain.candidates import CandidateSelection, parent_context
from slack_events_dagster.partitions import hourly_table_asset, partition_window
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.settings import SlackSettings
from slack_events_dagster.storage.bulk import Columns
from slack_events_dagster.storage.frames import FrameStream, PartitionRows
from slack_events_dagster.storage.schema import event_candidates as table


def thread_lookback_hours(slack: SlackSettings) -> int:
    """How far back a thread reply's parent may have been posted: the thread window (API mode
    ingests replies to parents that old). The input covers those hours too (the partition
    mapping puts the dependency in the asset graph, so a backfill ingests them first), and only
    the run's own hours are scored. A 90-day mapping (2,160 upstream hours) costs Dagster no
    measurable planning time over a 7-day one: it is resolved as one time window, not key by
    key."""
    return max(slack.thread_lookback_days, slack.thread_window_days) * 24


def event_candidates(
    context: dg.AssetExecutionContext,
    raw_slack_messages: PartitionRows,
    pipeline: PipelineResource,
) -> FrameStream:
    """Normalised text, links, anchors (Jira, GitHub, versions, docs, meetings) and a score made
    of keyword, date, anchor, link and engagement features; kept when score >= threshold.
    Streamed chunk by chunk of messages, so a long range never sits in memory."""
    window = partition_window(context)
    # The run's own hours only: the look-back hours would make this query grow with the window.
    channel_names = dict(
        raw_slack_messages.distinct(
            "channel_id", "channel_name", start=window.start, end=window.end
        )
    )
    selection = CandidateSelection(pipeline.policy().channel_policy, channel_names)

    def frames() -> Iterator[Columns]:
        for records in raw_slack_messages.record_chunks(window.start, window.end):
            parents = _thread_parents(records, raw_slack_messages, channel_names)
            rows = selection.rows(records, parents)
            context.log.debug(
                f"Scored {selection.scored} messages, {selection.kept.total()} candidates so far"
            )
            yield Columns.of(table, rows)

    def metadata() -> dict[str, Any]:
        kept, below = selection.kept, selection.below
        return {
            "messages_scored": selection.scored,
            "candidates": kept.total(),
            "below_threshold": below.total(),
            "candidates_by_channel": dg.MetadataValue.json(dict(sorted(kept.items()))),
            "below_threshold_by_channel": dg.MetadataValue.json(dict(sorted(below.items()))),
        }

    return FrameStream(frames(), metadata)


def build_event_candidates(
    partitions_def: dg.PartitionsDefinition[str], thread_lookback_hours: int
) -> dg.AssetsDefinition:
    """The `event_candidates` asset over these partitions; its input reaches
    `thread_lookback_hours` back, for the parents of thread replies."""
    return dg.asset(
        **hourly_table_asset(partitions_def),
        ins={
            "raw_slack_messages": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(
                    start_offset=-thread_lookback_hours,
                    end_offset=0,
                    allow_nonexistent_upstream_partitions=True,
                )
            )
        },
        group_name="extract",
        kinds={"python", "sql"},
        code_version="3",
    )(event_candidates)


def _thread_parents(
    records: list[dict[str, Any]],
    raw_slack_messages: PartitionRows,
    channel_names: Mapping[str, str],
) -> dict[tuple[str, str], str | None]:
    """The normalised text of the thread parents of the replies among `records` (once per
    parent, however many replies it has), from this chunk or, when the parent was posted in an
    earlier hour, from the stored messages."""
    here = {(r["channel_id"], r["ts"]): r for r in records}
    wanted = {
        (r["channel_id"], r["thread_ts"])
        for r in records
        if r["is_thread_reply"] and r["thread_ts"]
    }
    missing = wanted - here.keys()
    stored = raw_slack_messages.by_key(missing, "text", "mentions") if missing else {}
    parents = {**{key: here[key] for key in wanted & here.keys()}, **stored}
    return {key: parent_context(row, channel_names) for key, row in parents.items()}
