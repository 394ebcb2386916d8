"""Content-derived dedup keys and the exact-key merge of events into digest entries.

The merge is a pure function of the *set* of events: inputs are sorted before anything is chosen,
so the result does not depend on the order partitions were materialised in.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from rapidfuzz import fuzz

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dates import find_dates
from slack_events_dagster.domain.similarity import TitleBlock, TitleShape, pair_arrays, title_words

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
WORD = re.compile(r"[a-z0-9][a-z0-9.:\-]*")
ANY_WORD = re.compile(r"[^\W_](?:[\w.:\-]*\w)?")  # any script: titles may be in any language


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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Source:
    channel_id: str
    channel_name: str
    message_ts: str
    message_time: datetime
    permalink: str | None


@dataclass(frozen=True, slots=True)
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


def significant_words(text: str) -> frozenset[str]:
    """Lower-case words of any script, without stopwords: what `wordings_conflict` compares."""
    return frozenset(w for w in ANY_WORD.findall(text.lower()) if w not in STOPWORDS)


def _has_digit(word: str) -> bool:
    return any(character.isdigit() for character in word)


def _dates_close(a: EventRecord, b: EventRecord, hours: float) -> bool:
    if a.event_date is None or b.event_date is None:
        return a.event_date is None and b.event_date is None
    return abs((a.event_date - b.event_date).total_seconds()) <= hours * 3600


def _version_sets_conflict(versions_a: frozenset[str], versions_b: frozenset[str]) -> bool:
    return bool(versions_a and versions_b and not versions_a & versions_b)


Edge = tuple[int, str, str]  # (strength rank, earlier event id, later event id)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TITLE_BLOCK = 256  # events whose titles are compared with their date neighbours in one go


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class MergeGraph:
    """Candidate merges (edges) among a set of events that slides forward in time: events are
    added in batches and the oldest announcements dropped, and only new pairs are compared.
    An edge depends on its two events only, so the edges are the same whatever the batches.
    Events get integer handles and edges live in arrays: a long look-back over a busy
    workspace holds millions of edges."""

    def __init__(self, rules: DedupRules = DedupRules()) -> None:
        self.rules = rules
        self.events: dict[str, EventRecord] = {}
        self._handle: dict[str, int] = {}
        self._record: list[EventRecord] = []  # by handle (handles are never reused)
        self._message: list[int] = []  # by handle: the message, as a number
        self._message_ids: dict[tuple[str, str], int] = {}
        self._shape: dict[int, TitleShape] = {}
        self._versions: dict[int, frozenset[str]] = {}  # only events naming versions
        self._words: dict[int, frozenset[str]] = {}  # significant undated words, dated events
        self._by_key: dict[str, set[int]] = {}
        self._by_anchor: dict[str, set[int]] = {}
        # Edges: earlier handle, later handle (announcement order), strongest rank.
        self._firsts = np.empty(0, dtype=np.int32)
        self._laters = np.empty(0, dtype=np.int32)
        self._ranks = np.empty(0, dtype=np.int8)
        self._dated_micros = np.empty(0, dtype=np.int64)  # dated events by date
        self._dated_handles = np.empty(0, dtype=np.int64)
        # include filter -> the last clusters() call's merges, by member ids
        self._merged: dict[Any, dict[tuple[str, ...], MergedEvent]] = {}
        self._view: _GraphView | None = None  # arrays for `clusters`, rebuilt after changes
        self._ordering: tuple[list[int], np.ndarray] | None = None  # see _announcement_ranks

    def add(self, events: Iterable[EventRecord]) -> None:
        """Add events (already known ids are ignored) and find their edges to every event."""
        new = [e for e in {e.event_id: e for e in events}.values() if e.event_id not in self.events]
        if not new:
            return
        self._view = self._ordering = None
        handles = []
        for event in new:
            handle = len(self._record)
            handles.append(handle)
            self.events[event.event_id] = event
            self._handle[event.event_id] = handle
            self._record.append(event)
            self._message.append(
                self._message_ids.setdefault(event.message, len(self._message_ids))
            )
            wording = undated_title(event.title, event.message_time, event.event_timezone)
            self._shape[handle] = TitleShape.of(wording)
            if event.event_date is not None:  # only dated events merge on their titles
                self._words[handle] = significant_words(wording)
            versions = frozenset(a for a in event.anchors if a.startswith("version:"))
            if versions:
                self._versions[handle] = versions
        found: list[tuple[np.ndarray, np.ndarray, int]] = []
        pairs: list[tuple[int, int]] = []
        for event, handle in zip(new, handles, strict=True):
            members = self._by_key.setdefault(event.dedup_key, set())
            pairs.extend((handle, other) for other in members)
            members.add(handle)
        found.append((*pair_arrays(pairs), 0))
        pairs = []
        for event, handle in zip(new, handles, strict=True):
            for anchor in event.anchors:
                if anchor.startswith(MERGING_ANCHOR_KINDS):
                    members = self._by_anchor.setdefault(anchor, set())
                    pairs.extend(
                        (handle, other) for other in members if self._anchors_merge(handle, other)
                    )
                    members.add(handle)
        found.append((*pair_arrays(pairs), 1))
        self._index_dates(handles)
        found.extend(self._title_links(set(handles)))
        self._store(found)

    def drop_announced_before(self, moment: datetime) -> None:
        """Forget events announced before `moment` and their edges."""
        gone = [self._handle[i] for i, e in self.events.items() if e.message_time < moment]
        if not gone:
            return
        self._view = self._ordering = None
        alive = np.ones(len(self._record), dtype=bool)
        alive[gone] = False
        keep = alive[self._firsts] & alive[self._laters]
        self._firsts, self._laters, self._ranks = (
            self._firsts[keep],
            self._laters[keep],
            self._ranks[keep],
        )
        keep = alive[self._dated_handles]
        self._dated_micros, self._dated_handles = (
            self._dated_micros[keep],
            self._dated_handles[keep],
        )
        for handle in gone:
            event = self._record[handle]
            del self.events[event.event_id], self._handle[event.event_id]
            del self._shape[handle]
            self._versions.pop(handle, None)
            self._words.pop(handle, None)
            _discard(self._by_key, event.dedup_key, handle)
            for anchor in event.anchors:
                _discard(self._by_anchor, anchor, handle)
        self._merged.clear()  # bounded memory; clusters still alive are merged again once

    def edges(self) -> list[Edge]:
        """Every candidate merge, strongest first (as `candidate_edges` gives them)."""
        ids = [event.event_id for event in self._record]
        return sorted(
            (rank, ids[first], ids[later])
            for first, later, rank in zip(
                self._firsts.tolist(), self._laters.tolist(), self._ranks.tolist(), strict=True
            )
        )

    def _anchors_merge(self, a: int, b: int) -> bool:
        first, later = sorted((self._record[a], self._record[b]), key=_announcement_order)
        return first.category == later.category and (
            _dates_close(first, later, self.rules.date_window_hours)
            or later.status in RESCHEDULING_STATUSES
            or first.event_date is None
            or later.event_date is None
        )

    def _store(self, found: list[tuple[np.ndarray, np.ndarray, int]]) -> None:
        """Add new edges (any orientation, possibly repeated): the same message never merges,
        each pair is stored once, earlier event first, with its strongest rank."""
        _, position = self._announcement_ranks()
        message = np.asarray(self._message, dtype=np.int64)
        firsts, laters, ranks = [], [], []
        for a, b, rank in found:
            keep = message[a] != message[b]
            a, b = a[keep], b[keep]
            swap = position[a] > position[b]
            firsts.append(np.where(swap, b, a))
            laters.append(np.where(swap, a, b))
            ranks.append(np.full(len(a), rank, dtype=np.int8))
        first, later, rank = np.concatenate(firsts), np.concatenate(laters), np.concatenate(ranks)
        # A new edge has a new event, so it repeats no stored edge: only the new ones (the same
        # pair found by key, anchor and title) need merging.
        key = first * len(self._record) + later
        by_strength = np.lexsort((rank, key))  # each pair's strongest rank first
        _, unique = np.unique(key[by_strength], return_index=True)
        chosen = by_strength[unique]
        self._firsts = np.concatenate([self._firsts, first[chosen].astype(np.int32)])
        self._laters = np.concatenate([self._laters, later[chosen].astype(np.int32)])
        self._ranks = np.concatenate([self._ranks, rank[chosen]])

    def _index_dates(self, handles: list[int]) -> None:
        dated = [h for h in handles if self._record[h].event_date is not None]
        micros = np.array([_micros(self._record[h].event_date) for h in dated], dtype=np.int64)
        all_micros = np.concatenate([self._dated_micros, micros])
        all_handles = np.concatenate([self._dated_handles, np.asarray(dated, dtype=np.int64)])
        order = np.lexsort((all_handles, all_micros))
        self._dated_micros, self._dated_handles = all_micros[order], all_handles[order]

    def _title_links(self, new: set[int]) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """Similar titles of events dated close together (rank 2): each new event against every
        event dated within the window, a block of new events at a time (domain/similarity.py
        finds the similar pairs without scoring every pair)."""
        window = self.rules.date_window_hours * 3600
        window_micros = int(np.ceil(window * 1_000_000))
        dated = self._dated_handles.tolist()
        titles = TitleBlock([self._shape[h] for h in dated], self.rules.title_similarity)
        positions = [p for p, h in enumerate(dated) if h in new]
        new_rank = np.full(len(dated), -1, dtype=np.int64)  # order among new events, else -1
        new_rank[positions] = np.arange(len(positions))
        dates = self._dated_micros
        found = []
        for start in range(0, len(positions), TITLE_BLOCK):
            block = positions[start : start + TITLE_BLOCK]
            low = int(np.searchsorted(dates, dates[block[0]] - window_micros))
            high = int(np.searchsorted(dates, dates[block[-1]] + window_micros, "right"))
            rows, columns = titles.pairs(block, low, high)
            # The same float test as (later - earlier).total_seconds() > window; a pair of new
            # events is taken from the earlier one's side only.
            keep = (np.abs(dates[columns] - dates[rows]) / 1_000_000 <= window) & (rows != columns)
            keep &= (new_rank[columns] < 0) | (new_rank[columns] > new_rank[rows])
            rows, columns = rows[keep], columns[keep]
            a, b = self._dated_handles[rows], self._dated_handles[columns]
            apart = np.array(
                [self._titles_apart(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)],
                dtype=bool,
            )
            found.append((a[~apart], b[~apart], 2))
        return found

    def _titles_apart(self, a: int, b: int) -> bool:
        """Alike titles that name different things: different versions ("deploy api v2.13.3"
        and "deploy worker v1.8.0") or different words (`wordings_conflict`)."""
        versions_a, versions_b = self._versions.get(a), self._versions.get(b)
        if versions_a and versions_b and _version_sets_conflict(versions_a, versions_b):
            return True
        return wordings_conflict(self._words[a], self._words[b], self.rules.title_similarity)

    def clusters(
        self,
        visible_from: datetime,
        until: datetime,
        announced_since: datetime,
        include: Callable[[EventRecord], bool] | None = None,
    ) -> list[MergedEvent]:
        """What `cluster_events` gives for the events announced in [visible_from, until) that
        `include` keeps, with `announced_since`: clusters holding an announcement of
        [announced_since, until). Runs every hour of a digest range, so it works on arrays."""
        view = self._view or self._build_view()
        visible = (view.micros >= _micros(visible_from)) & (view.micros < _micros(until))
        if include is not None:
            if include not in view.included:
                view.included[include] = np.array([include(e) for e in view.events], dtype=bool)
            visible &= view.included[include]
        seeds = np.flatnonzero(visible & (view.micros >= _micros(announced_since)))
        if not len(seeds):
            return []
        chosen = visible[view.firsts] & visible[view.laters]
        parent = list(range(len(view.events)))
        shared = view.shared_messages
        # Only messages with several events can clash: a root's set of them, once it merged.
        clashes: dict[int, set[tuple[str, str]]] = {}
        # The union-find loop is the hot path of a digest range (every hour, every edge), so
        # root finding (with path halving) is written out instead of called.
        for i, j in _pairs_in_slices(view.firsts[chosen], view.laters[chosen]):
            while parent[i] != i:
                parent[i] = i = parent[parent[i]]
            while parent[j] != j:
                parent[j] = j = parent[parent[j]]
            if i == j:
                continue
            held_i = clashes.get(i) or ({shared[i]} if shared[i] is not None else None)
            held_j = clashes.get(j) or ({shared[j]} if shared[j] is not None else None)
            if held_i and held_j and held_i & held_j:
                continue  # would put two events of one message together
            if i > j:
                i, j, held_i, held_j = j, i, held_j, held_i
            parent[j] = i
            if held_i or held_j:
                clashes[i] = (held_i or set()) | (held_j or set())
        roots = np.array(parent)
        while True:  # every index to its root, all at once
            deeper = roots[roots]
            if np.array_equal(deeper, roots):
                break
            roots = deeper
        members = np.flatnonzero(visible & np.isin(roots, roots[seeds]))  # announcement order
        groups: dict[int, list[EventRecord]] = {}
        for i, r in zip(members.tolist(), roots[members].tolist(), strict=True):
            groups.setdefault(r, []).append(view.events[i])
        # Clusters that did not change since the previous call (with this filter) are not merged
        # again; only that call's merges are kept, as a cluster that grows every hour would
        # otherwise pile up a copy per hour.
        previous = self._merged.get(include, {})
        merged: dict[tuple[str, ...], MergedEvent] = {}
        for group in groups.values():
            key = tuple(e.event_id for e in group)
            merged[key] = previous.get(key) or _merge(group)
        self._merged[include] = merged
        return sorted(merged.values(), key=lambda m: m.dedup_key)

    def _announcement_ranks(self) -> tuple[list[int], np.ndarray]:
        """The live handles in announcement order, and each handle's place in it (-1 once
        dropped): sorted once per change of the events, for edges and for the view."""
        if self._ordering is None:
            live = sorted(self._shape, key=lambda h: _announcement_order(self._record[h]))
            position = np.full(len(self._record), -1, dtype=np.int32)
            position[live] = np.arange(len(live))
            self._ordering = (live, position)
        return self._ordering

    def _build_view(self) -> "_GraphView":
        live, position = self._announcement_ranks()
        id_rank = np.full(len(self._record), -1, dtype=np.int32)
        id_rank[sorted(live, key=lambda h: self._record[h].event_id)] = np.arange(len(live))
        # Merge order: rank, then the earlier and the later event id, as one int64 key (millions
        # of edges: one key array and one argsort instead of lexsort's three keys).
        size = np.int64(max(len(live), 1))
        key = (self._ranks.astype(np.int64) * size + id_rank[self._firsts]) * size
        key += id_rank[self._laters]
        merge_order = np.argsort(key, kind="stable")
        del key
        per_message: dict[int, int] = {}
        for handle in live:
            per_message[self._message[handle]] = per_message.get(self._message[handle], 0) + 1
        events = [self._record[h] for h in live]
        self._view = _GraphView(
            events=events,
            micros=np.array([_micros(e.message_time) for e in events], dtype=np.int64),
            firsts=position[self._firsts[merge_order]],
            laters=position[self._laters[merge_order]],
            shared_messages=[
                e.message if per_message[self._message[h]] > 1 else None
                for e, h in zip(events, live, strict=True)
            ],
        )
        return self._view


@dataclass
class _GraphView:
    """The graph as arrays, rebuilt after events are added or dropped: events in announcement
    order, their announcement times, and the edges (as positions) in merge order."""

    events: list[EventRecord]
    micros: np.ndarray
    firsts: np.ndarray
    laters: np.ndarray
    shared_messages: list[tuple[str, str] | None]  # the message, when it has other events too
    included: dict[Callable[[EventRecord], bool], np.ndarray] = field(default_factory=dict)


def _pairs_in_slices(
    firsts: np.ndarray, laters: np.ndarray, size: int = 65_536
) -> Iterator[tuple[int, int]]:
    """The pairs as Python ints, a slice at a time (millions of edges never become one list)."""
    for start in range(0, len(firsts), size):
        yield from zip(
            firsts[start : start + size].tolist(),
            laters[start : start + size].tolist(),
            strict=True,
        )


def _discard(index: dict[str, set[int]], key: str, handle: int) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(handle)
        if not members:
            del index[key]


def candidate_edges(events: Iterable[EventRecord], rules: DedupRules = DedupRules()) -> list[Edge]:
    """Every candidate merge, strongest first: same key (0), shared anchor (1), similar title (2).
    Each edge depends on its two events only, so the edges of a subset are the subset's edges."""
    graph = MergeGraph(rules)
    graph.add(events)
    return graph.edges()


