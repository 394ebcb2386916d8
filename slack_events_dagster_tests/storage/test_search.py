"""Full-text search (storage/search.py, migration 006) on SQLite FTS5 and PostgreSQL 16 GIN:
the index follows the IO manager's partition replacements, indexes rows stored before the
migration, and no user input becomes the engine's query syntax."""

from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from slack_events_dagster.definitions import build_resources
from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage import search
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.migrations import alembic_config
from slack_events_dagster.storage.schema import events, raw_slack_messages

HOUR = datetime(2026, 11, 23, 9, tzinfo=UTC)
# Input that is query syntax to FTS5 or tsquery, or breaks a naive quoting of it.
ODD_QUERIES = (
    '"', '""', "'", "\\", "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "*", "-", ":", "a:b", "^",
    "(", ")", "&", "|", "!", "<->", ":*", "col:word", '"unclosed phrase', "a AND OR NOT b",
    "-freeze", "freeze*", "%", "_", "{", "}", "+", "\x00", "ß", "日本語", "🎉", "a" * 3000,
    " ".join(f"w{index}" for index in range(300)),
)  # fmt: skip


def _key(hour: datetime) -> str:
    return hour.strftime("%Y-%m-%d-%H:%M")


def _message(hour: datetime, ts: str, text_: str) -> dict[str, Any]:
    return {
        "channel_id": "C1", "ts": ts, "partition_hour": hour, "message_time": hour,
        "channel_name": "releases", "user_id": "U1", "user_name": "ann", "user_real_name": "Ann",
        "bot_id": None, "is_bot": False, "subtype": None, "text": text_, "blocks_text": None,
        "mentions": {}, "thread_ts": None, "is_thread_reply": False, "reply_count": 0,
        "reactions": {}, "reaction_count": 0, "attachment_count": 0, "file_count": 0,
        "permalink": f"https://example.slack.com/archives/C1/p{ts.replace('.', '')}",
        "edited_ts": None, "edited_by": None,
    }  # fmt: skip


def _event(hour: datetime, ts: str, title: str, summary: str) -> dict[str, Any]:
    return {
        "event_id": f"E-{ts}", "partition_hour": hour, "channel_id": "C1",
        "channel_name": "releases", "message_ts": ts, "message_time": hour,
        "permalink": f"https://example.slack.com/archives/C1/p{ts.replace('.', '')}",
        "event_index": 0, "title": title, "category": "release", "status": "confirmed",
        "event_date": hour + timedelta(days=3), "event_end": None, "date_precision": "day",
        "date_source": "explicit", "event_timezone": "UTC", "confidence": 0.9,
        "summary": summary, "links": [], "anchors": {}, "dedup_key": f"k-{ts}",
        "extractor": "rules",
    }  # fmt: skip


def _store(settings: Settings, asset: str, rows: list[dict[str, Any]], hour: datetime) -> None:
    """Replace the hour's rows of an asset table the way a run does: the IO manager."""
    io = build_resources(settings)["io_manager"]
    assert isinstance(io, SqlIOManager)
    context = dg.build_output_context(
        definition_metadata=TABLE_ASSET_METADATA,
        asset_key=dg.AssetKey(asset),
        asset_partitions_def=hourly_partitions(settings.partitions),
        asset_partition_key_range=dg.PartitionKeyRange(_key(hour), _key(hour)),
    )
    columns = [column.name for column in (events if asset == "events" else raw_slack_messages).c]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("partition_hour", "message_time", "event_date", "event_end"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name], utc=True)
    io.handle_output(context, frame)


def _titles(engine: Engine, query: str, **options: Any) -> list[str]:
    return sorted(row["title"] for row in search.search_events(engine, query, **options))


