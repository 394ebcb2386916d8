"""One module per asset: raw_slack_messages -> event_candidates -> events -> digests ->
digest_posts."""

from slack_events_dagster.assets.digest_posts import digest_posts
from slack_events_dagster.assets.digests import digests
from slack_events_dagster.assets.event_candidates import event_candidates
from slack_events_dagster.assets.events import events
from slack_events_dagster.assets.raw_slack_messages import raw_slack_messages

ALL_ASSETS = [raw_slack_messages, event_candidates, events, digests, digest_posts]

__all__ = [
    "ALL_ASSETS",
    "digest_posts",
    "digests",
    "event_candidates",
    "events",
    "raw_slack_messages",
]
