"""What an asset's table rows travel as between the IO manager and the assets: FrameStream (an
output stored block by block), PartitionRows (an input read lazily, in chunks or by key, as
plain records or DataFrames) and the DataFrame <-> plain-record conversions. The pipeline itself
never builds a DataFrame: pandas is imported only when a caller asks for one."""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, Select, Table, select, tuple_

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.bulk import DEFAULT_CHUNK_ROWS, Columns, FrameReader
from slack_events_dagster.storage.schema import PARTITION_COLUMN, utc

if TYPE_CHECKING:
    import pandas as pd

KEY_LOOKUP_CHUNK = 500
# A dropped PostgreSQL connection is retried once, when the server answers again within this.
RECONNECT_WAIT_SECONDS = 30.0


class TimeBounds(Protocol):
    """A [start, end) time window (Dagster's TimeWindow is one)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


def _column_values(series: "pd.Series") -> list[Any]:
    """One column as plain Python values, converted column-wise (much faster than per cell)."""
    import pandas as pd

    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return [None if value is pd.NaT else value for value in series.dt.to_pydatetime()]
    values = series.tolist()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing = series.isna().to_numpy()
        if missing.any():
            for index in missing.nonzero()[0].tolist():
                values[index] = None
    return values


def frame_records(frame: "pd.DataFrame") -> list[dict[str, Any]]:
    """Rows as plain Python values (datetime, None), converted column by column (much faster
    than per cell): what the pure domain functions take."""
    names = list(frame.columns)
    columns = [_column_values(frame[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def rows_to_frame(table: Table, rows: list[dict[str, Any]]) -> "pd.DataFrame":
    """Rows (dicts) as a DataFrame with the table's columns, in the table's order."""
    import pandas as pd

    columns = [column.name for column in table.columns]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class FrameStream:
    """An asset's rows as blocks (Columns, or DataFrames) produced one after another, so a long
    range never sits in memory at once. The IO manager stores each block as it arrives, all in
    one transaction, then adds `metadata()` (counts known only at the end) to the
    materialization."""

    frames: Iterable["Columns | pd.DataFrame"]
    metadata: Callable[[], Mapping[str, Any]] = dict
    # Replace only the window's rows whose column holds one of these values, e.g.
    # {"channel_id": the channels read}: other channels' stored rows stay. None: the whole window.
    replaces: Mapping[str, Sequence[Any]] | None = None


def where_within(
    statement: Select, column: Any, start: datetime | None, end: datetime | None
) -> Select:
    """`statement` restricted to rows whose `column` lies in [start, end) (None: unbounded)."""
    if start is not None:
        statement = statement.where(column >= start)
    if end is not None:
        statement = statement.where(column < end)
    return statement


class PartitionRows:
    """An upstream table's rows for the partitions an input maps to, read only when asked: in
    chunks (bounded memory on long backfills), for a sub-window, or whole. `partition_column` is
    the column the window applies to (the upstream asset's `partition_expr`)."""

    def __init__(
        self,
        engine: Engine,
        table: Table,
        window: TimeBounds | None,
        empty: bool = False,
        partition_column: str = PARTITION_COLUMN,
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
        self._partition_column = table.c[partition_column]
        self._reader = FrameReader(table, engine.dialect)

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A pooled connection (checked alive first); connecting is retried once after a dropped
        connection, and a lost server ends in an error that names it and what to do."""
        try:
            connection = connect_with_one_retry(self._engine, self._reconnect_wait_seconds)
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
        if self.window is not None:
            start = max(utc(self.window.start), utc(start)) if start else utc(self.window.start)
            end = min(utc(self.window.end), utc(end)) if end else utc(self.window.end)
        return where_within(statement, self._partition_column, start, end)

    def _in_hour_order(self, start: datetime | None, end: datetime | None) -> Select:
        """Every column of the hours in [start, end), oldest hour first."""
        order = [self._partition_column, *self.table.primary_key.columns]
        return self._where(self._reader.select(), start, end).order_by(*order)

    def _in_key_order(self, start: datetime | None, end: datetime | None) -> Select:
        """Every column of the hours in [start, end), in primary-key order."""
        statement = self._where(self._reader.select(), start, end)
        return statement.order_by(*self.table.primary_key.columns)

    def record_chunks(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every row of the hours in [start, end) (default: all of them) as plain records,
        oldest hour first, at most `chunk_rows` per list."""
        if self._empty:
            return
        statement = self._in_hour_order(start, end)
        with self._connect() as connection:
            yield from self._reader.record_chunks(connection, statement, self._chunk_rows)

    def records(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The rows of the hours in [start, end) (default: all of them) as plain records, in
        primary-key order."""
        if self._empty:
            return []
        statement = self._in_key_order(start, end)
        with self._connect() as connection:
            chunks = self._reader.record_chunks(connection, statement, self._chunk_rows)
            return [record for chunk in chunks for record in chunk]

    def chunks(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator["pd.DataFrame"]:
        """As record_chunks, as DataFrames."""
        if self._empty:
            return
        statement = self._in_hour_order(start, end)
        with self._connect() as connection:
            yield from self._reader.frames(connection, statement, self._chunk_rows)

    def read(self, start: datetime | None = None, end: datetime | None = None) -> "pd.DataFrame":
        """As records, as one DataFrame."""
        import pandas as pd

        if self._empty:
            return self._reader.frame([])
        statement = self._in_key_order(start, end)
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


def connect_with_one_retry(engine: Engine, wait_seconds: float) -> Connection:
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
