"""Full-text search of events and messages

Revision ID: 006
Revises: 005
Create Date: 2026-12-06

Search indexes on each database's own engine, filled with the rows already stored and kept in
step with every later write by the database itself (storage/search.py queries them):

- PostgreSQL: GIN indexes on to_tsvector('simple', ...) of events' title and summary and of
  messages' text (ASCII punctuation to blanks first). An expression index is part of the table,
  so every INSERT, COPY, UPDATE and DELETE keeps it current.
- SQLite: FTS5 external-content indexes (unicode61, diacritics kept as PostgreSQL keeps them)
  over a view of the table, with stable integer row ids in a *_search_rows table keyed by the
  table's primary key, and triggers on insert, update and delete.

Also indexes events by their message (channel_id, message_ts), the join from a matched message
to its events. The SQL is written out here, not imported, so this revision stays what it was.
"""

import string
from collections.abc import Sequence

from alembic import op

revision: str = "006"
down_revision: str | None = "005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PUNCTUATION = "'" + string.punctuation.replace("'", "''") + "'"
_BLANKS = "'" + " " * len(string.punctuation) + "'"


def _tsvector(text: str) -> str:
    return f"to_tsvector('simple'::regconfig, translate({text}, {_PUNCTUATION}, {_BLANKS}))"


POSTGRES_INDEXES = {
    "idx_events_search": ("events", _tsvector("title || ' ' || summary")),
    "idx_raw_slack_messages_search": ("raw_slack_messages", _tsvector("text")),
}

# (FTS5 table, searched table, key columns, indexed columns)
SQLITE_INDEXES = (
    ("events_search", "events", ("event_id",), ("title", "summary")),
    ("messages_search", "raw_slack_messages", ("channel_id", "ts"), ("text",)),
)


def _sqlite_statements(fts: str, source: str, keys: tuple[str, ...], columns: tuple[str, ...]):
    rows = f"{fts}_rows"
    key_list = ", ".join(keys)
    on_new = " AND ".join(f"{key} = new.{key}" for key in keys)
    on_old = " AND ".join(f"{key} = old.{key}" for key in keys)
    indexed = ", ".join(columns)
    new_values = ", ".join(f"new.{name}" for name in columns)
    old_values = ", ".join(f"old.{name}" for name in columns)
    add = (
        f"INSERT INTO {fts}(rowid, {indexed}) "
        f"SELECT search_rowid, {new_values} FROM {rows} WHERE {on_new};"
    )
    remove = (
        f"INSERT INTO {fts}({fts}, rowid, {indexed}) "
        f"SELECT 'delete', search_rowid, {old_values} FROM {rows} WHERE {on_old};"
    )
    key_types = ", ".join(f"{key} VARCHAR NOT NULL" for key in keys)
    joined = " AND ".join(f"s.{key} = r.{key}" for key in keys)
    return [
        f"CREATE TABLE {rows} (search_rowid INTEGER PRIMARY KEY, {key_types}, UNIQUE ({key_list}))",
        f"CREATE VIEW {fts}_source AS SELECT r.search_rowid AS search_rowid, "
        + ", ".join(f"s.{name} AS {name}" for name in columns)
        + f" FROM {rows} r JOIN {source} s ON {joined}",
        f"CREATE VIRTUAL TABLE {fts} USING fts5({indexed}, content='{fts}_source', "
        "content_rowid='search_rowid', tokenize='unicode61 remove_diacritics 0')",
        f"INSERT INTO {rows} ({key_list}) SELECT {key_list} FROM {source}",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN "
        f"INSERT INTO {rows} ({key_list}) VALUES ({', '.join(f'new.{k}' for k in keys)}); "
        f"{add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN "
        f"{remove} DELETE FROM {rows} WHERE {on_old}; END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {key_list}, {indexed} ON {source} BEGIN "
        f"{remove} UPDATE {rows} SET "
        + ", ".join(f"{key} = new.{key}" for key in keys)
        + f" WHERE {on_old}; {add} END",
    ]


def upgrade() -> None:
    op.create_index("idx_events_message", "events", ["channel_id", "message_ts"])
    if op.get_context().dialect.name == "postgresql":
        for name, (table, expression) in POSTGRES_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")
        return
    for fts, source, keys, columns in SQLITE_INDEXES:
        for statement in _sqlite_statements(fts, source, keys, columns):
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX {name}")
    else:
        for fts, *_ in SQLITE_INDEXES:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{trigger}")
            op.execute(f"DROP TABLE {fts}")
            op.execute(f"DROP VIEW {fts}_source")
            op.execute(f"DROP TABLE {fts}_rows")
    op.drop_index("idx_events_message", "events")
