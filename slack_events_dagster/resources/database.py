"""The database resource and the partition-aware SQL IO manager every asset is stored through."""

import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dagster as dg
import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, select, text, tuple_
from sqlalchemy.exc import OperationalError

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.bulk import DEFAULT_CHUNK_ROWS, FrameReader, FrameWriter
from slack_events_dagster.storage.migrations import ensure_schema
from slack_events_dagster.storage.schema import ASSET_TABLES, PARTITION_COLUMN, utc

_ready: set[str] = set()
_ready_lock = threading.Lock()

KEY_LOOKUP_CHUNK = 500
# PostgreSQL: a write locks its table's hours one by one up to this many; a longer range locks
# the whole table instead (each advisory lock takes a slot in the server's shared lock table).
MAX_LOCKED_HOURS = 168
# A dropped PostgreSQL connection is retried once, when the server answers again within this.
RECONNECT_WAIT_SECONDS = 30.0


class DatabaseResource(dg.ConfigurableResource):
    """SQLite (embedded default) or PostgreSQL, as the `database` section of config.yaml says."""

    database: DatabaseSettings = DatabaseSettings()
    password: str | None = None  # EnvVar("POSTGRES_PASSWORD"): never a literal in run config

    @property
    def connection_settings(self) -> DatabaseSettings:
        """The section with the password added (in-process only, never part of run config)."""
        return self.database.with_password(self.password)

    @property
    def description(self) -> str:
        return engines.describe(self.database)

    def get_engine(self) -> Engine:
        """The pooled engine, checked reachable and migrated once per process."""
        engine = engines.get_engine(self.connection_settings)
        key = str(engine.url)
        with _ready_lock:
            if key not in _ready:
                try:
                    ensure_schema(engine, migrate=self.database.migrates_automatically)
                except OperationalError as error:
                    raise engines.unreachable_error(self.database, error) from None
                _ready.add(key)
        return engine


