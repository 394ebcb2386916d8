"""Bulk paths between asset rows and asset tables, column by column, stored exactly as
SQLAlchemy would store them (its own bind and result processors), only faster.

The pipeline's own rows travel as Columns (plain Python values, no pandas: a run worker need not
import it). DataFrames are taken and given too, for users and notebooks; pandas is imported only
when one is.

Writes go straight to the driver's bulk path inside the caller's transaction: `executemany` on
SQLite, `COPY ... FROM STDIN` on PostgreSQL. Reads run one SELECT and cut its rows into chunks
of at most `chunk_rows` rows, so a long range never has to fit in memory at once.
"""

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Dialect,
    Float,
    Integer,
    Table,
    Text,
    cast,
    select,
    type_coerce,
)
from sqlalchemy.sql import Select
from sqlalchemy.types import NullType

from slack_events_dagster.storage.schema import UTCDateTime, utc

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CHUNK_ROWS = 20_000
# Rows converted at a time on the write path (bounds the converted copy held in memory).
BLOCK_ROWS = 5_000
# COPY's text format: backslash escapes for the characters that delimit rows and columns.
_COPY_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_COPY_NULL = "\\N"


@dataclass(frozen=True)
class Columns:
    """One table's rows held column by column, as plain Python values (None when missing):
    what the assets hand the IO manager. A column per list is far smaller than a dict per row."""

    values: dict[str, list[Any]]

    @classmethod
    def of(cls, table: Table, rows: Sequence[Mapping[str, Any]]) -> "Columns":
        """The table's columns of `rows` (dicts; other keys are ignored), in the table's order;
        a ValueError naming the columns a row lacks."""
        values = {}
        for column in table.columns:
            try:
                values[column.name] = [row[column.name] for row in rows]
            except KeyError:
                missing = [c.name for c in table.columns if any(c.name not in r for r in rows)]
                raise ValueError(
                    f"Rows for table {table.name!r} do not match storage/schema.py: "
                    f"missing columns {missing}"
                ) from None
        return cls(values)

    def __len__(self) -> int:
        return len(next(iter(self.values.values()), ()))

    def slice(self, start: int, stop: int) -> "Columns":
        return Columns({name: values[start:stop] for name, values in self.values.items()})


def _plain(series: "pd.Series") -> list[Any]:
    """A column as Python values, pandas' missing markers (NaN, NaT, NA) turned into None."""
    import numpy as np

    values = series.tolist()
    if series.dtype != bool and series.dtype != "int64":
        missing = series.isna().to_numpy()
        if missing.any():
            for index in np.flatnonzero(missing).tolist():
                values[index] = None
    return values


def _utc_text(series: "pd.Series") -> list[str | None]:
    """A datetime64 column as UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's SQLite
    format, and the first part of PostgreSQL's), vectorised; NaT as None."""
    import numpy as np

    if series.dt.tz is None:
        raise ValueError(f"column {series.name!r} holds naive timestamps: they must be tz-aware")
    naive = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    result = [value.replace("T", " ", 1) for value in np.datetime_as_string(naive, unit="us")]
    for index in np.flatnonzero(np.isnat(naive)).tolist():
        result[index] = None
    return result


def _is_datetime64(series: "pd.Series") -> bool:
    import pandas as pd

    return isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind == "M"


def _aware(value: Any, name: str) -> Any:
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"column {name!r} holds a naive timestamp {value!r}: must be tz-aware")
    return value


def _sqlite_utc_text(moment: datetime) -> str:
    """An aware datetime as SQLAlchemy stores it on SQLite: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    in_utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return in_utc.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


def _json_processor(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's JSON serialiser with the two most common values answered directly."""

    def process(value: Any) -> Any:
        if not value and type(value) in (dict, list):
            return "{}" if type(value) is dict else "[]"  # what json.dumps gives
        return processor(value)

    return process


def _as_driven(column: Column) -> Any:
    """The column without SQLAlchemy's result processing; JSON as its text, parsed by us."""
    if isinstance(column.type, JSON):
        return type_coerce(cast(column, Text), NullType())
    return type_coerce(column, NullType())


