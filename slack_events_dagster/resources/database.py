"""The database resource and the partition-aware SQL IO manager every asset is stored through."""

import threading
from datetime import datetime
from typing import Any, Literal

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.exc import OperationalError

from slack_events_dagster.settings import DatabaseSettings, PostgresSettings
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.migrations import ensure_schema
from slack_events_dagster.storage.schema import ASSET_TABLES, PARTITION_COLUMN, utc

_ready: set[str] = set()
_ready_lock = threading.Lock()


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


def frame_to_rows(table: Table, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records for `table`, failing loudly when the frame's columns do not match the schema."""
    expected = [column.name for column in table.columns]
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    if missing or extra:
        raise ValueError(
            f"Rows for table {table.name!r} do not match storage/schema.py: "
            f"missing columns {missing}, unexpected columns {extra}"
        )
    return frame_records(frame[expected])


def _column_values(series: pd.Series) -> list[Any]:
    """One column as plain Python values, converted column-wise (much faster than per cell)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return [None if value is pd.NaT else value for value in series.dt.to_pydatetime()]
    values = series.astype(object)
    return values.where(series.notna(), None).tolist()


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values (datetime, None), converted column by column (much faster
    than per cell): for the database and for the pure domain functions."""
    names = list(frame.columns)
    columns = [_column_values(frame[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def rows_to_frame(table: Table, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [column.name for column in table.columns]
    return pd.DataFrame(rows, columns=columns)


class SqlIOManager(dg.ConfigurableIOManager):
    """Stores each asset in its table; a partition (or range) is replaced in one transaction."""

    database: dg.ResourceDependency[DatabaseResource]

    def _table(self, context: dg.OutputContext | dg.InputContext) -> Table:
        name = context.asset_key.path[-1]
        if name not in ASSET_TABLES:
            raise KeyError(f"No table for asset {name!r} in storage/schema.py")
        return ASSET_TABLES[name]

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        table = self._table(context)
        rows = frame_to_rows(table, obj)
        partition_column = table.c[PARTITION_COLUMN]
        statement = delete(table)
        window: dg.TimeWindow | None = None
        if context.has_asset_partitions:
            window = context.asset_partitions_time_window
            start, end = utc(window.start), utc(window.end)
            _check_rows_in_window(table.name, rows, start, end)
            statement = statement.where(partition_column >= start, partition_column < end)
        engine = self.database.get_engine()
        with engine.begin() as connection:
            deleted = connection.execute(statement).rowcount
            if rows:
                connection.execute(table.insert(), rows)
        metadata: dict[str, Any] = {
            "dagster/row_count": len(rows),
            "dagster/table_name": table.name,
            "rows_replaced": max(deleted, 0),
            "database": self.database.description,
        }
        if window is not None:
            metadata["partition_hours"] = int((window.end - window.start).total_seconds() // 3600)
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = self._table(context)
        statement = select(table).order_by(*table.primary_key.columns)
        if context.has_asset_partitions:
            if not context.asset_partition_keys:
                return rows_to_frame(table, [])
            window = context.asset_partitions_time_window
            partition_column = table.c[PARTITION_COLUMN]
            statement = statement.where(
                partition_column >= utc(window.start), partition_column < utc(window.end)
            )
        with self.database.get_engine().connect() as connection:
            rows = [dict(row) for row in connection.execute(statement).mappings()]
        return rows_to_frame(table, rows)


def _check_rows_in_window(
    table_name: str, rows: list[dict[str, Any]], start: datetime, end: datetime
) -> None:
    """A row outside the partition would survive the next replacement: refuse to write it."""
    for row in rows:
        hour = row.get(PARTITION_COLUMN)
        if hour is None or not start <= utc(hour) < end:
            raise ValueError(
                f"Row for {table_name!r} has {PARTITION_COLUMN}={hour} outside the partition "
                f"window [{start.isoformat()}, {end.isoformat()}): the asset built a wrong row"
            )
