"""slack_events_job (every asset) and the hourly schedule built from it."""

import dagster as dg

# What build_schedule_from_partitioned_job returns for an asset job; dagster does not export it.
from dagster._core.definitions.partitions.partitioned_schedule import (
    UnresolvedPartitionedAssetScheduleDefinition,
)

from slack_events_dagster.alerts import FRESHNESS_CHECK_KEYS
from slack_events_dagster.assets import ASSET_NAMES
from slack_events_dagster.launch import JOB_NAME, MAX_RUNTIME_TAG
from slack_events_dagster.settings import ScheduleSettings

slack_events_job = dg.define_asset_job(
    JOB_NAME,
    # Not the freshness checks: right after a materialisation they could only pass.
    selection=dg.AssetSelection.assets(*ASSET_NAMES)
    - dg.AssetSelection.checks(*FRESHNESS_CHECK_KEYS),
    description=(
        "Ingest, score, extract, digest and post one hour (or a range of hours in one run)."
    ),
    # The steps form a chain; one process avoids per-step start-up and SQLite write contention.
    executor_def=dg.in_process_executor,
)


def build_hourly_schedule(
    schedule: ScheduleSettings,
) -> dg.ScheduleDefinition | UnresolvedPartitionedAssetScheduleDefinition:
    """Five minutes past each hour, for the hour just completed, so late Slack writes have
    settled. Its runs carry `schedule.max_runtime_seconds` as `dagster/max_runtime`: the local
    run launcher cannot tell a dead worker from a slow one, so with run monitoring on
    (dagster.yaml) the daemon fails a run still going after that long instead of leaving it
    STARTED forever ("0": no limit). A healthy run waiting out Slack rate limits must fit in it:
    the schedule never retries an hour it killed."""
    return dg.build_schedule_from_partitioned_job(
        slack_events_job,
        minute_of_hour=5,
        name="slack_events_hourly",
        tags={MAX_RUNTIME_TAG: str(schedule.max_runtime_seconds)},
    )
