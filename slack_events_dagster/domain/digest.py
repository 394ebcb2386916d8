"""Digest building and rendering (Markdown for the UI, Block Kit for Slack)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_events_dagster.domain.dedup import DedupRules, EventRecord, MergedEvent, MergeGraph
from slack_events_dagster.domain.vocabulary import CATEGORY_PRIORITY

CATEGORY_EMOJI = {
    "product": ":rocket:",
    "risk": ":rotating_light:",
    "process": ":clipboard:",
    "marketing": ":mega:",
    "org": ":busts_in_silhouette:",
    "unknown": ":calendar:",
}
CATEGORY_UNICODE = {
    "product": "🚀",
    "risk": "🚨",
    "process": "📋",
    "marketing": "📣",
    "org": "👥",
    "unknown": "📅",
}
# A line links its first announcements; the rest are counted (entries JSON keeps every source).
SOURCES_SHOWN = 10
STATUS_NOTE = {
    "postponed": "moved",
    "canceled": "canceled",
    "completed": "done",
    "rolled_back": "rolled back",
    "started": "in progress",
}


def lookback_hours(window_hours: int, lookback_days: int) -> int:
    """Hours of events a digest reads: its window, or the dedup look-back when that is longer
    (earlier announcements of the same events, so a moved date shows as moved)."""
    return max(window_hours, lookback_days * 24)


@dataclass(frozen=True)
class DigestOptions:
    """One digest target's rules (digest.targets in config.yaml)."""

    min_confidence: float = 0.7
    max_events: int = 10
    timezone: str = "UTC"
    source_channels: tuple[str, ...] = ()  # ids or names; empty means every channel
    category_priority: tuple[tuple[str, int], ...] = ()  # overrides, e.g. (("risk", 1),)
    dedup: DedupRules = field(default_factory=DedupRules)

    def priority(self, category: str) -> int:
        return dict(self.category_priority).get(category, CATEGORY_PRIORITY.get(category, 99))

    def includes(self, event: EventRecord) -> bool:
        if not self.source_channels:
            return True
        wanted = {name.lstrip("#") for name in self.source_channels}
        return event.channel_id in wanted or event.channel_name in wanted


@dataclass(frozen=True)
class Digest:
    as_of: datetime  # end of the window (exclusive)
    window_start: datetime
    entries: tuple[MergedEvent, ...]
    total_matching: int  # before the max_events cap


def build_digest(
    events: Iterable[EventRecord],
    window_start: datetime,
    window_end: datetime,
    options: DigestOptions,
) -> Digest:
    """Events announced in [window_start, window_end): every announcement of them (earlier ones
    too, so a moved date shows) merged into one line each, sorted by date, then category
    priority, then title; at most `max_events`."""
    graph = MergeGraph(options.dedup)
    graph.add(events)
    everything = window_end - datetime.min.replace(tzinfo=UTC)
    return hourly_digest(graph, window_end, window_end - window_start, everything, options)


def hourly_digest(
    graph: MergeGraph,
    as_of: datetime,
    window: timedelta,
    lookback: timedelta,
    options: DigestOptions,
) -> Digest:
    """The digest as of `as_of` (the `digests` asset's hour end; `slack-events digest` too):
    the lines of events announced in the `window` before it, merged with every announcement of
    the same events in the `lookback` before it that `graph` holds."""
    entries = graph.clusters(as_of - lookback, as_of, as_of - window, include=options.includes)
    return digest_of(entries, as_of - window, as_of, options)


def digest_of(
    entries: Iterable[MergedEvent],
    window_start: datetime,
    window_end: datetime,
    options: DigestOptions,
) -> Digest:
    """The digest of already merged entries (MergeGraph.clusters): confident
    enough, sorted by date, then category priority, then title; at most `max_events`."""
    merged = [entry for entry in entries if entry.confidence >= options.min_confidence]
    merged.sort(key=lambda entry: _digest_order(entry, options))
    return Digest(window_end, window_start, tuple(merged[: options.max_events]), len(merged))


def _digest_order(entry: MergedEvent, options: DigestOptions) -> tuple:
    undated = entry.event_date is None
    return (
        undated,
        entry.event_date.timestamp() if entry.event_date else 0.0,
        options.priority(entry.category),
        entry.title.lower(),
        entry.dedup_key,
    )


def _day(moment: datetime, current_year: int | None) -> str:
    """'Sat 28 Nov', with the year when it is not the digest's own ('Sat 28 Nov 2099')."""
    text = f"{moment:%a %d %b}"
    return text if moment.year == current_year else f"{text} {moment:%Y}"


def format_when(entry: MergedEvent, timezone: str, current_year: int | None = None) -> str:
    """'Thu 26 Nov 14:00 UTC', 'Sat 28 Nov', a range, or 'date TBD'; dates outside
    `current_year` (the digest's as-of year; None: always) carry their year."""
    if entry.event_date is None:
        return "date TBD"
    if entry.date_precision in ("day", "week", "month", "quarter"):
        zone = ZoneInfo(entry.event_timezone)
        start = entry.event_date.astimezone(zone)
        text = {
            "week": f"week of {_day(start, current_year)}",
            "month": f"{start:%B %Y}",
            "quarter": f"Q{(start.month - 1) // 3 + 1} {start:%Y}",
        }.get(entry.date_precision or "", _day(start, current_year))
        if entry.event_end is not None and entry.date_precision == "day":
            end = entry.event_end.astimezone(zone)
            if end.date() != start.date():
                text += f" – {_day(end, current_year)}"
        return text
    zone = ZoneInfo(timezone)
    start = entry.event_date.astimezone(zone)
    text = f"{_day(start, current_year)} {start:%H:%M}"
    if entry.event_end is not None:
        end = entry.event_end.astimezone(zone)
        same_day = end.date() == start.date()
        text += f"–{end:%H:%M}" if same_day else f" – {_day(end, current_year)} {end:%H:%M}"
    return f"{text} {start.tzname()}"


