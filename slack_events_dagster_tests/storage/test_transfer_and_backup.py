"""migrate-data (SQLite -> PostgreSQL 16), backups and restores, as users run them."""

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing, suppress
from pathlib import Path

import pgserver
import pytest
from alembic import command as alembic_command
from sqlalchemy import create_engine, delete, text

from devtools.postgres16 import free_port
from slack_events_dagster.cli import main
from slack_events_dagster.settings import PROJECT_ROOT, Settings, load_settings
from slack_events_dagster.storage import backup as backup_module
from slack_events_dagster.storage.backup import (
    OUR_TABLES,
    PG_BIN_ENV,
    BackupError,
    backup,
    verify_sqlite_backup,
)
from slack_events_dagster.storage.engine import build_url, dispose_engines
from slack_events_dagster.storage.migrations import alembic_config, head_revision
from slack_events_dagster.storage.schema import events, llm_usage
from slack_events_dagster.storage.transfer import (
    TABLES,
    TransferError,
    copy_database,
    normalize_url,
    table_checksum,
)
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import dump_tables, materialize_range, table_rows

PG_BIN = str(Path(pgserver.__file__).parent / "pginstall" / "bin")


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slack_events_dagster.cli", *args],
        cwd=cwd,
        env={
            **os.environ,
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "SLACK_EVENTS_PG_BIN": PG_BIN,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def _populated(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "sqlite")
    materialize_range(settings, "2026-11-23-00:00", "2026-11-23-23:00")
    with create_engine(build_url(settings.database)).begin() as connection:
        connection.execute(
            llm_usage.insert(),
            [
                {"day": "2026-11-23", "model": "m", "prompt_tokens": 5, "completion_tokens": 2,
                 "cost_usd": 0.001, "created_at": row["message_time"]}
                for row in table_rows(settings, "events")[:3]
            ],
        )  # fmt: skip
    return settings


def _url(settings: Settings) -> str:
    return build_url(settings.database).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_migrate_data_copies_everything_then_refuses_to_overwrite(
    tmp_path: Path, postgres_settings: Settings
) -> None:
    source = _populated(tmp_path)
    target_url = _url(postgres_settings).replace("postgresql+psycopg2://", "postgresql://")
    copied = _cli(tmp_path, "migrate-data", "--from", _url(source), "--to", target_url)
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert "counts and checksums verified" in copied.stdout
    assert dump_tables(postgres_settings) == dump_tables(source)
    assert table_rows(postgres_settings, "llm_usage") == table_rows(source, "llm_usage")

    # The target's id sequence continues after the copied ids.
    with create_engine(normalize_url(target_url)).begin() as connection:
        new_id = connection.execute(
            llm_usage.insert().values(day="2026-11-24", model="m", prompt_tokens=1,
                                      completion_tokens=1, cost_usd=0.0,
                                      created_at=table_rows(source, "events")[0]["message_time"])
        ).inserted_primary_key[0]  # fmt: skip
    assert new_id == 4

    # Now the target differs from the source: a second copy refuses, --replace overwrites.
    again = _cli(tmp_path, "migrate-data", "--from", _url(source), "--to", target_url)
    assert again.returncode == 1 and "--replace" in again.stderr
    replaced = _cli(
        tmp_path, "migrate-data", "--from", _url(source), "--to", target_url, "--replace"
    )
    assert replaced.returncode == 0, replaced.stderr[-2000:]
    assert dump_tables(postgres_settings) == dump_tables(source)


@pytest.mark.postgres
def test_an_interrupted_copy_resumes_and_completes(
    tmp_path: Path, postgres_settings: Settings
) -> None:
    source = _populated(tmp_path)
    source_engine = create_engine(build_url(source.database))
    target_engine = create_engine(build_url(postgres_settings.database))
    from slack_events_dagster.storage.migrations import upgrade_to_head

    upgrade_to_head(target_engine)
    done: list[str] = []

    def crash_after_two(report) -> None:
        done.append(report.table)
        if len(done) == 2:
            raise KeyboardInterrupt("simulated crash")

    with pytest.raises(KeyboardInterrupt):
        copy_database(source_engine, target_engine, after_table=crash_after_two, batch_size=50)
    reports = copy_database(source_engine, target_engine, batch_size=50)
    actions = {report.table: report.action for report in reports}
    assert done == ["digests", "event_candidates"]
    assert [actions[name] for name in done] == ["skipped (already identical)"] * 2
    assert actions["events"] == "copied"
    assert dump_tables(postgres_settings) == dump_tables(source)


def test_copy_refuses_a_target_with_other_data(tmp_path: Path) -> None:
    source = _populated(tmp_path)
    target = make_settings(tmp_path / "other")
    materialize_range(target, "2026-11-20-13:00")
    with pytest.raises(TransferError, match="--replace"):
        copy_database(
            create_engine(build_url(source.database)), create_engine(build_url(target.database))
        )


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    settings = _populated(tmp_path)
    env = {"SQLITE_PATH": str(settings.database.path)}
    original = dump_tables(settings)
    backup_file = tmp_path / "backup.db"
    made = _cli(tmp_path, "backup", "--output", str(backup_file), **env)
    assert made.returncode == 0, made.stderr
    with create_engine(build_url(settings.database)).begin() as connection:
        connection.execute(delete(events))
    assert dump_tables(settings) != original
    assert _cli(tmp_path, "restore", str(backup_file), **env).returncode == 1  # needs --yes
    restored = _cli(tmp_path, "restore", str(backup_file), "--yes", **env)
    assert restored.returncode == 0, restored.stderr
    assert dump_tables(settings) == original


@pytest.mark.postgres
def test_postgres_backup_and_restore_with_pg_dump(
    tmp_path: Path, postgres_settings: Settings, postgres_env: dict[str, str]
) -> None:
    materialize_range(postgres_settings, "2026-11-23-08:00", "2026-11-23-12:00")
    original = dump_tables(postgres_settings)
    backup_file = tmp_path / "backup.dump"
    made = _cli(tmp_path, "backup", "--output", str(backup_file), **postgres_env)
    assert made.returncode == 0, made.stderr
    assert backup_file.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    with create_engine(build_url(postgres_settings.database)).begin() as connection:
        connection.execute(delete(events))
    restored = _cli(tmp_path, "restore", str(backup_file), "--yes", **postgres_env)
    assert restored.returncode == 0, restored.stderr
    assert dump_tables(postgres_settings) == original


def test_missing_pg_tools_name_the_fix(tmp_path: Path, postgres_env: dict[str, str]) -> None:
    result = _cli(tmp_path, "backup", SLACK_EVENTS_PG_BIN=str(tmp_path), **postgres_env)
    assert result.returncode == 1
    assert "pg_dump was not found" in result.stderr and "SLACK_EVENTS_PG_BIN" in result.stderr


def _cli_env(settings: Settings) -> dict[str, str]:
    """The environment that points the CLI at `settings`' database."""
    if settings.database.type == "sqlite":
        return {"SQLITE_PATH": str(settings.database.path)}
    pg = settings.database.postgres
    env = {
        "DATABASE_TYPE": "postgres",
        "POSTGRES_HOST": pg.host,
        "POSTGRES_PORT": str(pg.port),
        "POSTGRES_DATABASE": pg.database,
        "POSTGRES_USER": pg.user,
    }
    if pg.password:
        env["POSTGRES_PASSWORD"] = pg.password.get_secret_value()
    return env


def _checksums(settings: Settings) -> dict[str, tuple[int, str]]:
    engine = create_engine(build_url(settings.database))
    try:
        return {table.name: table_checksum(engine, table) for table in TABLES}
    finally:
        engine.dispose()


def _unrelated_sqlite(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('not ours')")
    return path


def _with_revision(backup_file: Path, path: Path, revision: str) -> Path:
    shutil.copyfile(backup_file, path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return path


def test_backup_refuses_to_overwrite_an_existing_file_without_force(
    tmp_path: Path, any_settings: Settings
) -> None:
    materialize_range(any_settings, "2026-11-23-09:00")
    env = _cli_env(any_settings)
    existing = tmp_path / "precious.bak"
    existing.write_bytes(b"an older backup")
    refused = _cli(tmp_path, "backup", "--output", str(existing), **env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{existing} already exists" in refused.stderr and "--force" in refused.stderr
    assert existing.read_bytes() == b"an older backup"
    forced = _cli(tmp_path, "backup", "--output", str(existing), "--force", **env)
    assert forced.returncode == 0, forced.stderr
    assert existing.read_bytes() != b"an older backup"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".precious")) == []


def test_a_bad_backup_is_refused_and_the_database_stays_as_it_was(
    tmp_path: Path, any_settings: Settings
) -> None:
    materialize_range(any_settings, "2026-11-23-08:00", "2026-11-23-12:00")
    env = _cli_env(any_settings)
    good = tmp_path / "good.bak"
    assert _cli(tmp_path, "backup", "--output", str(good), **env).returncode == 0
    truncated = tmp_path / "truncated.bak"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.bak"
    garbage.write_bytes(bytes(range(256)) * 64)
    bad_files = {
        truncated: "Nothing was restored",
        garbage: "Nothing was restored",
        _unrelated_sqlite(tmp_path / "unrelated.db"): "Nothing was restored",
    }
    if any_settings.database.type == "sqlite":
        future = _with_revision(good, tmp_path / "future.db", "999_from_the_future")
        bad_files[future] = "revision 999_from_the_future, which this code does not know"
    else:
        empty_dump = tmp_path / "other-database.dump"
        subprocess.run(
            [f"{PG_BIN}/pg_dump", "--format=custom", f"--file={empty_dump}"],
            env={**os.environ, "PGHOST": env["POSTGRES_HOST"], "PGPORT": env["POSTGRES_PORT"],
                 "PGUSER": env["POSTGRES_USER"], "PGDATABASE": "postgres"},
            check=True,
        )  # fmt: skip
        bad_files[empty_dump] = "is not a slack-events backup (no table alembic_version"

    before = _checksums(any_settings)
    assert before["raw_slack_messages"][0] > 0
    for bad, message in bad_files.items():
        result = _cli(tmp_path, "restore", str(bad), "--yes", **env)
        assert result.returncode == 1, (bad.name, result.stdout)
        assert message in result.stderr and str(bad) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert _checksums(any_settings) == before, bad.name

    # A good backup still restores, over a changed database.
    with create_engine(build_url(any_settings.database)).begin() as connection:
        connection.execute(delete(events))
    assert _checksums(any_settings) != before
    restored = _cli(tmp_path, "restore", str(good), "--yes", **env)
    assert restored.returncode == 0, restored.stderr
    assert _checksums(any_settings) == before


def test_pg_dump_failures_keep_the_whole_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens on it
    settings = make_settings(
        tmp_path, DATABASE_TYPE="postgres", POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(port)
    )
    monkeypatch.setenv(PG_BIN_ENV, PG_BIN)
    with pytest.raises(BackupError) as error:
        backup(settings.database, tmp_path / "out.dump")
    message = str(error.value)
    assert f'connection to server at "127.0.0.1", port {port} failed' in message, message
    assert "Is the server running" in message
    assert not list(tmp_path.glob("*out.dump*"))


@pytest.mark.postgres
def test_an_older_plain_sql_backup_restores_unless_truncated(
    tmp_path: Path, postgres_settings: Settings, postgres_env: dict[str, str]
) -> None:
    materialize_range(postgres_settings, "2026-11-23-09:00", "2026-11-23-10:00")
    plain = tmp_path / "before-custom-format.sql"  # what `backup` wrote before this version
    names = {"PGHOST": "POSTGRES_HOST", "PGPORT": "POSTGRES_PORT", "PGUSER": "POSTGRES_USER",
             "PGDATABASE": "POSTGRES_DATABASE"}  # fmt: skip
    pg_env = {libpq: postgres_env[ours] for libpq, ours in names.items()}
    subprocess.run(
        [f"{PG_BIN}/pg_dump", "--format=plain", "--clean", "--if-exists", "--no-owner",
         f"--file={plain}"],
        env={**os.environ, **pg_env},
        check=True,
    )  # fmt: skip
    before = _checksums(postgres_settings)
    truncated = tmp_path / "truncated.sql"
    truncated.write_bytes(plain.read_bytes()[: plain.stat().st_size * 2 // 3])
    refused = _cli(tmp_path, "restore", str(truncated), "--yes", **postgres_env)
    assert refused.returncode == 1 and "truncated plain-SQL pg_dump file" in refused.stderr
    assert _checksums(postgres_settings) == before

    with create_engine(build_url(postgres_settings.database)).begin() as connection:
        connection.execute(delete(events))
    restored = _cli(tmp_path, "restore", str(plain), "--yes", **postgres_env)
    assert restored.returncode == 0, restored.stderr
    assert _checksums(postgres_settings) == before


def _sql(url: str, *statements: str) -> list[tuple]:
    """Run statements on PostgreSQL (autocommit); return the last one's rows."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                result = connection.execute(text(statement))
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_table_owner_restores_and_other_roles_keep_their_grants(
    tmp_path: Path, postgres_env: dict[str, str]
) -> None:
    """The app role owns only its tables (not `public`); a reporting role reads them; another
    schema and another role's table in `public` exist. Restore keeps all of that."""
    suffix = uuid.uuid4().hex[:8]
    app, reader = f"app_{suffix}", f"bi_reader_{suffix}"
    admin_env = {**postgres_env}
    admin = build_url(make_settings(tmp_path / "admin", **admin_env).database).render_as_string(
        hide_password=False
    )
    _sql(
        admin,
        f"CREATE ROLE {app} LOGIN",
        f"CREATE ROLE {reader} LOGIN",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {app}",
        f"GRANT USAGE ON SCHEMA public TO {reader}",
        "CREATE SCHEMA reporting",
        "CREATE TABLE reporting.weekly (week int)",
        "INSERT INTO reporting.weekly VALUES (48)",
        "CREATE TABLE public.bi_notes (note text)",
        "INSERT INTO public.bi_notes VALUES ('not ours')",
    )
    try:
        app_env = {**postgres_env, "POSTGRES_USER": app}
        settings = make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true", **app_env)
        materialize_range(settings, "2026-11-23-08:00", "2026-11-23-11:00")
        app_url = build_url(settings.database).render_as_string(hide_password=False)
        ours = ", ".join(f"public.{name}" for name in OUR_TABLES)
        _sql(app_url, f"GRANT SELECT ON {ours} TO {reader}")
        before = _checksums(settings)
        backup_file = tmp_path / "backup.dump"
        made = _cli(tmp_path, "backup", "--output", str(backup_file), **app_env)
        assert made.returncode == 0, made.stderr

        def readable_tables() -> list[str]:
            return sorted(
                name
                for name in OUR_TABLES
                if _sql(admin, f"SELECT has_table_privilege('{reader}', 'public.{name}', 'SELECT')")
                == [(True,)]
            )

        def owners() -> set[str]:
            query = (
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public' "
                f"AND tablename IN ({', '.join(repr(name) for name in OUR_TABLES)})"
            )
            return {row[0] for row in _sql(admin, query)}

        assert readable_tables() == sorted(OUR_TABLES) and owners() == {app}
        for who in (app_env, admin_env):  # as the app role, then as a superuser
            with create_engine(app_url).begin() as connection:
                connection.execute(delete(events))
            restored = _cli(tmp_path, "restore", str(backup_file), "--yes", **who)
            assert restored.returncode == 0, restored.stderr
            assert _checksums(settings) == before
            assert readable_tables() == sorted(OUR_TABLES)
            assert owners() == {app}
            assert _sql(admin, "SELECT week FROM reporting.weekly") == [(48,)]
            assert _sql(admin, "SELECT note FROM public.bi_notes") == [("not ours",)]
    finally:
        dispose_engines()
        _sql(
            admin,
            f"REASSIGN OWNED BY {app}, {reader} TO CURRENT_USER",
            f"DROP OWNED BY {app}, {reader}",
            f"DROP ROLE {app}, {reader}",
        )


def _listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_verifying_a_sqlite_backup_changes_neither_it_nor_its_folder(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "live")
    materialize_range(settings, "2026-11-23-09:00")
    wal_backup = backup(settings.database, tmp_path / "wal" / "backup.db")  # a WAL-mode file
    # A backup copied while a writer was mid-transaction: the file plus its hot journal.
    hot = tmp_path / "hot"
    hot.mkdir()
    dispose_engines()
    with closing(sqlite3.connect(settings.database.path, isolation_level=None)) as writer:
        writer.execute("PRAGMA journal_mode=DELETE")
        writer.execute("PRAGMA cache_size=1")  # spill the change into the file before commit
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE raw_slack_messages SET text = text || ' (edited)'")
        shutil.copyfile(settings.database.path, hot / "backup.db")
        shutil.copyfile(f"{settings.database.path}-journal", hot / "backup.db-journal")
        writer.execute("ROLLBACK")
    for backup_file in (wal_backup, hot / "backup.db"):
        before = _listing(backup_file.parent)
        with suppress(BackupError):
            verify_sqlite_backup(backup_file)
        assert _listing(backup_file.parent) == before, backup_file


def test_a_locked_sqlite_database_is_named_instead_of_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _populated(tmp_path)
    backup_file = backup(settings.database, tmp_path / "backup.db")
    monkeypatch.setenv("SLACK_EVENTS_CONFIG", str(PROJECT_ROOT / "config.yaml"))
    monkeypatch.setenv("SQLITE_PATH", str(settings.database.path))
    monkeypatch.setattr(backup_module, "SQLITE_LOCK_WAIT_SECONDS", 0.5)
    assert load_settings().database.path == settings.database.path  # what main() reads
    before = _checksums(settings)
    with closing(sqlite3.connect(settings.database.path, isolation_level=None)) as run:
        run.execute("BEGIN IMMEDIATE")  # a Dagster run in the middle of its write
        run.execute("DELETE FROM events")
        try:
            assert main(["restore", str(backup_file), "--yes"]) == 1
        finally:
            run.execute("ROLLBACK")
    error = capsys.readouterr().err
    assert f"{settings.database.path} is locked by another connection" in error, error
    assert "Nothing was restored" in error and "retry when the runs have finished" in error
    assert _checksums(settings) == before
    assert main(["restore", str(backup_file), "--yes"]) == 0


def test_restoring_an_older_revision_says_to_migrate(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    old = make_settings(tmp_path / "old")
    engine = create_engine(build_url(old.database))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, "004")
    engine.dispose()
    old_backup = backup(old.database, tmp_path / "at-004.db")
    settings = _populated(tmp_path)
    env = _cli_env(settings)
    restored = _cli(tmp_path, "restore", str(old_backup), "--yes", **env)
    assert restored.returncode == 0, restored.stderr
    head = head_revision()
    assert f"schema revision 004; this code needs {head}" in restored.stdout, restored.stdout
    assert "Run `slack-events migrate`" in restored.stdout
    migrated = _cli(tmp_path, "migrate", **env)
    assert migrated.returncode == 0 and f"revision {head}" in migrated.stdout, migrated.stderr
    current = _cli(tmp_path, "restore", str(backup(settings.database, tmp_path / "now.db")),
                   "--yes", **env)  # fmt: skip
    assert current.returncode == 0 and "migrate" not in current.stdout


@pytest.mark.postgres
def test_a_view_on_our_tables_stops_the_restore_and_is_named(
    tmp_path: Path, postgres_settings: Settings, postgres_env: dict[str, str]
) -> None:
    materialize_range(postgres_settings, "2026-11-23-09:00")
    backup_file = tmp_path / "backup.dump"
    made = _cli(tmp_path, "backup", "--output", str(backup_file), **postgres_env)
    assert made.returncode == 0, made.stderr
    url = build_url(postgres_settings.database).render_as_string(hide_password=False)
    _sql(url, "CREATE SCHEMA reporting", "CREATE VIEW reporting.recent AS SELECT * FROM events")
    before = _checksums(postgres_settings)
    refused = _cli(tmp_path, "restore", str(backup_file), "--yes", **postgres_env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "view reporting.recent depends on table events" in refused.stderr, refused.stderr
    assert "drop it, restore, then create it again" in refused.stderr
    assert _checksums(postgres_settings) == before
    assert _sql(url, "SELECT count(*) FROM reporting.recent") == [(before["events"][0],)]
