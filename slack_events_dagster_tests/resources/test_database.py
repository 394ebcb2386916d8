"""The SQL IO manager on SQLite and PostgreSQL 16: replace-by-partition in one transaction."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from sqlalchemy import func, select

from slack_events_dagster.definitions import build_resources
from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import PartitionSettings, Settings
from slack_events_dagster.storage.engine import (
    DatabaseUnreachableError,
    check_connection,
    get_engine,
)
from slack_events_dagster.storage.frames import FrameStream
from slack_events_dagster.storage.schema import digests
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import dump_tables, materialize_range, table_rows

# config.yaml's partitions (the sample export's first day onwards), built as definitions.py does
HOURLY = hourly_partitions(PartitionSettings())

HOUR = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d-%H:%M")


def _digest_rows(hour: datetime, targets: list[str], marker: str = "v1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "partition_hour": hour,
                "target": target,
                "window_start": hour - timedelta(hours=23),
                "window_end": hour + timedelta(hours=1),
                "event_count": 1,
                "entries": [{"title": f"{marker} {target}"}],
                "markdown": f"# {marker}",
                "blocks": [{"type": "header"}],
            }
            for target in targets
        ]
    )


def _io(settings: Settings) -> SqlIOManager:
    return SqlIOManager(database=DatabaseResource(database=settings.database))


def _write(io: SqlIOManager, frame: pd.DataFrame, start: datetime, end: datetime | None = None):
    key_range = dg.PartitionKeyRange(_key(start), _key(end or start))
    context = dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=key_range,
    )
    io.handle_output(context, frame)
    return {key: value.value for key, value in context.get_logged_metadata().items()}


def _read(io: SqlIOManager, start: datetime, end: datetime) -> pd.DataFrame:
    context = dg.build_input_context(
        upstream_output=dg.build_output_context(definition_metadata=TABLE_ASSET_METADATA),
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=dg.PartitionKeyRange(_key(start), _key(end)),
    )
    return io.load_input(context).read()


def _count(settings: Settings) -> int:
    engine = DatabaseResource(database=settings.database).get_engine()
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(digests)).scalar_one()


def test_replaces_exactly_the_partition_and_reads_it_back(any_settings: Settings) -> None:
    io = _io(any_settings)
    metadata = _write(io, _digest_rows(HOUR, ["a", "b"]), HOUR)
    assert metadata["dagster/row_count"] == 2
    _write(io, _digest_rows(HOUR + timedelta(hours=1), ["a"]), HOUR + timedelta(hours=1))
    metadata = _write(io, _digest_rows(HOUR, ["c"], marker="v2"), HOUR)  # re-run of HOUR
    assert metadata["rows_replaced"] == 2
    assert _count(any_settings) == 2

    frame = _read(io, HOUR, HOUR + timedelta(hours=1))
    assert sorted(frame["target"]) == ["a", "c"]
    row = frame[frame["target"] == "c"].iloc[0]
    assert row["entries"] == [{"title": "v2 c"}]
    assert row["partition_hour"] == pd.Timestamp(HOUR)
    assert str(frame["partition_hour"].dt.tz) == "UTC"


def test_range_write_replaces_every_hour_of_the_range_in_one_go(any_settings: Settings) -> None:
    io = _io(any_settings)
    hours = [HOUR + timedelta(hours=i) for i in range(3)]
    for hour in hours:
        _write(io, _digest_rows(hour, ["old"]), hour)
    frame = pd.concat([_digest_rows(h, ["new"]) for h in hours[:2]])
    metadata = _write(io, frame, hours[0], hours[1])
    assert metadata["partition_hours"] == 2
    assert metadata["rows_replaced"] == 2
    after = _read(io, hours[0], hours[2])
    assert list(after.sort_values("partition_hour")["target"]) == ["new", "new", "old"]


def test_a_failed_insert_leaves_the_previous_rows(any_settings: Settings) -> None:
    io = _io(any_settings)
    _write(io, _digest_rows(HOUR, ["kept"]), HOUR)
    broken = _digest_rows(HOUR, ["x", "y"])
    broken.loc[1, "markdown"] = None  # NOT NULL violation on the second row, after the delete
    with pytest.raises(Exception, match=r"(?i)not null|null value"):
        _write(io, broken, HOUR)
    assert list(_read(io, HOUR, HOUR)["target"]) == ["kept"]


def test_rows_outside_the_partition_and_wrong_columns_are_refused(
    sqlite_settings: Settings,
) -> None:
    io = _io(sqlite_settings)
    with pytest.raises(ValueError, match="outside the partition window"):
        _write(io, _digest_rows(HOUR + timedelta(hours=1), ["a"]), HOUR)
    with pytest.raises(ValueError, match=r"missing columns \['blocks'\]"):
        _write(io, _digest_rows(HOUR, ["a"]).drop(columns=["blocks"]), HOUR)
    assert _count(sqlite_settings) == 0


def test_loading_partitions_never_written_gives_an_empty_typed_frame(
    any_settings: Settings,
) -> None:
    frame = _read(_io(any_settings), HOUR, HOUR + timedelta(hours=5))
    assert frame.empty
    assert list(frame.columns) == [column.name for column in digests.columns]


def test_unreachable_postgres_names_host_port_and_the_fix(tmp_path: Path) -> None:
    from devtools.postgres16 import free_port

    port = free_port()
    settings = make_settings(
        tmp_path, DATABASE_TYPE="postgres", POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(port)
    )
    with pytest.raises(DatabaseUnreachableError) as error:
        check_connection(settings.database)
    message = str(error.value)
    assert f"127.0.0.1:{port}" in message
    assert f"pg_isready -h 127.0.0.1 -p {port}" in message
    with pytest.raises(DatabaseUnreachableError, match="pg_isready"):
        DatabaseResource(database=settings.database).get_engine()


@pytest.mark.postgres
def test_every_database_setting_reaches_the_dagster_resource(tmp_path: Path) -> None:
    """Dagster runs use what config.yaml says, as the CLI does: no setting is dropped on the way
    to DatabaseResource (connect_timeout_seconds once was: runs used 5 s, the CLI the file)."""
    settings = make_settings(
        tmp_path,
        DATABASE_TYPE="postgres",
        POSTGRES_HOST="db.internal",
        POSTGRES_PORT="6543",
        POSTGRES_DATABASE="events_prod",
        POSTGRES_USER="events_app",
        POSTGRES_MIN_CONNECTIONS="2",
        POSTGRES_MAX_CONNECTIONS="9",
        POSTGRES_CONNECT_TIMEOUT_SECONDS="17",
        DATABASE_AUTO_MIGRATE="true",
    )
    given = settings.database
    assert given.postgres.connect_timeout_seconds == 17  # the variable is read at all
    resource = build_resources(settings)["database"]
    assert isinstance(resource, DatabaseResource)
    assert resource.connection_settings.model_dump() == given.model_dump()


def test_postgres_pool_is_bounded_by_settings(postgres_env: dict[str, str], tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, POSTGRES_MIN_CONNECTIONS="2", POSTGRES_MAX_CONNECTIONS="3", **postgres_env
    )
    engine = get_engine(settings.database)
    assert engine.url.drivername == "postgresql+psycopg2"
    assert engine.pool.size() == 2
    assert engine.pool._max_overflow == 1


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_settings: Settings) -> None:
    from sqlalchemy import text

    with get_engine(sqlite_settings.database).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == 30_000


def _stream_context(start: datetime, end: datetime) -> dg.OutputContext:
    return dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=dg.PartitionKeyRange(_key(start), _key(end)),
    )


def test_a_stream_is_stored_as_it_comes_with_its_final_metadata(any_settings: Settings) -> None:
    io = _io(any_settings)
    hours = [HOUR + timedelta(hours=i) for i in range(3)]
    produced: list[int] = []

    def frames():
        for hour in hours:
            produced.append(len(produced))
            yield _digest_rows(hour, ["a", "b"])

    context = _stream_context(hours[0], hours[-1])
    io.handle_output(context, FrameStream(frames(), lambda: {"frames": len(produced)}))
    metadata = {key: value.value for key, value in context.get_logged_metadata().items()}
    assert metadata["dagster/row_count"] == 6 and metadata["frames"] == 3
    assert len(_read(io, hours[0], hours[-1])) == 6


def test_a_stream_that_fails_halfway_leaves_the_previous_rows(any_settings: Settings) -> None:
    """Each partition's rows are replaced in one transaction, however long the stream runs."""
    io = _io(any_settings)
    hours = [HOUR, HOUR + timedelta(hours=1)]
    _write(io, pd.concat([_digest_rows(h, ["kept"]) for h in hours]), hours[0], hours[1])

    def frames():
        yield _digest_rows(hours[0], ["new"])
        raise RuntimeError("the Slack API went away")

    with pytest.raises(RuntimeError, match="went away"):
        io.handle_output(_stream_context(hours[0], hours[1]), FrameStream(frames()))
    assert sorted(_read(io, hours[0], hours[1])["target"]) == ["kept", "kept"]


