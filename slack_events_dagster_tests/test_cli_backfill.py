"""`slack-events backfill`: one run of the job over a range of hours, launched on the instance
DAGSTER_HOME names through `dagster job launch`, planned once per asset unless asked."""

import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from slack_events_dagster.cli import backfill_hours
from slack_events_dagster.settings import PROJECT_ROOT
from slack_events_dagster_tests.conftest import SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import local_dagster_home, only_run_when_finished, run_cli


def _backfill(tmp_path: Path, *args: str, home: Path | None) -> subprocess.CompletedProcess[str]:
    instance = {"DAGSTER_HOME": str(home)} if home is not None else {}
    return run_cli(tmp_path, "backfill", *args, **instance)


def _finished_run(home: Path) -> dg.DagsterRun:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return only_run_when_finished(instance)


def _planned_events_and_digest_hours(home: Path, run: dg.DagsterRun) -> tuple[int, list[str]]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        planned = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=1000
        ).records
        hours = sorted(instance.get_materialized_partitions(dg.AssetKey("digests")))
    return len(planned), hours


@pytest.mark.slow
def test_a_days_backfill_is_one_run_planned_once_per_asset(tmp_path: Path) -> None:
    home = local_dagster_home(tmp_path)
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    launched = _backfill(
        tmp_path, "--first", "2026-11-20", "--last", "2026-11-20", "--workspace", workspace,
        home=home,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr[-3000:]
    assert "24 hours, 2026-11-20-00:00 to 2026-11-20-23:00, in one run" in launched.stdout
    run = _finished_run(home)
    assert run.status == dg.DagsterRunStatus.SUCCESS, launched.stderr[-3000:]
    assert run.tags["dagster/asset_partition_range_start"] == "2026-11-20-00:00"
    assert run.tags["dagster/asset_partition_range_end"] == "2026-11-20-23:00"
    planned, hours = _planned_events_and_digest_hours(home, run)
    assert planned == 5  # one per asset: 5 x 24 without Dagster's switch
    assert hours == [f"2026-11-20-{hour:02d}:00" for hour in range(24)]


@pytest.mark.slow
def test_plan_each_hour_and_max_runtime_reach_the_run_launched_from_the_instances_workspace(
    tmp_path: Path,
) -> None:
    home = local_dagster_home(tmp_path)
    shutil.copy(PROJECT_ROOT / "workspace.yaml", home / "workspace.yaml")  # as in the image
    launched = _backfill(
        tmp_path, "--first", "2026-11-20-09:00", "--last", "2026-11-20-11:00", "--plan-each-hour",
        "--max-runtime-hours", "48", home=home,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr[-3000:]
    run = _finished_run(home)
    assert run.status == dg.DagsterRunStatus.SUCCESS, launched.stderr[-3000:]
    assert run.tags["dagster/max_runtime"] == str(48 * 3600)
    planned, hours = _planned_events_and_digest_hours(home, run)
    assert planned == 5 * 3
    assert hours == ["2026-11-20-09:00", "2026-11-20-10:00", "2026-11-20-11:00"]


def test_without_dagster_home_it_says_what_to_set_and_launches_nothing(tmp_path: Path) -> None:
    result = _backfill(tmp_path, "--first", "2026-11-20", "--last", "2026-11-20", home=None)
    assert result.returncode == 1
    assert "DAGSTER_HOME is not set" in result.stderr and "Traceback" not in result.stderr
    empty = tmp_path / "empty_home"
    empty.mkdir()
    result = _backfill(tmp_path, "--first", "2026-11-20", "--last", "2026-11-20", home=empty)
    assert result.returncode == 1 and "holds no dagster.yaml: run make dev" in result.stderr
    assert list(empty.iterdir()) == []  # no instance made there


def test_a_range_it_cannot_launch_is_one_line_and_no_run(tmp_path: Path) -> None:
    home = local_dagster_home(tmp_path)
    result = _backfill(tmp_path, "--first", "2026-11-21", "--last", "2026-11-20", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: --first 2026-11-21-00:00 is after --last 2026-11-20-23:00"
    )
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_runs() == []


def test_without_a_range_it_backfills_the_exports_days_from_partitions_start_on(
    tmp_path: Path,
) -> None:
    assert backfill_hours(make_settings(tmp_path), None, None) == (
        "2026-11-18-00:00",
        "2026-11-24-23:00",
    )  # the sample export's day files: 2026-11-18 to 2026-11-24
    later_start = make_settings(tmp_path, PARTITIONS_START="2026-11-20-06:00")
    assert backfill_hours(later_start, None, None) == ("2026-11-20-06:00", "2026-11-24-23:00")


def test_a_partitions_start_written_without_leading_zeros_is_read_as_an_hour(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, PARTITIONS_START="2026-11-1-0:00")
    assert backfill_hours(settings, "2026-11-20", "2026-11-20") == (
        "2026-11-20-00:00",
        "2026-11-20-23:00",
    )


def test_days_and_hours_name_the_range(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert backfill_hours(settings, "2026-11-20", "2026-11-21") == (
        "2026-11-20-00:00",
        "2026-11-21-23:00",
    )
    assert backfill_hours(settings, "2026-11-20-09:00", "2026-11-20-09:00") == (
        "2026-11-20-09:00",
        "2026-11-20-09:00",
    )


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-11-21", "2026-11-20", "--first 2026-11-21-00:00 is after --last 2026-11-20-23:00"),
        ("2026-11-20-09:30", "2026-11-20", "'2026-11-20-09:30' is not on the hour"),
        ("20/11/2026", "2026-11-20", "'20/11/2026' is neither an hour"),
        ("2026-11-20", None, "give both --first and --last, or neither"),
        ("1999-01-01", "2026-11-20", "before the first partition"),
        ("2026-11-20", "2999-01-01", "after the last complete hour"),
    ],
)
def test_a_range_it_cannot_launch_is_refused_naming_why(
    tmp_path: Path, first: str, last: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        backfill_hours(make_settings(tmp_path), first, last)


def test_api_mode_needs_the_hours_named(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, SLACK_SOURCE="api", SLACK_BOT_TOKEN=SLACK_TEST_TOKEN)
    with pytest.raises(ValueError, match="name the hours to read from Slack"):
        backfill_hours(settings, None, None)
