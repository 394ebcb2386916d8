"""How backfills become runs: partitions.backfill_hours_per_run, and the job backfill it refuses.

The production-topology test (deploy/test_production_topology.py) runs a split backfill through
the daemon and the queue; these run the job in-process with the tags each kind of launch sets."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from devtools.runs import make_settings
from slack_events_dagster.definitions import build_definitions
from slack_events_dagster_tests.helpers import table_rows

FIRST, LAST = "2026-11-23-08:00", "2026-11-23-11:00"
RANGE_TAGS = {
    "dagster/asset_partition_range_start": FIRST,
    "dagster/asset_partition_range_end": LAST,
}
# What a run of a backfill launched from the job's page carries; an asset backfill's run has
# only dagster/backfill.
JOB_BACKFILL_TAGS = {
    "dagster/backfill": "jobbackfill",
    "dagster/partition_set": "slack_events_job_partition_set",
}


def _run_job(tmp_path: Path, hours_per_run: int, tags: dict[str, str]) -> dg.ExecuteInProcessResult:
    settings = make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true")
    settings = settings.model_copy(
        update={
            "partitions": settings.partitions.model_copy(
                update={"backfill_hours_per_run": hours_per_run}
            )
        }
    )
    job = build_definitions(settings).resolve_job_def("slack_events_job")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(
            instance=instance, tags={**RANGE_TAGS, **tags}, raise_on_error=False
        )


def test_a_split_job_backfill_run_fails_before_writing_and_names_the_ordered_launch(
    tmp_path: Path,
) -> None:
    result = _run_job(tmp_path, 24, JOB_BACKFILL_TAGS)
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_key == "raw_slack_messages"
    message = str(failure.step_failure_data.error)
    assert "backfill_hours_per_run" in message and "asset graph" in message
    database = Path(make_settings(tmp_path).database.path)
    assert not database.exists() or table_rows(make_settings(tmp_path), "raw_slack_messages") == []


@pytest.mark.parametrize(
    ("hours_per_run", "tags"),
    [
        (24, {"dagster/backfill": "assetbackfill"}),  # an asset backfill's run: ordered
        (0, JOB_BACKFILL_TAGS),  # a job backfill in one run: nothing to order
        (24, {}),  # a range launched by hand (dagster job launch, the launchpad)
    ],
    ids=["asset-backfill", "single-run-job-backfill", "manual-range"],
)
def test_ordered_and_single_runs_are_not_refused(
    tmp_path: Path, hours_per_run: int, tags: dict[str, str]
) -> None:
    result = _run_job(tmp_path, hours_per_run, tags)
    assert result.success
    assert table_rows(make_settings(tmp_path), "raw_slack_messages")


def test_run_hours_reads_a_partition_or_a_range_from_the_run_tags() -> None:
    from slack_events_dagster.partitions import run_hours

    hour = run_hours({"dagster/partition": "2026-11-24-09:00"})
    assert hour is not None and (hour.start, hour.end) == (
        datetime(2026, 11, 24, 9, tzinfo=UTC),
        datetime(2026, 11, 24, 10, tzinfo=UTC),
    )
    hours = run_hours(
        {
            "dagster/asset_partition_range_start": "2026-11-24-09:00",
            "dagster/asset_partition_range_end": "2026-11-25-08:00",
        }
    )
    assert hours is not None and hours.end - hours.start == timedelta(hours=24)
    assert run_hours({"dagster/asset_partition_range_start": "2026-11-24-09:00"}) is None
    assert run_hours({}) is None
