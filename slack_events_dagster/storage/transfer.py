"""Copy every table from one database to another (SQLite -> PostgreSQL and back), verifiably.

Each table is copied in batches inside one transaction, then checked by row count and a checksum
of its canonical content. A table already copied (same count and checksum) is skipped, so an
interrupted copy is resumed by running it again; a target holding anything else is refused unless
`replace` is set.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, func, select, text
from sqlalchemy.engine import make_url

from slack_events_dagster.storage.schema import ASSET_TABLES, metadata

BATCH_SIZE = 5_000
# Parents before children is not needed (no foreign keys), but a stable order keeps logs readable.
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)


class TransferError(RuntimeError):
    """The copy cannot proceed or did not verify; the message says why and what to do."""


@dataclass(frozen=True)
class TableReport:
    table: str
    rows: int
    checksum: str
    action: str  # copied | skipped (already identical) | empty


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 to SQLAlchemy 2.1; this project speaks psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value


def _rows(engine: Engine, table: Table, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, batch by batch (keyset pagination)."""
    key = list(table.primary_key.columns)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(
            select(table).order_by(*key)
        )
        for partition in result.mappings().partitions(batch_size):
            yield [dict(row) for row in partition]


def table_checksum(engine: Engine, table: Table) -> tuple[int, str]:
    """(row count, sha256 of the rows as canonical JSON in primary-key order)."""
    digest = hashlib.sha256()
    count = 0
    for batch in _rows(engine, table, BATCH_SIZE):
        for row in batch:
            canonical = {k: _canonical(v) for k, v in row.items()}
            digest.update(json.dumps(canonical, sort_keys=True, default=str).encode("utf-8"))
            count += 1
    return count, digest.hexdigest()


def asset_table_checksums(engine: Engine) -> dict[str, dict[str, Any]]:
    """{table: {"rows", "sha256"}} of the four asset tables: equal for two databases that hold
    the same rows, whatever the backend or the runs that wrote them."""
    checksums = {}
    for name, table in ASSET_TABLES.items():
        rows, sha256 = table_checksum(engine, table)
        checksums[name] = {"rows": rows, "sha256": sha256}
    return checksums


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _reset_sequences(target: Engine, table: Table) -> None:
    """After explicit ids were inserted, PostgreSQL's serial must continue after the max."""
    if target.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int
        ):
            with target.begin() as connection:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


def copy_database(
    source: Engine,
    target: Engine,
    replace: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] = lambda message: None,
    after_table: Callable[[TableReport], None] = lambda report: None,
) -> list[TableReport]:
    """Copy every table of storage/schema.py from `source` to `target` (both migrated)."""
    plan: list[tuple[Table, int, str]] = []
    for table in TABLES:
        rows, checksum = table_checksum(source, table)
        plan.append((table, rows, checksum))
    if not replace:
        for table, rows, checksum in plan:
            existing = _count(target, table)
            if existing and table_checksum(target, table) != (rows, checksum):
                raise TransferError(
                    f"The target's table {table.name!r} already holds {existing} rows that differ "
                    "from the source. Nothing was copied. Use --replace to overwrite the "
                    "target's data, or point --to at an empty database."
                )
    reports = []
    for table, rows, checksum in plan:
        if rows and not replace and table_checksum(target, table) == (rows, checksum):
            report = TableReport(table.name, rows, checksum, "skipped (already identical)")
        else:
            with target.begin() as connection:
                connection.execute(delete(table))
                copied = 0
                for batch in _rows(source, table, batch_size):
                    connection.execute(table.insert(), batch)
                    copied += len(batch)
                    progress(f"{table.name}: {copied}/{rows} rows")
            _reset_sequences(target, table)
            if table_checksum(target, table) != (rows, checksum):
                raise TransferError(
                    f"Verification failed for {table.name!r}: row count or checksum differs "
                    "after the copy. Run the command again (it resumes) or report a bug."
                )
            report = TableReport(table.name, rows, checksum, "copied" if rows else "empty")
        reports.append(report)
        progress(f"{report.table}: {report.rows} rows {report.action}, sha256 {checksum[:12]}")
        after_table(report)
    return reports
