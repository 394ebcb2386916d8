"""The bulk write and read paths store and return exactly what SQLAlchemy would, on both DBs."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, Table, delete

from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.bulk import Columns, FrameReader, FrameWriter
from slack_events_dagster.storage.frames import frame_records, rows_to_frame
from slack_events_dagster.storage.schema import events, raw_slack_messages

HOUR = datetime(2026, 11, 23, 9, tzinfo=UTC)
# Everything COPY's text format and SQLite's executemany could get wrong.
AWKWARD_TEXTS = [
    "tab\there, newline\nhere, carriage\rreturn, backslash \\ and \\N and \\\\N",
    "\\N",
    "",
    "emoji 🚀 and ünïcödé, quotes \" ' and a trailing backslash \\",
    "comma, semicolon; pipe | NUL-free",
]


def _engine(settings: Settings) -> Engine:
    return DatabaseResource(database=settings.database).get_engine()


def _raw_rows(index: int, text: str) -> dict[str, Any]:
    moment = HOUR + timedelta(minutes=index, microseconds=index * 7)
    return {
        "channel_id": "C1",
        "ts": f"{int(moment.timestamp())}.{index:06d}",
        "partition_hour": HOUR,
        "message_time": moment,
        "channel_name": "releases",
        "user_id": None if index % 2 else "U1",
        "user_name": text or None,
        "user_real_name": "",
        "bot_id": None,
        "is_bot": bool(index % 2),
        "subtype": None,
        "text": text,
        "blocks_text": text or None,
        "mentions": {} if index % 2 else {"U1": text, "nested": ["a\tb", {"c": "\\N"}]},
        "thread_ts": None,
        "is_thread_reply": False,
        "reply_count": index,
        "reactions": {"tada": index} if index % 3 else {},
        "reaction_count": index,
        "attachment_count": 0,
        "file_count": 1,
        # NULL (none) or a list of previews: both must round-trip the same way
        "link_previews": None if index % 2 else [{"title": text, "text": "a\tb", "url": ""}],
        "permalink": None,
        "edited_ts": None,
        "edited_by": None,
    }


def _event_rows() -> list[dict[str, Any]]:
    amsterdam = timezone(timedelta(hours=1))
    base = {
        "partition_hour": HOUR, "channel_id": "C1", "channel_name": "releases",
        "permalink": None, "category": "product", "status": "planned",
        "date_source": "explicit", "event_timezone": "Europe/Amsterdam", "summary": "s",
        "dedup_key": "k", "extractor": "rules",
    }  # fmt: skip
    return [
        base | {
            "event_id": "e1", "message_ts": "1.000001", "message_time": HOUR,
            "event_index": 0, "title": "Release\tv2 \\ today", "event_date": None,
            "event_end": None, "date_precision": None, "confidence": 0.1 + 0.2,
            "links": [], "anchors": [],
        },
        base | {
            "event_id": "e2", "message_ts": "1.000002",
            "message_time": HOUR.astimezone(amsterdam) + timedelta(seconds=1),
            "event_index": 1, "title": "Launch 🚀", "event_date": HOUR + timedelta(days=3),
            "event_end": (HOUR + timedelta(days=3, hours=2)).astimezone(amsterdam),
            "date_precision": "datetime", "confidence": 0.9,
            "links": ["https://x/a?b=1"], "anchors": [{"kind": "jira", "value": "PAY-1"}],
        },
    ]  # fmt: skip


# Both tables' awkward rows, for every test that writes and reads them back.
TABLE_ROWS = [
    (raw_slack_messages, [_raw_rows(i, t) for i, t in enumerate(AWKWARD_TEXTS)]),
    (events, _event_rows()),
]


def _stored(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    """The rows as the driver returns them, bypassing every type conversion."""
    order = ", ".join(column.name for column in table.primary_key.columns)
    with engine.connect() as connection:
        return list(connection.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {order}"))


@pytest.mark.parametrize(("table", "rows"), TABLE_ROWS)
def test_bulk_insert_stores_exactly_what_sqlalchemy_stores(
    any_settings: Settings, table: Table, rows: list[dict[str, Any]]
) -> None:
    engine = _engine(any_settings)
    with engine.begin() as connection:
        connection.execute(table.insert(), rows)
    expected = _stored(engine, table)
    with engine.begin() as connection:
        connection.execute(delete(table))
    # From a DataFrame as the assets build it (pandas infers datetime64 and str columns) ...
    with engine.begin() as connection:
        assert FrameWriter(table, engine.dialect).insert(connection, [rows_to_frame(table, rows)])
    assert _stored(engine, table) == expected
    with engine.begin() as connection:
        connection.execute(delete(table))
    # ... from object columns holding plain Python values, in several frames ...
    frames = [pd.DataFrame(rows[:1], dtype=object), pd.DataFrame(rows[1:], dtype=object)]
    with engine.begin() as connection:
        assert FrameWriter(table, engine.dialect).insert(connection, frames) == len(rows)
    assert _stored(engine, table) == expected
    with engine.begin() as connection:
        connection.execute(delete(table))
    # ... and from Columns, as the assets hand them over (no pandas), in several blocks.
    blocks = [Columns.of(table, rows[:2]), Columns.of(table, rows[2:])]
    with engine.begin() as connection:
        assert FrameWriter(table, engine.dialect).insert(connection, blocks) == len(rows)
    assert _stored(engine, table) == expected


@pytest.mark.parametrize(("table", "rows"), TABLE_ROWS)
def test_records_read_back_are_the_rows_written_and_what_a_frame_gives(
    any_settings: Settings, table: Table, rows: list[dict[str, Any]]
) -> None:
    """The pipeline reads plain records (no pandas); they are the values written, times as
    aware UTC datetimes, and exactly what reading a DataFrame and converting it gave."""
    engine = _engine(any_settings)
    with engine.begin() as connection:
        FrameWriter(table, engine.dialect).insert(connection, [Columns.of(table, rows)])
    reader = FrameReader(table, engine.dialect)
    statement = reader.select().order_by(*table.primary_key.columns)
    with engine.connect() as connection:
        records = [r for chunk in reader.record_chunks(connection, statement, 2) for r in chunk]
        (frame,) = reader.frames(connection, statement)
    assert records == frame_records(frame)
    key = [column.name for column in table.primary_key.columns]
    assert records == sorted(rows, key=lambda row: [row[name] for name in key])
    times = [v for r in records for v in r.values() if isinstance(v, datetime)]
    assert times and all(time.tzinfo is UTC for time in times)
    assert all(type(record["partition_hour"]) is datetime for record in records)  # no Timestamp


def test_columns_name_what_a_row_lacks_and_ignore_other_keys() -> None:
    rows = [_raw_rows(0, "a"), _raw_rows(1, "b")]
    block = Columns.of(raw_slack_messages, [rows[0] | {"helper": 1}, rows[1]])
    assert list(block.values) == [column.name for column in raw_slack_messages.columns]
    assert len(block) == 2 and len(block.slice(1, 5)) == 1
    del rows[1]["permalink"]
    with pytest.raises(ValueError, match=r"missing columns \['permalink'\]"):
        Columns.of(raw_slack_messages, rows)


def test_reading_back_gives_the_values_and_the_pipeline_dtypes(any_settings: Settings) -> None:
    engine = _engine(any_settings)
    rows = _event_rows()
    with engine.begin() as connection:
        FrameWriter(events, engine.dialect).insert(connection, [rows_to_frame(events, rows)])
    reader = FrameReader(events, engine.dialect)
    with engine.connect() as connection:
        (frame,) = reader.frames(connection, reader.select().order_by(events.c.event_id))
    assert str(frame["message_time"].dtype).endswith(", UTC]")
    assert frame["event_index"].dtype == "int64" and frame["confidence"].dtype == "float64"
    assert frame["event_date"].isna().tolist() == [True, False]
    assert frame["title"].tolist() == ["Release\tv2 \\ today", "Launch 🚀"]
    assert frame["anchors"].tolist() == [[], [{"kind": "jira", "value": "PAY-1"}]]
    assert frame["confidence"].tolist() == [0.1 + 0.2, 0.9]  # floats survive bit for bit
    second = frame.iloc[1]
    assert second["event_end"].to_pydatetime() == HOUR + timedelta(days=3, hours=2)
    assert second["message_time"].to_pydatetime() == HOUR + timedelta(seconds=1)


def test_reads_come_in_chunks_of_at_most_chunk_rows(sqlite_settings: Settings) -> None:
    engine = _engine(sqlite_settings)
    rows = [_raw_rows(i, f"message {i}") for i in range(5)]
    with engine.begin() as connection:
        FrameWriter(raw_slack_messages, engine.dialect).insert(
            connection, [rows_to_frame(raw_slack_messages, rows)]
        )
    reader = FrameReader(raw_slack_messages, engine.dialect)
    statement = reader.select().order_by(raw_slack_messages.c.ts)
    with engine.connect() as connection:
        sizes = [len(frame) for frame in reader.frames(connection, statement, chunk_rows=2)]
    assert sizes == [2, 2, 1]


def test_naive_timestamps_are_refused(sqlite_settings: Settings) -> None:
    engine = _engine(sqlite_settings)
    frame = rows_to_frame(events, _event_rows())
    frame["event_date"] = [None, datetime(2026, 11, 26, 9)]  # no zone: ambiguous, never stored
    with pytest.raises(ValueError, match="tz-aware"), engine.begin() as connection:
        FrameWriter(events, engine.dialect).insert(connection, [frame])


def test_the_copy_stream_returns_exactly_the_pieces_whatever_the_read_sizes() -> None:
    """COPY reads the converted rows through this file object, a few kilobytes at a time."""
    import random

    from slack_events_dagster.storage.bulk import _TextStream

    rng = random.Random(7)
    for _ in range(500):
        pieces = ["".join(rng.choices("ab\t\n", k=rng.randint(0, 20))) for _ in range(6)]
        stream, read = _TextStream(iter(pieces)), []
        while chunk := stream.read(rng.choice([1, 3, 8192, -1, None])):
            read.append(chunk)
        assert "".join(read) == "".join(pieces)
        assert stream.read(5) == ""
