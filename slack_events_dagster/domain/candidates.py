"""A stored message to its `event_candidates` row: normalised text, anchors, links and score.

One function for the asset and for `slack-events evaluate`, so what is measured is what runs.
A thread reply is read with its thread parent: "By the end of May." only announces something
next to the parent that names the release. A link is read with its preview: a bare link to a
meetup page whose preview says "Hackathon, Sat, May 14" announces that hackathon.
"""

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_events_dagster.domain.anchors import Anchor, extract_anchors, extract_links
from slack_events_dagster.domain.dates import find_dates
from slack_events_dagster.domain.messages import is_slack_reminder
from slack_events_dagster.domain.rules import (
    BYLINE,
    MAX_PREVIEWS_READ,
    ExtractionInput,
    LinkPreview,
)
from slack_events_dagster.domain.scoring import (
    ChannelPolicy,
    MessageSignals,
    dates_can_reach,
    score_message,
)
from slack_events_dagster.domain.text import has_broadcast_mention, normalize_text, strip_code
from slack_events_dagster.domain.vocabulary import find_keywords, is_event_page

MAX_PARENT_CHARS = 1000


def parent_context(
    parent: Mapping[str, Any] | None, channel_names: Mapping[str, str]
) -> str | None:
    """The normalised text of a reply's thread parent (cut to MAX_PARENT_CHARS), or None."""
    if not parent or not parent.get("text"):
        return None
    text = normalize_text(parent["text"], parent.get("mentions") or {}, channel_names)
    return text[:MAX_PARENT_CHARS] or None


def candidate_row(
    message: Mapping[str, Any],
    policy: ChannelPolicy,
    channel_names: Mapping[str, str],
    thread_parent: str | None = None,
) -> dict[str, Any] | None:
    """The candidate row for a `raw_slack_messages` row, or None when it scores below its
    channel's threshold. `thread_parent` is the normalised text of the reply's thread parent."""
    raw_text = message["text"] or ""
    reminder = is_slack_reminder(message["user_id"], raw_text)  # a person's /remind
    text = normalize_text(raw_text, message["mentions"], channel_names)
    readable = strip_code(text)
    links = extract_links(raw_text)
    anchors = extract_anchors(raw_text, links)
    signals = MessageSignals(
        text=readable,
        date_mentions=0,
        broadcast_mention=has_broadcast_mention(raw_text),
        reply_count=int(message["reply_count"]),
        reaction_count=int(message["reaction_count"]),
        anchor_count=len(anchors),
        link_count=len(links),
        attachment_count=int(message["attachment_count"]) + int(message["file_count"]),
        is_bot=bool(message["is_bot"]) and not reminder,
        trusted_bot=policy.is_trusted_bot(
            message["bot_id"], message["user_name"], message["user_id"]
        ),
        thread_parent=thread_parent or "",
        channel_name=message["channel_name"] or "",
        links=tuple(links),
        slack_reminder=reminder,
    )
    weights, threshold = policy.weights, policy.threshold
    score, features = score_message(signals, weights)
    previews = previews_of(message.get("link_previews"))
    if not dates_can_reach(threshold, score, signals, weights, features, bool(previews)):
        return None
    dates = len(find_dates(readable, message["message_time"], policy.timezone))
    preview_event = previews_announce_event(previews, message["message_time"], policy.timezone)
    if dates or preview_event:
        found = dataclasses.replace(signals, date_mentions=dates, preview_event=preview_event)
        score, features = score_message(found, weights)
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
        "thread_parent_text": thread_parent,
        "permalink": message["permalink"],
        "text_normalized": text,
        "links": links,
        "anchors": [anchor.as_json() for anchor in anchors],
        "link_previews": message.get("link_previews") or None,
        "score": score,
        "threshold": threshold,
        "features": features,
    }


