"""Backups of the app database: SQLite's backup API, pg_dump/pg_restore for PostgreSQL.

A backup is written beside its destination and moved into place only once it is complete and
verified; an existing file is kept unless `force` is set. A restore first checks the backup (it
must hold this project's tables at a known alembic revision), restores it somewhere new, checks
it again, and only then replaces the live data in one transaction, so a truncated, corrupt or
unrelated file fails with the target untouched. A SQLite backup may be gzip-compressed (the daily
backup's `.db.gz`, storage/scheduled_backup.py): it is decompressed into a temporary folder first.

PostgreSQL: only this project's tables are replaced (dropped and restored from the archive in one
transaction); the `public` schema, other objects in it and other schemas are left alone, and the
tables keep the owner and the grants they had (e.g. SELECT for a read-only reporting role). The
restoring role needs what `slack-events migrate` needs: own the tables and CREATE on `public`.
"""

import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage.schema import ASSET_TABLES, metadata

PG_BIN_ENV = "SLACK_EVENTS_PG_BIN"  # a folder with pg_dump/pg_restore/psql of the server's version
# Tables every revision since 001 has; a backup without them is not one of ours.
REQUIRED_TABLES = ("alembic_version", *ASSET_TABLES)
# Every table a restore replaces: all revisions' tables (head's metadata) and alembic's own.
OUR_TABLES = ("alembic_version", *sorted(metadata.tables))
# pg_restore --list entries a restore keeps, when they belong to one of OUR_TABLES (ACLs are not
# restored: the live tables' grants are kept instead).
RESTORED_ENTRY_TYPES = (
    "TABLE", "TABLE DATA", "SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET", "DEFAULT", "INDEX",
    "CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "COMMENT",
)  # fmt: skip
SQLITE_LOCK_WAIT_SECONDS = 10.0  # how long a SQLite restore waits for a run's write to finish
TIMEOUT_SECONDS = 3600
PLAIN_DUMP_HEADER = b"--\n-- PostgreSQL database dump\n"
PLAIN_DUMP_FOOTER = b"-- PostgreSQL database dump complete"
GZIP_MAGIC = b"\x1f\x8b"


class BackupError(RuntimeError):
    """A backup or restore cannot be done; the message says what to install or fix."""


def default_backup_path(database: DatabaseSettings, folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "db" if database.type == "sqlite" else "dump"
    return folder / f"slack_events-{stamp}.{suffix}"


def known_revisions() -> set[str]:
    """Every alembic revision of this project (slack_events_dagster/migrations/versions)."""
    from alembic.script import ScriptDirectory

    from slack_events_dagster.storage.migrations import alembic_config

    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


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
        "PGCONNECT_TIMEOUT": str(pg.connect_timeout_seconds),
    }
    if pg.password:
        env["PGPASSWORD"] = pg.password.get_secret_value()  # never on the command line
    return env


def _tool_message(stderr: str) -> str:
    """The tool's whole message (pg_dump puts host and port on one line, the hint on the next)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    detail = " ".join(lines[-6:]) or "no message"
    if re.search(r"server version|version mismatch", stderr):
        detail += f" (use client tools of the server's version: set {PG_BIN_ENV})"
    return detail


def _failure(what: str, stderr: str) -> BackupError:
    return BackupError(f"{what} failed: {_tool_message(stderr)}")


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
    )
    if result.returncode != 0:
        raise _failure(what, result.stderr)
    return result.stdout


def _sibling(path: Path, purpose: str) -> Path:
    """A free temporary file name in `path`'s folder, so os.replace stays on one file system."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{purpose}", dir=path.parent)
    os.close(handle)
    return Path(name)


