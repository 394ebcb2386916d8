"""A thread reply is read with its parent, even when the parent sits in an earlier partition."""

import json
from datetime import UTC, datetime
from pathlib import Path

from slack_events_dagster_tests.conftest import make_settings
from slack_events_dagster_tests.helpers import materialize_range, table_rows

PARENT_TS = "1796203200.000100"  # 2026-12-02 09:20 UTC
REPLY_TS = "1796214000.000200"  # 2026-12-02 12:20 UTC, three partitions later
OLD_PARENT_TS = "1795166400.000100"  # 2026-11-20 09:20 UTC, 12 days before the reply


def _export(root: Path, parent_ts: str = PARENT_TS) -> Path:
    export = root / "export"
    (export / "releases").mkdir(parents=True)
    (export / "channels.json").write_text(json.dumps([{"id": "C0REL", "name": "releases"}]))
    (export / "users.json").write_text(
        json.dumps([{"id": "U1", "name": "ana", "profile": {"display_name": "ana"}}])
    )
    messages = [
        {
            "type": "message",
            "user": "U1",
            "ts": parent_ts,
            "text": "The ledger 5.0 release is coming, date to be confirmed",
            "reply_count": 1,
            "thread_ts": parent_ts,
        },
        {
            "type": "message",
            "user": "U1",
            "ts": REPLY_TS,
            "thread_ts": parent_ts,
            "text": "Confirmed: December 15.",
        },
    ]
    by_day: dict[str, list[dict]] = {}
    for message in messages:  # one day file per UTC day, as in a real export
        day = datetime.fromtimestamp(float(message["ts"]), UTC).date().isoformat()
        by_day.setdefault(day, []).append(message)
    for day, day_messages in by_day.items():
        (export / "releases" / f"{day}.json").write_text(json.dumps(day_messages))
    return export


def test_a_reply_dates_the_event_its_parent_names_across_partitions(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        SLACK_EXPORT_PATH=str(_export(tmp_path)),
        PARTITIONS_START="2026-12-01-00:00",
    )
    materialize_range(settings, "2026-12-02-09:00")
    materialize_range(settings, "2026-12-02-12:00")  # the parent is not in this run's input

    (reply,) = [c for c in table_rows(settings, "event_candidates") if c["ts"] == REPLY_TS]
    assert reply["thread_parent_text"] == "The ledger 5.0 release is coming, date to be confirmed"
    assert reply["features"].get("parent_keyword") == 10.0

    (event,) = [e for e in table_rows(settings, "events") if e["message_ts"] == REPLY_TS]
    assert event["category"] == "product"
    assert event["event_date"].astimezone(UTC).date() == datetime(2026, 12, 15).date()
    assert "ledger 5.0" in event["title"].lower()


def test_a_reply_without_its_parent_stored_is_read_alone(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        SLACK_EXPORT_PATH=str(_export(tmp_path)),
        PARTITIONS_START="2026-12-01-00:00",
    )
    materialize_range(settings, "2026-12-02-12:00")  # the parent's hour was never ingested
    candidates = [c for c in table_rows(settings, "event_candidates") if c["ts"] == REPLY_TS]
    assert all(c["thread_parent_text"] is None for c in candidates)
    assert not [e for e in table_rows(settings, "events") if e["message_ts"] == REPLY_TS]


def test_a_reply_to_a_thread_older_than_a_week_gets_its_parent(tmp_path: Path) -> None:
    """API mode ingests replies to parents up to slack.thread_window_days (90) old, so scoring
    looks that far back for the parent too, not only slack.thread_lookback_days (7)."""
    settings = make_settings(tmp_path, SLACK_EXPORT_PATH=str(_export(tmp_path, OLD_PARENT_TS)))
    materialize_range(settings, "2026-11-20-09:00")  # on or after partitions.start (config.yaml)
    materialize_range(settings, "2026-12-02-12:00")  # 12 days later: past the 7-day look-back

    (reply,) = [c for c in table_rows(settings, "event_candidates") if c["ts"] == REPLY_TS]
    assert reply["thread_parent_text"] == "The ledger 5.0 release is coming, date to be confirmed"
