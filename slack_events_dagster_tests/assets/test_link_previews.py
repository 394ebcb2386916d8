"""A link preview's date reaches the stored event, through the real graph on both databases."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import materialize_range, table_rows

TS = "1796206800.000100"  # 2026-12-02 10:20 UTC
MEETUP_URL = "https://www.meetup.com/springfield-data/events/401234567/"


def _export(root: Path) -> Path:
    export = root / "export"
    (export / "community").mkdir(parents=True)
    (export / "channels.json").write_text(json.dumps([{"id": "C0COM", "name": "community"}]))
    (export / "users.json").write_text(json.dumps([{"id": "U1", "name": "ana"}]))
    message = {
        "type": "message",
        "user": "U1",
        "ts": TS,
        "text": f"<{MEETUP_URL}>",  # only the link: the event's name and date are in its unfurl
        "attachments": [
            {
                "service_name": "Meetup",
                "title": "Plotting Birds with ggplot, Sat, Dec 12, 2026, 10:00 AM | Meetup",
                "title_link": MEETUP_URL,
                "text": "Bring a laptop.",
            }
        ],
    }
    (export / "community" / "2026-12-02.json").write_text(json.dumps([message]))
    return export


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_previews_date_reaches_the_stored_event(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {"SLACK_EXPORT_PATH": str(_export(tmp_path)), "PARTITIONS_START": "2026-12-01-00:00"}
    if database == "postgres":
        env |= {"DATABASE_AUTO_MIGRATE": "true", **request.getfixturevalue("postgres_env")}
    settings: Settings = make_settings(tmp_path, **env)
    materialize_range(settings, "2026-12-02-10:00")

    preview = {
        "title": "Plotting Birds with ggplot, Sat, Dec 12, 2026, 10:00 AM",
        "text": "Bring a laptop.",
        "service": "Meetup",
        "url": MEETUP_URL,
    }
    (message,) = table_rows(settings, "raw_slack_messages")
    assert message["link_previews"] == [preview]
    (candidate,) = table_rows(settings, "event_candidates")
    assert candidate["link_previews"] == [preview]
    (event,) = table_rows(settings, "events")
    assert event["event_date"] == datetime(2026, 12, 12, 10, tzinfo=UTC)
    assert event["title"] == "Plotting Birds with ggplot"
    assert event["category"] == "marketing"
