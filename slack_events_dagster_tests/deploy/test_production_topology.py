"""The docker-compose topology, run natively on PostgreSQL 16: migrate, code server, webserver and
daemon as separate processes sharing PostgreSQL instance storage and a QueuedRunCoordinator.

Drives it like an operator does through the UI: a partition backfill of slack_events_job launched
over GraphQL and dequeued by the daemon, then the hourly schedule switched on and evaluated.
"""

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster_graphql import DagsterGraphQLClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from devtools.postgres16 import apply_dagster_database_settings
from devtools.topology import (
    BACKFILL_QUERY,
    LAUNCH_BACKFILL,
    Topology,
    app_environment,
    finished_backfill,
    graphql,
    launch_asset_backfill,
    most_at_once,
    postgres_variables,
    run_migrations,
    start_services,
    wait_for,
)
from slack_events_dagster.assets import ASSET_NAMES
from slack_events_dagster.assets.event_candidates import thread_lookback_hours
from slack_events_dagster.domain.digest import lookback_hours
from slack_events_dagster.partitions import hourly_partitions
from slack_events_dagster.settings import (
    CONFIG_ENV_VAR,
    PROJECT_ROOT,
    PartitionSettings,
    load_settings,
)
from slack_events_dagster.storage.transfer import asset_table_checksums
from slack_events_dagster_tests.test_snapshots import TABLES_SNAPSHOT, sample_export_range

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

FIRST, LAST = "2026-11-23-08:00", "2026-11-23-11:00"  # hours of the bundled sample export
BACKFILL_HOURS = HOURLY.get_partition_keys_in_range(dg.PartitionKeyRange(FIRST, LAST))
JOB = "slack_events_job"
SCHEDULE = "slack_events_hourly"
ASSET_TABLES = ("raw_slack_messages", "event_candidates", "events", "digests")
BACKFILL_TIMEOUT = 240
MULTI_RUN_HOURS = 48  # the multi-run test's partitions.backfill_hours_per_run
MULTI_RUN_TIMEOUT = 900

PARTITION_SETS_QUERY = """
query ($repository: RepositorySelector!, $job: String!) {
  partitionSetsOrError(repositorySelector: $repository, pipelineName: $job) {
    __typename
    ... on PartitionSets { results { name } }
  }
}"""
START_SCHEDULE = """
mutation ($schedule: ScheduleSelector!) {
  startSchedule(scheduleSelector: $schedule) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on Error { message }
  }
}"""
TICK_FIELDS = """
  timestamp
  evaluationResult {
    skipReason
    error { message }
    runRequests { runKey jobName tags { key value } }
  }"""
SCHEDULE_DRY_RUN = f"""
mutation ($schedule: ScheduleSelector!, $timestamp: Float) {{
  scheduleDryRun(selectorData: $schedule, timestamp: $timestamp) {{
    __typename
    ... on DryRunInstigationTick {{ {TICK_FIELDS} }}
    ... on Error {{ message }}
  }}
}}"""
SCHEDULE_QUERY = f"""
query ($schedule: ScheduleSelector!) {{
  scheduleOrError(scheduleSelector: $schedule) {{
    __typename
    ... on Schedule {{
      cronSchedule
      scheduleState {{ status nextTick {{ {TICK_FIELDS} }} }}
    }}
    ... on Error {{ message }}
  }}
}}"""


@pytest.fixture
def databases(postgres_server: str) -> Iterator[tuple[URL, URL]]:
    """Two fresh databases on the PostgreSQL 16 test server: the app's and Dagster's storage
    (with the settings deploy/initdb.sql gives it)."""
    server = make_url(postgres_server)
    suffix = uuid.uuid4().hex[:10]
    names = (f"topology_app_{suffix}", f"topology_dagster_{suffix}")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        apply_dagster_database_settings(connection, names[1])
    try:
        yield server.set(database=names[0]), server.set(database=names[1])
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tags(run: dict[str, Any]) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def _hours_per_table(app_db: URL) -> dict[str, dict[str, int]]:
    """{table: {partition key: rows}} read straight from the app's PostgreSQL database."""
    engine = create_engine(app_db)
    try:
        with engine.connect() as connection:
            return {
                table: {
                    hour.strftime("%Y-%m-%d-%H:%M"): count
                    for hour, count in connection.execute(
                        text(f"SELECT partition_hour, count(*) FROM {table} GROUP BY 1")
                    )
                }
                for table in ASSET_TABLES
            }
    finally:
        engine.dispose()


