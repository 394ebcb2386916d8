"""Content-derived dedup keys and the exact-key merge of events into digest entries.

The merge is a pure function of the *set* of events: inputs are sorted before anything is chosen,
so the result does not depend on the order partitions were materialised in.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

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
    anchors: tuple[str, ...] = ()  # "kind:value"

    @property
    def message(self) -> tuple[str, str]:
        return (self.channel_id, self.message_ts)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "EventRecord":
        """From an `events` table row (plain Python values)."""
        return cls(
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

    dedup_key: str  # the smallest member key: stable whatever the processing order
    title: str
    category: str
    status: str
    event_date: datetime | None
    event_end: datetime | None
    date_precision: str | None
    event_timezone: str
    confidence: float
    first_announced: datetime
    last_announced: datetime
    sources: tuple[Source, ...]
    links: tuple[str, ...]
    previous_date: datetime | None = None  # set when a later announcement moved the date
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DedupRules:
    """When two announcements are the same event (DOMAIN.md's numbers by default)."""

    title_similarity: float = 0.8
    date_window_hours: float = 48.0


# Anchors that identify one piece of work; versions and docs are shared too widely to merge on.
MERGING_ANCHOR_KINDS = ("jira:", "github_pr:", "github_issue:")
RESCHEDULING_STATUSES = frozenset({"postponed", "canceled", "updated", "confirmed"})


def _announcement_order(event: EventRecord) -> tuple:
    return (event.message_time, event.channel_id, event.message_ts, event.event_id)


def title_similarity(first: str, second: str) -> float:
    """0..1, insensitive to word order and to extra words on one side."""
    return fuzz.token_set_ratio(first.lower(), second.lower()) / 100.0


def _dates_close(a: EventRecord, b: EventRecord, hours: float) -> bool:
    if a.event_date is None or b.event_date is None:
        return a.event_date is None and b.event_date is None
    return abs((a.event_date - b.event_date).total_seconds()) <= hours * 3600


def _versions_conflict(a: EventRecord, b: EventRecord) -> bool:
    versions_a = {x for x in a.anchors if x.startswith("version:")}
    versions_b = {x for x in b.anchors if x.startswith("version:")}
    return bool(versions_a and versions_b and not versions_a & versions_b)


Edge = tuple[int, str, str]  # (strength rank, earlier event id, later event id)


def candidate_edges(events: Iterable[EventRecord], rules: DedupRules = DedupRules()) -> list[Edge]:
    """Every candidate merge, strongest first: same key (0), shared anchor (1), similar title (2).
    Each edge depends on its two events only, so the edges of a subset are the subset's edges:
    a run computes them once and every hour's digest filters them."""
    ordered = sorted({e.event_id: e for e in events}.values(), key=_announcement_order)
    edges: dict[tuple[int, int], int] = {}

    def add(i: int, j: int, rank: int) -> None:
        if ordered[i].message == ordered[j].message:
            return  # events from the same message never merge
        pair = (min(i, j), max(i, j))
        edges[pair] = min(rank, edges.get(pair, rank))

    by_key: dict[str, list[int]] = {}
    by_anchor: dict[str, list[int]] = {}
    for index, event in enumerate(ordered):
        by_key.setdefault(event.dedup_key, []).append(index)
        for anchor in event.anchors:
            if anchor.startswith(MERGING_ANCHOR_KINDS):
                by_anchor.setdefault(anchor, []).append(index)
    for members in by_key.values():
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                add(i, j, 0)
    for members in by_anchor.values():
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                first, later = ordered[i], ordered[j]  # i < j: announced first
                if first.category == later.category and (
                    _dates_close(first, later, rules.date_window_hours)
                    or later.status in RESCHEDULING_STATUSES
                    or first.event_date is None
                    or later.event_date is None
                ):
                    add(i, j, 1)
    dated = sorted(
        (i for i, e in enumerate(ordered) if e.event_date is not None),
        key=lambda i: (ordered[i].event_date, ordered[i].event_id),
    )
    window = rules.date_window_hours * 3600
    for position, i in enumerate(dated):
        for j in dated[position + 1 :]:
            if (ordered[j].event_date - ordered[i].event_date).total_seconds() > window:
                break
            if _versions_conflict(ordered[i], ordered[j]):
                continue  # "deploy api v2.13.3" and "deploy worker v1.8.0" read alike
            if title_similarity(ordered[i].title, ordered[j].title) >= rules.title_similarity:
                add(i, j, 2)
    return sorted(
        (rank, ordered[i].event_id, ordered[j].event_id) for (i, j), rank in edges.items()
    )


def cluster_events(
    events: Iterable[EventRecord],
    rules: DedupRules = DedupRules(),
    edges: list[Edge] | None = None,
    announced_since: datetime | None = None,
) -> list[MergedEvent]:
    """Merge announcements of the same event. A pure function of the *set* of events: inputs and
    candidate merges are put in a canonical order first, and two clusters never join when that
    would put two events of one message together. `edges` may be precomputed over a superset
    (candidate_edges); `announced_since` skips building clusters last announced before it."""
    ordered = sorted({e.event_id: e for e in events}.values(), key=_announcement_order)
    index = {event.event_id: position for position, event in enumerate(ordered)}
    parent = list(range(len(ordered)))
    messages = [{event.message} for event in ordered]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, first_id, later_id in candidate_edges(ordered, rules) if edges is None else edges:
        i, j = index.get(first_id), index.get(later_id)
        if i is None or j is None:
            continue  # an edge of the superset with an event outside this set
        a, b = root(i), root(j)
        if a == b or messages[a] & messages[b]:
            continue
        a, b = min(a, b), max(a, b)
        parent[b] = a
        messages[a] |= messages[b]
    groups: dict[int, list[EventRecord]] = {}
    for position, event in enumerate(ordered):
        groups.setdefault(root(position), []).append(event)
    merged = (
        _merge(group)
        for group in groups.values()
        if announced_since is None or group[-1].message_time >= announced_since
    )
    return sorted(merged, key=lambda m: m.dedup_key)


def _merge(group: list[EventRecord]) -> MergedEvent:
    """Best title (most confident, then the freshest wording), earliest announcement, the latest
    announced date, every source."""
    group = sorted(group, key=_announcement_order)
    best = max(group, key=lambda e: (e.confidence, _announcement_order(e)))
    dated = [e for e in group if e.event_date is not None]
    latest = dated[-1] if dated else group[-1]
    first_date = dated[0].event_date if dated else None
    zone = ZoneInfo(latest.event_timezone)
    moved = (
        first_date is not None
        and latest.event_date is not None
        and first_date.astimezone(zone).date() != latest.event_date.astimezone(zone).date()
    )
    sources: list[Source] = []
    links: list[str] = []
    for event in group:
        source = Source(
            event.channel_id, event.channel_name, event.message_ts, event.message_time,
            event.permalink,
        )  # fmt: skip
        if source not in sources:
            sources.append(source)
        links.extend(link for link in event.links if link not in links)
    return MergedEvent(
        dedup_key=min(e.dedup_key for e in group),
        title=best.title,
        category=best.category,
        status=group[-1].status,
        event_date=latest.event_date,
        event_end=latest.event_end,
        date_precision=latest.date_precision,
        event_timezone=latest.event_timezone,
        confidence=max(e.confidence for e in group),
        first_announced=group[0].message_time,
        last_announced=group[-1].message_time,
        sources=tuple(sources),
        links=tuple(links[:3]),
        previous_date=first_date if moved else None,
        event_ids=tuple(e.event_id for e in group),
    )
