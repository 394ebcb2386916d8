from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from slack_events_dagster.domain.anchors import Anchor
from slack_events_dagster.domain.dedup import (
    EventRecord,
    candidate_edges,
    cluster_events,
    dedup_key,
    title_tokens,
)

THURSDAY = datetime(2026, 11, 26, 14, tzinfo=UTC)


def test_same_primary_anchor_and_day_give_the_same_key_whatever_the_wording() -> None:
    first = dedup_key(
        "product",
        "Release payments-api v2.14.0 is scheduled",
        [Anchor("version", "v2.14.0"), Anchor("jira", "PAY-2231")],
        THURSDAY,
        "UTC",
    )
    second = dedup_key(
        "product",
        "payments-api v2.14.0 ships Thu",
        [Anchor("jira", "PAY-2231")],
        THURSDAY.replace(hour=9),
        "UTC",
    )
    assert first == second


def test_key_changes_with_the_day_category_or_anchor() -> None:
    anchors = [Anchor("jira", "PAY-1")]
    base = dedup_key("product", "x", anchors, THURSDAY, "UTC")
    assert base != dedup_key("product", "x", anchors, THURSDAY.replace(day=27), "UTC")
    assert base != dedup_key("risk", "x", anchors, THURSDAY, "UTC")
    assert base != dedup_key("product", "x", [Anchor("jira", "PAY-2")], THURSDAY, "UTC")


def test_without_anchors_the_title_words_identify_the_event() -> None:
    a = dedup_key("process", "Sprint 47 retro at 15:00", [], None, "UTC")
    b = dedup_key("process", "sprint 47 RETRO at 15:00!", [], None, "UTC")
    assert a == b
    assert title_tokens("The retro is at 15:00") == ["15:00", "retro"]


def test_the_day_is_taken_in_the_event_timezone() -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already Nov 27 in Amsterdam
    assert dedup_key("product", "x", [], late, "UTC") != dedup_key(
        "product", "x", [], late, "Europe/Amsterdam"
    )


def _event(event_id: str, channel: str, minute: int, **changes: object) -> EventRecord:
    base = EventRecord(
        event_id=event_id, dedup_key=f"key-{event_id}", title=f"title from {channel}",
        category="product", status="planned", event_date=THURSDAY, event_end=None,
        date_precision="datetime", event_timezone="UTC", confidence=0.8,
        channel_id=f"C-{channel}", channel_name=channel, message_ts=f"17954{minute:05d}.000000",
        message_time=datetime(2026, 11, 23, 9, minute, tzinfo=UTC),
        permalink=f"https://x/{channel}", links=(f"https://l/{channel}",),
    )  # fmt: skip
    return replace(base, **changes)


def test_exact_keys_merge_keeping_every_source_the_best_title_and_the_latest_date() -> None:
    first = _event("1", "releases", 10, dedup_key="k", confidence=0.9)
    later = _event(
        "2", "engineering", 50, dedup_key="k", event_date=THURSDAY.replace(day=27),
        status="postponed",
    )  # fmt: skip
    (merged,) = cluster_events([later, first])
    assert [s.channel_name for s in merged.sources] == ["releases", "engineering"]
    assert merged.title == "title from releases"  # highest confidence
    assert merged.event_date == THURSDAY.replace(day=27) and merged.status == "postponed"
    assert merged.previous_date == THURSDAY  # the digest says it moved
    assert merged.first_announced == first.message_time
    assert merged.confidence == 0.9
    assert merged.links == ("https://l/releases", "https://l/engineering")


def test_similar_titles_within_the_date_window_merge() -> None:
    a = _event("1", "releases", 1, title="Release payments-api v2.14.0 on Thursday")
    b = _event("2", "engineering", 2, title="payments-api v2.14.0 release Thursday 14:00",
               event_date=THURSDAY.replace(hour=16))  # fmt: skip
    far = _event("3", "random", 3, title="Release payments-api v2.14.0 on Thursday",
                 event_date=THURSDAY.replace(day=29))  # fmt: skip
    clusters = cluster_events([a, b, far])
    assert sorted(len(c.sources) for c in clusters) == [1, 2]


