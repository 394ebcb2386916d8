"""The real graph, materialised end to end on the bundled sample export (SQLite and PostgreSQL)."""

from collections import Counter
from datetime import UTC, datetime

import pytest

from slack_events_dagster.domain.messages import ts_to_datetime
from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT
from slack_events_dagster_tests.helpers import (
    dump_tables,
    export_messages,
    materialize_range,
    table_rows,
)

FIRST, LAST = "2026-11-23-00:00", "2026-11-23-12:00"
RELEASE_TS = {"releases": "1795425247.269870", "engineering": "1795433862.418742"}


def _expected_message_count(first: datetime, end: datetime) -> int:
    return sum(
        1
        for _, message in export_messages(SAMPLE_EXPORT)
        if first <= ts_to_datetime(message["ts"]) < end and message.get("subtype") != "channel_join"
    )


def test_range_run_writes_every_stage_and_the_digest_merges_channels(
    any_settings: Settings,
) -> None:
    result = materialize_range(any_settings, FIRST, LAST)
    assert result.success

    raw = table_rows(any_settings, "raw_slack_messages")
    expected = _expected_message_count(
        datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 23, 13, tzinfo=UTC)
    )
    assert len(raw) == expected > 20
    assert {row["channel_name"] for row in raw} >= {"releases", "engineering", "incidents"}
    read = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    by_channel = Counter(row["channel_name"] for row in raw)
    assert read["messages_by_channel"].value == dict(by_channel)
    assert read["messages"].value == len(raw)

    candidates = table_rows(any_settings, "event_candidates")
    assert 0 < len(candidates) < len(raw)
    release = next(c for c in candidates if c["ts"] == RELEASE_TS["releases"])
    assert {"kind": "jira", "value": "PAY-2231"} in release["anchors"]
    assert any(name.startswith("keyword:") for name in release["features"])

    events = table_rows(any_settings, "events")
    announcements = [e for e in events if e["message_ts"] in RELEASE_TS.values()]
    assert {e["channel_name"] for e in announcements} == {"releases", "engineering"}
    assert len({e["dedup_key"] for e in announcements}) == 1
    assert all(e["event_date"] == datetime(2026, 11, 26, 14, tzinfo=UTC) for e in announcements)

    digests = {
        row["partition_hour"].strftime("%H"): row for row in table_rows(any_settings, "digests")
    }
    assert len(digests) == 13  # one per hour of the range
    noon = digests["12"]
    lines = [line for line in noon["markdown"].splitlines() if "v2.14.0" in line]
    assert len(lines) == 1, noon["markdown"]
    assert "#releases" in lines[0] and "#engineering" in lines[0]
    entry = next(e for e in noon["entries"] if len(e["sources"]) == 2)
    assert {s["ts"] for s in entry["sources"]} == set(RELEASE_TS.values())
    # Before the #engineering message (11:xx) the digest had only the #releases source.
    early = next(e for e in digests["10"]["entries"] if "v2.14.0" in e["title"])
    assert [s["channel_name"] for s in early["sources"]] == ["releases"]


def test_materialising_again_leaves_identical_tables(sqlite_settings: Settings) -> None:
    materialize_range(sqlite_settings, "2026-11-23-09:00")
    materialize_range(sqlite_settings, FIRST, LAST)
    once = dump_tables(sqlite_settings)
    materialize_range(sqlite_settings, "2026-11-23-09:00")
    materialize_range(sqlite_settings, FIRST, LAST)
    assert dump_tables(sqlite_settings) == once


@pytest.mark.postgres
def test_materialising_again_leaves_identical_tables_on_postgres(
    postgres_settings: Settings,
) -> None:
    materialize_range(postgres_settings, FIRST, LAST)
    once = dump_tables(postgres_settings)
    materialize_range(postgres_settings, FIRST, LAST)
    assert dump_tables(postgres_settings) == once


def test_range_run_equals_hour_by_hour_runs(tmp_path, sqlite_settings: Settings) -> None:
    from slack_events_dagster_tests.conftest import make_settings

    materialize_range(sqlite_settings, FIRST, LAST)
    hourly = make_settings(tmp_path / "hourly")
    for hour in range(13):
        materialize_range(hourly, f"2026-11-23-{hour:02d}:00")
    assert dump_tables(hourly) == dump_tables(sqlite_settings)


LAUNCH_PLANNED, LAUNCH_MOVED = "1795083736.303540", "1795508691.608198"  # LAUNCH-88, Dec 1 -> 3


def test_a_rescheduled_launch_shows_once_with_the_new_date(sqlite_settings: Settings) -> None:
    materialize_range(sqlite_settings, "2026-11-18-00:00", "2026-11-24-23:00")
    digests = {
        row["partition_hour"].strftime("%Y-%m-%d-%H:%M"): row
        for row in table_rows(sqlite_settings, "digests")
    }
    morning = digests["2026-11-24-08:00"]
    (launch,) = [e for e in morning["entries"] if LAUNCH_MOVED in {s["ts"] for s in e["sources"]}]
    assert launch["event_date"].startswith("2026-12-03")
    assert launch["previous_date"].startswith("2026-12-01")
    assert {s["ts"] for s in launch["sources"]} == {LAUNCH_PLANNED, LAUNCH_MOVED}
    (line,) = [ln for ln in morning["markdown"].splitlines() if launch["title"] in ln]
    assert "**Thu 03 Dec**" in line and "_(moved from Tue 01 Dec)_" in line
    # Every digest line is its own cluster: no event shows twice.
    for row in digests.values():
        ids = [event_id for entry in row["entries"] for event_id in entry["event_ids"]]
        assert len(ids) == len(set(ids))


def test_reverse_hour_order_backfill_gives_byte_identical_digests(tmp_path) -> None:
    """Hour by hour from the newest to the oldest (upstream stages first, as an asset backfill
    orders them: candidates read the look-back of messages for thread parents, digests the
    look-back of events), against one single-run backfill of the same hours."""
    import dagster as dg

    from slack_events_dagster.assets import build_assets
    from slack_events_dagster.definitions import build_resources
    from slack_events_dagster_tests.conftest import make_settings

    hours = [f"2026-11-23-{h:02d}:00" for h in range(24)] + [
        f"2026-11-24-{h:02d}:00" for h in range(12)
    ]
    single = make_settings(tmp_path / "single")
    materialize_range(single, hours[0], hours[-1])

    reverse = make_settings(tmp_path / "reverse")
    resources = build_resources(reverse)
    assets = build_assets(reverse)
    upstream = [a for a in assets if a.key.to_user_string() not in ("digests", "digest_posts")]
    raw_asset = next(a for a in assets if a.key.to_user_string() == "raw_slack_messages")
    digests_asset = next(a for a in assets if a.key.to_user_string() == "digests")
    for hour in reversed(hours):
        dg.materialize([raw_asset], resources=resources, partition_key=hour)
    for hour in reversed(hours):
        dg.materialize(upstream, selection=upstream[1:], resources=resources, partition_key=hour)
    for hour in reversed(hours):
        dg.materialize(
            [*upstream, digests_asset], selection=[digests_asset], resources=resources,
            partition_key=hour,
        )  # fmt: skip
    assert dump_tables(reverse) == dump_tables(single)
