"""dashboard/data.py on the materialised sample, on SQLite and on PostgreSQL 16."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DBAPIError

from slack_events_dagster.dashboard import data
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.schema import (
    event_candidates,
    events,
    raw_slack_messages,
    slack_digest_posts,
)


def _count(settings: Settings, table) -> int:
    with get_engine(settings.database).connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_unfiltered_timeline_is_every_dated_event_in_date_order(
    sample_settings: Settings,
) -> None:
    engine = get_engine(sample_settings.database)
    frame = data.timeline_events(engine, data.EventFilter())
    with engine.connect() as connection:
        dated = connection.execute(
            select(func.count()).where(events.c.event_date.is_not(None))
        ).scalar_one()
    assert len(frame) == dated > 20
    assert frame["event_date"].is_monotonic_increasing
    assert str(frame["event_date"].dt.tz) == "UTC"
    # Datetime columns stay datetimes when every value is NULL (no event here has an end).
    no_end = data.timeline_events(engine, data.EventFilter(text="freeze"))
    assert no_end["event_end"].isna().all() and str(no_end["event_end"].dt.tz) == "UTC"


def test_each_timeline_filter_narrows_to_what_it_names(sample_settings: Settings) -> None:
    engine = get_engine(sample_settings.database)
    everything = data.timeline_events(engine, data.EventFilter())

    releases = data.timeline_events(engine, data.EventFilter(channels=("releases",)))
    assert 0 < len(releases) < len(everything)
    assert set(releases["channel_name"]) == {"releases"}

    risks = data.timeline_events(engine, data.EventFilter(categories=("risk",)))
    assert 0 < len(risks) < len(everything) and set(risks["category"]) == {"risk"}

    confident = data.timeline_events(engine, data.EventFilter(min_confidence=0.9))
    assert 0 < len(confident) < len(everything) and confident["confidence"].min() >= 0.9

    start = datetime(2026, 11, 27, tzinfo=UTC)
    week = data.timeline_events(
        engine, data.EventFilter(start=start, end=start + timedelta(days=7))
    )
    assert 0 < len(week) < len(everything)
    assert week["event_date"].min() >= start and week["event_date"].max() < start + timedelta(7)

    freeze = data.timeline_events(engine, data.EventFilter(text="FREEZE"))
    assert 0 < len(freeze) < len(everything)
    assert set(freeze["event_id"]) <= set(data.search_events(engine, "freeze")["event_id"])


def test_search_needs_every_word_and_reads_the_announcing_message(
    sample_settings: Settings,
) -> None:
    engine = get_engine(sample_settings.database)
    freeze = data.search_events(engine, "code freeze")
    assert not freeze.empty
    for row in freeze.to_dict("records"):
        found = f"{row['title']} {row['summary']} {row['message_text']}".lower()
        assert "code" in found and "freeze" in found
    # A word only the Slack message has (the summary is cut, the title short) still finds it.
    assert "Code freeze" in set(data.search_events(engine, "snowflake")["title"])
    assert data.search_events(engine, "freeze nonexistentword").empty
    # LIKE's wildcards are matched literally (not every event), and an empty query finds nothing.
    every = len(data.timeline_events(engine, data.EventFilter()))
    for wildcard in ("%", "_", "\\"):
        found = data.search_events(engine, wildcard)
        assert len(found) < every
        for row in found.to_dict("records"):
            assert wildcard in f"{row['title']} {row['summary']} {row['message_text']}"
    assert data.search_events(engine, "   ").empty
    in_releases = data.search_events(engine, "freeze", channel="#releases")
    assert set(in_releases["channel_name"]) == {"releases"}
    since = datetime(2026, 11, 24, tzinfo=UTC)
    recent = data.search_events(engine, "freeze", since=since)
    assert 0 < len(recent) < len(freeze) and recent["message_time"].min() >= since


def test_a_digest_line_drills_down_to_messages_with_permalinks_and_score_features(
    sample_settings: Settings,
) -> None:
    engine = get_engine(sample_settings.database)
    (target,) = data.digest_targets(engine)
    hours = data.digest_hours(engine, target)
    assert len(hours) == 7 * 24 and hours == sorted(hours, reverse=True)
    digest = data.stored_digest(engine, target, hours[0])
    assert digest is not None and digest["post"] is None
    assert digest["markdown"].startswith("## Upcoming events")
    assert digest["blocks"][0]["type"] == "header"
    (line,) = [entry for entry in digest["entries"] if entry["title"] == "Code freeze"]

    found = data.events_by_id(engine, line["event_ids"])
    assert sorted(found["event_id"]) == sorted(line["event_ids"]) and len(found) == 2
    messages = data.source_messages(engine, found)
    assert len(messages) == 2
    assert set(messages["permalink"]) == {source["permalink"] for source in line["sources"]}
    assert all(link.startswith("https://") for link in messages["permalink"])

    candidates = data.candidate_scores(engine, found)
    assert len(candidates) == 2 and (candidates["score"] >= candidates["threshold"]).all()
    features = data.score_features(candidates)
    for candidate in candidates.to_dict("records"):
        mine = features[features["ts"] == candidate["ts"]]
        assert mine["points"].sum() == pytest.approx(candidate["score"])
        assert mine["points"].is_monotonic_decreasing
    assert "keyword:freeze" in set(features["feature"])


def test_a_posted_digest_comes_with_its_post_record(sample_settings: Settings) -> None:
    engine = get_engine(sample_settings.database)
    hour = data.digest_hours(engine, "default")[5]
    posted = datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC)
    record = {
        "partition_hour": hour,
        "target": "default",
        "channel_id": "C0A1DIG0001",
        "message_ts": "1795510805.000100",
        "posted_at": posted,
        "updated_at": posted + timedelta(hours=1),
    }
    with engine.begin() as connection:
        connection.execute(insert(slack_digest_posts).values(record))
    try:
        digest = data.stored_digest(engine, "default", hour)
        assert digest is not None and digest["post"] == record
        assert data.stored_digest(engine, "default", hour - timedelta(hours=1))["post"] is None
        assert data.stored_digest(engine, "elsewhere", hour) is None
    finally:
        with engine.begin() as connection:
            connection.execute(slack_digest_posts.delete())


def test_daily_counts_add_up_to_each_table(sample_settings: Settings) -> None:
    engine = get_engine(sample_settings.database)
    counts = data.daily_counts(engine)
    totals = counts.groupby("kind")["count"].sum().to_dict()
    assert totals == {
        "messages": _count(sample_settings, raw_slack_messages),
        "candidates": _count(sample_settings, event_candidates),
        "events": _count(sample_settings, events),
    }
    days = sorted(set(counts["day"]))
    assert [str(day) for day in (days[0], days[-1])] == ["2026-11-18", "2026-11-24"]
    assert {"engineering", "releases"} <= set(counts["channel"])
    last_day = data.daily_counts(engine, since=days[-1])
    assert set(last_day["day"]) == {days[-1]}


def test_the_data_is_as_of_its_newest_message(sample_settings: Settings) -> None:
    engine = get_engine(sample_settings.database)
    as_of = data.data_as_of(engine)
    assert as_of is not None and as_of.tzinfo is not None
    assert as_of.date().isoformat() == "2026-11-24"
    choices = data.filter_choices(engine)
    assert "releases" in choices["channels"] and "risk" in choices["categories"]


def test_the_dashboard_engine_cannot_write_to_postgres(sample_postgres: Settings) -> None:
    engine = data.read_only_engine(sample_postgres.database)
    assert not data.timeline_events(engine, data.EventFilter()).empty  # it reads
    with pytest.raises(DBAPIError, match="read-only transaction"), engine.begin() as connection:
        connection.execute(delete(slack_digest_posts))


def test_hour_keys_round_trip_and_anything_else_is_none() -> None:
    hour = datetime(2026, 11, 24, 23, tzinfo=UTC)
    assert data.hour_key(hour) == "2026-11-24-23:00"
    assert data.parse_hour_key(data.hour_key(hour)) == hour
    assert data.parse_hour_key("2026-11-24T23:00") is None and data.parse_hour_key(None) is None
    as_of = datetime(2026, 11, 24, 20, 57, tzinfo=UTC)
    first, last = data.default_date_range(as_of)
    assert (first.isoformat(), (last - first).days) == ("2026-11-24", data.DEFAULT_DAYS_AHEAD)
