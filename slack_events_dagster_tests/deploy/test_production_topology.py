"""The docker-compose topology, run natively on PostgreSQL 16: migrate, code server, webserver and
daemon as separate processes sharing PostgreSQL instance storage and a QueuedRunCoordinator.

Drives it like an operator does through the UI: a partition backfill of slack_events_job launched
over GraphQL and dequeued by the daemon, then the hourly schedule switched on and evaluated.
"""

import subprocess
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

from devtools.postgres16 import apply_dagster_database_settings, free_port
from slack_events_dagster.partitions import hourly_partitions
from slack_events_dagster.settings import PROJECT_ROOT, PartitionSettings
from slack_events_dagster_tests.deploy.topology import (
    DEPLOY_DIR,
    Topology,
    app_environment,
    console_script,
    graphql,
    http_json,
    wait_for,
    write_dagster_home,
)

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

FIRST, LAST = "2026-11-23-08:00", "2026-11-23-11:00"  # hours of the bundled sample export
BACKFILL_HOURS = HOURLY.get_partition_keys_in_range(dg.PartitionKeyRange(FIRST, LAST))
JOB = "slack_events_job"
SCHEDULE = "slack_events_hourly"
ASSET_TABLES = ("raw_slack_messages", "event_candidates", "events", "digests")
BACKFILL_TIMEOUT = 240
STARTUP_TIMEOUT = 90
BAD_BACKFILL_STATES = {"FAILED", "COMPLETED_FAILED", "CANCELED", "CANCELING", "FAILING"}
REQUIRED_DAEMONS = {"SCHEDULER", "BACKFILL", "QUEUED_RUN_COORDINATOR"}

