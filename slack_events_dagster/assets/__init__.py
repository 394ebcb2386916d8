"""One module per asset: raw_slack_messages -> event_candidates -> events -> digests ->
digest_posts. Each module holds the asset's function and a `build_<asset>` factory; the look-backs
(partition mappings) and the partitions come from settings, so `build_assets(settings)` makes them
and importing this package reads no configuration."""

import dagster as dg

from slack_events_dagster.assets.digest_posts import DIGEST_POSTS_RETRY, build_digest_posts
from slack_events_dagster.assets.digests import build_digests
from slack_events_dagster.assets.event_candidates import (
    build_event_candidates,
    thread_lookback_hours,
)
from slack_events_dagster.assets.events import build_events
from slack_events_dagster.assets.raw_slack_messages import build_raw_slack_messages
from slack_events_dagster.domain.digest import lookback_hours
from slack_events_dagster.partitions import backfill_policy, hourly_partitions
from slack_events_dagster.settings import Settings

# The graph's assets in order; jobs and checks select them by these names.
ASSET_NAMES = ("raw_slack_messages", "event_candidates", "events", "digests", "digest_posts")


def build_assets(
    settings: Settings, digest_posts_retry: dg.RetryPolicy = DIGEST_POSTS_RETRY
) -> list[dg.AssetsDefinition]:
    """Every asset, on the hourly partitions from `partitions.start` with one backfill policy
    (`partitions.backfill_hours_per_run`), and the look-backs of the `slack` (thread window),
    `digest` and `deduplication` sections."""
    hourly = hourly_partitions(settings.partitions)
    digest_hours = lookback_hours(
        settings.digest.window_hours, settings.deduplication.lookback_days
    )
    assets = [
        build_raw_slack_messages(hourly),
        build_event_candidates(hourly, thread_lookback_hours(settings.slack)),
        build_events(hourly),
        build_digests(hourly, digest_hours),
        build_digest_posts(hourly, digest_posts_retry),
    ]
    policy = backfill_policy(settings.partitions)
    return [asset.with_attributes(backfill_policy=policy) for asset in assets]


__all__ = ["ASSET_NAMES", "build_assets"]
