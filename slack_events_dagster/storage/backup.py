"""Backups of the app database: SQLite's online backup API, pg_dump/psql for PostgreSQL."""

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from slack_events_dagster.settings import DatabaseSettings

PG_BIN_ENV = "SLACK_EVENTS_PG_BIN"  # a folder with pg_dump/psql matching the server's version


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says what to install or fix."""


def default_backup_path(database: DatabaseSettings, folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if database.type == "sqlite" else "sql"
    return folder / f"slack_events-{stamp}.{suffix}"


def _pg_tool(name: str) -> str:
    folder = os.environ.get(PG_BIN_ENV)
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools of the server's major "
            f"version (e.g. apt-get install postgresql-client-16) or set {PG_BIN_ENV} to their "
            "folder"
        )
    return found


def _pg_env(database: DatabaseSettings) -> dict[str, str]:
    pg = database.postgres
    env = {
        **os.environ,
        "PGHOST": pg.host,
        "PGPORT": str(pg.port),
        "PGUSER": pg.user,
        "PGDATABASE": pg.database,
    }
    if pg.password:
        env["PGPASSWORD"] = pg.password.get_secret_value()  # never on the command line
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        if re.search(r"server version|version mismatch", result.stderr):
            detail += f" (use client tools of the server's version: set {PG_BIN_ENV})"
        raise BackupError(f"{what} failed: {detail}")


def backup(database: DatabaseSettings, output: Path) -> Path:
    """Write a consistent copy of the database to `output` while it stays in use."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if database.type == "sqlite":
        if not Path(database.path).exists():
            raise BackupError(f"No SQLite database at {database.path}")
        with sqlite3.connect(database.path) as source, sqlite3.connect(output) as copy:
            source.backup(copy)
        return output
    _run(
        [_pg_tool("pg_dump"), "--format=plain", "--clean", "--if-exists", "--no-owner",
         f"--file={output}"],
        _pg_env(database),
        "pg_dump",
    )  # fmt: skip
    return output


def restore(database: DatabaseSettings, backup_file: Path) -> None:
    """Replace the database's content with a backup made by `backup`."""
    if not backup_file.is_file():
        raise BackupError(f"No backup file at {backup_file}")
    if database.type == "sqlite":
        Path(database.path).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(backup_file) as source, sqlite3.connect(database.path) as target:
            source.backup(target)
        return
    _run(
        [_pg_tool("psql"), "--quiet", "--set=ON_ERROR_STOP=1", f"--file={backup_file}"],
        _pg_env(database),
        "psql restore",
    )
