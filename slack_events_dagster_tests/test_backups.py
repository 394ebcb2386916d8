"""The daily backup job: compressed, verified, the newest N kept, and a restore drill on SQLite and
PostgreSQL 16 (back up through the job, damage the data, restore, identical tables)."""

import gzip
from pathlib import Path

import dagster as dg
import pgserver
import pytest
from sqlalchemy import delete, update

from slack_events_dagster.definitions import build_definitions
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.backup import PG_BIN_ENV, BackupError, restore
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.scheduled_backup import scheduled_backups
from slack_events_dagster.storage.schema import digests, events
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import dump_tables, materialize_range

PG_BIN = str(Path(pgserver.__file__).parent / "pginstall" / "bin")  # PostgreSQL 16's tools


@pytest.fixture(params=["sqlite", "postgres"])
def backup_settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv(PG_BIN_ENV, PG_BIN)
    env = {"BACKUP_FOLDER": str(tmp_path / "backups"), "BACKUP_KEEP": "2"}
    if request.param == "postgres":
        env |= {"DATABASE_AUTO_MIGRATE": "true", **request.getfixturevalue("postgres_env")}
    return make_settings(tmp_path, **env)


def _run_backup_job(settings: Settings) -> dg.ExecuteInProcessResult:
    job = build_definitions(settings).resolve_job_def("backup_job")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance)


def _written(result: dg.ExecuteInProcessResult) -> Path:
    (output,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_OUTPUT]
    return Path(output.event_specific_data.metadata["path"].value)  # type: ignore[union-attr]


def test_the_schedule_is_daily_and_off_unless_backup_schedule(tmp_path: Path) -> None:
    off = build_definitions(make_settings(tmp_path)).resolve_schedule_def("daily_backup")
    assert off.default_status == dg.DefaultScheduleStatus.STOPPED
    assert off.cron_schedule == "30 3 * * *" and off.job_name == "backup_job"
    on = build_definitions(make_settings(tmp_path, BACKUP_SCHEDULE="true"))
    assert on.resolve_schedule_def("daily_backup").default_status == (
        dg.DefaultScheduleStatus.RUNNING
    )


def test_restore_drill_from_the_daily_backup(backup_settings: Settings) -> None:
    materialize_range(backup_settings, "2026-11-23-08:00", "2026-11-23-12:00")
    original = dump_tables(backup_settings)
    paths = [_written(_run_backup_job(backup_settings)) for _ in range(3)]
    folder = Path(backup_settings.backup.folder)
    assert scheduled_backups(folder) == paths[1:]  # backup.keep = 2: the oldest was deleted
    newest = paths[-1]
    if backup_settings.database.type == "sqlite":
        assert newest.name.endswith(".db.gz")
        with gzip.open(newest) as file:
            assert file.read(16) == b"SQLite format 3\x00"  # compressed SQLite
    else:
        assert newest.name.endswith(".dump")
        assert newest.read_bytes().startswith(b"PGDMP")  # pg_dump's compressed custom format

    with get_engine(backup_settings.database).begin() as connection:  # the damage
        connection.execute(delete(events))
        connection.execute(update(digests).values(markdown="damaged"))
    assert dump_tables(backup_settings) != original
    restore(backup_settings.database, newest)
    assert dump_tables(backup_settings) == original


def test_a_damaged_compressed_backup_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, BACKUP_FOLDER=str(tmp_path / "backups"))
    materialize_range(settings, "2026-11-23-09:00")
    original = dump_tables(settings)
    path = _written(_run_backup_job(settings))
    cut = tmp_path / path.name
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(BackupError, match="not a readable gzip file"):
        restore(settings.database, cut)
    assert dump_tables(settings) == original


def test_a_failed_backup_fails_the_run_and_keeps_the_older_ones(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, BACKUP_FOLDER=str(tmp_path / "backups"), BACKUP_KEEP="1")
    materialize_range(settings, "2026-11-23-09:00")
    first = _written(_run_backup_job(settings))
    Path(settings.database.path).unlink()  # nothing to back up
    job = build_definitions(settings).resolve_job_def("backup_job")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    assert scheduled_backups(first.parent) == [first]
