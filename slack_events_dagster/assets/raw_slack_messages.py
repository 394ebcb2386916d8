"""raw_slack_messages: every kept Slack message of the partition's hours, one row per message,
read from the SlackSource that `slack.source` names (resources/slack_source.py)."""

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

from slack_events_dagster.partitions import (
    hourly_table_asset,
    partition_window,
    refuse_unordered_backfill_run,
)
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.storage.bulk import Columns
from slack_events_dagster.storage.frames import FrameStream
from slack_events_dagster.storage.schema import raw_slack_messages as table

FRAME_ROWS = 20_000  # messages per stored block: bounds memory on long backfills


def raw_slack_messages(context: dg.AssetExecutionContext, slack: SlackResource) -> FrameStream:
    """Top-level messages and thread replies with ts in the partition's hours, with author names,
    subtypes, reactions and edits, counted by channel in `messages_by_channel`. Skipped payloads
    are counted by reason in the metadata; damaged ones (skipped or repaired) in `bad_messages`,
    each skip reason and each repair in `bad_messages_by_reason` (a message repaired twice counts
    under both), the first 20 by file and ts in `bad_message_examples`.
    Streamed: the IO manager stores each batch as it is read, so a long range never sits in
    memory."""
    refuse_unordered_backfill_run(context)
    window = partition_window(context)
    context.log.info(f"Reading Slack messages for [{window.start}, {window.end})")
    source = slack.source()
    found = source.read(window.start, window.end, log=context.log)
    counts = {"messages": 0, "thread_replies": 0}
    by_channel: Counter[str] = Counter()

    def frames() -> Iterator[Columns]:
        for rows in _regroup(found.batches(), FRAME_ROWS):
            counts["messages"] += len(rows)
            counts["thread_replies"] += sum(row["is_thread_reply"] for row in rows)
            by_channel.update(row["channel_name"] for row in rows)
            yield Columns.of(table, rows)
        skipped = found.skipped
        context.log.info(
            f"{counts['messages']} messages ({counts['thread_replies']} replies) from "
            f"{len(found.channels)} channels; skipped {skipped.total}"
        )
        if skipped.bad_total:
            context.log.warning(
                f"{skipped.bad_total} damaged messages skipped or repaired "
                f"{dict(sorted(skipped.bad.items()))}; the first: {skipped.examples[:3]} (all "
                f"first {len(skipped.examples)} in the metadata's bad_message_examples)"
            )

    def metadata() -> dict[str, Any]:
        result: dict[str, Any] = {
            "messages": counts["messages"],
            "thread_replies": counts["thread_replies"],
            "top_level": counts["messages"] - counts["thread_replies"],
            "messages_by_channel": dg.MetadataValue.json(dict(sorted(by_channel.items()))),
            "source": source.name,
        }
        for name, value in found.metadata().items():
            result[name] = dg.MetadataValue.json(value) if isinstance(value, list | dict) else value
        return result

    # Replace only the channels read: narrowing slack.channels keeps the others' stored history.
    return FrameStream(frames(), metadata, replaces={"channel_id": found.channel_ids})


def build_raw_slack_messages(partitions_def: dg.PartitionsDefinition[str]) -> dg.AssetsDefinition:
    """The `raw_slack_messages` asset over these partitions."""
    return dg.asset(
        **hourly_table_asset(partitions_def),
        group_name="ingest",
        # Caps Slack API steps across all runs: `dagster instance concurrency set slack_api 1`
        pool="slack_api",
        kinds={"slack", "sql"},
        code_version="1",
    )(raw_slack_messages)


def _regroup(batches: Iterable[list[dict[str, Any]]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Batches of any size into lists of about `size` rows (never splitting a batch)."""
    pending: list[dict[str, Any]] = []
    for batch in batches:
        pending.extend(batch)
        if len(pending) >= size:
            yield pending
            pending = []
    if pending:
        yield pending