def _column_values(series: pd.Series) -> list[Any]:
    """One column as plain Python values, converted column-wise (much faster than per cell)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return [None if value is pd.NaT else value for value in series.dt.to_pydatetime()]
    values = series.tolist()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing = series.isna().to_numpy()
        if missing.any():
            for index in missing.nonzero()[0].tolist():
                values[index] = None
    return values


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values (datetime, None), converted column by column (much faster
    than per cell): what the pure domain functions take."""
    names = list(frame.columns)
    columns = [_column_values(frame[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def rows_to_frame(table: Table, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [column.name for column in table.columns]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class FrameStream:
    """An asset's rows as DataFrames produced one after another, so a long range never sits in
    memory at once. The IO manager stores each frame as it arrives, all in one transaction, then
    adds `metadata()` (counts known only at the end) to the materialization."""

    frames: Iterable[pd.DataFrame]
    metadata: Callable[[], Mapping[str, Any]] = dict
    # Replace only the window's rows whose column holds one of these values, e.g.
    # {"channel_id": the channels read}: other channels' stored rows stay. None: the whole window.
    replaces: Mapping[str, Sequence[Any]] | None = None


class PartitionRows:
    """An upstream table's rows for the partitions an input maps to, read only when asked: in
    chunks (bounded memory on long backfills), for a sub-window, or whole."""

    def __init__(
        self,
        engine: Engine,
        table: Table,
        window: dg.TimeWindow | None,
        empty: bool = False,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        database: DatabaseSettings | None = None,
        reconnect_wait_seconds: float = RECONNECT_WAIT_SECONDS,
    ) -> None:
        self.table = table
        self.window = window
        self._engine = engine
        self._database = database
        self._reconnect_wait_seconds = reconnect_wait_seconds
        self._empty = empty
        self._chunk_rows = chunk_rows
        self._reader = FrameReader(table, engine.dialect)

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A pooled connection (checked alive first); connecting is retried once after a dropped
        connection, and a lost server ends in an error that names it and what to do."""
        try:
            connection = _connect_with_one_retry(self._engine, self._reconnect_wait_seconds)
        except Exception as error:
            self._raise_if_lost(error)
            raise
        try:
            yield connection
        except Exception as error:
            self._raise_if_lost(error)
            raise
        finally:
            connection.close()

    def _raise_if_lost(self, error: Exception) -> None:
        """A lost server becomes an error that names it and what to do; others pass through."""
        if self._database is not None and engines.is_disconnect(self._engine, error):
            doing = f"reading {self.table.name}"
            raise engines.connection_lost_error(self._database, error, doing) from error

    def _where(self, statement: Any, start: datetime | None, end: datetime | None) -> Any:
        column = self.table.c[PARTITION_COLUMN]
        if self.window is not None:
            start = max(utc(self.window.start), utc(start)) if start else utc(self.window.start)
            end = min(utc(self.window.end), utc(end)) if end else utc(self.window.end)
        if start is not None:
            statement = statement.where(column >= start)
        if end is not None:
            statement = statement.where(column < end)
        return statement

    def chunks(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[pd.DataFrame]:
        """Every row of the hours in [start, end) (default: all of them), oldest hour first, at
        most `chunk_rows` rows per DataFrame."""
        if self._empty:
            return
        order = [self.table.c[PARTITION_COLUMN], *self.table.primary_key.columns]
        statement = self._where(self._reader.select(), start, end).order_by(*order)
        with self._connect() as connection:
            yield from self._reader.frames(connection, statement, self._chunk_rows)

    def read(self, start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
        """The rows of the hours in [start, end) (default: all of them), in primary-key order."""
        if self._empty:
            return self._reader.frame([])
        statement = self._where(self._reader.select(), start, end)
        statement = statement.order_by(*self.table.primary_key.columns)
        with self._connect() as connection:
            frames = list(self._reader.frames(connection, statement, self._chunk_rows))
        return pd.concat(frames, ignore_index=True) if frames else self._reader.frame([])

    def by_key(
        self, keys: Iterable[tuple[Any, ...]], *names: str
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """Rows by primary key within the input's hours (which a look-back partition mapping may
        widen: a thread reply's parent sits in an earlier partition), as {key: {column: value}}
        for the columns `names`."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        key_columns = list(self.table.primary_key.columns)
        columns = [self.table.c[name] for name in names]
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        with self._connect() as connection:
            for start in range(0, len(wanted), KEY_LOOKUP_CHUNK):
                chunk = wanted[start : start + KEY_LOOKUP_CHUNK]
                statement = self._where(
                    select(*key_columns, *columns).where(tuple_(*key_columns).in_(chunk)),
                    None,
                    None,
                )
                for row in connection.execute(statement):
                    values = tuple(row)
                    found[values[: len(key_columns)]] = dict(
                        zip(names, values[len(key_columns) :], strict=True)
                    )
        return found

    def distinct(
        self, *names: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[tuple[Any, ...]]:
        """The distinct values of these (plain) columns over the hours in [start, end) (default:
        the whole input), sorted."""
        if self._empty:
            return []
        columns = [self.table.c[name] for name in names]
        statement = self._where(select(*columns).distinct(), start, end).order_by(*columns)
        with self._connect() as connection:
            return [tuple(row) for row in connection.execute(statement)]


class SqlIOManager(dg.ConfigurableIOManager):
    """Stores each asset in its table; a partition (or range) is replaced in one transaction.
    Inputs arrive as PartitionRows; outputs are a DataFrame or a FrameStream."""

    database: dg.ResourceDependency[DatabaseResource]
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    reconnect_wait_seconds: float = RECONNECT_WAIT_SECONDS

    def _table(self, context: dg.OutputContext | dg.InputContext) -> Table:
        name = context.asset_key.path[-1]
        if name not in ASSET_TABLES:
            raise KeyError(f"No table for asset {name!r} in storage/schema.py")
        return ASSET_TABLES[name]

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | FrameStream) -> None:
        table = self._table(context)
        stream = obj if isinstance(obj, FrameStream) else FrameStream([obj])
        window = context.asset_partitions_time_window if context.has_asset_partitions else None
        engine = self.database.get_engine()
        started = [False]  # a stream's frames can be read once: retried only if none was read
        doing = f"storing {table.name}" + (f" for {_hours_text(window)}" if window else "")
        for attempt in (1, 2):
            try:
                deleted, inserted = self._replace(context, engine, table, window, stream, started)
                break
            except Exception as error:
                if not engines.is_disconnect(engine, error):
                    raise
                if attempt == 2 or (started[0] and isinstance(obj, FrameStream)):
                    retried = " (after one retry)" if attempt == 2 else ""
                    raise engines.connection_lost_error(
                        self.database.database, error, doing + retried
                    ) from error
                context.log.warning(
                    f"Connection to {self.database.description} dropped while {doing}: "
                    f"retrying once when it answers (waiting up to "
                    f"{self.reconnect_wait_seconds:g} s)"
                )
                engines.wait_until_reachable(engine, self.reconnect_wait_seconds)
        metadata: dict[str, Any] = {
            "dagster/row_count": inserted,
            "dagster/table_name": table.name,
            "rows_replaced": max(deleted, 0),
            "database": self.database.description,
        }
        if window is not None:
            metadata["partition_hours"] = _hour_count(window)
        if stream.replaces is not None:
            metadata["replaced_only"] = dg.MetadataValue.json(
                {name: sorted(values) for name, values in stream.replaces.items()}
            )
        context.add_output_metadata({**metadata, **stream.metadata()})

    def _replace(
        self,
        context: dg.OutputContext,
        engine: Engine,
        table: Table,
        window: dg.TimeWindow | None,
        stream: FrameStream,
        started: list[bool],
    ) -> tuple[int, int]:
        """Delete the window's rows (those in `stream.replaces` only, when given) and insert the
        stream's, in one transaction that first waits for every other writer of these hours."""
        statement = delete(table)
        frames: Iterable[pd.DataFrame] = _marking_started(stream.frames, started)
        if window is not None:
            start, end = utc(window.start), utc(window.end)
            column = table.c[PARTITION_COLUMN]
            statement = statement.where(column >= start, column < end)
            frames = (_in_window(table.name, frame, start, end) for frame in frames)
        if stream.replaces is not None:
            scope = {name: list(values) for name, values in stream.replaces.items()}
            for name, values in scope.items():
                statement = statement.where(table.c[name].in_(values))
            frames = (_in_scope(table.name, frame, scope) for frame in frames)
        writer = FrameWriter(table, engine.dialect)
        with engine.begin() as connection:
            try:
                _lock_hours(connection, table, window, context.log)
                deleted = connection.execute(statement).rowcount
                inserted = writer.insert(connection, frames)
            except Exception as error:
                if engines.is_disconnect(engine, error):
                    connection.invalidate()  # never hand a dead connection back to the pool
                raise
        return deleted, inserted

    def load_input(self, context: dg.InputContext) -> PartitionRows:
        table = self._table(context)
        engine = self.database.get_engine()

        def rows(window: dg.TimeWindow | None, empty: bool = False) -> PartitionRows:
            return PartitionRows(
                engine,
                table,
                window,
                empty=empty,
                chunk_rows=self.chunk_rows,
                database=self.database.database,
                reconnect_wait_seconds=self.reconnect_wait_seconds,
            )

        if not context.has_asset_partitions:
            return rows(None)
        if not context.asset_partition_keys:  # e.g. a look-back before the first partition
            return rows(None, empty=True)
        return rows(context.asset_partitions_time_window)


def _connect_with_one_retry(engine: Engine, wait_seconds: float) -> Connection:
    """engine.connect(), once more if the connection dropped or was refused and the server
    answers again within `wait_seconds`."""
    try:
        return engine.connect()
    except Exception as error:
        if not engines.is_disconnect(engine, error):
            raise
        if not engines.wait_until_reachable(engine, wait_seconds):
            raise
    return engine.connect()


def _marking_started(frames: Iterable[pd.DataFrame], started: list[bool]) -> Iterator[pd.DataFrame]:
    for frame in frames:
        started[0] = True
        yield frame


def _hour_count(window: dg.TimeWindow) -> int:
    return int((window.end - window.start).total_seconds() // 3600)


def _hours_text(window: dg.TimeWindow) -> str:
    last = utc(window.end) - timedelta(hours=1)
    first = utc(window.start)
    if first >= last:
        return f"hour {first:%Y-%m-%d %H:00} UTC"
    return f"hours {first:%Y-%m-%d %H:00}..{last:%Y-%m-%d %H:00} UTC ({_hour_count(window)} h)"


def table_lock_key(table: Table) -> int:
    """A stable 31-bit number for the table: the first key of its advisory locks."""
    return zlib.crc32(table.name.encode()) & 0x7FFFFFFF


def _lock_hours(
    connection: Connection, table: Table, window: dg.TimeWindow | None, log: Any
) -> None:
    """PostgreSQL: wait until no other transaction writes any of the window's hours of `table`,
    and hold them until this one ends (transaction-level advisory locks, released on commit or
    rollback). Hours are locked oldest first, so overlapping windows queue instead of
    deadlocking; each run holds the table's shared lock meanwhile. A window longer than
    MAX_LOCKED_HOURS (or none) takes the table's exclusive lock instead. SQLite needs none of
    this: it admits one writer at a time (and waits up to its busy timeout)."""
    if connection.dialect.name != "postgresql":
        return
    key = table_lock_key(table)
    locks: list[tuple[str, tuple[int, ...]]]
    if window is None or _hour_count(window) > MAX_LOCKED_HOURS:
        what = f"all of {table.name} ({_hours_text(window) if window else 'unpartitioned'})"
        locks = [("pg_advisory_xact_lock", (key,))]
    else:
        what = f"{table.name} {_hours_text(window)}"
        first_hour = int(utc(window.start).timestamp() // 3600)
        hours = range(first_hour, first_hour + _hour_count(window))
        locks = [("pg_advisory_xact_lock_shared", (key,))]
        locks += [("pg_advisory_xact_lock", (key, hour)) for hour in hours]
    waited_since: float | None = None
    for function, keys in locks:
        names = ", ".join(f":k{index}" for index in range(len(keys)))
        params = {f"k{index}": value for index, value in enumerate(keys)}
        try_function = function.replace("pg_advisory", "pg_try_advisory", 1)
        if connection.execute(text(f"select {try_function}({names})"), params).scalar():
            continue
        if waited_since is None:
            waited_since = time.monotonic()
            log.info(f"Waiting for {what} held by another run (overlapping runs take turns)")
        connection.execute(text(f"select {function}({names})"), params)
    if waited_since is not None:
        log.info(f"Got {what} after {time.monotonic() - waited_since:.1f} s of waiting")


def _in_scope(table_name: str, frame: pd.DataFrame, scope: Mapping[str, list[Any]]) -> pd.DataFrame:
    """Only rows inside what is replaced may be written (another row would collide with, or
    survive next to, a stored one)."""
    for name, values in scope.items():
        if name in frame.columns and not frame.empty:
            outside = ~frame[name].isin(values)
            if outside.any():
                raise ValueError(
                    f"Row for {table_name!r} has {name}={frame[name][outside].iloc[0]!r}, not "
                    f"among the {len(values)} values being replaced: the asset built a wrong row"
                )
    return frame


def _in_window(
    table_name: str, frame: pd.DataFrame, start: datetime, end: datetime
) -> pd.DataFrame:
    """A row outside the partition would survive the next replacement: refuse to write it."""
    if PARTITION_COLUMN not in frame.columns or frame.empty:
        return frame
    hours = pd.to_datetime(frame[PARTITION_COLUMN], utc=True)
    outside = hours.isna() | (hours < pd.Timestamp(start)) | (hours >= pd.Timestamp(end))
    if outside.any():
        hour = frame[PARTITION_COLUMN][outside].iloc[0]
        raise ValueError(
            f"Row for {table_name!r} has {PARTITION_COLUMN}={hour} outside the partition "
            f"window [{start.isoformat()}, {end.isoformat()}): the asset built a wrong row"
        )
    return frame