def test_inputs_are_read_lazily_by_chunk_sub_window_and_distinct_values(
    any_settings: Settings,
) -> None:
    io = SqlIOManager(database=DatabaseResource(database=any_settings.database), chunk_rows=2)
    hours = [HOUR + timedelta(hours=i) for i in range(3)]
    _write(io, pd.concat([_digest_rows(h, ["a", "b"]) for h in hours]), hours[0], hours[-1])
    context = dg.build_input_context(
        upstream_output=dg.build_output_context(definition_metadata=TABLE_ASSET_METADATA),
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=dg.PartitionKeyRange(_key(hours[1]), _key(hours[2])),
    )
    rows = io.load_input(context)
    chunks = list(rows.chunks())
    assert [len(chunk) for chunk in chunks] == [2, 2]  # 4 rows of the 2 mapped hours, 2 at a time
    assert [c["partition_hour"].iloc[0] for c in chunks] == [pd.Timestamp(h) for h in hours[1:]]
    assert len(rows.read(hours[2], hours[2] + timedelta(hours=5))) == 2  # clipped to the input
    assert rows.read(hours[0], hours[1]).empty  # before the input's window
    assert rows.distinct("target") == [("a",), ("b",)]


def test_distinct_values_can_be_limited_to_some_hours(any_settings: Settings) -> None:
    """event_candidates names channels from its own hours, not its whole look-back input."""
    io = _io(any_settings)
    hours = [HOUR + timedelta(hours=i) for i in range(3)]
    frames = [_digest_rows(hour, [target]) for hour, target in zip(hours, "abc", strict=True)]
    _write(io, pd.concat(frames), hours[0], hours[-1])
    context = dg.build_input_context(
        upstream_output=dg.build_output_context(definition_metadata=TABLE_ASSET_METADATA),
        asset_key=dg.AssetKey("digests"),
        asset_partitions_def=HOURLY,
        asset_partition_key_range=dg.PartitionKeyRange(_key(hours[0]), _key(hours[-1])),
    )
    rows = io.load_input(context)
    assert rows.distinct("target") == [("a",), ("b",), ("c",)]
    assert rows.distinct("target", start=hours[1], end=hours[2]) == [("b",)]


