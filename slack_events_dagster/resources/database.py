"""The database resource and the partition-aware SQL IO manager every asset is stored through."""

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy import Engine, Table, delete, select, tuple_
from sqlalchemy.exc import OperationalError

from slack_events_dagster.settings import DatabaseSettings, PostgresSettings
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.bulk import DEFAULT_CHUNK_ROWS, FrameReader, FrameWriter
from slack_events_dagster.storage.migrations import ensure_schema
from slack_events_dagster.storage.schema import ASSET_TABLES, PARTITION_COLUMN, utc

_ready: set[str] = set()
_ready_lock = threading.Lock()

KEY_LOOKUP_CHUNK = 500


class DatabaseResource(dg.ConfigurableResource):
    """SQLite (embedded default) or PostgreSQL, as `database.type` in config.yaml says."""

    type: Literal["sqlite", "postgres"] = "sqlite"
    sqlite_path: str = "data/slack_events.db"
    host: str = "localhost"
    port: int = 5432
    database: str = "slack_events"
    user: str = "postgres"
    password: str | None = None
    min_connections: int = 1
    max_connections: int = 5
    auto_migrate: bool = True

    _settings: DatabaseSettings | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, database: DatabaseSettings) -> "DatabaseResource":
        """Resource config from Settings; the password stays an EnvVar, never a literal."""
        pg = database.postgres
        return cls(
            type=database.type,
            sqlite_path=str(database.path),
            host=pg.host,
            port=pg.port,
            database=pg.database,
            user=pg.user,
            password=dg.EnvVar("POSTGRES_PASSWORD") if pg.password else None,
            min_connections=pg.min_connections,
            max_connections=pg.max_connections,
            auto_migrate=database.migrates_automatically,
        )

    @property
    def settings(self) -> DatabaseSettings:
        if self._settings is None:
            self._settings = DatabaseSettings(
                type=self.type,
                path=self.sqlite_path,
                auto_migrate=self.auto_migrate,
                postgres=PostgresSettings(
                    host=self.host,
                    port=self.port,
                    database=self.database,
                    user=self.user,
                    password=self.password,
                    min_connections=self.min_connections,
                    max_connections=self.max_connections,
                ),
            )
        return self._settings

    @property
    def description(self) -> str:
        return engines.describe(self.settings)

    def get_engine(self) -> Engine:
        """The pooled engine, checked reachable and migrated once per process."""
        engine = engines.get_engine(self.settings)
        key = str(engine.url)
        with _ready_lock:
            if key not in _ready:
                try:
                    ensure_schema(engine, migrate=self.auto_migrate)
                except OperationalError as error:
                    raise engines.unreachable_error(self.settings, error) from None
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
    ) -> None:
        self.table = table
        self.window = window
        self._engine = engine
        self._empty = empty
        self._chunk_rows = chunk_rows
        self._reader = FrameReader(table, engine.dialect)

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
        with self._engine.connect() as connection:
            yield from self._reader.frames(connection, statement, self._chunk_rows)

    def read(self, start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
        """The rows of the hours in [start, end) (default: all of them), in primary-key order."""
        if self._empty:
            return self._reader.frame([])
        statement = self._where(self._reader.select(), start, end)
        statement = statement.order_by(*self.table.primary_key.columns)
        with self._engine.connect() as connection:
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
        with self._engine.connect() as connection:
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

    def distinct(self, *names: str) -> list[tuple[Any, ...]]:
        """The distinct values of these (plain) columns over the whole input, sorted."""
        if self._empty:
            return []
        columns = [self.table.c[name] for name in names]
        statement = self._where(select(*columns).distinct(), None, None).order_by(*columns)
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(statement)]


class SqlIOManager(dg.ConfigurableIOManager):
    """Stores each asset in its table; a partition (or range) is replaced in one transaction.
    Inputs arrive as PartitionRows; outputs are a DataFrame or a FrameStream."""

    database: dg.ResourceDependency[DatabaseResource]
    chunk_rows: int = DEFAULT_CHUNK_ROWS

    def _table(self, context: dg.OutputContext | dg.InputContext) -> Table:
        name = context.asset_key.path[-1]
        if name not in ASSET_TABLES:
            raise KeyError(f"No table for asset {name!r} in storage/schema.py")
        return ASSET_TABLES[name]

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | FrameStream) -> None:
        table = self._table(context)
        stream = obj if isinstance(obj, FrameStream) else FrameStream([obj])
        statement = delete(table)
        window: dg.TimeWindow | None = None
        frames: Iterable[pd.DataFrame] = stream.frames
        if context.has_asset_partitions:
            window = context.asset_partitions_time_window
            start, end = utc(window.start), utc(window.end)
            column = table.c[PARTITION_COLUMN]
            statement = statement.where(column >= start, column < end)
            frames = (_in_window(table.name, frame, start, end) for frame in stream.frames)
        engine = self.database.get_engine()
        writer = FrameWriter(table, engine.dialect)
        with engine.begin() as connection:
            deleted = connection.execute(statement).rowcount
            inserted = writer.insert(connection, frames)
        metadata: dict[str, Any] = {
            "dagster/row_count": inserted,
            "dagster/table_name": table.name,
            "rows_replaced": max(deleted, 0),
            "database": self.database.description,
        }
        if window is not None:
            metadata["partition_hours"] = int((window.end - window.start).total_seconds() // 3600)
        context.add_output_metadata({**metadata, **stream.metadata()})

    def load_input(self, context: dg.InputContext) -> PartitionRows:
        table = self._table(context)
        engine = self.database.get_engine()
        if not context.has_asset_partitions:
            return PartitionRows(engine, table, None, chunk_rows=self.chunk_rows)
        if not context.asset_partition_keys:  # e.g. a look-back before the first partition
            return PartitionRows(engine, table, None, empty=True, chunk_rows=self.chunk_rows)
        window = context.asset_partitions_time_window
        return PartitionRows(engine, table, window, chunk_rows=self.chunk_rows)


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