def _fts5_integrity(engine: Engine) -> None:
    """SQLite: FTS5's own check that each index matches its content (fails if they drifted)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as connection:
        fts = search.EVENTS_FTS
        connection.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))


# -- the query language (pure) -------------------------------------------------------------------


def test_words_phrases_and_punctuation_become_quoted_tokens() -> None:
    terms = search.search_terms('Code FREEZE "release train" follow-up  "" - * : AND')
    assert [(term.tokens, term.prefix) for term in terms] == [
        (("code",), True),
        (("freeze",), True),
        (("release", "train"), False),
        (("follow", "up"), True),
        (("and",), True),
    ]
    assert terms[2].fts5() == '"release train"' and terms[3].fts5() == '"follow up"*'
    assert terms[2].tsquery() == "'release' <-> 'train'" and terms[0].tsquery() == "'code':*"
    assert search.search_terms('" * - : ( ) ^ %') == []
    assert len(search.search_terms(ODD_QUERIES[-1])) == search.MAX_TERMS


def test_only_the_search_structures_are_left_out_of_schema_comparison() -> None:
    for name in ("events_search", "events_search_data", "messages_search_rows",
                 "idx_events_search", "idx_raw_slack_messages_search"):  # fmt: skip
        assert search.is_search_structure(name), name
    for name in ("events", "raw_slack_messages", "idx_events_message", "digests", None):
        assert not search.is_search_structure(name), name


# -- on the databases ----------------------------------------------------------------------------


def test_a_replaced_partition_is_searched_as_replaced(any_settings: Settings) -> None:
    engine = get_engine(any_settings.database)
    later = HOUR + timedelta(hours=1)
    _store(
        any_settings, "raw_slack_messages", [_message(HOUR, "1.1", "Snowflake code freeze")], HOUR
    )
    _store(any_settings, "raw_slack_messages", [_message(later, "2.1", "Gala dinner")], later)
    _store(any_settings, "events", [_event(HOUR, "1.1", "Code freeze", "Releases stop.")], HOUR)
    _store(any_settings, "events", [_event(later, "2.1", "Gala", "Dinner at eight.")], later)
    assert _titles(engine, "freeze") == ["Code freeze"]
    assert _titles(engine, "snowflake") == ["Code freeze"]  # only in the message
    assert _titles(engine, "GALA dinner") == ["Gala"]  # title and summary words together
    assert _titles(engine, "gala snowflake") == []  # every word must match the same event

    # A re-run of HOUR replaces its rows in one transaction: the index follows.
    _store(any_settings, "raw_slack_messages", [_message(HOUR, "1.2", "Hackathon in Oslo")], HOUR)
    _store(any_settings, "events", [_event(HOUR, "1.2", "Hackathon", "Teams of four.")], HOUR)
    assert _titles(engine, "freeze") == [] and _titles(engine, "snowflake") == []
    assert _titles(engine, "hackathon") == ["Hackathon"] and _titles(engine, "oslo") == [
        "Hackathon"
    ]
    assert _titles(engine, "gala") == ["Gala"]  # the other hour is untouched
    _fts5_integrity(engine)

    # Emptying the hour leaves nothing behind either.
    _store(any_settings, "events", [], HOUR)
    assert _titles(engine, "hackathon") == [] and _titles(engine, "teams") == []
    _fts5_integrity(engine)


def test_words_match_word_starts_phrases_exact_and_filters_apply(any_settings: Settings) -> None:
    engine = get_engine(any_settings.database)
    text_ = "Team meetup (follow-up) on 3.5 with bob@example.com: https://wiki.example.org/Plan"
    _store(any_settings, "raw_slack_messages", [_message(HOUR, "1.1", text_)], HOUR)
    _store(any_settings, "events", [_event(HOUR, "1.1", "Team meetup", "Planning.")], HOUR)
    for query in ("meet", "team meetup", '"team meetup"', "follow-up", '"follow up"', "example",
                  "wiki", "plan", "bob", '"3 5"', "MEETUP", "meetup:", "(plan)"):  # fmt: skip
        assert _titles(engine, query) == ["Team meetup"], query
    for query in ('"meet"', '"meetup team"', "eetup", "planning2", '"follow-ups"'):
        assert _titles(engine, query) == [], query
    assert _titles(engine, "meetup", channel="#releases") == ["Team meetup"]
    assert _titles(engine, "meetup", channel="general") == []
    assert _titles(engine, "meetup", since=HOUR + timedelta(seconds=1)) == []
    assert _titles(engine, "meetup", since=HOUR) == ["Team meetup"]


def test_odd_input_never_becomes_query_syntax(any_settings: Settings) -> None:
    engine = get_engine(any_settings.database)
    _store(any_settings, "raw_slack_messages", [_message(HOUR, "1.1", "and or not near")], HOUR)
    _store(any_settings, "events", [_event(HOUR, "1.1", "Freeze", "col word")], HOUR)
    for query in ODD_QUERIES:
        search.search_events(engine, query)  # no syntax error from either engine
    assert _titles(engine, "AND") == _titles(engine, "NEAR") == ["Freeze"]  # plain words
    assert _titles(engine, "-freeze") == _titles(engine, "freeze*") == ["Freeze"]
    assert _titles(engine, "col:word") == ["Freeze"]


@pytest.mark.postgres
def test_postgres_answers_from_the_gin_indexes(postgres_settings: Settings) -> None:
    engine = get_engine(postgres_settings.database)
    _store(postgres_settings, "events", [_event(HOUR, "1.1", "Code freeze", "Stop.")], HOUR)
    statement = search.search_statement("postgresql", "freeze", list(search.SEARCH_COLUMNS))
    assert statement is not None
    # The statement as psycopg2 sends it (literal values; `%` is no longer escaped as `%%`).
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True})).replace("%%", "%")
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        cursor = connection.connection.cursor()
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert search.EVENTS_GIN_INDEX in plan and search.MESSAGES_GIN_INDEX in plan, plan


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _upgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _json_types(engine: Engine) -> set[str]:
    return {
        str(column["type"]).upper()
        for table in ("raw_slack_messages", "event_candidates", "events", "digests")
        for column in inspect(engine).get_columns(table)
        if "JSON" in str(column["type"]).upper()
    }


def _search_structures(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    found = set(inspector.get_table_names()) | set(inspector.get_view_names())
    for table in ("events", "raw_slack_messages"):
        found |= {index["name"] for index in inspector.get_indexes(table) if index["name"]}
    return {name for name in found if search.is_search_structure(name)}


def test_migration_006_indexes_stored_rows_follows_updates_and_downgrades(
    any_settings: Settings,
) -> None:
    engine = get_engine(any_settings.database)
    _store(any_settings, "raw_slack_messages", [_message(HOUR, "1.1", "Snowflake party")], HOUR)
    _store(any_settings, "events", [_event(HOUR, "1.1", "Gala", "Cake.")], HOUR)
    postgres = engine.dialect.name == "postgresql"
    assert _json_types(engine) == ({"JSONB"} if postgres else {"JSON"})
    assert _search_structures(engine)

    _downgrade(engine, "005")
    assert _search_structures(engine) == set()
    assert _json_types(engine) == {"JSON"}
    assert "idx_events_message" not in {i["name"] for i in inspect(engine).get_indexes("events")}
    with engine.begin() as connection:  # rows written while no index exists
        connection.execute(events.delete())
        connection.execute(events.insert(), [_event(HOUR, "1.1", "Picnic", "Bring cake.")])

    _upgrade(engine, "head")  # the migration indexes what is already stored
    assert _titles(engine, "picnic") == _titles(engine, "snowflake") == ["Picnic"]
    assert _titles(engine, "gala") == [] and _titles(engine, "bring cake") == ["Picnic"]
    _fts5_integrity(engine)
    assert _json_types(engine) == ({"JSONB"} if postgres else {"JSON"})
    with engine.connect() as connection:
        anchors = connection.execute(events.select()).mappings().one()["anchors"]
    assert anchors == {}

    with engine.begin() as connection:  # an UPDATE (migrate-data, a hand fix) is followed too
        connection.execute(events.update().values(title="Banquet", event_id="E-renamed"))
        connection.execute(raw_slack_messages.update().values(text="Frost fair"))
    assert _titles(engine, "banquet") == _titles(engine, "frost") == ["Banquet"]
    assert _titles(engine, "picnic") == _titles(engine, "snowflake") == []
    _fts5_integrity(engine)


def test_sqlite_indexes_only_the_messages_that_announced_an_event(
    sqlite_settings: Settings,
) -> None:
    """Migration 009: a message is indexed through its events, so writing messages that announce
    nothing costs no index work, and the index still follows messages written again."""
    engine = get_engine(sqlite_settings.database)
    chatter = [_message(HOUR, f"1.{n}", f"lunch chatter {n}") for n in range(2, 6)]
    _store(
        sqlite_settings, "raw_slack_messages", [_message(HOUR, "1.1", "Snowflake"), *chatter], HOUR
    )
    _store(sqlite_settings, "events", [_event(HOUR, "1.1", "Gala", "Cake.")], HOUR)
    with engine.connect() as connection:
        indexed = connection.execute(text(f"SELECT count(*) FROM {search.EVENTS_FTS}")).scalar()
        tables = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert indexed == 1 and search.MESSAGES_FTS not in tables  # no per-message index
    assert _titles(engine, "snowflake") == ["Gala"] and _titles(engine, "lunch") == []

    # The messages' hour re-run after its events (an edit read again): the new text is found.
    edited = [_message(HOUR, "1.1", "Frost fair"), *chatter]
    _store(sqlite_settings, "raw_slack_messages", edited, HOUR)
    assert _titles(engine, "frost") == ["Gala"] and _titles(engine, "snowflake") == []
    # A message's key changed in place (a hand fix): its events lose its text.
    with engine.begin() as connection:
        connection.execute(text("UPDATE raw_slack_messages SET ts = '9.9' WHERE ts = '1.1'"))
    assert _titles(engine, "frost") == []
    with engine.begin() as connection:
        connection.execute(text("UPDATE raw_slack_messages SET ts = '1.1' WHERE ts = '9.9'"))
    assert _titles(engine, "frost") == ["Gala"]
    # The hour emptied: the event is still found by its own words, no longer by the message's.
    _store(sqlite_settings, "raw_slack_messages", [], HOUR)
    assert _titles(engine, "frost") == [] and _titles(engine, "gala") == ["Gala"]
    _fts5_integrity(engine)