def _union(
    ids: list[str], edges: Iterable[Edge], events: Mapping[str, EventRecord]
) -> list[list[EventRecord]]:
    """Join the events (ids in announcement order) along the edges in the edges' order, never
    putting two events of one message together; the groups, each in announcement order."""
    index = {event_id: position for position, event_id in enumerate(ids)}
    parent = list(range(len(ids)))
    messages = [{events[event_id].message} for event_id in ids]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, first_id, later_id in edges:
        i, j = index.get(first_id), index.get(later_id)
        if i is None or j is None:
            continue  # an edge of a superset with an event outside this set
        a, b = root(i), root(j)
        if a == b or messages[a] & messages[b]:
            continue
        a, b = min(a, b), max(a, b)
        parent[b] = a
        messages[a] |= messages[b]
    groups: dict[int, list[EventRecord]] = {}
    for position, event_id in enumerate(ids):
        groups.setdefault(root(position), []).append(events[event_id])
    return list(groups.values())


def cluster_events(
    events: Iterable[EventRecord],
    rules: DedupRules = DedupRules(),
    edges: list[Edge] | None = None,
    announced_since: datetime | None = None,
) -> list[MergedEvent]:
    """Merge announcements of the same event. A pure function of the *set* of events: inputs and
    candidate merges are put in a canonical order first, and two clusters never join when that
    would put two events of one message together. `edges` may be precomputed over a superset
    (candidate_edges); `announced_since` skips building clusters last announced before it.
    (The digests asset gets the same result incrementally from MergeGraph.)"""
    by_id = {e.event_id: e for e in events}
    ordered = sorted(by_id.values(), key=_announcement_order)
    edges = candidate_edges(ordered, rules) if edges is None else edges
    groups = _union([e.event_id for e in ordered], edges, by_id)
    merged = (
        _merge(group)
        for group in groups
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
