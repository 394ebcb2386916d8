"""The dedup engine: the rule of rules.py applied to a set of events that slides forward in time.

MergeGraph finds the pairs `same_event` links without looking at every pair (indexes by key and
anchor, titles compared only with events dated within the window, in numpy blocks), then joins
them strongest link first, never putting two events of one message together. The result is a
pure function of the *set* of events: the order they were added in does not matter. The tests
hold a pairwise reference implementation (slack_events_dagster_tests/domain/dedup_oracle.py)
and prove the engine equal to it.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from slack_events_dagster.domain.dedup.records import EventRecord, MergedEvent
from slack_events_dagster.domain.dedup.rules import (
    DEFAULT_RULES,
    DedupRules,
    Reason,
    anchored_pair_agrees,
    announcement_order,
    merge_announcements,
    significant_words,
    titles_name_different_things,
    undated_title,
    versions,
    work_anchors,
)
from slack_events_dagster.domain.similarity import TitleBlock, TitleShape, pair_arrays

Edge = tuple[int, str, str]  # (strength rank, earlier event id, later event id)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TITLE_BLOCK = 256  # events whose titles are compared with their date neighbours in one go


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class MergeGraph:
    """The links `same_event` finds (edges, ranked by `Reason`) among a set of events that
    slides forward in time: events are added in batches and the oldest announcements dropped,
    and only new pairs are compared. An edge depends on its two events only, so the edges are
    the same whatever the batches.
    Events get integer handles and edges live in arrays: a long look-back over a busy
    workspace holds millions of edges."""

    def __init__(self, rules: DedupRules = DEFAULT_RULES) -> None:
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
            named = versions(event)
            if named:
                self._versions[handle] = named
        found: list[tuple[np.ndarray, np.ndarray, int]] = []
        pairs: list[tuple[int, int]] = []
        for event, handle in zip(new, handles, strict=True):
            members = self._by_key.setdefault(event.dedup_key, set())
            pairs.extend((handle, other) for other in members)
            members.add(handle)
        found.append((*pair_arrays(pairs), Reason.SAME_KEY.value))
        pairs = []
        for event, handle in zip(new, handles, strict=True):
            for anchor in sorted(work_anchors(event)):
                members = self._by_anchor.setdefault(anchor, set())
                pairs.extend(
                    (handle, other) for other in members if self._anchors_merge(handle, other)
                )
                members.add(handle)
        found.append((*pair_arrays(pairs), Reason.SHARED_ANCHOR.value))
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
        """Every pair `same_event` links, as (reason's rank, earlier id, later id), sorted."""
        ids = [event.event_id for event in self._record]
        return sorted(
            (rank, ids[first], ids[later])
            for first, later, rank in zip(
                self._firsts.tolist(), self._laters.tolist(), self._ranks.tolist(), strict=True
            )
        )

    def _anchors_merge(self, a: int, b: int) -> bool:
        first, later = sorted((self._record[a], self._record[b]), key=announcement_order)
        return anchored_pair_agrees(first, later, self.rules)

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
        first, later = np.concatenate(firsts), np.concatenate(laters)
        strength = np.concatenate(ranks)
        # A new edge has a new event, so it repeats no stored edge: only the new ones (the same
        # pair found by key, anchor and title) need merging.
        key = first * len(self._record) + later
        by_strength = np.lexsort((strength, key))  # each pair's strongest rank first
        _, unique = np.unique(key[by_strength], return_index=True)
        chosen = by_strength[unique]
        self._firsts = np.concatenate([self._firsts, first[chosen].astype(np.int32)])
        self._laters = np.concatenate([self._laters, later[chosen].astype(np.int32)])
        self._ranks = np.concatenate([self._ranks, strength[chosen]])

    def _index_dates(self, handles: list[int]) -> None:
        dates = {h: self._record[h].event_date for h in handles}
        dated = [h for h, date in dates.items() if date is not None]
        micros = np.array([_micros(date) for date in dates.values() if date], dtype=np.int64)
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
            found.append((a[~apart], b[~apart], Reason.SIMILAR_TITLE.value))
        return found

    def _titles_apart(self, a: int, b: int) -> bool:
        """rules.titles_name_different_things, with each event's words computed once."""
        return titles_name_different_things(
            self._versions.get(a, frozenset()),
            self._versions.get(b, frozenset()),
            self._words[a],
            self._words[b],
            self.rules.title_similarity,
        )

    def clusters(
        self,
        visible_from: datetime,
        until: datetime,
        announced_since: datetime,
        include: Callable[[EventRecord], bool] | None = None,
    ) -> list[MergedEvent]:
        """The digest lines (merge_announcements) of the events announced in [visible_from,
        until) that `include` keeps, joined along their edges strongest first, never two events
        of one message in one line; only lines holding an announcement of [announced_since,
        until). Runs every hour of a digest range, so it works on arrays."""
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
            message_i, message_j = shared[i], shared[j]
            held_i = clashes.get(i) or ({message_i} if message_i is not None else None)
            held_j = clashes.get(j) or ({message_j} if message_j is not None else None)
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
            merged[key] = previous.get(key) or merge_announcements(group)
        self._merged[include] = merged
        return sorted(merged.values(), key=lambda m: m.dedup_key)

    def _announcement_ranks(self) -> tuple[list[int], np.ndarray]:
        """The live handles in announcement order, and each handle's place in it (-1 once
        dropped): sorted once per change of the events, for edges and for the view."""
        if self._ordering is None:
            live = sorted(self._shape, key=lambda h: announcement_order(self._record[h]))
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