WORKSPACE_QUERY = """
query {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name } }
          ... on PythonError { message }
        }
      }
    }
  }
}"""
DAEMON_HEALTH_QUERY = """
query { instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }"""
PARTITION_SETS_QUERY = """
query ($repository: RepositorySelector!, $job: String!) {
  partitionSetsOrError(repositorySelector: $repository, pipelineName: $job) {
    __typename
    ... on PartitionSets { results { name } }
  }
}"""
LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}"""
BACKFILL_QUERY = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      partitionNames
      error { message }
      runs { runId status jobName tags { key value } }
    }
    ... on Error { message }
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


def _postgres_variables(app_db: URL) -> dict[str, str]:
    variables = {
        "POSTGRES_HOST": app_db.host or "127.0.0.1",
        "POSTGRES_PORT": str(app_db.port or 5432),
        "POSTGRES_DATABASE": str(app_db.database),
        "POSTGRES_USER": app_db.username or "postgres",
    }
    if app_db.password:
        variables["POSTGRES_PASSWORD"] = app_db.password
    return variables


def _tags(run: dict[str, Any]) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def _only_location() -> str:
    (entry,) = yaml.safe_load((DEPLOY_DIR / "workspace.yaml").read_text())["load_from"]
    return entry["grpc_server"]["location_name"]


def _loaded_repository(url: str, location: str) -> str | None:
    """The repository name once the webserver has loaded the code location from the code server."""
    entries = graphql(url, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
    (entry,) = [entry for entry in entries if entry["name"] == location]
    loaded = entry["locationOrLoadError"]
    if entry["loadStatus"] != "LOADED" or loaded is None:
        return None
    assert loaded["__typename"] == "RepositoryLocation", loaded
    (repository,) = loaded["repositories"]
    return repository["name"]


def _daemons_healthy(url: str) -> bool:
    statuses = graphql(url, DAEMON_HEALTH_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {status["daemonType"] for status in statuses if status["healthy"]}
    return healthy >= REQUIRED_DAEMONS


def _finished_backfill(url: str, backfill_id: str, topology: Topology) -> dict[str, Any] | None:
    topology.assert_running()
    backfill = graphql(url, BACKFILL_QUERY, {"id": backfill_id})["partitionBackfillOrError"]
    assert backfill["__typename"] == "PartitionBackfill", backfill
    runs = backfill["runs"]
    failed = [run for run in runs if run["status"] in {"FAILURE", "CANCELED"}]
    if backfill["status"] in BAD_BACKFILL_STATES or failed:
        raise AssertionError(f"backfill {backfill_id} went wrong: {backfill}")
    done = backfill["status"] == "COMPLETED_SUCCESS" and runs
    return backfill if done and all(run["status"] == "SUCCESS" for run in runs) else None


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


def _succeeds(command: list[str], env: dict[str, str], cwd: Path) -> bool:
    finished = subprocess.run(command, env=env, cwd=cwd, capture_output=True, timeout=30)
    return finished.returncode == 0


def _single_run_request(tick: dict[str, Any]) -> dict[str, str]:
    evaluation = tick["evaluationResult"]
    assert evaluation["error"] is None, evaluation["error"]
    (request,) = evaluation["runRequests"]
    assert request["jobName"] == JOB
    return _tags(request)


def _check_backfill(url: str, repository: dict[str, str], topology: Topology) -> dict[str, Any]:
    """Launch a partition backfill of the job over GraphQL; the daemon runs it to SUCCESS."""
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
                "partitionNames": BACKFILL_HOURS,
                "title": "production topology test",
            }
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]
    backfill = wait_for(
        f"backfill {backfill_id} to complete (QueuedRunCoordinator + daemon)",
        lambda: _finished_backfill(url, backfill_id, topology),
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


@pytest.mark.slow
@pytest.mark.postgres
def test_compose_topology_backfills_and_schedules_on_postgres16(
    tmp_path: Path, databases: tuple[URL, URL], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_db, dagster_db = databases
    home = tmp_path / "dagster_home"
    env = app_environment(_postgres_variables(app_db), str(dagster_db.database), home)
    timings: dict[str, float] = {}
    started_at = time.monotonic()

    # 1. migrate: the one-shot `alembic upgrade head` service.
    migrated = Topology(env=env, cwd=PROJECT_ROOT, log_dir=tmp_path / "logs")
    migration = migrated.start("migrate", [console_script("alembic"), "upgrade", "head"])
    try:
        assert migration.process.wait(timeout=120) == 0, migration.tail()
    finally:
        migrated.stop()
    head = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()
    engine = create_engine(app_db)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    engine.dispose()

    # 2. DAGSTER_HOME as the image has it, pointing at a code server on a free port.
    grpc_port, web_port = free_port(), free_port()
    while web_port == grpc_port:
        web_port = free_port()
    write_dagster_home(home, "127.0.0.1", grpc_port)
    workspace = str(home / "workspace.yaml")
    url = f"http://127.0.0.1:{web_port}"
    location = _only_location()

    topology = Topology(env=env, cwd=tmp_path, log_dir=tmp_path / "logs")
    try:
        # 3. code, then (once it answers, as a compose healthcheck would) webserver and daemon.
        dagster = console_script("dagster")
        code = [dagster, "code-server", "start", "-h", "127.0.0.1", "-p", str(grpc_port)]
        topology.start("code", [*code, "-m", "slack_events_dagster.definitions"])
        health = [dagster, "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(grpc_port)]
        wait_for(
            "the code server's gRPC health check",
            lambda: topology.assert_running() or _succeeds(health, env, tmp_path),
            timeout=STARTUP_TIMEOUT,
        )
        web = [console_script("dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port)]
        topology.start("webserver", [*web, "-w", workspace])
        topology.start("daemon", [console_script("dagster-daemon"), "run", "-w", workspace])
        info = wait_for(
            "the webserver's /server_info",
            lambda: topology.assert_running() or http_json(f"{url}/server_info"),
            timeout=STARTUP_TIMEOUT,
        )
        assert info["dagster_version"] == dg.__version__
        repository_name = wait_for(
            f"code location {location} to load in the webserver",
            lambda: _loaded_repository(url, location),
            timeout=STARTUP_TIMEOUT,
        )
        repository = {"repositoryName": repository_name, "repositoryLocationName": location}
        timings["startup"] = time.monotonic() - started_at

        # 4. a partition backfill of the job, dequeued and run by the daemon.
        wait_for("the daemons' heartbeats", lambda: _daemons_healthy(url), STARTUP_TIMEOUT, 2)
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