def _remove_file_and_journals(path: Path) -> None:
    """Delete a temporary file and any SQLite journal (-wal, -shm, -journal) beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _missing_tables(found: Iterable[str]) -> list[str]:
    present = set(found)
    return [name for name in REQUIRED_TABLES if name not in present]


def verify_sqlite_backup(path: Path, shown_as: Path | None = None) -> str:
    """Check a SQLite file is an intact database of this project; return its alembic revision."""
    shown = shown_as or path
    # Read-only and immutable: no -wal/-shm file is created beside it, no hot journal rolled back.
    read_only = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(read_only, uri=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(
                    f"{shown} is damaged (SQLite integrity_check: {'; '.join(problems[:3])}). "
                    "Nothing was restored; use another backup."
                )
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
            missing = _missing_tables(tables)
            if missing:
                raise BackupError(
                    f"{shown} is not a slack-events backup (no table {', '.join(missing)}). "
                    "Nothing was restored."
                )
            query = "SELECT version_num FROM alembic_version"
            revisions = [row[0] for row in connection.execute(query)]
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{shown} is not a readable SQLite database ({error}). Nothing was restored."
        ) from None
    return _known_revision(revisions, shown)


def _known_revision(revisions: list[str], shown: Path) -> str:
    known = known_revisions()
    if len(revisions) != 1 or revisions[0] not in known:
        raise BackupError(
            f"{shown} has schema revision {', '.join(revisions) or 'none'}, which this code does "
            f"not know (it knows {', '.join(sorted(known))}). Nothing was restored."
        )
    return revisions[0]


def _is_plain_dump(path: Path) -> bool:
    """A plain-SQL pg_dump file, as `backup` wrote before it used the custom format."""
    with path.open("rb") as file:
        return file.read(len(PLAIN_DUMP_HEADER)) == PLAIN_DUMP_HEADER


def _verify_plain_dump(path: Path) -> None:
    """A plain dump must end with pg_dump's closing comment and create and fill our tables."""
    with path.open("rb") as file:
        file.seek(max(path.stat().st_size - 200, 0))
        complete = PLAIN_DUMP_FOOTER in file.read()
    if not complete:
        raise BackupError(
            f"{path} is a truncated plain-SQL pg_dump file (it lacks pg_dump's closing "
            "'dump complete' line). Nothing was restored."
        )
    found: set[str] = set()
    with path.open("rb") as file:
        for line in file:
            if match := re.match(rb"COPY public\.(\w+) \(", line):
                found.add(match.group(1).decode())
    missing = _missing_tables(found)
    if missing:
        raise BackupError(
            f"{path} is not a slack-events backup (no table {', '.join(missing)}). "
            "Nothing was restored."
        )


