"""raw_slack_messages: every kept Slack message of the partition's hours, one row per message."""

import dagster as dg
import pandas as pd

from slack_events_dagster.partitions import HOURLY_TABLE_ASSET, partition_window
from slack_events_dagster.resources.database import rows_to_frame
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.storage.schema import raw_slack_messages as table


@dg.asset(
    **HOURLY_TABLE_ASSET,
    group_name="ingest",
    # Caps Slack API steps across all runs: `dagster instance concurrency set slack_api 1`
    pool="slack_api",
    kinds={"slack", "sql"},
    code_version="1",
)
def raw_slack_messages(context: dg.AssetExecutionContext, slack: SlackResource) -> pd.DataFrame:
    """Top-level messages and thread replies with ts in the partition's hours, with author names,
    subtypes, reactions and edits. Skipped payloads are counted by reason in the metadata."""
    window = partition_window(context)
    context.log.info(f"Reading Slack messages for [{window.start}, {window.end})")
    result = slack.fetch_messages(window.start, window.end, log=context.log)
    frame = rows_to_frame(table, result.rows)
    replies = int(frame["is_thread_reply"].sum()) if len(frame) else 0
    metadata: dict[str, object] = {
        "messages": len(frame),
        "thread_replies": replies,
        "top_level": len(frame) - replies,
        "source": slack.source,
        "channels": dg.MetadataValue.json(result.channels),
        "files_read": result.files_read,
        "skipped": result.skipped.total,
        "skipped_by_reason": dg.MetadataValue.json(dict(sorted(result.skipped.counts.items()))),
    }
    if slack.source == "api":
        api = result.api
        metadata |= {
            "api_calls": api.api_calls,
            "api_calls_by_method": dg.MetadataValue.json(dict(sorted(api.calls_by_method.items()))),
            "retries": api.retries,
            "rate_limit_wait_seconds": round(api.rate_limit_wait_seconds, 3),
            "replies_fetched": result.replies_fetched,
        }
    if result.bad_files:
        metadata["bad_files"] = dg.MetadataValue.json(result.bad_files)
    context.add_output_metadata(metadata)
    context.log.info(
        f"{len(frame)} messages ({replies} replies) from {len(result.channels)} channels; "
        f"skipped {result.skipped.total}"
    )
    return frame
