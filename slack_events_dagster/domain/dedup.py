"""Content-derived dedup keys and the exact-key merge of events into digest entries.

The merge is a pure function of the *set* of events: inputs are sorted before anything is chosen,
so the result does not depend on the order partitions were materialised in.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_events_dagster.domain.anchors import Anchor

# Which anchor identifies an event best when a message carries several.
ANCHOR_PRIORITY = {
    "jira": 0,
    "github_pr": 1,
    "github_issue": 2,
    "version": 3,
    "github_release": 4,
    "doc": 5,
    "github_commit": 6,
}
STOPWORDS = frozenset(
    {
        "a", "all", "an", "and", "are", "as", "at", "be", "by", "channel", "everyone", "for",
        "from", "here", "in", "is", "it", "new", "of", "on", "or", "our", "out", "please", "team",
        "the", "this", "to", "up", "via", "was", "we", "will", "with",
    }
)  # fmt: skip
WORD = re.compile(r"[a-z0-9][a-z0-9.:\-]*")


def primary_anchor(anchors: Iterable[Anchor]) -> Anchor | None:
    ranked = [a for a in anchors if a.kind in ANCHOR_PRIORITY]
    return min(ranked, key=lambda a: (ANCHOR_PRIORITY[a.kind], a.value)) if ranked else None


def title_tokens(title: str) -> list[str]:
    """Significant lower-case words of a title, sorted and unique."""
    words = {word.strip(".:-") for word in WORD.findall(title.lower())}
    return sorted(word for word in words if word and word not in STOPWORDS)


def event_day(event_date: datetime | None, timezone: str) -> str:
    """The calendar day of the event where it was announced; 'undated' when unknown."""
    if event_date is None:
        return "undated"
    return event_date.astimezone(ZoneInfo(timezone)).date().isoformat()


def dedup_key(
    category: str,
    title: str,
    anchors: Iterable[Anchor],
    event_date: datetime | None,
    timezone: str,
) -> str:
    """Same category, same day and the same primary anchor (else the same title words)."""
    anchor = primary_anchor(anchors)
    identity = f"{anchor.kind}:{anchor.value}" if anchor else " ".join(title_tokens(title))
    material = "|".join((category, identity, event_day(event_date, timezone)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def event_id(channel_id: str, message_ts: str, index: int) -> str:
    return hashlib.sha256(f"{channel_id}|{message_ts}|{index}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class EventRecord:
    """An extracted event as the digest sees it (one row of the `events` table)."""

    event_id: str
    dedup_key: str
    title: str
    category: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    event_timezone: str
    confidence: float
    channel_id: str
    channel_name: str
    message_ts: str
    message_time: datetime
    permalink: str | None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    channel_id: str
    channel_name: str
    message_ts: str
    message_time: datetime
    permalink: str | None


@dataclass(frozen=True)
class MergedEvent:
    """One digest line: every announcement of the same event, merged."""

    dedup_key: str
    title: str
    category: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    event_timezone: str
    confidence: float
    first_announced: datetime
    sources: tuple[Source, ...]
    links: tuple[str, ...]


def _announcement_order(event: EventRecord) -> tuple:
    return (event.message_time, event.channel_id, event.message_ts, event.event_id)


def merge_exact(events: Iterable[EventRecord]) -> list[MergedEvent]:
    """Merge events sharing a dedup_key: best title (highest confidence, then earliest), earliest
    announcement, the latest announcement's date and status, all sources, highest confidence."""
    groups: dict[str, list[EventRecord]] = {}
    for event in events:
        groups.setdefault(event.dedup_key, []).append(event)
    merged = []
    for key, group in sorted(groups.items()):
        group.sort(key=_announcement_order)
        best = min(group, key=lambda e: (-e.confidence, _announcement_order(e)))
        latest = group[-1]
        sources: list[Source] = []
        for event in group:
            source = Source(
                event.channel_id,
                event.channel_name,
                event.message_ts,
                event.message_time,
                event.permalink,
            )
            if source not in sources:
                sources.append(source)
        links: list[str] = []
        for event in group:
            links.extend(link for link in event.links if link not in links)
        merged.append(
            MergedEvent(
                dedup_key=key,
                title=best.title,
                category=best.category,
                status=latest.status,
                event_date=latest.event_date,
                event_end=latest.event_end,
                date_precision=latest.date_precision,
                event_timezone=latest.event_timezone,
                confidence=max(e.confidence for e in group),
                first_announced=group[0].message_time,
                sources=tuple(sources),
                links=tuple(links[:3]),
            )
        )
    return merged
