"""`slack-events demo` and `doctor` as a user runs them (subprocesses, real databases)."""

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from devtools.postgres16 import free_port
from slack_events_dagster.settings import PROJECT_ROOT
from slack_events_dagster_tests.conftest import REAL_SLACK_EXPORTS, make_settings
from slack_events_dagster_tests.helpers import (
    export_messages,
    local_dagster_home,
    run_cli,
    table_rows,
)


@pytest.mark.slow
def test_demo_prints_a_digest_with_real_events_from_the_sample(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "demo")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Materialising partitions 2026-11-18-00:00 .. 2026-11-24-23:00 in one run" in out
    assert "## Upcoming events — as of Tue 24 Nov 2026" in out
    assert "**Thu 03 Dec** — Checkout redesign launch moved _(moved from Tue 01 Dec)_" in out
    assert "_(moved from Tue 01 Dec)_" in out
    assert "make dev" in out
    digest_lines = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(digest_lines) == len(set(digest_lines)) >= 3


def test_doctor_reports_a_reachable_sqlite_database(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database_type: sqlite" in result.stdout
    assert "reachable:     yes (SQLite" in result.stdout


def test_doctor_reports_the_last_hour_materialised_and_how_old_it_is(tmp_path: Path) -> None:
    from slack_events_dagster.cli import _last_hour_line
    from slack_events_dagster_tests.helpers import materialize_range

    settings = make_settings(tmp_path)
    empty = run_cli(tmp_path, "doctor")
    assert "last hour:     none materialised yet" in empty.stdout, empty.stdout + empty.stderr
    materialize_range(settings, "2026-11-23-09:00")
    shown = run_cli(tmp_path, "doctor")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "last hour:     2026-11-23 09:00 UTC (digests; the hour ended " in shown.stdout
    assert "older than alerts.freshness_hours (2 h)" in shown.stdout  # the sample is old
    recent = _last_hour_line(settings, datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    assert recent == "2026-11-23 09:00 UTC (digests; the hour ended 1 h 00 min ago)"
    late = _last_hour_line(settings, datetime(2026, 11, 23, 12, 30, tzinfo=UTC))
    assert "ended 2 h 30 min ago" in late and "schedule running" in late


def test_doctor_against_a_stopped_postgres_prints_the_fix_and_exits_1(tmp_path: Path) -> None:
    port = free_port()
    result = run_cli(
        tmp_path,
        "doctor",
        DATABASE_TYPE="postgres",
        POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT=str(port),
    )
    assert result.returncode == 1
    assert "database_type: postgres" in result.stdout
    assert f"Cannot reach PostgreSQL at 127.0.0.1:{port}" in result.stdout
    assert f"pg_isready -h 127.0.0.1 -p {port}" in result.stdout


@pytest.mark.postgres
def test_migrate_then_doctor_on_postgres16(tmp_path: Path, postgres_env: dict[str, str]) -> None:
    before = run_cli(tmp_path, "doctor", **postgres_env)
    assert before.returncode == 1 and "needs: alembic upgrade head" in before.stdout
    assert run_cli(tmp_path, "migrate", **postgres_env).returncode == 0
    after = run_cli(tmp_path, "doctor", **postgres_env)
    assert after.returncode == 0, after.stdout
    assert "revision 009 (head 009, up to date)" in after.stdout


@pytest.mark.slow
def test_the_real_olake_export_runs_cleanly_end_to_end(tmp_path: Path) -> None:
    export = REAL_SLACK_EXPORTS / "olake"
    if not export.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{export} is missing: CI must run the real-export test")
        pytest.skip("shared/real_slack is not present on this clone")
    result = run_cli(
        tmp_path, "demo", SLACK_EXPORT_PATH=str(export), PARTITIONS_START="2026-05-01-00:00"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "## Upcoming events" in result.stdout
    settings = make_settings(tmp_path)
    raw = table_rows(settings, "raw_slack_messages")
    system = {"bot_add", "bot_remove", "channel_join"}
    expected = [m for _, m in export_messages(export) if m.get("subtype") not in system]
    assert len(raw) == len(expected)
    assert {r["channel_name"] for r in raw} == {
        "announcements",
        "contributing-to-olake",
        "discussions",
        "general",
        "help",
    }
    events = table_rows(settings, "events")
    assert any("v0.3.7" in str(e["anchors"]) or "released" in e["title"].lower() for e in events)


@pytest.mark.slow
def test_digest_command_renders_and_posts_like_the_asset(tmp_path: Path) -> None:
    from devtools.emulators.slack import SlackEmulator
    from slack_events_dagster_tests.conftest import SAMPLE_EXPORT, SLACK_TEST_TOKEN
    from slack_events_dagster_tests.helpers import materialize_range

    settings = make_settings(tmp_path)
    materialize_range(settings, "2026-11-23-00:00", "2026-11-24-12:00")
    stored = next(
        row["markdown"]
        for row in table_rows(settings, "digests")
        if row["partition_hour"].strftime("%Y-%m-%d-%H") == "2026-11-24-08"
    )
    shown = run_cli(tmp_path, "digest", "--channel", "default", "--as-of", "2026-11-24T09:00")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert stored in shown.stdout and "Checkout redesign launch" in stored

    with SlackEmulator(SAMPLE_EXPORT, token=SLACK_TEST_TOKEN) as slack:
        env = {"SLACK_BOT_TOKEN": SLACK_TEST_TOKEN, "SLACK_API_BASE_URL": slack.base_url}
        args = ("digest", "--channel", "C0A1ENG0001", "--as-of", "2026-11-24T09:00", "--post")
        first = run_cli(tmp_path, *args, **env)
        assert first.returncode == 0, first.stderr[-2000:]
        assert "Slack message posted in C0A1ENG0001" in first.stdout
        second = run_cli(tmp_path, *args, **env)
        assert "Slack message updated in C0A1ENG0001" in second.stdout
        assert slack.call_count("chat.postMessage") == 1 and slack.call_count("chat.update") == 1
        assert SLACK_TEST_TOKEN not in first.stdout + first.stderr + second.stdout + second.stderr


@pytest.mark.slow
def test_digest_command_prints_the_stored_digest_of_the_hour_byte_for_byte(
    tmp_path: Path, postgres_env: dict[str, str]
) -> None:
    """`digest --as-of H` takes the asset's events (the look-back's partition hours, not the
    message times) through the asset's code path (hourly_digest over MergeGraph), so it prints
    what `digests` stored for the hour before H. An event stored in a later partition than its
    message time (here a copy, put in 12:00) is outside every earlier hour's input: the CLI
    used to select it by message time and show a line the asset never built."""
    from sqlalchemy import insert

    from slack_events_dagster.storage.engine import get_engine
    from slack_events_dagster.storage.schema import events
    from slack_events_dagster_tests.helpers import materialize_range

    settings = make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true", **postgres_env)
    materialize_range(settings, "2026-11-23-00:00", "2026-11-24-12:00")
    stored = {row["window_end"]: row["markdown"] for row in table_rows(settings, "digests")}
    as_of = datetime(2026, 11, 24, 12, tzinfo=UTC)
    shown_events = [
        e
        for e in table_rows(settings, "events")
        if e["confidence"] >= 0.7 and e["message_time"] < as_of
    ]
    late = max(shown_events, key=lambda e: e["message_time"])
    assert late["message_time"] >= as_of - timedelta(hours=24)  # in the 12:00 digest's window
    copy = {**late, "event_id": "stored-late", "message_ts": "1795000000.000001"}
    copy["partition_hour"] = as_of
    with get_engine(settings.database).begin() as connection:
        connection.execute(insert(events).values(**copy))
    for hour in ("2026-11-23T01:00", "2026-11-24T09:00", "2026-11-24T12:00"):
        shown = run_cli(tmp_path, "digest", "--channel", "default", "--as-of", hour, **postgres_env)
        assert shown.returncode == 0, shown.stderr[-2000:]
        expected = stored[datetime.fromisoformat(hour).replace(tzinfo=UTC)]
        assert shown.stdout == expected + "\n", f"{hour}:\n{shown.stdout}\nstored:\n{expected}"
    assert "No events announced" in stored[datetime(2026, 11, 23, 1, tzinfo=UTC)]


@pytest.mark.slow
def test_digest_date_min_confidence_and_max_events(tmp_path: Path) -> None:
    """--date D is D's digest as of its publish hour (09:00 in the target's zone), like the
    original script's; --min-confidence and --max-events override the target's rules."""
    from slack_events_dagster_tests.helpers import materialize_range

    settings = make_settings(tmp_path)
    materialize_range(settings, "2026-11-23-00:00", "2026-11-24-12:00")
    base = ("digest", "--channel", "default")
    by_hour = run_cli(tmp_path, *base, "--as-of", "2026-11-24T09:00")
    by_date = run_cli(tmp_path, *base, "--date", "2026-11-24")
    assert by_date.returncode == 0, by_date.stderr[-2000:]
    assert by_date.stdout == by_hour.stdout and "as of Tue 24 Nov 2026 09:00" in by_date.stdout
    lines = [line for line in by_date.stdout.splitlines() if line.startswith("- ")]
    assert len(lines) >= 3

    one = run_cli(tmp_path, *base, "--date", "2026-11-24", "--max-events", "1")
    assert [line for line in one.stdout.splitlines() if line.startswith("- ")] == lines[:1]
    assert f"(top 1 of {len(lines)})" in one.stdout

    strict = run_cli(tmp_path, *base, "--date", "2026-11-24", "--min-confidence", "1.0")
    assert strict.returncode == 0, strict.stderr[-2000:]
    shown = [line for line in strict.stdout.splitlines() if line.startswith("- ")]
    assert len(shown) < len(lines) and set(shown) <= set(lines)
    loose = run_cli(
        tmp_path, *base, "--date", "2026-11-24", "--min-confidence", "0", "--max-events", "100"
    )
    assert len([line for line in loose.stdout.splitlines() if line.startswith("- ")]) >= len(lines)

    amsterdam = run_cli(tmp_path, *base, "--date", "2026-11-24", DIGEST_TIMEZONE="Europe/Amsterdam")
    assert "as of Tue 24 Nov 2026 09:00 CET" in amsterdam.stdout  # 08:00 UTC


def test_digest_options_are_checked(tmp_path: Path) -> None:
    base = ("digest", "--channel", "default")
    _assert_clean_error(run_cli(tmp_path, *base, "--date", "24/11"), "--date '24/11' is not a date")
    _assert_clean_error(
        run_cli(tmp_path, *base, "--min-confidence", "1.5"), "--min-confidence 1.5 is not between"
    )
    _assert_clean_error(
        run_cli(tmp_path, *base, "--max-events", "0"), "--max-events 0 is less than 1"
    )
    both = run_cli(tmp_path, *base, "--date", "2026-11-24", "--as-of", "2026-11-24T09:00")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_an_as_of_inside_an_hour_says_digests_are_hourly(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "digest", "--channel", "default", "--as-of", "2026-11-24T09:30")
    _assert_clean_error(result, "--as-of '2026-11-24T09:30' is not the end of an hour", "T09:00")


def _assert_clean_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 1 with every `expected` text and no Python traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for text in expected:
        assert text in output, output


def test_demo_with_a_missing_export_says_so_and_creates_no_database(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-export"
    result = run_cli(tmp_path, "demo", SLACK_EXPORT_PATH=str(missing))
    _assert_clean_error(result, f"Slack export not found at {missing}", "SLACK_EXPORT_PATH")
    assert not (tmp_path / "slack_events.db").exists()


@pytest.mark.parametrize("command", ["demo", "backfill"])
def test_an_export_without_day_files_is_one_error_line_and_creates_no_database(
    tmp_path: Path, command: str
) -> None:
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    (export / "channels.json").write_text('[{"id": "C1", "name": "general"}]')
    home = local_dagster_home(tmp_path)
    result = run_cli(tmp_path, command, SLACK_EXPORT_PATH=str(export), DAGSTER_HOME=str(home))
    _assert_clean_error(result, f"error: No day files found in the Slack export at {export}")
    assert not (tmp_path / "slack_events.db").exists()


@pytest.mark.parametrize("command", ["demo", "backfill"])
def test_an_export_before_partitions_start_is_one_error_line(tmp_path: Path, command: str) -> None:
    """The bundled export's days all lie before a later partitions.start: nothing to run."""
    home = local_dagster_home(tmp_path)
    later = "2026-12-01-00:00"
    result = run_cli(tmp_path, command, PARTITIONS_START=later, DAGSTER_HOME=str(home))
    _assert_clean_error(result, "error: The export covers", "outside the partitions", later)
    assert not (tmp_path / "slack_events.db").exists()


def test_doctor_with_an_unusable_sqlite_path_explains_it(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / "a-file" / "slack_events.db"
    result = run_cli(tmp_path, "doctor", SQLITE_PATH=str(path))
    _assert_clean_error(
        result, "reachable:     NO", f"Cannot open SQLite database at {path}", "SQLITE_PATH"
    )


@pytest.mark.parametrize("command", [("migrate",), ("digest", "--channel", "default"), ("backup",)])
def test_commands_against_a_stopped_postgres_print_the_fix(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    port = free_port()  # nothing listens on it
    result = run_cli(
        tmp_path, *command, DATABASE_TYPE="postgres", POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT=str(port),
    )  # fmt: skip
    _assert_clean_error(
        result, f"Cannot reach PostgreSQL at 127.0.0.1:{port}", f"pg_isready -h 127.0.0.1 -p {port}"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_as_of_names_the_option(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "digest", "--channel", "default", "--as-of", "next tuesday")
    _assert_clean_error(result, "--as-of 'next tuesday' is not a date and time", "2026-11-24T09:00")


def test_a_bad_partitions_start_shows_the_value_once(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "doctor", PARTITIONS_START="garbage")
    _assert_clean_error(result, "partitions.start", "PARTITIONS_START")
    assert result.stderr.count("'garbage'") == 1, result.stderr


def test_a_secret_under_an_unknown_config_key_is_never_printed(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  password: hunter2-SECRET\n  postgres:\n    apiToken: tok-SECRET\n",
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "doctor", SLACK_EVENTS_CONFIG=str(config))
    _assert_clean_error(result, "database.password: Extra inputs are not permitted")
    assert "SECRET" not in result.stdout + result.stderr


def test_restore_into_an_unusable_sqlite_path_explains_it(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    backup_file = tmp_path / "backup.db"
    assert run_cli(tmp_path, "backup", "--output", str(backup_file)).returncode == 0
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / "a-file" / "slack_events.db"
    result = run_cli(tmp_path, "restore", str(backup_file), "--yes", SQLITE_PATH=str(path))
    _assert_clean_error(result, f"Cannot open SQLite database at {path}", "SQLITE_PATH")


@pytest.mark.slow
def test_demo_prints_a_line_per_step_then_the_digest_and_logs_dagster_to_a_file(
    tmp_path: Path,
) -> None:
    """The ~700 Dagster event lines go to a file; the console shows one line per asset step with
    its counts, the asset checks (run, not "Not evaluated"), the digest and where the log is."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    result = run_cli(tmp_path, "demo", DAGSTER_HOME=str(home))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("## Upcoming events"))
    assert heading < 15, result.stdout
    steps = {line.split()[0]: line for line in lines[:heading] if line.startswith("  ")}
    assert "320 messages (140 replies) from 5 channels" in steps["raw_slack_messages"]
    assert "98 candidates" in steps["event_candidates"]
    assert "33 events from 98 candidates" in steps["events"]
    assert "168 digests" in steps["digests"]
    assert "0 posted, 0 updated, 168 not due" in steps["digest_posts"]  # digest.publish is off
    assert "4 of 4 passed" in steps["asset"]
    log = home / "demo-dagster.log"
    assert lines[-2] == f"Full Dagster log: {log}"
    logged = log.read_text()
    assert logged.count("ASSET_MATERIALIZATION") == 5 * 168
    assert logged.count("ASSET_CHECK_EVALUATION") == 4
    assert "RUN_SUCCESS" in logged
    with dg.DagsterInstance.from_config(str(home)) as instance:  # what the UI shows
        checks = instance.get_event_records(
            dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        )
        assert len(checks) == 4
