"""The code location loads, and the job, schedule and assets fit together as DESIGN.md says."""

from datetime import UTC, datetime

import dagster as dg

from slack_events_dagster.definitions import build_definitions, defs
from slack_events_dagster.partitions import hourly_partitions
from slack_events_dagster.settings import PartitionSettings, Settings

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

ASSET_NAMES = ["raw_slack_messages", "event_candidates", "events", "digests", "digest_posts"]


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    assert {key.to_user_string() for key in defs.resolve_all_asset_keys()} == set(ASSET_NAMES)


def test_every_asset_shares_the_hourly_partitions_and_single_run_backfills() -> None:
    graph = defs.resolve_asset_graph()
    for name in ASSET_NAMES:
        node = graph.get(dg.AssetKey(name))
        assert node.partitions_def == HOURLY
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
    assert HOURLY.timezone == "UTC"
    assert graph.get(dg.AssetKey("digests")).parent_keys == {dg.AssetKey("events")}
    assert graph.get(dg.AssetKey("digest_posts")).parent_keys == {dg.AssetKey("digests")}


def test_backfill_hours_per_run_splits_every_assets_backfill_into_runs_of_that_many_hours() -> None:
    split = build_definitions(Settings(partitions={"backfill_hours_per_run": 24}))
    graph = split.resolve_asset_graph()
    for name in ASSET_NAMES:
        assert graph.get(dg.AssetKey(name)).backfill_policy == dg.BackfillPolicy.multi_run(24)


def test_job_selects_every_asset_and_the_schedule_is_hourly() -> None:
    job = defs.resolve_job_def("slack_events_job")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == set(
        ASSET_NAMES
    )
    schedule = defs.resolve_schedule_def("slack_events_hourly")
    assert schedule.cron_schedule == "5 * * * *"
    assert schedule.job_name == "slack_events_job"


def test_a_schedule_tick_requests_the_hour_just_completed() -> None:
    schedule = defs.resolve_schedule_def("slack_events_hourly")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-11-24-09:00"
