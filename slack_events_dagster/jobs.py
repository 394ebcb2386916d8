"""slack_events_job (all four assets) and the hourly schedule built from it."""

import dagster as dg

from slack_events_dagster.assets import ALL_ASSETS

slack_events_job = dg.define_asset_job(
    "slack_events_job",
    selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="Ingest, score, extract and digest one hour (or a range of hours in one run).",
    # The four steps form a chain; one process avoids per-step start-up and SQLite write contention.
    executor_def=dg.in_process_executor,
)

# An hourly run that is still going after an hour has a dead or stuck worker (the local run launcher
# cannot tell): with run monitoring on (dagster.yaml), the daemon then marks it failed instead of
# leaving it STARTED forever.
HOURLY_RUN_MAX_SECONDS = 3600

# Five minutes past each hour, for the hour just completed, so late Slack writes have settled.
slack_events_hourly = dg.build_schedule_from_partitioned_job(
    slack_events_job,
    minute_of_hour=5,
    name="slack_events_hourly",
    tags={"dagster/max_runtime": str(HOURLY_RUN_MAX_SECONDS)},
)