class CandidateSelection:
    """Keeps the messages that score at or above their channel's threshold (`candidate_row`),
    each channel's policy resolved once, and counts per channel name what was kept (`kept`)
    and what scored below (`below`)."""

    def __init__(
        self,
        policy_for: Callable[[str, str], ChannelPolicy],
        channel_names: Mapping[str, str],
    ) -> None:
        self._policy_for = policy_for
        self._channel_names = channel_names
        self._policies: dict[tuple[str, str], ChannelPolicy] = {}
        self.kept: Counter[str] = Counter()
        self.below: Counter[str] = Counter()
        self.scored = 0

    def policy(self, channel_id: str, channel_name: str) -> ChannelPolicy:
        """The channel's policy; a channel renamed mid-range has one per name."""
        key = (channel_id, channel_name)
        if key not in self._policies:
            self._policies[key] = self._policy_for(channel_id, channel_name)
        return self._policies[key]

    def rows(
        self,
        messages: Iterable[Mapping[str, Any]],
        parents: Mapping[tuple[str, str], str | None],
    ) -> list[dict[str, Any]]:
        """The candidate rows of these `raw_slack_messages` rows; `parents` holds the normalised
        text of thread parents by (channel_id, ts)."""
        rows = []
        for message in messages:
            self.scored += 1
            parent = (
                parents.get((message["channel_id"], message["thread_ts"]))
                if message["is_thread_reply"]
                else None
            )
            policy = self.policy(message["channel_id"], message["channel_name"])
            row = candidate_row(message, policy, self._channel_names, parent)
            if row is None:
                self.below[message["channel_name"]] += 1
            else:
                self.kept[message["channel_name"]] += 1
                rows.append(row)
        return rows


def previews_announce_event(
    previews: Sequence[LinkPreview], reference: datetime, timezone: str
) -> bool:
    """Whether one of the link previews the extractor reads names an event and writes its date,
    not before the message's day ("Hackathon: submissions close on December 1"). As the
    extractor reads them: a page titled by something other than an event (a file, an issue, a
    docs page) only counts when its address is an event page (a meetup's page titled "Swirl
    Package in R, Sat, Jul 22, 2023, 10:00 AM")."""
    zone = ZoneInfo(timezone)
    day = reference.astimezone(zone).date()
    for preview in previews[:MAX_PREVIEWS_READ]:
        text = "\n".join(part for part in (preview.title, preview.text) if part)
        titled_by_event = not preview.title or bool(
            BYLINE.search(preview.title) or find_keywords(preview.title)
        )
        if titled_by_event:
            names_event = bool(find_keywords(text)) or is_event_page(preview.url)
        else:
            names_event, text = is_event_page(preview.url), preview.title
        if names_event and any(
            mention.source == "explicit" and mention.start.astimezone(zone).date() >= day
            for mention in find_dates(text, reference, timezone)
        ):
            return True
    return False


def extraction_input(candidate: Mapping[str, Any], timezone: str) -> ExtractionInput:
    """What the extractor sees of an `event_candidates` row, in its channel's time zone."""
    return ExtractionInput(
        text=candidate["text_normalized"],
        message_time=candidate["message_time"],
        timezone=timezone,
        anchors=tuple(Anchor(a["kind"], a["value"]) for a in candidate["anchors"]),
        links=tuple(candidate["links"]),
        broadcast="broadcast_mention" in candidate["features"],
        slack_reminder="slack_reminder" in candidate["features"],
        thread_parent=candidate["thread_parent_text"],
        previews=previews_of(candidate.get("link_previews")),
    )


def previews_of(stored: Any) -> tuple[LinkPreview, ...]:
    """The stored `link_previews` JSON as extractor input; NULL (rows from before migration 008,
    messages without any) reads as none."""
    if not isinstance(stored, list):
        return ()
    return tuple(
        LinkPreview(
            title=str(item.get("title") or ""),
            text=str(item.get("text") or ""),
            service=str(item.get("service") or ""),
            url=str(item.get("url") or ""),
        )
        for item in stored
        if isinstance(item, dict)
    )
