"""Killed runs do not stay STARTED forever: both instance files turn run monitoring on, and the
daemon's monitoring pass fails a run whose worker is gone once its maximum runtime is over."""

import logging
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.test_utils import create_run_for_test, create_test_daemon_workspace_context
from dagster._core.workspace.load_target import EmptyWorkspaceTarget
from dagster._daemon.monitoring.run_monitoring import execute_run_monitoring_iteration

from slack_events_dagster.definitions import build_definitions, defs
from slack_events_dagster.settings import PROJECT_ROOT
from slack_events_dagster_tests.conftest import make_settings

DAY = 24 * 3600


def _instance(dagster_yaml: Path, home: Path) -> dg.DagsterInstance:
    home.mkdir(exist_ok=True)
    shutil.copy(dagster_yaml, home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


@pytest.fixture
def local_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    with _instance(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster_home") as instance:
        yield instance


def _assert_monitoring_catches_dead_workers(instance: dg.DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_start_timeout_seconds == 180
    assert instance.run_monitoring_cancel_timeout_seconds == 180
    # The local launcher cannot see a dead worker: the maximum runtime is what ends its run.
    assert not instance.run_launcher.supports_check_run_worker_health
    assert instance.run_monitoring_max_resume_run_attempts == 0
    assert instance.run_monitoring_max_runtime_seconds == DAY


def test_local_instance_turns_run_monitoring_on(local_instance: dg.DagsterInstance) -> None:
    _assert_monitoring_catches_dead_workers(local_instance)


def test_production_instance_turns_run_monitoring_on(
    tmp_path: Path, postgres_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy/dagster.yaml verbatim, on real PostgreSQL 16 storage."""
    for name, value in postgres_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POSTGRES_PASSWORD", postgres_env.get("POSTGRES_PASSWORD", "unused"))
    monkeypatch.setenv("DAGSTER_POSTGRES_DB", postgres_env["POSTGRES_DATABASE"])
    with _instance(PROJECT_ROOT / "deploy" / "dagster.yaml", tmp_path / "home") as instance:
        _assert_monitoring_catches_dead_workers(instance)


def _max_runtime_tag(schedule: dg.ScheduleDefinition) -> str:
    context = dg.build_schedule_context(scheduled_execution_time=None)
    (request,) = schedule.evaluate_tick(context).run_requests
    return request.tags["dagster/max_runtime"]


def test_the_hourly_schedule_gives_its_runs_three_hours_by_default() -> None:
    assert _max_runtime_tag(defs.resolve_schedule_def("slack_events_hourly")) == str(3 * 3600)


@pytest.mark.parametrize(("configured", "tag"), [("7200", "7200"), ("0", "0")])
def test_the_hourly_schedule_carries_the_configured_max_runtime(
    tmp_path: Path, configured: str, tag: str
) -> None:
    """SCHEDULE_MAX_RUNTIME_SECONDS (schedule.max_runtime_seconds) reaches the run request; "0"
    is Dagster's "no limit" for the tag, so the instance's one-day default does not apply."""
    settings = make_settings(tmp_path, SCHEDULE_MAX_RUNTIME_SECONDS=configured)
    schedule = build_definitions(settings).resolve_schedule_def("slack_events_hourly")
    assert _max_runtime_tag(schedule) == tag


def test_a_slow_scheduled_run_survives_two_hours_and_a_dead_one_fails_after_three(
    local_instance: dg.DagsterInstance,
) -> None:
    """A rate-limited hourly run in API mode can take over an hour: the schedule's tag, not the
    old one-hour limit, decides when the monitoring pass gives up on it."""
    tags = {
        "dagster/max_runtime": _max_runtime_tag(defs.resolve_schedule_def("slack_events_hourly"))
    }
    slow = _started_run(local_instance, seconds_ago=2 * 3600, tags=tags)
    dead = _started_run(local_instance, seconds_ago=3 * 3600 + 60, tags=tags)
    unlimited = _started_run(local_instance, seconds_ago=2 * DAY, tags={"dagster/max_runtime": "0"})
    with create_test_daemon_workspace_context(EmptyWorkspaceTarget(), local_instance) as workspace:
        list(execute_run_monitoring_iteration(workspace, logging.getLogger("run_monitoring")))
    assert local_instance.get_run_by_id(slow).status == dg.DagsterRunStatus.STARTED
    assert local_instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert local_instance.get_run_by_id(unlimited).status == dg.DagsterRunStatus.STARTED


def _started_run(
    instance: dg.DagsterInstance, seconds_ago: float, tags: dict[str, str] | None = None
) -> str:
    """A run that started `seconds_ago` whose worker is gone (killed): nothing reports for it."""
    run = create_run_for_test(instance, job_name="slack_events_job", tags=tags)
    start = DagsterEvent(DagsterEventType.RUN_START.value, job_name="slack_events_job")
    instance.report_dagster_event(start, run.run_id, timestamp=time.time() - seconds_ago)
    return run.run_id


def test_a_run_whose_worker_died_is_failed_by_the_monitoring_pass(
    local_instance: dg.DagsterInstance,
) -> None:
    killed = _started_run(local_instance, seconds_ago=DAY + 60)
    recent = _started_run(local_instance, seconds_ago=60)
    with create_test_daemon_workspace_context(EmptyWorkspaceTarget(), local_instance) as workspace:
        list(execute_run_monitoring_iteration(workspace, logging.getLogger("run_monitoring")))
    assert local_instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
    assert local_instance.get_run_by_id(recent).status == dg.DagsterRunStatus.STARTED


def test_the_documented_cleanup_without_a_daemon_fails_a_stuck_run(tmp_path: Path) -> None:
    """README "Runs stuck in STARTED": the one-liner, run as written, against DAGSTER_HOME."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (command,) = [line for line in readme.splitlines() if "report_run_failed" in line]
    home = tmp_path / "dagster_home"
    with _instance(PROJECT_ROOT / "dagster.yaml", home) as instance:
        stuck = _started_run(instance, seconds_ago=60)
        shell = command.replace(".venv/bin/python", shlex.quote(sys.executable))
        shell = shell.replace("RUN_ID", stuck)
        finished = subprocess.run(
            shell,
            shell=True,
            env={**os.environ, "DAGSTER_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert instance.get_run_by_id(stuck).status == dg.DagsterRunStatus.FAILURE
