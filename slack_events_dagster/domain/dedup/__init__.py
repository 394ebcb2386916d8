"""Dedup: when announcements are the same event (rules.py, the spec: `same_event`) and the
engine that merges a sliding window of them into digest lines (engine.py, `MergeGraph`)."""

from slack_events_dagster.domain.dedup.engine import Edge, MergeGraph
from slack_events_dagster.domain.dedup.records import EventRecord, MergedEvent, Source
from slack_events_dagster.domain.dedup.rules import (
    DedupRules,
    Reason,
    dedup_key,
    event_id,
    merge_announcements,
    same_event,
)

__all__ = [
    "DedupRules",
    "Edge",
    "EventRecord",
    "MergeGraph",
    "MergedEvent",
    "Reason",
    "Source",
    "dedup_key",
    "event_id",
    "merge_announcements",
    "same_event",
]
