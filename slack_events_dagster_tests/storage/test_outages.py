"""PostgreSQL restarts and outages while the IO manager works: a dropped connection is retried
once, and a server that stays away ends in an error naming it and what to do. Each test runs
its own private PostgreSQL 16 (never the session's shared server), restarted or stopped for real.
"""

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from devtools.postgres16 import Postgres16, start_postgres16
from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import PartitionSettings, Settings
from slack_events_dagster.storage.engine import DatabaseUnreachableError, get_engine
from slack_events_dagster.storage.frames import FrameStream
from slack_events_dagster.storage.locks import table_lock_key
from slack_events_dagster.storage.schema import digests
from slack_events_dagster_tests.conftest import make_settings

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

HOUR = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def private_server() -> Iterator[Postgres16]:
    """A PostgreSQL 16 of this test's own, outside pytest's basetemp (see conftest)."""
    root = Path(tempfile.mkdtemp(prefix="slack-events-pg16-outage-"))
    server = start_postgres16(root / "data")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _settings(tmp_path: Path, server: Postgres16) -> Settings:
    return make_settings(
        tmp_path,
        DATABASE_TYPE="postgres",
        DATABASE_AUTO_MIGRATE="true",
        POSTGRES_HOST=server.host,
        POSTGRES_PORT=str(server.port),
        POSTGRES_DATABASE="postgres",
        POSTGRES_USER=server.user,
    )


def digest_rows(hour: datetime, marker: str) -> pd.DataFrame:
    """One digest row for `hour`, told apart by `marker`."""
    return pd.DataFrame(
        [
            {
                "partition_hour": hour,
                "target": "default",
                "window_start": hour - timedelta(hours=23),
                "window_end": hour + timedelta(hours=1),
                "event_count": 0,
                "entries": [],
                "markdown": f"# {marker}",
                "blocks": [],
            }
        ]
    )


def _context(hour: datetime) -> dg.OutputContext:
    key = hour.strftime("%Y-%m-%d-%H:%M")
    return dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        partition_key=key,
    )


def _io(settings: Settings, reconnect_wait_seconds: float = 30.0) -> SqlIOManager:
    return SqlIOManager(
        database=DatabaseResource(database=settings.database),
        reconnect_wait_seconds=reconnect_wait_seconds,
    )


def _input_context(hour: datetime) -> dg.InputContext:
    key = hour.strftime("%Y-%m-%d-%H:%M")
    return dg.build_input_context(
        upstream_output=dg.build_output_context(definition_metadata=TABLE_ASSET_METADATA),
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=dg.PartitionKeyRange(key, key),
    )


def _stored(settings: Settings) -> list[tuple[int, str]]:
    """(hour, markdown) of every stored digest."""
    with get_engine(settings.database).connect() as connection:
        rows = connection.execute(
            text("select partition_hour, markdown from digests order by partition_hour, target")
        )
        return [(row[0].hour, row[1]) for row in rows]


def test_a_restart_between_two_writes_is_invisible(
    private_server: Postgres16, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, private_server)
    io = _io(settings)
    io.handle_output(_context(HOUR), digest_rows(HOUR, "v1"))
    private_server.restart()  # the pooled connection is now dead
    later = HOUR + timedelta(hours=1)
    io.handle_output(_context(later), digest_rows(later, "v1"))
    assert _stored(settings) == [(9, "# v1"), (10, "# v1")]


def wait_for_lock_waiter(url: str) -> None:
    """Until a session of the server at `url` waits on an advisory lock (a condition, not a
    delay)."""
    engine = create_engine(url)
    query = text(
        "select count(*) from pg_stat_activity "
        "where wait_event_type = 'Lock' and wait_event = 'advisory'"
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if connection.execute(query).scalar_one():
                    return
            time.sleep(0.05)
        raise AssertionError("the write never waited for the lock")
    finally:
        engine.dispose()


def test_a_restart_while_a_write_waits_is_retried_once(
    private_server: Postgres16, tmp_path: Path
) -> None:
    """The write waits for another run's lock on its hour; the server restarts meanwhile
    (dropping both); the write is retried once the server answers, and stores its rows."""
    settings = _settings(tmp_path, private_server)
    io = _io(settings)
    io.handle_output(_context(HOUR), digest_rows(HOUR, "v1"))
    other_run = create_engine(private_server.url())
    holder = other_run.connect()
    holder.begin()
    hour_key = int(HOUR.timestamp() // 3600)
    holder.execute(
        text("select pg_advisory_xact_lock(:a, :b)"), {"a": table_lock_key(digests), "b": hour_key}
    )
    failure: list[BaseException] = []

    def write() -> None:
        try:
            io.handle_output(_context(HOUR), digest_rows(HOUR, "v2"))
        except BaseException as error:  # reported below
            failure.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for_lock_waiter(private_server.url())
        private_server.restart()
    finally:
        writer.join()
        holder.invalidate()
        other_run.dispose()
    assert not failure, failure
    assert _stored(settings) == [(9, "# v2")]


def test_a_restart_in_the_middle_of_a_stream_fails_clearly_and_keeps_the_old_rows(
    private_server: Postgres16, tmp_path: Path
) -> None:
    """A streamed write cannot be replayed (its frames were read once): the run fails with
    what happened and what to do, and the hour keeps its previous rows."""
    settings = _settings(tmp_path, private_server)
    io = _io(settings)
    io.handle_output(_context(HOUR), digest_rows(HOUR, "v1"))

    def frames() -> Iterator[pd.DataFrame]:
        yield digest_rows(HOUR, "v2")
        private_server.restart()
        yield digest_rows(HOUR, "v2").assign(target="second")

    with pytest.raises(DatabaseUnreachableError) as raised:
        io.handle_output(_context(HOUR), FrameStream(frames()))
    message = str(raised.value)
    assert f"PostgreSQL at {private_server.host}:{private_server.port}" in message
    assert "storing digests for hour 2026-11-23 09:00 UTC" in message
    assert "nothing of it was stored" in message
    assert f"pg_isready -h {private_server.host} -p {private_server.port}" in message
    assert _stored(settings) == [(9, "# v1")]


def test_a_server_that_stays_down_is_named_with_what_to_do(
    private_server: Postgres16, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, private_server)
    io = _io(settings, reconnect_wait_seconds=1)
    io.handle_output(_context(HOUR), digest_rows(HOUR, "v1"))
    private_server.stop()
    where = f"PostgreSQL at {private_server.host}:{private_server.port}"
    with pytest.raises(DatabaseUnreachableError, match="after one retry") as raised:
        io.handle_output(_context(HOUR), digest_rows(HOUR, "v2"))
    assert where in str(raised.value) and "pg_isready" in str(raised.value)
    with pytest.raises(DatabaseUnreachableError, match="while reading digests") as raised:
        io.load_input(_input_context(HOUR)).read()
    assert where in str(raised.value) and "pg_isready" in str(raised.value)
