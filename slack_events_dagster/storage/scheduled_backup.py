"""The daily backup: a compressed, verified backup in a folder that keeps the newest N.

PostgreSQL: `pg_dump --format=custom` (compressed by pg_dump itself), `<stem>.dump`.
SQLite: SQLite's backup API, then gzip, `<stem>.db.gz`; the compressed file is verified by reading
it back (decompressed into a temporary file: integrity check, tables, a known revision).
Both are written beside their final name and moved into place once verified (storage/backup.py),
and only then are the oldest scheduled backups beyond `keep` deleted: a failed backup never
costs an older one. Files other than `slack_events-<UTC time>.dump/.db.gz` are never touched.
"""

import gzip
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage.backup import (
    _remove_file_and_journals,
    _sibling,
    backup,
    verify_backup,
)

PREFIX = "slack_events-"
SCHEDULED_NAME = re.compile(r"^slack_events-\d{8}-\d{6}-\d{6}\.(dump|db\.gz)$")


@dataclass(frozen=True)
class BackupOutcome:
    path: Path
    size_bytes: int
    removed: tuple[Path, ...]  # older scheduled backups deleted to keep the newest N


def scheduled_backup_name(database: DatabaseSettings, moment: datetime) -> str:
    suffix = "dump" if database.type == "postgres" else "db.gz"
    return f"{PREFIX}{moment:%Y%m%d-%H%M%S-%f}.{suffix}"


def scheduled_backups(folder: Path) -> list[Path]:
    """The scheduled backups in `folder`, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and SCHEDULED_NAME.match(p.name))


def _compressed_sqlite_backup(database: DatabaseSettings, output: Path) -> None:
    plain = _sibling(output, "db")
    partial = _sibling(output, "partial")
    try:
        backup(database, plain, force=True)
        with plain.open("rb") as source, gzip.open(partial, "wb", compresslevel=6) as target:
            shutil.copyfileobj(source, target)
        verify_backup(database, partial, shown_as=output)
        os.replace(partial, output)
    finally:
        _remove_file_and_journals(plain)
        _remove_file_and_journals(partial)


def write_backup(
    database: DatabaseSettings, folder: Path, keep: int, moment: datetime
) -> BackupOutcome:
    """A compressed, verified backup named after `moment` in `folder`; then only the newest
    `keep` scheduled backups stay."""
    if keep < 1:
        raise ValueError(f"backup.keep must be at least 1 (got {keep})")
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / scheduled_backup_name(database, moment)
    if database.type == "postgres":
        backup(database, output)  # custom format: compressed, verified before it is moved in
    else:
        _compressed_sqlite_backup(database, output)
    existing = scheduled_backups(folder)
    old = [path for path in existing[:-keep] if path != output]
    for path in old:
        path.unlink(missing_ok=True)
    return BackupOutcome(output, output.stat().st_size, tuple(old))