def verify_postgres_backup(path: Path) -> None:
    """`pg_restore --list` must read the archive and find this project's tables and their data
    (plain-SQL dumps of older versions: complete, with those tables)."""
    if _is_plain_dump(path):
        _verify_plain_dump(path)
        return
    listing = subprocess.run(
        [_pg_tool("pg_restore"), "--list", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    if listing.returncode != 0:
        reason = " ".join(listing.stderr.split())
        raise BackupError(
            f"{path} is not a readable pg_dump archive ({reason}). Nothing was restored; make "
            "backups with `slack-events backup`."
        )
    tables = set(re.findall(r" TABLE public (\w+) ", listing.stdout))
    with_data = set(re.findall(r" TABLE DATA public (\w+) ", listing.stdout))
    missing = _missing_tables(tables & with_data)
    if missing:
        raise BackupError(
            f"{path} is not a slack-events backup (no table {', '.join(missing)}). "
            "Nothing was restored."
        )


@contextmanager
def _decompressed(path: Path) -> Iterator[Path]:
    """`path` itself, or for a gzip file (the daily backup's `.db.gz`) a decompressed copy in a
    temporary folder elsewhere (the backup's own folder is left as it is)."""
    with path.open("rb") as file:
        compressed = file.read(2) == GZIP_MAGIC
    if not compressed:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="slack-events-restore-") as folder:
        plain = Path(folder) / path.name.removesuffix(".gz")
        try:
            with gzip.open(path, "rb") as source, plain.open("wb") as target:
                shutil.copyfileobj(source, target)
        except (OSError, EOFError, zlib.error) as error:
            raise BackupError(
                f"{path} is not a readable gzip file ({error}). Nothing was restored; use "
                "another backup."
            ) from None
        yield plain


def verify_backup(database: DatabaseSettings, path: Path, shown_as: Path | None = None) -> None:
    """Raise BackupError unless `path` is a complete backup of this project's database type
    (SQLite: also gzip-compressed)."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}")
    if database.type == "sqlite":
        with _decompressed(path) as plain:
            verify_sqlite_backup(plain, shown_as=shown_as or path)
    else:
        verify_postgres_backup(path)


def backup(database: DatabaseSettings, output: Path, force: bool = False) -> Path:
    """Write a consistent, verified copy of the database to `output` while it stays in use."""
    if output.exists() and not force:
        raise BackupError(f"{output} already exists: choose another --output, or add --force")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = _sibling(output, "partial")
    try:
        if database.type == "sqlite":
            if not Path(database.path).is_file():
                raise BackupError(f"No SQLite database at {database.path}")
            with (
                closing(sqlite3.connect(database.path)) as source,
                closing(sqlite3.connect(partial)) as copy,
            ):
                source.backup(copy)
            verify_sqlite_backup(partial, shown_as=output)
        else:
            # Only this project's tables: other schemas and roles' objects are not ours to
            # back up, and the app role may not even be allowed to read them.
            tables = [f"--table=public.{name}" for name in OUR_TABLES]
            _run(
                [_pg_tool("pg_dump"), "--format=custom", *tables, f"--file={partial}"],
                _pg_env(database),
                "pg_dump",
            )
            verify_postgres_backup(partial)
        os.replace(partial, output)
    finally:
        _remove_file_and_journals(partial)
    return output


def restore(database: DatabaseSettings, backup_file: Path) -> str:
    """Replace the database's content with a verified backup made by `backup`; return the
    restored alembic revision (older than head: `slack-events migrate` brings it up to date)."""
    verify_backup(database, backup_file)
    if database.type == "sqlite":
        with _decompressed(backup_file) as plain:
            return _restore_sqlite(Path(database.path), plain)
    _restore_postgres(database, backup_file)
    return _postgres_revision(database)


class _TargetLocked(Exception):
    """The SQLite target stayed locked by another connection for SQLITE_LOCK_WAIT_SECONDS."""


def _give_up_when_locked(status: int, _remaining: int, _total: int) -> None:
    # Python's backup() retries a busy target forever; one busy step already waited the timeout.
    if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        raise _TargetLocked


def _restore_sqlite(target: Path, backup_file: Path) -> str:
    """Copy the backup beside the target, verify the copy, then write it into the target with
    SQLite's backup API in one write transaction. (Not os.replace: a -wal file left beside the
    target would be replayed into the new file, and open connections would keep the old one.)"""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = _sibling(target, "restore")
    try:
        shutil.copyfile(backup_file, staged)
        revision = verify_sqlite_backup(staged, shown_as=backup_file)
        with (
            closing(sqlite3.connect(staged)) as source,
            closing(sqlite3.connect(target, timeout=SQLITE_LOCK_WAIT_SECONDS)) as live,
        ):
            source.backup(live, progress=_give_up_when_locked)  # one write transaction
    except (_TargetLocked, sqlite3.OperationalError) as error:
        if not isinstance(error, _TargetLocked) and "locked" not in str(error):
            raise
        raise BackupError(
            f"{target} is locked by another connection writing to it (a Dagster run, "
            "`dagster dev` or another slack-events command). Nothing was restored; retry when "
            "the runs have finished (Dagster UI: Runs), or stop them first."
        ) from None
    finally:
        _remove_file_and_journals(staged)
    return revision


def _restore_list(backup_file: Path) -> str:
    """pg_restore's table of contents, cut to OUR_TABLES' own entries in `public`: the archive's
    schemas, extensions, grants and other objects are not restored."""
    listing = _run([_pg_tool("pg_restore"), "--list", str(backup_file)], {**os.environ}, "list")
    kinds = "|".join(sorted(RESTORED_ENTRY_TYPES, key=len, reverse=True))
    entry = re.compile(rf"^\d+; \d+ \d+ ({kinds}) public (?:(?:TABLE|COLUMN) )?(\S+)")
    tables = sorted(OUR_TABLES, key=len, reverse=True)
    kept = []
    for line in listing.splitlines():
        match = entry.match(line)
        if not match:
            continue
        kind, name = match.group(1), match.group(2).split(".")[0]
        if kind in ("INDEX", "SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET"):
            # idx_<table>_<column> and <table>_<column>_seq: named after their table
            name = next((t for t in tables if name.removeprefix("idx_").startswith(f"{t}_")), "")
        if name in OUR_TABLES:
            kept.append(line)
    return "\n".join(kept) + "\n"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _restore_sql() -> tuple[str, str]:
    """psql before and after the archive's SQL: remember the tables' owners and grants, drop the
    tables (no CASCADE: a view of another role on them stops the restore), then check the result
    and give the new tables the old owners and grants."""
    ours = _quoted(OUR_TABLES)
    drop = ", ".join(f"public.{name}" for name in OUR_TABLES)
    prologue = f"""
BEGIN;
CREATE TEMP TABLE slack_events_restore_grants ON COMMIT DROP AS
  WITH ours AS (
    SELECT oid, relname, relkind, relowner, relacl FROM pg_class
    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname IN ({ours})
  ), owned_sequences AS (
    SELECT s.oid, s.relname, s.relkind, s.relowner, s.relacl FROM pg_class s
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN ours ON ours.oid = d.refobjid
    WHERE s.relkind = 'S'
  )
  SELECT r.relname, r.relkind, a.grantee, a.privilege_type, a.is_grantable
  FROM (SELECT * FROM ours UNION ALL SELECT * FROM owned_sequences) r
  CROSS JOIN LATERAL aclexplode(r.relacl) a
  WHERE a.grantee <> r.relowner;
CREATE TEMP TABLE slack_events_restore_owners ON COMMIT DROP AS
  SELECT relname, relowner FROM pg_class
  WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname IN ({ours});
DROP TABLE IF EXISTS {drop};
"""
    epilogue = f"""
