"""`slack-events search` as a user runs it (a subprocess), on SQLite and PostgreSQL 16."""

from datetime import timedelta
from pathlib import Path

import pytest

from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import run_cli
from slack_events_dagster_tests.storage.test_search import HOUR, _event, _message, _store


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_search_prints_when_channel_title_and_permalink(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = request.getfixturevalue("postgres_env") if database == "postgres" else {}
    settings = make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true", **env)
    later = HOUR + timedelta(days=1)
    _store(settings, "raw_slack_messages", [_message(HOUR, "1.1", "Snowflake code freeze")], HOUR)
    _store(settings, "raw_slack_messages", [_message(later, "2.1", "Freeze lifted")], later)
    _store(settings, "events", [_event(HOUR, "1.1", "Code freeze", "No deploys.")], HOUR)
    _store(settings, "events", [_event(later, "2.1", "Freeze ends", "Deploy again.")], later)

    found = run_cli(tmp_path, "search", "freeze", **env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [  # newest announcement first
        "2026-11-27  #releases  Freeze ends  https://example.slack.com/archives/C1/p21",
        "2026-11-26  #releases  Code freeze  https://example.slack.com/archives/C1/p11",
        "2 events found",
    ]
    since = run_cli(tmp_path, "search", '"code freeze"', "--since", "2026-11-23T09:00", **env)
    assert since.stdout.splitlines()[-1] == "1 event found" and "Code freeze" in since.stdout
    newest = run_cli(tmp_path, "search", "freeze", "--limit", "1", "--channel", "#releases", **env)
    assert "Freeze ends" in newest.stdout and "Code freeze" not in newest.stdout
    assert "1 event found (the newest 1; --limit shows more)" in newest.stdout
    assert run_cli(tmp_path, "search", "freeze", "--channel", "general", **env).stdout == (
        "0 events found\n"
    )
    odd = run_cli(tmp_path, "search", '" AND * - : NEAR(', **env)
    assert odd.returncode == 0 and odd.stdout == "0 events found\n", odd.stderr

    bad = run_cli(tmp_path, "search", "freeze", "--since", "last week", **env)
    assert bad.returncode == 1 and "--since 'last week' is not a date" in bad.stderr
