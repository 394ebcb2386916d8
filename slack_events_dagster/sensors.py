"""rebuild_stale_digests: rebuilds digests whose look-back window gained or lost events since they
were built (an earlier range materialised later). Off by default; the check warns either way."""

import hashlib

import dagster as dg

from slack_events_dagster.alerts import FRESHNESS_CHECK_KEYS
from slack_events_dagster.checks import find_stale_digests
from slack_events_dagster.partitions import HOUR_KEY, range_tags
from slack_events_dagster.resources.database import DatabaseResource

MAX_RANGES_PER_TICK = 4  # each range is one run; the next tick takes the rest

rebuild_digests_job = dg.define_asset_job(
    "rebuild_digests_job",
    # digest_posts too: a rebuilt digest updates its Slack message (chat.update), as before.
    selection=dg.AssetSelection.assets("digests", "digest_posts")
    - dg.AssetSelection.checks(*FRESHNESS_CHECK_KEYS),
    description=(
        "Rebuild the digests of one hour or range from the events stored now, and update "
        "their Slack messages."
    ),
    executor_def=dg.in_process_executor,
)


def build_rebuild_stale_digests(digest_lookback_hours: int) -> dg.SensorDefinition:
    """The sensor, comparing the events of each digest's `digest_lookback_hours` look-back."""

    @dg.sensor(
        job=rebuild_digests_job,
        minimum_interval_seconds=600,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Requests one rebuild_digests_job run per range of stale digests.",
    )
    def rebuild_stale_digests(
        context: dg.SensorEvaluationContext, database: DatabaseResource
    ) -> dg.SensorResult | dg.SkipReason:
        found = find_stale_digests(context.instance, database, digest_lookback_hours)
        if not found.ranges:
            return dg.SkipReason(f"No stale digests among {len(found.built_with)}.")
        requests = []
        for first, last in found.ranges[:MAX_RANGES_PER_TICK]:
            start, end = first.strftime(HOUR_KEY), last.strftime(HOUR_KEY)
            # The events counted now are part of the key: a range that goes stale again after its
            # rebuild gets a new run, and a tick while its rebuild is queued does not add another.
            in_range = [found.stored_now[hour] for hour in found.hours if first <= hour <= last]
            state = hashlib.sha256(repr(in_range).encode()).hexdigest()[:16]
            requests.append(
                dg.RunRequest(
                    run_key=f"{start}...{end}@{state}",
                    tags=range_tags(start, end),
                )
            )
        return dg.SensorResult(run_requests=requests)

    return rebuild_stale_digests