def test_shared_anchors_merge_across_different_wording_and_a_move() -> None:
    launch = ("jira:LAUNCH-88",)
    planned = _event(
        "1", "launches", 1, title="Checkout redesign planned for December 1st",
        event_date=datetime(2026, 12, 1, tzinfo=UTC), anchors=launch,
    )  # fmt: skip
    moved = _event(
        "2", "launches", 59, title="Launch moved to December 3rd", status="postponed",
        event_date=datetime(2026, 12, 3, tzinfo=UTC), anchors=launch,
        message_time=datetime(2026, 11, 24, 8, tzinfo=UTC),
    )  # fmt: skip
    (merged,) = cluster_events([moved, planned])
    assert merged.event_date == datetime(2026, 12, 3, tzinfo=UTC)
    assert merged.previous_date == datetime(2026, 12, 1, tzinfo=UTC)
    assert merged.title == "Launch moved to December 3rd"  # same confidence: freshest wording


def test_events_from_the_same_message_never_merge_even_through_a_third() -> None:
    a = _event("1", "releases", 1, dedup_key="k1", anchors=("jira:PAY-1",))
    b = replace(a, event_id="2", dedup_key="k2", title="other thing")  # same message as a
    bridge = _event("3", "engineering", 2, dedup_key="k1", anchors=("jira:PAY-1",))
    clusters = cluster_events([a, b, bridge])
    for cluster in clusters:
        assert len({(s.channel_id, s.message_ts) for s in cluster.sources}) == len(cluster.sources)
    assert sorted(len(c.event_ids) for c in clusters) == [1, 2]


def test_different_versions_never_merge_on_title_alone() -> None:
    a = _event("1", "releases", 1, title="Deployed payments-api v2.13.3 to prod",
               anchors=("version:v2.13.3",))  # fmt: skip
    b = _event("2", "releases", 2, title="Deployed payments-api v2.13.4 to prod",
               anchors=("version:v2.13.4",))  # fmt: skip
    assert len(cluster_events([a, b])) == 2


def _pool_event(i: int) -> EventRecord:
    return _event(
        str(i), f"c{i % 3}", i, dedup_key=f"k{i % 4}", title=f"Deploy service {i % 5}",
        anchors=(f"jira:PAY-{i % 6}",), event_date=THURSDAY.replace(hour=i % 24),
        confidence=0.7 + (i % 3) / 10,
    )  # fmt: skip


EVENT_POOL = [_pool_event(i) for i in range(14)]


@settings(max_examples=200, deadline=None)
@given(st.permutations(EVENT_POOL), st.lists(st.integers(0, 13), max_size=6))
def test_clusters_do_not_depend_on_order_or_batching(
    order: list[EventRecord], cuts: list[int]
) -> None:
    """Events arriving in any order, split into any batches (partitions), cluster the same."""
    reference = cluster_events(EVENT_POOL)
    batches, start = [], 0
    for cut in sorted(set(cuts)):
        batches.append(order[start:cut])
        start = cut
    batches.append(order[start:])
    arrived: list[EventRecord] = []
    for batch in batches:
        arrived = arrived + batch  # what the table holds after each partition run
    assert cluster_events(arrived) == reference
    assert cluster_events(list(reversed(arrived))) == reference


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 13), min_size=1))
def test_edges_of_a_superset_cluster_a_subset_exactly_as_its_own_edges(kept: set[int]) -> None:
    """The digests asset computes candidate edges once per run and filters them per hour."""
    subset = [EVENT_POOL[i] for i in sorted(kept)]
    superset_edges = candidate_edges(EVENT_POOL)
    assert cluster_events(subset, edges=superset_edges) == cluster_events(subset)
