"""Alembic revisions create exactly storage/schema.py (plus migration 006's search indexes),
and downgrade removes it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.migrations import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    stored_revision,
    upgrade_to_head,
)
from slack_events_dagster.storage.schema import metadata
from slack_events_dagster.storage.search import include_in_comparison
from slack_events_dagster_tests.conftest import make_settings

TABLES = {
    "raw_slack_messages",
    "event_candidates",
    "events",
    "digests",
    "llm_cache",
    "llm_usage",
    "slack_digest_posts",
}


def _comparing(connection: Connection) -> MigrationContext:
    """A migration context that compares as env.py does (search indexes are migration 006's)."""
    return MigrationContext.configure(connection, opts={"include_name": include_in_comparison})


def _alembic(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.postgres
def test_alembic_cli_upgrade_and_downgrade_on_postgres16(
    postgres_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**postgres_env, "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml")}
    upgrade = _alembic(["upgrade", "head"], env)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Running upgrade  -> 001, Initial schema" in upgrade.stderr
    assert "Running upgrade 001 -> 002, LLM response cache and usage ledger" in upgrade.stderr
    assert "Running upgrade 002 -> 003, Slack digest posts" in upgrade.stderr
    assert "Running upgrade 003 -> 004, Candidates keep their thread parent" in upgrade.stderr
    assert "Running upgrade 004 -> 005, Wider user ids and model names" in upgrade.stderr
    assert "Running upgrade 005 -> 006, Full-text search of events and messages" in upgrade.stderr
    assert "Running upgrade 006 -> 007, JSON columns are JSONB on PostgreSQL" in upgrade.stderr
    assert (
        "Running upgrade 007 -> 008, Messages and candidates keep their link previews"
        in upgrade.stderr
    )
    assert (
        "Running upgrade 008 -> 009, SQLite searches only the messages that announced an event"
        in upgrade.stderr
    )

    engine = get_engine(make_settings(tmp_path, **postgres_env).database)
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= TABLES
    indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("events")}
    assert indexes["idx_events_dedup_key"] == ["dedup_key"]
    assert indexes["idx_events_date"] == ["event_date"]
    with engine.connect() as connection:
        diff = compare_metadata(_comparing(connection), metadata)
    assert diff == [], f"the revisions and storage/schema.py disagree: {diff}"

    downgrade = _alembic(["downgrade", "base"], env)
    assert downgrade.returncode == 0, downgrade.stderr
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}


def test_sqlite_schema_matches_metadata_and_migrates_once(sqlite_settings: Settings) -> None:
    engine = get_engine(sqlite_settings.database)
    assert current_revision(engine) is None and stored_revision(engine) is None
    ensure_schema(engine, migrate=True)
    assert current_revision(engine) == head_revision() == HEAD_REVISION == "009"
    assert stored_revision(engine) == HEAD_REVISION
    ensure_schema(engine, migrate=True)  # already at head: nothing to do, no error
    with engine.connect() as connection:
        diff = compare_metadata(_comparing(connection), metadata)
    assert diff == []


def test_unmigrated_database_is_refused_with_the_command_to_run(sqlite_settings: Settings) -> None:
    from slack_events_dagster.storage.migrations import SchemaOutOfDateError

    engine = get_engine(sqlite_settings.database)
    with pytest.raises(SchemaOutOfDateError, match="alembic upgrade head"):
        ensure_schema(engine, migrate=False)
    upgrade_to_head(engine)
    ensure_schema(engine, migrate=False)
    config = alembic_config()
    with engine.begin() as connection:  # one revision behind is refused too
        config.attributes["connection"] = connection
        command.downgrade(config, "008")
    assert stored_revision(engine) == "008"
    with pytest.raises(SchemaOutOfDateError, match="at revision 008, this code needs 009"):
        ensure_schema(engine, migrate=False)


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_link_previews_migration_keeps_old_rows_and_downgrades(
    database: str, request: pytest.FixtureRequest
) -> None:
    """008 adds `link_previews` to messages and candidates (NULL on rows written before it) and
    its downgrade drops it again, the rows staying."""
    settings = request.getfixturevalue(f"{database}_settings")
    engine = get_engine(settings.database)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "005")
        connection.execute(
            text(
                "INSERT INTO raw_slack_messages (channel_id, ts, partition_hour, message_time,"
                " channel_name, is_bot, text, mentions, is_thread_reply, reply_count, reactions,"
                " reaction_count, attachment_count, file_count) VALUES ('C1', '1.000001',"
                " '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', 'general', false,"
                " 'hi', '{}', false, 0, '{}', 0, 1, 0)"
            )
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "008")
    inspector = inspect(engine)
    for table in ("raw_slack_messages", "event_candidates"):
        assert "link_previews" in {column["name"] for column in inspector.get_columns(table)}
    with engine.connect() as connection:
        old = connection.execute(text("SELECT link_previews FROM raw_slack_messages")).all()
    assert old == [(None,)]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "005")
    inspector = inspect(engine)
    for table in ("raw_slack_messages", "event_candidates"):
        assert "link_previews" not in {column["name"] for column in inspector.get_columns(table)}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM raw_slack_messages")).scalar() == 1
