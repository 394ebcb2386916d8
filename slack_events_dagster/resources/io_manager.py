"""The IO manager every table asset is stored through, one table per asset (storage/schema.py).

Write path: `handle_output` -> `_replace`: in one transaction, wait for other writers of the same
hours (storage/locks.py), delete the partition window's rows by the asset's `partition_expr`
column (definition metadata, as Dagster's DbIOManager reads it), then insert the output's
blocks of rows (storage/bulk.py). Inputs arrive as lazy PartitionRows (storage/frames.py)."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import dagster as dg
from sqlalchemy import Engine, Table, delete

from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.bulk import DEFAULT_CHUNK_ROWS, Columns, FrameWriter
from slack_events_dagster.storage.frames import RECONNECT_WAIT_SECONDS, FrameStream, PartitionRows
from slack_events_dagster.storage.locks import hour_count, hours_text, lock_hours
from slack_events_dagster.storage.schema import ASSET_TABLES, PARTITION_COLUMN, utc

if TYPE_CHECKING:
    import pandas as pd


class SqlIOManager(dg.ConfigurableIOManager):
    """Stores each asset in its table; a partition (or range) is replaced in one transaction.
    Inputs arrive as PartitionRows; outputs are Columns, a DataFrame or a FrameStream."""

    database: dg.ResourceDependency[DatabaseResource]
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    reconnect_wait_seconds: float = RECONNECT_WAIT_SECONDS

    def _table(self, context: dg.OutputContext | dg.InputContext) -> Table:
        name = context.asset_key.path[-1]
        if name not in ASSET_TABLES:
            raise KeyError(f"No table for asset {name!r} in storage/schema.py")
        return ASSET_TABLES[name]

    def _partition_column(self, context: dg.OutputContext | dg.InputContext, table: Table) -> str:
        """The column a partitioned asset's rows are kept by: its `partition_expr` definition
        metadata (for an input, the upstream output's), read as Dagster's DbIOManager does."""
        output = context.upstream_output if isinstance(context, dg.InputContext) else context
        metadata = (output.definition_metadata if output is not None else None) or {}
        column = metadata.get("partition_expr")
        asset = context.asset_key.to_user_string()
        if column is None:
            raise ValueError(
                f"Asset {asset!r} has partitions but no 'partition_expr' metadata, so the IO "
                "manager does not know which column holds the partition. Add "
                '@asset(metadata={"partition_expr": "partition_hour"}) '
                "(partitions.hourly_table_asset does)."
            )
        if not isinstance(column, str) or column not in table.c:
            raise ValueError(
                f"Asset {asset!r} has partition_expr {column!r}, which is not a column of table "
                f"{table.name!r} (storage/schema.py): name the table's time column."
            )
        return column

    def handle_output(
        self, context: dg.OutputContext, obj: "Columns | pd.DataFrame | FrameStream"
    ) -> None:
        table = self._table(context)
        stream = obj if isinstance(obj, FrameStream) else FrameStream([obj])
        window = context.asset_partitions_time_window if context.has_asset_partitions else None
        column = self._partition_column(context, table) if window is not None else None
        engine = self.database.get_engine()
        started = [False]  # a stream's frames can be read once: retried only if none was read
        doing = f"storing {table.name}" + (f" for {hours_text(window)}" if window else "")
        for attempt in (1, 2):
            try:
                deleted, inserted = self._replace(
                    context, engine, table, (window, column), stream, started
                )
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
            metadata["partition_hours"] = hour_count(window)
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
        partition: tuple[dg.TimeWindow | None, str | None],
        stream: FrameStream,
        started: list[bool],
    ) -> tuple[int, int]:
        """Delete the window's rows by the partition column (those in `stream.replaces` only,
        when given) and insert the stream's, in one transaction that first waits for every other
        writer of these hours."""
        window, column_name = partition
        statement = delete(table)
        frames: Iterable[Columns | pd.DataFrame] = _marking_started(stream.frames, started)
        if window is not None and column_name is not None:
            start, end = utc(window.start), utc(window.end)
            column = table.c[column_name]
            statement = statement.where(column >= start, column < end)
            frames = (_in_window(table.name, column_name, frame, start, end) for frame in frames)
        if stream.replaces is not None:
            scope = {name: list(values) for name, values in stream.replaces.items()}
            for name, values in scope.items():
                statement = statement.where(table.c[name].in_(values))
            frames = (_in_scope(table.name, frame, scope) for frame in frames)
        writer = FrameWriter(table, engine.dialect)
        with engine.begin() as connection:
            try:
                lock_hours(connection, table, window, context.log)
                deleted = connection.execute(statement).rowcount
                inserted = writer.insert(connection, frames)
            except Exception as error:
                if engines.is_disconnect(engine, error):
                    connection.invalidate()  # never hand a dead connection back to the pool
                raise
        return deleted, inserted

    def load_input(self, context: dg.InputContext) -> PartitionRows:
        table = self._table(context)
        window: dg.TimeWindow | None = None
        empty = False
        column = PARTITION_COLUMN  # unused without a window
        if context.has_asset_partitions:
            column = self._partition_column(context, table)
            if context.asset_partition_keys:
                window = context.asset_partitions_time_window
            else:  # e.g. a look-back before the first partition
                empty = True
        return PartitionRows(
            self.database.get_engine(),
            table,
            window,
            empty=empty,
            partition_column=column,
            chunk_rows=self.chunk_rows,
            database=self.database.database,
            reconnect_wait_seconds=self.reconnect_wait_seconds,
        )


def _marking_started(
    frames: Iterable["Columns | pd.DataFrame"], started: list[bool]
) -> Iterator["Columns | pd.DataFrame"]:
    for frame in frames:
        started[0] = True
        yield frame


def _column(block: "Columns | pd.DataFrame", name: str) -> list[Any] | None:
    """One column's values (None when the block has no such column)."""
    if isinstance(block, Columns):
        return block.values.get(name)
    return list(block[name]) if name in block.columns else None


def _in_scope(
    table_name: str, block: "Columns | pd.DataFrame", scope: Mapping[str, list[Any]]
) -> "Columns | pd.DataFrame":
    """Only rows inside what is replaced may be written (another row would collide with, or
    survive next to, a stored one)."""
    for name, values in scope.items():
        allowed = set(values)
        outside = [value for value in _column(block, name) or () if value not in allowed]
        if outside:
            raise ValueError(
                f"Row for {table_name!r} has {name}={outside[0]!r}, not among the "
                f"{len(values)} values being replaced: the asset built a wrong row"
            )
    return block


def _in_window(
    table_name: str, column: str, block: "Columns | pd.DataFrame", start: datetime, end: datetime
) -> "Columns | pd.DataFrame":
    """A row outside the partition would survive the next replacement: refuse to write it."""
    for hour in _column(block, column) or ():
        if not _is_within(hour, start, end):
            raise ValueError(
                f"Row for {table_name!r} has {column}={hour} outside the partition "
                f"window [{start.isoformat()}, {end.isoformat()}): the asset built a wrong row"
            )
    return block


def _is_within(hour: Any, start: datetime, end: datetime) -> bool:
    """Whether a row's partition time is in [start, end) (naive as UTC: the writer refuses it
    with its own error)."""
    if isinstance(hour, str):
        try:
            hour = datetime.fromisoformat(hour)
        except ValueError:
            return False
    if not isinstance(hour, datetime) or hour != hour:  # None, NaN, NaT
        return False
    return start <= utc(hour) < end
