"""event_candidates: messages that score at or above their channel's threshold, with the why."""

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import pandas as pd

from slack_events_dagster.domain.anchors import extract_anchors, extract_links
from slack_events_dagster.domain.dates import find_dates
from slack_events_dagster.domain.scoring import MessageSignals, score_message
from slack_events_dagster.domain.text import has_broadcast_mention, normalize_text
from slack_events_dagster.partitions import HOURLY_TABLE_ASSET
from slack_events_dagster.resources.database import (
    FrameStream,
    PartitionRows,
    frame_records,
    rows_to_frame,
)
from slack_events_dagster.resources.pipeline import ChannelPolicy, PipelineResource
from slack_events_dagster.storage.schema import event_candidates as table


@dg.asset(
    **HOURLY_TABLE_ASSET,
    group_name="extract",
    kinds={"python", "sql"},
    code_version="2",
)
def event_candidates(
    context: dg.AssetExecutionContext,
    raw_slack_messages: PartitionRows,
    pipeline: PipelineResource,
) -> FrameStream:
    """Normalised text, links, anchors (Jira, GitHub, versions, docs, meetings) and a score made
    of keyword, date, anchor, link and engagement features; kept when score >= threshold.
    Streamed chunk by chunk of messages, so a long range never sits in memory."""
    channel_names = dict(raw_slack_messages.distinct("channel_id", "channel_name"))
    policies = {
        (channel_id, name): pipeline.channel_policy(channel_id, name)
        for channel_id, name in channel_names.items()
    }
    kept, below, scored = Counter(), Counter(), [0]

    def frames() -> Iterator[pd.DataFrame]:
        for messages in raw_slack_messages.chunks():
            rows = []
            for message in frame_records(messages):
                channel = (message["channel_id"], message["channel_name"])
                if channel not in policies:  # renamed mid-range: the rows hold both names
                    policies[channel] = pipeline.channel_policy(*channel)
                row = _candidate(message, policies[channel], channel_names)
                if row is None:
                    below[message["channel_name"]] += 1
                else:
                    kept[message["channel_name"]] += 1
                    rows.append(row)
            scored[0] += len(messages)
            context.log.debug(f"Scored {scored[0]} messages, {kept.total()} candidates so far")
            yield rows_to_frame(table, rows)

    def metadata() -> dict[str, Any]:
        return {
            "messages_scored": scored[0],
            "candidates": kept.total(),
            "below_threshold": below.total(),
            "candidates_by_channel": dg.MetadataValue.json(dict(sorted(kept.items()))),
            "below_threshold_by_channel": dg.MetadataValue.json(dict(sorted(below.items()))),
        }

    return FrameStream(frames(), metadata)


def _candidate(
    message: Mapping[str, Any], policy: ChannelPolicy, channel_names: Mapping[str, str]
) -> dict[str, Any] | None:
    """The candidate row for a message, or None when it scores below its channel's threshold."""
    raw_text = message["text"] or ""
    text = normalize_text(raw_text, message["mentions"], channel_names)
    links = extract_links(raw_text)
    anchors = extract_anchors(raw_text, links)
    signals = MessageSignals(
        text=text,
        date_mentions=0,
        broadcast_mention=has_broadcast_mention(raw_text),
        reply_count=int(message["reply_count"]),
        reaction_count=int(message["reaction_count"]),
        anchor_count=len(anchors),
        link_count=len(links),
        attachment_count=int(message["attachment_count"]) + int(message["file_count"]),
        is_bot=bool(message["is_bot"]),
        trusted_bot=policy.is_trusted_bot(
            message["bot_id"], message["user_name"], message["user_id"]
        ),
    )
    weights, threshold = policy.weights, policy.threshold
    score, features = score_message(signals, weights)
    # Dates only add their points: a message below the threshold even with them is skipped
    # without parsing dates (the costliest feature), and the result is the same.
    if score + max(weights.date, 0.0) + 1e-6 < threshold:
        return None
    dates = len(find_dates(text, message["message_time"], policy.timezone))
    if dates:
        score, features = score_message(dataclasses.replace(signals, date_mentions=dates), weights)
    if score < threshold:
        return None
    return {
        "channel_id": message["channel_id"],
        "ts": message["ts"],
        "partition_hour": message["partition_hour"],
        "message_time": message["message_time"],
        "channel_name": message["channel_name"],
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
