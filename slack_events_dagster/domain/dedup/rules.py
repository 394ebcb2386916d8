"""The dedup rule: when two announcements are the same event, and what one digest line of them
says. `same_event` is the spec; engine.py applies it to many events at once.

Two announcements from different messages are the same event when
  1. they have the same `dedup_key` (category, day, and the primary anchor or the title words), or
  2. they share a Jira key or GitHub PR/issue, are of the same category, and their dates agree
     (within `date_window_hours`, or one is undated, or the later one reschedules), or
  3. both are dated within `date_window_hours` of each other and their titles, without the date
     phrases, are at least `title_similarity` alike and name the same thing (no different
     versions, no differing numbers or names; compound names compared by their parts, so
     "payout-dashboard" and "session-dashboard" differ).
Announcements are then joined along these links, strongest reason first, never putting two
events of one message together (engine.py).
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dates import find_dates
from slack_events_dagster.domain.dedup.records import EventRecord, MergedEvent, Source
from slack_events_dagster.domain.similarity import title_words

# Which anchor identifies an event best when a message carries several. A bare version
# ("v3.4.0") or a doc is shared by unrelated work (two services deployed as v3.4.0, one runbook
# for many changes), so they identify nothing on their own: the title words, which hold the
# version, do.
ANCHOR_PRIORITY = {
    "jira": 0,
    "github_pr": 1,
    "github_issue": 2,
    "github_release": 3,
    "github_commit": 4,
}
STOPWORDS = frozenset(
    {
        "a", "all", "an", "and", "are", "as", "at", "be", "by", "channel", "everyone", "for",
        "from", "here", "in", "is", "it", "new", "of", "on", "or", "our", "out", "please", "team",
        "the", "this", "to", "up", "via", "was", "we", "will", "with",
    }
)  # fmt: skip
# "new" names a variant ("the new card flow", "the self-serve card flow"), so, unlike in the key,
# it counts when two titles are compared for naming different things.
CONFLICT_STOPWORDS = STOPWORDS - {"new"}
WORD = re.compile(r"[a-z0-9][a-z0-9.:\-]*")
# A word part, in any script (titles may be in any language): compound names are compared by
# their parts, "payout-dashboard.bench-corp.com" as payout, dashboard, bench, corp, com.
WORD_PART = re.compile(r"[^\W_]+")
# Anchors that identify one piece of work; versions and docs are shared too widely to merge on.
MERGING_ANCHOR_KINDS = ("jira:", "github_pr:", "github_issue:")
RESCHEDULING_STATUSES = frozenset({"postponed", "canceled", "updated", "confirmed"})


@dataclass(frozen=True)
class DedupRules:
    """When two announcements are the same event (DOMAIN.md's numbers by default)."""

    title_similarity: float = 0.8
    date_window_hours: float = 48.0


DEFAULT_RULES = DedupRules()


class Reason(Enum):
    """Why two announcements are the same event; a lower value is a stronger reason (links are
    followed strongest first)."""

    SAME_KEY = 0
    SHARED_ANCHOR = 1
    SIMILAR_TITLE = 2


def same_event(a: EventRecord, b: EventRecord, rules: DedupRules = DEFAULT_RULES) -> Reason | None:
    """The strongest reason `a` and `b` announce the same event, or None when they do not."""
    first, later = sorted((a, b), key=announcement_order)
    if first.message == later.message:
        return None  # one message announcing two things: two events
    if first.dedup_key == later.dedup_key:
        return Reason.SAME_KEY
    if work_anchors(first) & set(later.anchors) and anchored_pair_agrees(first, later, rules):
        return Reason.SHARED_ANCHOR
    if first.event_date is None or later.event_date is None:
        return None  # undated announcements merge on their key or an anchor only
    if not dates_close(first.event_date, later.event_date, rules.date_window_hours):
        return None
    first_wording, later_wording = (
        undated_title(e.title, e.message_time, e.event_timezone) for e in (first, later)
    )
    if title_similarity(first_wording, later_wording) < rules.title_similarity:
        return None
    if titles_name_different_things(
        versions(first),
        versions(later),
        significant_words(first_wording),
        significant_words(later_wording),
        rules.title_similarity,
    ):
        return None
    return Reason.SIMILAR_TITLE


# -- the parts of same_event (engine.py calls them too) -----------------------------------------


def announcement_order(event: EventRecord) -> tuple[datetime, str, str, str]:
    """Earliest announcement first; ties broken so that the order is total."""
    return (event.message_time, event.channel_id, event.message_ts, event.event_id)


def work_anchors(event: EventRecord) -> set[str]:
    """The anchors ("kind:value") naming one piece of work: a Jira key, a GitHub PR or issue."""
    return {anchor for anchor in event.anchors if anchor.startswith(MERGING_ANCHOR_KINDS)}


def versions(event: EventRecord) -> frozenset[str]:
    return frozenset(anchor for anchor in event.anchors if anchor.startswith("version:"))


def anchored_pair_agrees(first: EventRecord, later: EventRecord, rules: DedupRules) -> bool:
    """Two announcements sharing a work anchor are one event when they are of one category and
    their dates agree: close, one undated, or the later one reschedules."""
    if first.category != later.category:
        return False
    if first.event_date is None or later.event_date is None:
        return True
    return (
        dates_close(first.event_date, later.event_date, rules.date_window_hours)
        or later.status in RESCHEDULING_STATUSES
    )


def dates_close(first: datetime, second: datetime, window_hours: float) -> bool:
    return abs((second - first).total_seconds()) <= window_hours * 3600


def title_similarity(first: str, second: str) -> float:
    """0..1, insensitive to word order; extra words on one side lower it, so a short generic
    title ("Next update tomorrow") is not like every longer title that holds its words."""
    if not title_words(first) or not title_words(second):
        return 0.0  # rapidfuzz rates two wordless titles 100
    return fuzz.token_sort_ratio(first.lower(), second.lower()) / 100.0


def undated_title(title: str, announced: datetime, timezone: str) -> str:
    """What a title says the event is, lower-cased, without its date and time phrases:
    announcements of one event word the date differently, and dates are compared on their own."""
    kept, position = [], 0
    for mention in find_dates(title, announced, timezone):
        start, end = mention.span
        kept.append(title[position:start])
        position = end
    kept.append(title[position:])
    return " ".join(kept).lower()


def significant_words(text: str) -> frozenset[str]:
    """Lower-case word parts of any script, without stopwords: what `wordings_conflict` compares.
    Parts, so that two names sharing a suffix ("payout-dashboard" and "session-dashboard") differ
    by the parts that tell them apart, not look like one name spelt differently."""
    return frozenset(w for w in WORD_PART.findall(text.lower()) if w not in CONFLICT_STOPWORDS)


def titles_name_different_things(
    versions_a: frozenset[str],
    versions_b: frozenset[str],
    words_a: frozenset[str],
    words_b: frozenset[str],
    threshold: float,
) -> bool:
    """Alike titles that name different things: different versions ("deploy api v2.13.3" and
    "deploy worker v1.8.0") or different words (`wordings_conflict`)."""
    if versions_a and versions_b and not versions_a & versions_b:
        return True
    return wordings_conflict(words_a, words_b, threshold)


def wordings_conflict(first: frozenset[str], second: frozenset[str], threshold: float) -> bool:
    """Similar titles that still name different things: each holds words the other lacks, and
    those words are not the same words spelt differently. Differing numbers never are (SEV1 and
    SEV2, sprint 47 and 48), so templated announcements about different subjects stay apart."""
    only_first, only_second = first - second, second - first
    if not only_first or not only_second:
        return False
    if any(map(_has_digit, only_first)) and any(map(_has_digit, only_second)):
        return True
    differing = fuzz.ratio(" ".join(sorted(only_first)), " ".join(sorted(only_second)))
    return differing / 100.0 < threshold


def _has_digit(word: str) -> bool:
    return any(character.isdigit() for character in word)


# -- the dedup key (computed once per event, by the events asset) -------------------------------


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


# -- one digest line -----------------------------------------------------------------------------


def merge_announcements(group: list[EventRecord]) -> MergedEvent:
    """One digest line of announcements of the same event: the best title (most confident, then
    the freshest wording), the earliest announcement, the latest announced date (and the first
    one when it moved), the latest status, every source."""
    group = sorted(group, key=announcement_order)
    best = max(group, key=lambda e: (e.confidence, announcement_order(e)))
    dated = [e for e in group if e.event_date is not None]
    latest = dated[-1] if dated else group[-1]
    first_date = dated[0].event_date if dated else None
    zone = ZoneInfo(latest.event_timezone)
    moved = (
        first_date is not None
        and latest.event_date is not None
        and first_date.astimezone(zone).date() != latest.event_date.astimezone(zone).date()
    )
    # dict.fromkeys: unique, first-seen order, without a quadratic membership scan.
    sources = dict.fromkeys(
        Source(e.channel_id, e.channel_name, e.message_ts, e.message_time, e.permalink)
        for e in group
    )
    links = dict.fromkeys(link for event in group for link in event.links)
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
        links=tuple(links)[:3],
        previous_date=first_date if moved else None,
        event_ids=tuple(e.event_id for e in group),
    )
