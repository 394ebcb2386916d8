"""migrate-data (SQLite -> PostgreSQL 16), backups and restores, as users run them."""

import os
import subprocess
import sys
from pathlib import Path

import pgserver
import pytest
from sqlalchemy import create_engine, delete

from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster.storage.engine import build_url
from slack_events_dagster.storage.schema import events, llm_usage
from slack_events_dagster.storage.transfer import TransferError, copy_database, normalize_url
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
    backup_file = tmp_path / "backup.sql"
    made = _cli(tmp_path, "backup", "--output", str(backup_file), **postgres_env)
    assert made.returncode == 0, made.stderr
    assert "CREATE TABLE public.events" in backup_file.read_text(encoding="utf-8")
    with create_engine(build_url(postgres_settings.database)).begin() as connection:
        connection.execute(delete(events))
    restored = _cli(tmp_path, "restore", str(backup_file), "--yes", **postgres_env)
    assert restored.returncode == 0, restored.stderr
    assert dump_tables(postgres_settings) == original


def test_missing_pg_tools_name_the_fix(tmp_path: Path, postgres_env: dict[str, str]) -> None:
    result = _cli(tmp_path, "backup", SLACK_EVENTS_PG_BIN=str(tmp_path), **postgres_env)
    assert result.returncode == 1
    assert "pg_dump was not found" in result.stderr and "SLACK_EVENTS_PG_BIN" in result.stderr