DO $$
DECLARE r record;
BEGIN
  IF (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'
      AND tablename IN ({_quoted(REQUIRED_TABLES)})) <> {len(REQUIRED_TABLES)} THEN
    RAISE EXCEPTION 'the restored schema lacks tables of this project';
  END IF;
  IF (SELECT count(*) FROM public.alembic_version
      WHERE version_num IN ({_quoted(sorted(known_revisions()))})) <> 1 THEN
    RAISE EXCEPTION 'the restored alembic revision is not one this code knows';
  END IF;
  FOR r IN SELECT o.relname, o.relowner FROM pg_temp.slack_events_restore_owners o
           WHERE pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(o.relname)) IS NOT NULL
             AND o.relowner <> pg_catalog.to_regrole(current_user) LOOP
    EXECUTE pg_catalog.format('ALTER TABLE public.%I OWNER TO %s', r.relname, r.relowner::regrole);
  END LOOP;
  FOR r IN SELECT g.* FROM pg_temp.slack_events_restore_grants g
           WHERE pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(g.relname)) IS NOT NULL
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON %s public.%I TO %s%s', r.privilege_type,
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname,
      CASE r.grantee WHEN 0 THEN 'PUBLIC' ELSE r.grantee::regrole::text END,
      CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
END $$;
COMMIT;
"""
    return prologue, epilogue


def _postgres_revision(database: DatabaseSettings) -> str:
    query = "SELECT version_num FROM public.alembic_version"
    command = [_pg_tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", f"--command={query}"]
    return _run(command, _pg_env(database), "psql").strip()


def _restore_postgres(database: DatabaseSettings, backup_file: Path) -> None:
    """Replace OUR_TABLES with the archive's inside one psql transaction, verify them, restore
    their owners and grants, and commit. pg_restore's output is only committed if pg_restore read
    the whole archive; any error rolls everything back, so no table is half replaced."""
    env = _pg_env(database)
    plain = _is_plain_dump(backup_file)
    with (
        tempfile.TemporaryFile() as psql_log,
        tempfile.TemporaryFile() as restore_log,
        tempfile.NamedTemporaryFile("w", suffix=".list") as entries,
    ):
        if not plain:  # an older plain-SQL dump is SQL already: it runs whole
            entries.write(_restore_list(backup_file))
            entries.flush()
        prologue, epilogue = _restore_sql()
        psql = subprocess.Popen(
            [_pg_tool("psql"), "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--file=-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=psql_log,
            stderr=subprocess.STDOUT,
        )
        assert psql.stdin is not None
        pg_restore = None
        if not plain:
            pg_restore = subprocess.Popen(
                [_pg_tool("pg_restore"), "--no-owner", "--no-acl", f"--use-list={entries.name}",
                 "--file=-", str(backup_file)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=restore_log,
            )  # fmt: skip
        damaged = False
        try:
            psql.stdin.write(prologue.encode())
            if pg_restore is None:
                with backup_file.open("rb") as sql:
                    shutil.copyfileobj(sql, psql.stdin)
            else:
                assert pg_restore.stdout is not None
                shutil.copyfileobj(pg_restore.stdout, psql.stdin)
                damaged = pg_restore.wait(timeout=TIMEOUT_SECONDS) != 0
            if not damaged:  # without the COMMIT, psql's transaction is rolled back at exit
                psql.stdin.write(epilogue.encode())
        except BrokenPipeError:
            pass  # psql stopped at an error (ON_ERROR_STOP): nothing was committed
        finally:
            if pg_restore is not None:
                if pg_restore.poll() is None:
                    pg_restore.kill()
                pg_restore.wait()
            with suppress(BrokenPipeError):
                psql.stdin.close()
            psql.wait(timeout=TIMEOUT_SECONDS)
        if damaged:
            restore_log.seek(0)
            detail = _tool_message(restore_log.read().decode(errors="replace"))
            raise BackupError(
                f"{backup_file} is damaged or truncated ({detail}). Nothing was restored; the "
                "database is unchanged. Use another backup."
            )
        if psql.returncode != 0:
            psql_log.seek(0)
            log = psql_log.read().decode(errors="replace")
            raise BackupError(
                f"Restoring {backup_file} failed and was rolled back; the database is unchanged "
                f"({_tool_message(log)}){_restore_advice(log)}"
            )


def _restore_advice(psql_log: str) -> str:
    if "other objects depend on" in psql_log:
        return (
            ". Another object (named above) uses this project's tables: drop it, restore, then "
            "create it again"
        )
    if "must be owner of" in psql_log or "permission denied" in psql_log:
        return (
            ". The restoring role must own this project's tables and have CREATE on schema "
            "public, as for `slack-events migrate`: restore as that role"
        )
    return ""
