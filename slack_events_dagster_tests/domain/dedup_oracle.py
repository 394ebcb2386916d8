"""The reference implementation of dedup, kept as the tests' oracle: `same_event` asked of every
pair, and a plain union-find over the links, strongest first. Quadratic, so only for tests; the
product uses MergeGraph (domain/dedup/engine.py), which test_dedup.py proves equal to it."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from slack_events_dagster.domain.dedup import (
    DedupRules,
    Edge,
    EventRecord,
    MergedEvent,
    merge_announcements,
    same_event,
)
from slack_events_dagster.domain.dedup.rules import DEFAULT_RULES, announcement_order


def oracle_edges(events: Iterable[EventRecord], rules: DedupRules = DEFAULT_RULES) -> list[Edge]:
    """Every pair `same_event` links, as (reason's rank, earlier id, later id), sorted."""
    ordered = sorted({e.event_id: e for e in events}.values(), key=announcement_order)
    edges = []
    for position, first in enumerate(ordered):
        for later in ordered[position + 1 :]:
            reason = same_event(first, later, rules)
            if reason is not None:
                edges.append((reason.value, first.event_id, later.event_id))
    return sorted(edges)


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
    rules: DedupRules = DEFAULT_RULES,
    edges: list[Edge] | None = None,
    announced_since: datetime | None = None,
) -> list[MergedEvent]:
    """Merge announcements of the same event: a pure function of the *set* of events (inputs
    and links are put in a canonical order first). `edges` may be the oracle edges of a
    superset; `announced_since` keeps only lines last announced at or after it."""
    by_id = {e.event_id: e for e in events}
    ordered = sorted(by_id.values(), key=announcement_order)
    edges = oracle_edges(ordered, rules) if edges is None else edges
    groups = _union([e.event_id for e in ordered], edges, by_id)
    merged = (
        merge_announcements(group)
        for group in groups
        if announced_since is None or group[-1].message_time >= announced_since
    )
    return sorted(merged, key=lambda m: m.dedup_key)