def _sources_markdown(entry: MergedEvent) -> str:
    parts = []
    for source in entry.sources[:SOURCES_SHOWN]:
        label = f"#{source.channel_name}"
        parts.append(f"[{label}]({source.permalink})" if source.permalink else label)
    return ", ".join(parts) + _more_sources(entry)


def _sources_mrkdwn(entry: MergedEvent) -> str:
    parts = []
    for source in entry.sources[:SOURCES_SHOWN]:
        label = f"#{source.channel_name}"
        parts.append(f"<{source.permalink}|{label}>" if source.permalink else label)
    return ", ".join(parts) + _more_sources(entry)


def _more_sources(entry: MergedEvent) -> str:
    hidden = len(entry.sources) - SOURCES_SHOWN
    return f" and {hidden} more" if hidden > 0 else ""


def _status_suffix(entry: MergedEvent, current_year: int | None = None) -> str:
    if entry.previous_date is not None:
        previous = entry.previous_date.astimezone(ZoneInfo(entry.event_timezone))
        return f" _(moved from {_day(previous, current_year)})_"
    note = STATUS_NOTE.get(entry.status)
    return f" _({note})_" if note else ""


def _current_year(digest: Digest, timezone: str) -> int:
    """The year the digest is 'as of', where it is read: other years are written out."""
    return digest.as_of.astimezone(ZoneInfo(timezone)).year


def _heading(digest: Digest, timezone: str) -> tuple[str, str]:
    zone = ZoneInfo(timezone)
    as_of = digest.as_of.astimezone(zone)
    hours = round((digest.as_of - digest.window_start).total_seconds() / 3600)
    title = f"Upcoming events — as of {as_of:%a %d %b %Y %H:%M} {as_of.tzname()}"
    count = len(digest.entries)
    if count == 0:
        subtitle = f"No events announced in the {hours} h before {as_of:%d %b %H:%M}."
    else:
        more = f" (top {count} of {digest.total_matching})" if digest.total_matching > count else ""
        noun = "event" if count == 1 else "events"
        subtitle = f"{count} {noun} announced in the {hours} h before {as_of:%d %b %H:%M}{more}."
    return title, subtitle


def render_markdown(digest: Digest, timezone: str) -> str:
    title, subtitle = _heading(digest, timezone)
    lines = [f"## {title}", "", f"_{subtitle}_", ""]
    year = _current_year(digest, timezone)
    for entry in digest.entries:
        lines.append(
            f"- {CATEGORY_UNICODE.get(entry.category, '📅')} "
            f"**{format_when(entry, timezone, year)}** — "
            f"{entry.title}{_status_suffix(entry, year)} · {_sources_markdown(entry)}"
        )
    return "\n".join(lines).rstrip() + "\n"


def notification_text(digest: Digest, timezone: str) -> str:
    """The plain `text` Slack shows in notifications and where blocks cannot render."""
    title, subtitle = _heading(digest, timezone)
    return f"{title}: {subtitle}"


def notification_text_of_blocks(blocks: list[dict[str, Any]]) -> str:
    """notification_text of a digest already rendered by render_blocks (a stored digest): its
    header and context line."""
    header, context = blocks[0]["text"]["text"], blocks[1]["elements"][0]["text"]
    return f"{header}: {context}"


def render_blocks(digest: Digest, timezone: str) -> list[dict[str, Any]]:
    """Slack Block Kit: a header, a context line, then one section per event, whole (however
    long: slack_messages.split_digest_blocks cuts it to Slack's limits when it is posted)."""
    title, subtitle = _heading(digest, timezone)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": subtitle}]},
    ]
    if digest.entries:
        blocks.append({"type": "divider"})
    year = _current_year(digest, timezone)
    for entry in digest.entries:
        text = (
            f"{CATEGORY_EMOJI.get(entry.category, ':calendar:')} "
            f"*{format_when(entry, timezone, year)}*"
            f"{_status_suffix(entry, year)}\n{entry.title}\n{_sources_mrkdwn(entry)}"
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks


def entries_as_json(digest: Digest) -> list[dict[str, Any]]:
    """The digest's entries as JSON-ready dicts (stored in `digests.entries`)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return [
        {
            "dedup_key": e.dedup_key,
            "title": e.title,
            "category": e.category,
            "status": e.status,
            "event_date": iso(e.event_date),
            "event_end": iso(e.event_end),
            "date_precision": e.date_precision,
            "confidence": e.confidence,
            "first_announced": iso(e.first_announced),
            "previous_date": iso(e.previous_date),
            "event_ids": list(e.event_ids),
            "links": list(e.links),
            "sources": [
                {
                    "channel_id": s.channel_id,
                    "channel_name": s.channel_name,
                    "ts": s.message_ts,
                    "permalink": s.permalink,
                }
                for s in e.sources
            ],
        }
        for e in digest.entries
    ]