def _single_run_request(tick: dict[str, Any]) -> dict[str, str]:
    evaluation = tick["evaluationResult"]
    assert evaluation["error"] is None, evaluation["error"]
    (request,) = evaluation["runRequests"]
    assert request["jobName"] == JOB
    return _tags(request)


def _launch_backfill(url: str, repository: dict[str, str], hours: list[str], title: str) -> str:
    """Launch a partition backfill of the job over GraphQL, as the UI's Backfill button does."""
    partition_sets = graphql(url, PARTITION_SETS_QUERY, {"repository": repository, "job": JOB})
    (partition_set,) = partition_sets["partitionSetsOrError"]["results"]
    launched = graphql(
        url,
        LAUNCH_BACKFILL,
        {
            "params": {
                "selector": {
                    "partitionSetName": partition_set["name"],
                    "repositorySelector": repository,
                },
                "partitionNames": hours,
                "title": title,
            }
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return str(launched["backfillId"])


def _check_backfill(url: str, repository: dict[str, str], topology: Topology) -> dict[str, Any]:
    """Launch a partition backfill of the job over GraphQL; the daemon runs it to SUCCESS."""
    backfill_id = _launch_backfill(url, repository, BACKFILL_HOURS, "production topology test")
    backfill = wait_for(
        f"backfill {backfill_id} to complete (QueuedRunCoordinator + daemon)",
        lambda: finished_backfill(url, backfill_id, topology),
        timeout=BACKFILL_TIMEOUT,
        interval=3,
    )
    assert backfill["partitionNames"] == BACKFILL_HOURS
    # BackfillPolicy.single_run(): the whole range is one run of the job.
    (run,) = backfill["runs"]
    assert run["jobName"] == JOB
    tags = _tags(run)
    assert tags["dagster/backfill"] == backfill_id
    assert tags["dagster/asset_partition_range_start"] == FIRST
    assert tags["dagster/asset_partition_range_end"] == LAST
    return {"backfill_id": backfill_id, "run_id": run["runId"]}


def _check_instance_storage(
    home: Path, dagster_db: URL, backfill_id: str, run_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run, the backfill and the schedule's state are in Dagster's PostgreSQL database."""
    engine = create_engine(dagster_db)
    try:
        with engine.connect() as connection:
            status = connection.execute(
                text("SELECT status FROM runs WHERE run_id = :id"), {"id": run_id}
            ).scalar_one()
            backfill_status = connection.execute(
                text("SELECT status FROM bulk_actions WHERE key = :id"), {"id": backfill_id}
            ).scalar_one()
    finally:
        engine.dispose()
    assert (status, backfill_status) == ("SUCCESS", "COMPLETED_SUCCESS")

    # The instance a newcomer would open with the same dagster.yaml and environment.
    for key, value in _instance_variables(dagster_db).items():
        monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.scheduler).__name__ == "DagsterDaemonScheduler"
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/backfill"] == backfill_id
        for key in ("raw_slack_messages", "digests"):
            assert instance.get_latest_materialization_event(dg.AssetKey(key)) is not None
        states = {state.name: state for state in instance.all_instigator_state()}
        assert states[SCHEDULE].status.value == "RUNNING"


def _instance_variables(dagster_db: URL) -> dict[str, str]:
    return {
        "POSTGRES_HOST": dagster_db.host or "127.0.0.1",
        "POSTGRES_PORT": str(dagster_db.port or 5432),
        "POSTGRES_USER": dagster_db.username or "postgres",
        "POSTGRES_PASSWORD": dagster_db.password or "unused-with-trust-auth",
        "DAGSTER_POSTGRES_DB": str(dagster_db.database),
    }


def _check_schedule(url: str, schedule: dict[str, str]) -> None:
    """Switch the hourly schedule on and evaluate ticks: each asks for the hour just completed."""
    started = graphql(url, START_SCHEDULE, {"schedule": schedule})["startSchedule"]
    assert started["__typename"] == "ScheduleStateResult", started
    assert started["scheduleState"]["status"] == "RUNNING"

    # The UI's "Test schedule": the tick at 12:05 UTC requests the 11:00 hour, the backfill's last.
    tick_time = HOURLY.time_window_for_partition_key(LAST).end + timedelta(minutes=5)
    dry_run = graphql(
        url, SCHEDULE_DRY_RUN, {"schedule": schedule, "timestamp": tick_time.timestamp()}
    )["scheduleDryRun"]
    assert dry_run["__typename"] == "DryRunInstigationTick", dry_run
    tags = _single_run_request(dry_run)
    assert tags["dagster/partition"] == LAST
    assert tags["dagster/schedule_name"] == SCHEDULE

    # The running schedule's next real tick, evaluated by the code server: the previous hour.
    found = graphql(url, SCHEDULE_QUERY, {"schedule": schedule})["scheduleOrError"]
    assert found["__typename"] == "Schedule", found
    assert found["cronSchedule"] == "5 * * * *"
    state = found["scheduleState"]
    assert state["status"] == "RUNNING"
    next_tick = datetime.fromtimestamp(state["nextTick"]["timestamp"], tz=UTC)
    assert next_tick.minute == 5 and next_tick > datetime.now(UTC) - timedelta(minutes=1)
    expected = (next_tick - timedelta(hours=1)).strftime("%Y-%m-%d-%H:00")
    assert _single_run_request(state["nextTick"])["dagster/partition"] == expected


def _migrate(env: dict[str, str], app_db: URL, log_dir: Path) -> None:
    """The one-shot `alembic upgrade head` service; the app database is then at the head."""
    run_migrations(env, PROJECT_ROOT, log_dir)
    head = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()
    engine = create_engine(app_db)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_compose_topology_backfills_and_schedules_on_postgres16(
    tmp_path: Path, databases: tuple[URL, URL], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_db, dagster_db = databases
    home = tmp_path / "dagster_home"
    env = app_environment(postgres_variables(app_db), str(dagster_db.database), home)
    timings: dict[str, float] = {}
    started_at = time.monotonic()

    # 1. migrate, then 2.-3. DAGSTER_HOME, code server, webserver and daemon.
    _migrate(env, app_db, tmp_path / "logs")
    topology = Topology(env=env, cwd=tmp_path, log_dir=tmp_path / "logs")
    try:
        url, repository, web_port = start_services(topology)
        timings["startup"] = time.monotonic() - started_at

        # 4. a partition backfill of the job, dequeued and run by the daemon.
        launched = _check_backfill(url, repository, topology)
        client = DagsterGraphQLClient("127.0.0.1", port_number=web_port)
        assert client.get_run_status(launched["run_id"]) == dg.DagsterRunStatus.SUCCESS
        timings["backfill"] = time.monotonic() - started_at - timings["startup"]

        # 5. its rows in the app's PostgreSQL tables: every hour of the range and nothing else.
        rows = _hours_per_table(app_db)
        assert set(rows["raw_slack_messages"]) == set(BACKFILL_HOURS), rows
        assert rows["digests"] == dict.fromkeys(BACKFILL_HOURS, 1), rows  # one target: default
        assert rows["events"] and set(rows["events"]) <= set(BACKFILL_HOURS), rows
        assert set(rows["event_candidates"]) <= set(BACKFILL_HOURS), rows

        # 6. the hourly schedule, switched on over GraphQL and evaluated.
        _check_schedule(url, {**repository, "scheduleName": SCHEDULE})
        _check_instance_storage(
            home, dagster_db, launched["backfill_id"], launched["run_id"], monkeypatch
        )
        topology.assert_running()
    except BaseException:
        print(f"\n{topology.log_tails()}")
        raise
    finally:
        topology.stop()
    timings["total"] = time.monotonic() - started_at
    print(f"\nproduction topology timings (s): { {k: round(v, 1) for k, v in timings.items()} }")


def _config_with_runs_of(tmp_path: Path, hours: int) -> Path:
    """config.yaml with `partitions.backfill_hours_per_run` set, its paths made absolute (they
    are read relative to the config file's folder)."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["partitions"]["backfill_hours_per_run"] = hours
    config["slack"]["export_path"] = str(PROJECT_ROOT / config["slack"]["export_path"])
    config["database"]["path"] = str(tmp_path / "unused.db")
    config["backup"]["folder"] = str(tmp_path / "backups")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _launched_until_done(
    home: Path, dagster_db: URL, run_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[float, float]]:
    """Per run, from the queue launching it (RUN_STARTING: its worker process exists) to its
    RUN_SUCCESS, read from the instance's PostgreSQL event log."""
    for key, value in _instance_variables(dagster_db).items():
        monkeypatch.setenv(key, value)
    spans = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for run_id in run_ids:
            times = {
                record.event_log_entry.dagster_event_type: record.event_log_entry.timestamp
                for record in instance.get_records_for_run(run_id).records
                if record.event_log_entry.is_dagster_event
            }
            starting = times[dg.DagsterEventType.RUN_STARTING]
            spans.append((starting, times[dg.DagsterEventType.RUN_SUCCESS]))
    return spans


def _ended_runs(url: str, backfill_id: str) -> list[dict[str, Any]] | None:
    """The backfill's runs once it has ended and none is queued or running, else None."""
    backfill = graphql(url, BACKFILL_QUERY, {"id": backfill_id})["partitionBackfillOrError"]
    assert backfill["__typename"] == "PartitionBackfill", backfill
    runs = backfill["runs"]
    ended = {"SUCCESS", "FAILURE", "CANCELED"}
    if backfill["status"] in {"REQUESTED", "CANCELING", "FAILING"} or not runs:
        return None
    return runs if all(run["status"] in ended for run in runs) else None


def _failure_message(home: Path, run_id: str) -> str:
    """The step failures of a run, from the instance's event log (the environment is set)."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        failures = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        ).records
        return "\n".join(
            str(record.event_log_entry.dagster_event.step_failure_data.error)  # type: ignore[union-attr]
            for record in failures
        )


def _run_window(run: dict[str, Any]) -> tuple[datetime, datetime]:
    """The start and end of the hours a run materialised."""
    tags = _tags(run)
    first = tags.get("dagster/partition") or tags["dagster/asset_partition_range_start"]
    last = tags.get("dagster/partition") or tags["dagster/asset_partition_range_end"]
    return (
        HOURLY.time_window_for_partition_key(first).start,
        HOURLY.time_window_for_partition_key(last).end,
    )


def _hours_in_run(run: dict[str, Any]) -> int:
    start, end = _run_window(run)
    return int((end - start) / timedelta(hours=1))


def _assets_of(run: dict[str, Any]) -> set[str]:
    return {"/".join(key["path"]) for key in run["assetSelection"]}


def _read_before_written(
    runs: list[dict[str, Any]], child: str, parent: str, lookback: timedelta
) -> list[str]:
    """Runs of `child` that started before a run writing `parent` hours their look-back reads
    had ended (a run reading its own parent hours is fine: its steps are ordered)."""
    found = []
    for reader in (run for run in runs if child in _assets_of(run)):
        start, end = _run_window(reader)
        for writer in (run for run in runs if parent in _assets_of(run) and run is not reader):
            written_start, written_end = _run_window(writer)
            overlaps = written_start < end and written_end > start - lookback
            if overlaps and writer["endTime"] > reader["startTime"]:
                found.append(f"{child} {start:%d %H}h-{end:%d %H}h read {parent} early")
    return found


@pytest.mark.slow
@pytest.mark.postgres
def test_a_backfill_split_into_parallel_runs_gives_the_tables_of_a_single_run(
    tmp_path: Path, databases: tuple[URL, URL], monkeypatch: pytest.MonkeyPatch
) -> None:
    """partitions.backfill_hours_per_run on the production topology: the sample's 7 days become
    runs of at most that many hours, the queue runs two at a time (deploy/dagster.yaml's
    dagster/backfill limit), the look-back partition mappings order them, and the tables equal
    the single-run materialisation that test_snapshots.py pins."""
    app_db, dagster_db = databases
    home = tmp_path / "dagster_home"
    env = app_environment(postgres_variables(app_db), str(dagster_db.database), home)
    env[CONFIG_ENV_VAR] = str(_config_with_runs_of(tmp_path, MULTI_RUN_HOURS))
    first, last = sample_export_range()
    hours = HOURLY.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
    started_at = time.monotonic()

    _migrate(env, app_db, tmp_path / "logs")
    topology = Topology(env=env, cwd=tmp_path, log_dir=tmp_path / "logs")
    try:
        url, repository, _ = start_services(topology)
        backfill_id = launch_asset_backfill(url, ASSET_NAMES, first, last, "multi-run test")
        backfill = wait_for(
            f"multi-run backfill {backfill_id} to complete",
            lambda: finished_backfill(url, backfill_id, topology),
            timeout=MULTI_RUN_TIMEOUT,
            interval=3,
        )
        # The same split launched from the job's page: Dagster would not order those runs, so
        # each is refused before it writes anything.
        job_backfill_id = _launch_backfill(url, repository, hours, "job backfill, split")
        refused = wait_for(
            f"job backfill {job_backfill_id}'s runs to end",
            lambda: _ended_runs(url, job_backfill_id),
            timeout=MULTI_RUN_TIMEOUT,
            interval=3,
        )
    except BaseException:
        print(f"\n{topology.log_tails()}")
        raise
    finally:
        topology.stop()
    runs = backfill["runs"]
    print(
        f"\nmulti-run backfill: {len(hours)} hours in {len(runs)} runs, "
        f"{time.monotonic() - started_at:.0f} s with start-up"
    )
    for run in sorted(runs, key=lambda run: run["startTime"]):
        start, end = _run_window(run)
        print(
            f"  {run['startTime'] - runs[0]['startTime']:6.1f}-"
            f"{run['endTime'] - runs[0]['startTime']:6.1f} s  {start:%m-%d %H}h..{end:%m-%d %H}h "
            f"{sorted(_assets_of(run))}"
        )

    # Split: several runs, none longer than the setting, all of this backfill.
    assert len(runs) >= len(hours) // MULTI_RUN_HOURS, runs
    assert max(_hours_in_run(run) for run in runs) <= MULTI_RUN_HOURS, runs
    assert {_tags(run)["dagster/backfill"] for run in runs} == {backfill_id}
    # Side by side, and never more than the queue allows for one backfill.
    spans = _launched_until_done(home, dagster_db, [run["runId"] for run in runs], monkeypatch)
    assert most_at_once(spans) == 2, spans
    # Ordered by the look-backs: no run read upstream hours another run was still writing.
    settings = load_settings(environ={CONFIG_ENV_VAR: env[CONFIG_ENV_VAR]})
    digest_lookback = lookback_hours(
        settings.digest.window_hours, settings.deduplication.lookback_days
    )
    early = [
        *_read_before_written(
            runs,
            "event_candidates",
            "raw_slack_messages",
            timedelta(hours=thread_lookback_hours(settings.slack)),
        ),
        *_read_before_written(runs, "events", "event_candidates", timedelta(0)),
        *_read_before_written(runs, "digests", "events", timedelta(hours=digest_lookback)),
    ]
    assert not early, early

    assert refused and {run["status"] for run in refused} == {"FAILURE"}, refused
    assert len(refused) > 1  # split too
    for run in refused:
        assert "backfill_hours_per_run" in _failure_message(home, run["runId"]), run

    # The same tables as one run over the whole range (snapshots/tables.json).
    expected = json.loads(TABLES_SNAPSHOT.read_text(encoding="utf-8"))
    assert expected["partition_range"] == [first, last]
    engine = create_engine(app_db)
    try:
        stored = asset_table_checksums(engine)
    finally:
        engine.dispose()
    for name in ASSET_TABLES:
        assert stored[name] == expected[name], name