def test_a_narrower_channel_whitelist_keeps_the_other_channels_history(
    any_settings: Settings,
) -> None:
    """Re-running hours with SLACK_CHANNELS=#releases replaces only #releases' raw rows: the other
    channels' messages of those hours stay, and so does everything computed from them."""
    first, last = "2026-11-23-00:00", "2026-11-23-12:00"
    materialize_range(any_settings, first, last)
    before = dump_tables(any_settings)
    stored = table_rows(any_settings, "raw_slack_messages")
    assert len({row["channel_name"] for row in stored}) >= 3
    releases = {row["channel_id"] for row in stored if row["channel_name"] == "releases"}

    narrowed = any_settings.model_copy(
        update={"slack": any_settings.slack.model_copy(update={"channels": ["#releases"]})}
    )
    result = materialize_range(narrowed, first, last)
    raw = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    assert raw["replaced_only"].value == {"channel_id": sorted(releases)}
    assert raw["rows_replaced"].value == raw["dagster/row_count"].value > 0
    assert dump_tables(any_settings) == before


def test_a_scoped_stream_replaces_only_its_values_and_refuses_rows_outside(
    any_settings: Settings,
) -> None:
    io = _io(any_settings)
    _write(io, _digest_rows(HOUR, ["a", "b"]), HOUR)
    scoped = FrameStream([_digest_rows(HOUR, ["a"], marker="v2")], replaces={"target": ["a"]})
    metadata = _write(io, scoped, HOUR)
    assert metadata["rows_replaced"] == 1
    stored = _read(io, HOUR, HOUR)
    assert stored["markdown"].tolist() == ["# v2", "# v1"]
    outside = FrameStream([_digest_rows(HOUR, ["b"], marker="v3")], replaces={"target": ["a"]})
    with pytest.raises(ValueError, match="target='b', not among the 1 values being replaced"):
        _write(io, outside, HOUR)
    assert _read(io, HOUR, HOUR)["markdown"].tolist() == ["# v2", "# v1"]