def _json_loader(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's JSON deserialiser with empty containers answered directly (new objects)."""

    def process(value: Any) -> Any:
        if value is None:  # SQL NULL (a nullable JSON column such as link_previews)
            return None
        if value == "{}":
            return {}
        if value == "[]":
            return []
        return processor(value)

    return process


def _python_kind(column_type: Any) -> type:
    """What a column holds once bound: the COPY text conversion to use (JSON is bound to str)."""
    if isinstance(column_type, UTCDateTime):
        return datetime
    if isinstance(column_type, Boolean):
        return bool
    if isinstance(column_type, Integer):
        return int
    if isinstance(column_type, Float):
        return float
    return str


def _copy_field(values: list[Any], kind: type) -> list[str]:
    """A column's values (of the column's Python `kind`, or None) as COPY text fields."""
    if kind is bool:
        texts = [_COPY_NULL if v is None else ("t" if v else "f") for v in values]
    elif kind is float:
        texts = [_COPY_NULL if v is None else repr(float(v)) for v in values]
    elif kind is int:
        texts = [_COPY_NULL if v is None else str(int(v)) for v in values]
    elif kind is datetime:
        texts = [_COPY_NULL if v is None else v.isoformat(sep=" ") for v in values]
    else:
        texts = [_COPY_NULL if v is None else v for v in values]
        present = "".join(v for v in values if v is not None)
        for special, escaped in _COPY_ESCAPES:  # backslash first
            if special in present:
                texts = [
                    t.replace(special, escaped) if v is not None and special in t else t
                    for t, v in zip(texts, values, strict=True)
                ]
    return texts


class FrameWriter:
    """Turns Columns (or DataFrames) into rows for one table's bulk insert on one dialect."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table
        self.dialect = dialect
        self.names = [column.name for column in table.columns]
        self._processors: list[Callable[[Any], Any] | None] = []
        for column in table.columns:
            processor: Callable[[Any], Any] | None
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None and isinstance(column.type, JSON):
                processor = _json_processor(processor)
            self._processors.append(processor)
        self._kinds = [_python_kind(column.type) for column in table.columns]
        self._copy = dialect.name == "postgresql"

    def check_columns(self, block: "Columns | pd.DataFrame") -> None:
        """Fail loudly when the block's columns do not match the table."""
        names = list(block.values) if isinstance(block, Columns) else list(block.columns)
        missing = [name for name in self.names if name not in names]
        extra = [name for name in names if name not in self.names]
        if missing or extra:
            raise ValueError(
                f"Rows for table {self.table.name!r} do not match storage/schema.py: "
                f"missing columns {missing}, unexpected columns {extra}"
            )

    def columns(self, block: "Columns | pd.DataFrame") -> list[list[Any]]:
        """Every column as the bulk path takes it: driver values for SQLite's executemany, text
        fields for PostgreSQL's COPY."""
        self.check_columns(block)
        return self._converted(block)

    def _converted(self, block: "Columns | pd.DataFrame") -> list[list[Any]]:
        described = zip(self.names, self._processors, self._kinds, strict=True)
        if isinstance(block, Columns):
            return [
                self._values(block.values[name], name, processor, kind)
                for name, processor, kind in described
            ]
        return [self._series(block[name], processor, kind) for name, processor, kind in described]

    def _series(
        self, series: "pd.Series", processor: Callable[[Any], Any] | None, kind: type
    ) -> list[Any]:
        """A DataFrame column, converted vectorised where pandas can."""
        if kind is datetime and _is_datetime64(series):
            text = _utc_text(series)  # both dialects store UTC; PostgreSQL gets the offset
            return [_COPY_NULL if t is None else t + "+00" for t in text] if self._copy else text
        if series.dtype == bool:
            if self._copy:
                return ["t" if value else "f" for value in series.tolist()]
            return series.astype("int64").tolist()  # what SQLAlchemy's Boolean binds on SQLite
        return self._values(_plain(series), str(series.name), processor, kind)

    def _values(
        self, values: list[Any], name: str, processor: Callable[[Any], Any] | None, kind: type
    ) -> list[Any]:
        """Plain Python values (None when missing) through SQLAlchemy's bind processor."""
        if kind is datetime:
            values = [_aware(value, name) for value in values]
            if not self._copy:  # SQLAlchemy's SQLite text in UTC, each distinct time once
                texts: dict[datetime, str] = {}
                return [
                    None
                    if value is None
                    else texts.get(value) or texts.setdefault(value, _sqlite_utc_text(value))
                    for value in values
                ]
        if processor is not None:
            values = [processor(value) for value in values]
        return _copy_field(values, kind) if self._copy else values

    def insert(self, connection: Connection, blocks: Iterable["Columns | pd.DataFrame"]) -> int:
        """Insert the rows of every block in the connection's current transaction, as one bulk
        statement fed part by part: PostgreSQL stores a part while the next is converted."""
        counter = [0]
        parts = self._parts(blocks, counter)
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is None:  # SQLAlchemy detached it: the caller's connection is closed
            raise RuntimeError(f"bulk insert into {self.table.name} on a closed connection")
        cursor = dbapi_connection.cursor()
        try:
            if self._copy:
                lines = ("\n".join(map("\t".join, zip(*p, strict=True))) + "\n" for p in parts)
                stream = _TextStream(lines)
                try:
                    cursor.copy_expert(
                        f"COPY {self.table.name} ({', '.join(self.names)}) FROM STDIN", stream
                    )
                except Exception:
                    if stream.error is not None:  # the blocks' producer failed: say so, not
                        raise stream.error from None  # psycopg2's "error in .read() call"
                    raise
            else:
                placeholders = ", ".join("?" for _ in self.names)
                cursor.executemany(
                    f"INSERT INTO {self.table.name} ({', '.join(self.names)}) "
                    f"VALUES ({placeholders})",
                    # sqlite3 takes any iterable of rows, so the parts stream; SQLAlchemy's
                    # DB-API protocol asks for a Sequence.
                    (row for part in parts for row in zip(*part, strict=True)),  # type: ignore[arg-type]
                )
        finally:
            cursor.close()
        return counter[0]

    def _parts(
        self, blocks: Iterable["Columns | pd.DataFrame"], counter: list[int]
    ) -> Iterator[list]:
        """Each block converted BLOCK_ROWS rows at a time (bounds the converted copy)."""
        for block in blocks:
            self.check_columns(block)
            for start in range(0, len(block), BLOCK_ROWS):
                if isinstance(block, Columns):
                    part = block.slice(start, start + BLOCK_ROWS)
                else:
                    part = block.iloc[start : start + BLOCK_ROWS]
                yield self._converted(part)
                counter[0] += len(part)


class _TextStream(io.TextIOBase):
    """A read-only text file over an iterator of strings, for COPY FROM STDIN: data is produced
    only as the driver asks for it."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self._piece = ""  # the piece being read, from self._at on
        self._at = 0
        self.error: BaseException | None = None  # what the producer raised (COPY is aborted)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        """Up to `size` characters (all that is left when negative); "" at the end."""
        parts: list[str] = []
        wanted = size if size is not None and size >= 0 else None
        while wanted is None or wanted > 0:
            if self._at >= len(self._piece):
                try:
                    piece = next(self._pieces, None)
                except BaseException as error:
                    self.error = error
                    raise
                if piece is None:
                    break
                self._piece, self._at = piece, 0
            end = len(self._piece) if wanted is None else min(len(self._piece), self._at + wanted)
            parts.append(self._piece[self._at : end])  # copies only what is returned
            if wanted is not None:
                wanted -= end - self._at
            self._at = end
        return "".join(parts)


def _utc_datetime(value: Any) -> datetime | None:
    """A stored UTCDateTime as an aware UTC datetime: SQLite gives SQLAlchemy's UTC text,
    PostgreSQL an aware datetime."""
    if value is None:
        return None
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


class FrameReader:
    """Reads one table's rows back as plain records (what the pipeline uses) or as DataFrames
    with the pipeline's dtypes."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table
        self.dialect = dialect
        self.names = [column.name for column in table.columns]
        self._columns = list(table.columns)
        self._processors = []
        for column in table.columns:
            processor: Callable[[Any], Any] | None = None
            if not isinstance(column.type, Integer | Float | Boolean | UTCDateTime):  # _series
                processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if isinstance(column.type, JSON):  # psycopg2 would parse it; we read it as text
                processor = _json_loader(processor or json.loads)
            self._processors.append(processor)
        self._record_processors = [
            self._record_processor(column, processor)
            for column, processor in zip(self._columns, self._processors, strict=True)
        ]

    def select(self) -> Select:
        """Every column, as the driver returns it (our processors run column-wise instead of
        SQLAlchemy's per row); filters and ordering are the caller's."""
        return select(*(_as_driven(column).label(column.name) for column in self._columns))

    @staticmethod
    def _record_processor(column: Any, processor: Callable | None) -> Callable | None:
        """Driver value -> the record's value, as a DataFrame's column would give it back."""
        if isinstance(column.type, UTCDateTime):
            return _utc_datetime
        if isinstance(column.type, Boolean):
            return (lambda v: None if v is None else bool(v)) if column.nullable else bool
        if isinstance(column.type, Integer) and not column.nullable:
            return int
        if isinstance(column.type, Float) and not column.nullable:
            return float
        return processor

    def _by_column(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        return list(zip(*rows, strict=True)) if rows else [() for _ in self.names]

    def records(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """Driver rows as dicts of plain Python values (aware UTC datetimes, None when NULL)."""
        columns = self._by_column(rows)
        converted = [
            list(values) if processor is None else [processor(value) for value in values]
            for processor, values in zip(self._record_processors, columns, strict=True)
        ]
        names = self.names
        return [dict(zip(names, values, strict=True)) for values in zip(*converted, strict=True)]

    def frame(self, rows: Sequence[Sequence[Any]]) -> "pd.DataFrame":
        import pandas as pd

        columns = self._by_column(rows)
        data = {
            name: self._series(column, processor, values)
            for name, column, processor, values in zip(
                self.names, self._columns, self._processors, columns, strict=True
            )
        }
        return pd.DataFrame(data, columns=self.names)

    def _series(
        self, column: Any, processor: Callable | None, values: Sequence[Any]
    ) -> "pd.Series":
        import pandas as pd

        if isinstance(column.type, UTCDateTime):
            # SQLite gives SQLAlchemy's UTC text, PostgreSQL aware datetimes.
            return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True)
        if isinstance(column.type, Boolean):
            if column.nullable:
                return pd.Series([None if v is None else bool(v) for v in values], dtype=object)
            return pd.Series([bool(value) for value in values], dtype=bool)
        if isinstance(column.type, Integer) and not column.nullable:
            return pd.Series(values, dtype="int64")
        if isinstance(column.type, Float) and not column.nullable:
            return pd.Series(values, dtype="float64")
        if processor is not None:
            values = [processor(value) for value in values]
        return pd.Series(values, dtype=object)

    def record_chunks(
        self, connection: Connection, statement: Select, chunk_rows: int = DEFAULT_CHUNK_ROWS
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of `statement` (built on `select()`) as lists of at most `chunk_rows`
        records, fetched from one server-side cursor."""
        for rows in self._fetched(connection, statement, chunk_rows):
            yield self.records(rows)

    def frames(
        self, connection: Connection, statement: Select, chunk_rows: int = DEFAULT_CHUNK_ROWS
    ) -> Iterator["pd.DataFrame"]:
        """The rows of `statement` (built on `select()`) as DataFrames of at most `chunk_rows`
        rows, fetched from one server-side cursor."""
        for rows in self._fetched(connection, statement, chunk_rows):
            yield self.frame(rows)

    @staticmethod
    def _fetched(
        connection: Connection, statement: Select, chunk_rows: int
    ) -> Iterator[Sequence[Any]]:
        result = connection.execution_options(stream_results=True).execute(statement)
        try:
            while rows := result.fetchmany(chunk_rows):
                yield rows
        finally:
            result.close()
