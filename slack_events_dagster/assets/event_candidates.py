"""event_candidates: messages that score at or above their channel's threshold, with the why."""

from collections import Counter

import dagster as dg
import pandas as pd

from slack_events_dagster.domain.anchors import extract_anchors, extract_links
from slack_events_dagster.domain.dates import find_dates
from slack_events_dagster.domain.scoring import MessageSignals, score_message
from slack_events_dagster.domain.text import has_broadcast_mention, normalize_text
from slack_events_dagster.partitions import HOURLY_TABLE_ASSET
from slack_events_dagster.resources.database import frame_records, rows_to_frame
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.storage.schema import event_candidates as table


@dg.asset(
    **HOURLY_TABLE_ASSET,
    group_name="extract",
    kinds={"python", "sql"},
    code_version="1",
)
def event_candidates(
    context: dg.AssetExecutionContext,
    raw_slack_messages: pd.DataFrame,
    pipeline: PipelineResource,
) -> pd.DataFrame:
    """Normalised text, links, anchors (Jira, GitHub, versions, docs, meetings) and a score made
    of keyword, date, anchor, link and engagement features; kept when score >= threshold."""
    channel_names = dict(
        zip(raw_slack_messages["channel_id"], raw_slack_messages["channel_name"], strict=True)
    )
    rows, below = [], Counter()
    for message in frame_records(raw_slack_messages):
        channel_id, channel_name = message["channel_id"], message["channel_name"]
        raw_text = message["text"] or ""
        text = normalize_text(raw_text, message["mentions"], channel_names)
        links = extract_links(raw_text)
        anchors = extract_anchors(raw_text, links)
        timezone = pipeline.timezone_for(channel_id, channel_name)
        signals = MessageSignals(
            text=text,
            date_mentions=len(find_dates(text, message["message_time"], timezone)),
            broadcast_mention=has_broadcast_mention(raw_text),
            reply_count=int(message["reply_count"]),
            reaction_count=int(message["reaction_count"]),
            anchor_count=len(anchors),
            link_count=len(links),
            attachment_count=int(message["attachment_count"]) + int(message["file_count"]),
            is_bot=bool(message["is_bot"]),
            trusted_bot=pipeline.is_trusted_bot(
                channel_id,
                channel_name,
                message["bot_id"],
                message["user_name"],
                message["user_id"],
            ),
        )
        score, features = score_message(signals, pipeline.score_weights(channel_id, channel_name))
        threshold = pipeline.threshold_for(channel_id, channel_name)
        if score < threshold:
            below[channel_name] += 1
            continue
        rows.append(
            {
                "channel_id": channel_id,
                "ts": message["ts"],
                "partition_hour": message["partition_hour"],
                "message_time": message["message_time"],
                "channel_name": channel_name,
                "user_name": message["user_name"],
                "thread_ts": message["thread_ts"],
                "permalink": message["permalink"],
                "text_normalized": text,
                "links": links,
                "anchors": [anchor.as_json() for anchor in anchors],
                "score": score,
                "threshold": threshold,
                "features": features,
            }
        )
    frame = rows_to_frame(table, rows)
    by_channel = Counter(row["channel_name"] for row in rows)
    context.add_output_metadata(
        {
            "messages_scored": len(raw_slack_messages),
            "candidates": len(frame),
            "below_threshold": sum(below.values()),
            "candidates_by_channel": dg.MetadataValue.json(dict(sorted(by_channel.items()))),
            "below_threshold_by_channel": dg.MetadataValue.json(dict(sorted(below.items()))),
        }
    )
    return frame
