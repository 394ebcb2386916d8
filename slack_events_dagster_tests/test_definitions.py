"""The code location loads, and the job, schedule and assets fit together as DESIGN.md says."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from devtools import CHECKOUT
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


RUN_WITHOUT_PANDAS = """
import sys
from pathlib import Path

from devtools.runs import export_hour_range, make_settings, materialize_range

workdir = Path(sys.argv[1])
settings = make_settings(workdir, DATABASE_AUTO_MIGRATE="true")
first, last = export_hour_range(Path(settings.slack.export_path))
result = materialize_range(settings, first, last)
assert result.success
counts = {
    key.path[-1]: event.materialization.metadata["dagster/row_count"].value
    for event in result.get_asset_materialization_events()
    for key in [event.asset_key]
    if "dagster/row_count" in event.materialization.metadata
}
heavy = ("pandas", "pyarrow", "slack_sdk", "openai")
import gc
import slack_events_dagster.definitions  # what the code server and each run worker load

assert gc.get_threshold()[0] >= 50_000, gc.get_threshold()
print(counts, sorted(name for name in heavy if name in sys.modules))
"""


def test_importing_the_package_raises_the_collector_thresholds_before_any_module_loads() -> None:
    """Our modules' imports (compiled patterns, pydantic models, definitions) are paid by every
    run worker: the fewer collections must already hold while they load."""
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sys, slack_events_dagster; "
            "print(gc.get_threshold()[0], "
            "sorted(m for m in sys.modules if m.startswith('slack_events_dagster')))",
        ],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    threshold, modules = ran.stdout.strip().split(" ", 1)
    assert int(threshold) >= 50_000
    assert modules == "['slack_events_dagster']"


@pytest.mark.slow
def test_a_run_of_the_whole_pipeline_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Each run starts a new worker process, and every import is paid by every hourly run:
    pandas and pyarrow (about 0.3 s; the rows travel as storage/bulk.py's Columns), slack_sdk
    (0.07 s; an export run that posts nothing never talks to Slack) and openai (the rules
    extractor)."""
    ran = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_PANDAS, str(tmp_path)],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    counts, imported = ran.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert imported == "[]", f"the run imported {imported}"
    assert "'events': 33" in counts and "'event_candidates': 98" in counts, counts
