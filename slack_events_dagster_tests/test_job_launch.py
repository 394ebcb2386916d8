"""`dagster job launch` through the real CLI, instance and run launcher (subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from devtools.emulators.slack import SlackEmulator
from slack_events_dagster.launch import job_launch_command
from slack_events_dagster.settings import PROJECT_ROOT
from slack_events_dagster_tests.conftest import SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import (
    local_dagster_home,
    materialize_range,
    only_run_when_finished,
    table_rows,
)

PARTITION = "2026-11-20-13:00"


def _launch(
    tmp_path: Path, tags: dict[str, str] | None = None, **env: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    home = local_dagster_home(tmp_path)
    launched = subprocess.run(
        job_launch_command(
            PROJECT_ROOT / "workspace.yaml",
            "slack_events_job",
            tags or {"dagster/partition": PARTITION},
        ),
        cwd=tmp_path,
        env={
            **os.environ,
            "DAGSTER_HOME": str(home),
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "SQLITE_PATH": str(tmp_path / "slack_events.db"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    return launched, home


def _finished_run(home: Path, stderr: str) -> dg.DagsterRun:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = only_run_when_finished(instance)
        assert run.status == dg.DagsterRunStatus.SUCCESS, stderr[-3000:]
        for asset in ("digests", "digest_posts"):
            assert instance.get_latest_materialization_event(dg.AssetKey(asset)) is not None
        return run


@pytest.mark.slow
def test_job_launch_for_a_partition_reaches_success_and_writes_rows(tmp_path: Path) -> None:
    launched, home = _launch(tmp_path)
    assert launched.returncode == 0, launched.stderr[-3000:]
    run = _finished_run(home, launched.stderr)
    assert run.tags["dagster/partition"] == PARTITION

    settings = make_settings(tmp_path)
    raw = table_rows(settings, "raw_slack_messages")
    assert raw and {row["partition_hour"].strftime("%Y-%m-%d-%H:%M") for row in raw} == {PARTITION}
    assert len(table_rows(settings, "digests")) == 1


@pytest.mark.slow
def test_a_range_launched_with_dagsters_planned_subset_switch_is_planned_once_per_asset(
    tmp_path: Path,
) -> None:
    """README "Importing a long history": with DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS in
    the launching process, Dagster records one planned event per asset, not one per asset and
    hour (what keeps a long range silent before its first step); every hour is still
    materialised and shown as such."""
    first, last = "2026-11-20-00:00", "2026-11-20-23:00"
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    launched, home = _launch(tmp_path, tags, DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS="true")
    assert launched.returncode == 0, launched.stderr[-3000:]
    run = _finished_run(home, launched.stderr)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        planned = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=1000
        ).records
        assert len(planned) == 5  # the five assets, against 5 x 24 without the switch
        hours = instance.get_materialized_partitions(dg.AssetKey("digests"))
    assert len(hours) == 24 and min(hours) == first and max(hours) == last


@pytest.mark.slow
def test_job_launch_in_api_mode_ingests_what_export_mode_does(
    tmp_path: Path, api_env: dict[str, str]
) -> None:
    launched, home = _launch(tmp_path, **api_env)
    assert launched.returncode == 0, launched.stderr[-3000:]
    _finished_run(home, launched.stderr)

    export = make_settings(tmp_path / "export")
    materialize_range(export, PARTITION)
    api_rows = table_rows(make_settings(tmp_path), "raw_slack_messages")
    assert len(api_rows) > 5
    assert api_rows == table_rows(export, "raw_slack_messages")


@pytest.mark.slow
def test_job_launch_finds_a_token_given_only_in_dotenv(
    tmp_path: Path, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading settings leaves the environment alone; the code location copies ./.env into its
    process once, so the run it launches resolves EnvVar("SLACK_BOT_TOKEN") from there."""
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={SLACK_TEST_TOKEN}\n", encoding="utf-8")
    launched, home = _launch(
        tmp_path,
        SLACK_SOURCE="api",
        SLACK_API_BASE_URL=slack_emulator.base_url,
        SLACK_RETRY_BACKOFF_SECONDS="0.05",
    )
    assert launched.returncode == 0, launched.stderr[-3000:]
    _finished_run(home, launched.stderr)
    assert table_rows(make_settings(tmp_path), "raw_slack_messages")


@pytest.mark.slow
def test_dagster_asset_materialize_runs_every_step_in_one_process(tmp_path: Path) -> None:
    """`dagster asset materialize` uses the code location's executor, the jobs' in-process one:
    one process for the chain of steps, not a subprocess per step."""
    home = local_dagster_home(tmp_path)
    materialized = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "slack_events_dagster.definitions",
            "--select",
            "raw_slack_messages,event_candidates",
            "--partition",
            PARTITION,
        ],
        cwd=tmp_path,
        env={
            **os.environ,
            "DAGSTER_HOME": str(home),
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "SQLITE_PATH": str(tmp_path / "slack_events.db"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = materialized.stdout + materialized.stderr
    assert materialized.returncode == 0, log[-3000:]
    assert "Executing steps in process" in log, log[-3000:]
    assert "Launching subprocess" not in log and "multiprocess" not in log
    assert table_rows(make_settings(tmp_path), "event_candidates")
