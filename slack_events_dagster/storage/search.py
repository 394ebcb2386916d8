"""Full-text search of events on the database's own engine: the one text-search function.

An event is found by its title and summary, or by the text of the Slack message that announced
it. PostgreSQL answers from GIN indexes on `to_tsvector('simple', ...)` expressions over the
tables themselves (migration 006); SQLite from one FTS5 index of each event's title, summary and
message text, kept in step by triggers on events and messages (migration 009: only the messages
that announced something are indexed, so writing messages stays cheap). The indexes are filled
with the rows already stored when they are created, so no write path, however bulk (the IO
manager's COPY, `migrate-data`, a restore), can leave them behind.

A query is the user's words, with "quoted phrases" optional. Only letters and digits reach the
engine, each token quoted, so no input becomes the engine's query syntax (or its syntax error).
Both engines index letters and digits as words, without stemming or stop words, so the same
query finds the same events on SQLite and PostgreSQL. A word matches the start of a word
("meet" finds "meetup"); a quoted phrase matches those exact words in that order; every term
must match, each in the event or in its message.
"""

import re
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    String,
    and_,
    column,
    func,
    literal_column,
    select,
    table,
    union,
)

from slack_events_dagster.storage.schema import events, raw_slack_messages

MAX_TERMS = 32  # words or phrases of one query used at most (the rest are ignored)
DEFAULT_LIMIT = 500
TEXT_SEARCH_CONFIG = "simple"  # PostgreSQL: lower-case words, no stemming, no stop words
# ASCII punctuation becomes blanks before PostgreSQL's parser sees the text, so it never reads
# e-mail addresses, URLs, host names or decimals as one token: words, as SQLite's FTS5 does.
PUNCTUATION = string.punctuation

# SQLite's FTS5 structures (migration 009): an index of each event's title, summary and message
# text, and a table of stable integer row ids for it keyed by event_id (FTS5 needs integer ids; a
# table's own rowid may change on VACUUM). Migration 006 also had a per-message index.
EVENTS_FTS = "events_search"
EVENTS_FTS_ROWS = "events_search_rows"
MESSAGES_FTS = "messages_search"  # 006 to 008 only
MESSAGES_FTS_ROWS = "messages_search_rows"  # 006 to 008 only
# PostgreSQL's GIN expression indexes (migration 006).
EVENTS_GIN_INDEX = "idx_events_search"
MESSAGES_GIN_INDEX = "idx_raw_slack_messages_search"
SEARCH_STRUCTURES = (EVENTS_FTS, EVENTS_FTS_ROWS, MESSAGES_FTS, MESSAGES_FTS_ROWS)
SEARCH_INDEXES = (EVENTS_GIN_INDEX, MESSAGES_GIN_INDEX)

_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: what both engines index as a word


@dataclass(frozen=True)
class SearchTerm:
    """One word or quoted phrase of a query, as its lower-case tokens."""

    tokens: tuple[str, ...]
    prefix: bool  # the last token matches the start of a word (unquoted words)

    def fts5(self) -> str:
        """The term in FTS5's query syntax: a quoted phrase, `*` for a prefix."""
        return '"' + " ".join(self.tokens) + '"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        """The term in PostgreSQL's tsquery syntax: quoted lexemes joined by <->, `:*`."""
        return " <-> ".join(f"'{token}'" for token in self.tokens) + (":*" if self.prefix else "")


def search_terms(query: str) -> list[SearchTerm]:
    """The terms of a user's query: each unquoted word (letters and digits; "follow-up" is the
    phrase follow up) and each "quoted phrase"; punctuation, operators and unmatched quotes are
    only separators. At most MAX_TERMS, duplicates dropped."""
    terms: dict[SearchTerm, None] = {}
    for match in _TERM.finditer(query):
        phrase, word = match.groups()
        tokens = tuple(_TOKEN.findall((word if phrase is None else phrase).lower()))
        if tokens:
            terms[SearchTerm(tokens, prefix=phrase is None)] = None
    return list(terms)[:MAX_TERMS]


def is_search_structure(name: str | None) -> bool:
    """True for the tables and indexes migration 006 adds for search (FTS5's shadow tables
    too): they are not in storage/schema.py, so Alembic's comparison leaves them out."""
    if name is None:
        return False
    return name in SEARCH_INDEXES or any(
        name == base or name.startswith(f"{base}_") for base in SEARCH_STRUCTURES
    )


def include_in_comparison(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name` hook: compare everything but the search structures."""
    return not is_search_structure(name)


def _postgres_document(*columns: ColumnElement[Any]) -> ColumnElement[Any]:
    """The tsvector the GIN index of migration 006 holds for these columns (the same expression,
    so the planner uses the index): punctuation to blanks, then 'simple' words."""
    text: ColumnElement[Any] = columns[0]
    for more in columns[1:]:
        text = text + literal_column("' '", String) + more
    punctuation = "'" + PUNCTUATION.replace("'", "''") + "'"
    blanks = "'" + " " * len(PUNCTUATION) + "'"
    return func.to_tsvector(
        literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig"),
        func.translate(text, literal_column(punctuation), literal_column(blanks)),
    )


def _postgres_query(term: SearchTerm) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig"), term.tsquery())


def _postgres_matches(term: SearchTerm) -> Select[Any]:
    """The ids of events whose title and summary, or whose message, match `term`."""
    in_event = select(events.c.event_id).where(
        _postgres_document(events.c.title, events.c.summary).op("@@")(_postgres_query(term))
    )
    messages = (
        select(raw_slack_messages.c.channel_id, raw_slack_messages.c.ts)
        .where(_postgres_document(raw_slack_messages.c.text).op("@@")(_postgres_query(term)))
        .subquery("matched_messages")
    )
    in_message = select(events.c.event_id).join(
        messages,
        and_(messages.c.channel_id == events.c.channel_id, messages.c.ts == events.c.message_ts),
    )
    return union(in_event, in_message)  # type: ignore[return-value]


_events_fts = table(EVENTS_FTS, column("rowid", Integer))
_events_fts_rows = table(EVENTS_FTS_ROWS, column("search_rowid", Integer), column("event_id"))


def _sqlite_matches(term: SearchTerm) -> Select[Any]:
    """The ids of events whose title, summary or message match `term` (one FTS5 index)."""
    matched = select(_events_fts.c.rowid).where(literal_column(EVENTS_FTS).op("MATCH")(term.fts5()))
    return select(_events_fts_rows.c.event_id).where(_events_fts_rows.c.search_rowid.in_(matched))


def matches_query(dialect_name: str, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on `events` true for the events `query` finds; None when the query has
    no word to search for (it finds nothing)."""
    terms = search_terms(query)
    if not terms:
        return None
    matches = _postgres_matches if dialect_name == "postgresql" else _sqlite_matches
    return and_(*(events.c.event_id.in_(matches(term)) for term in terms))


def search_statement(
    dialect_name: str,
    query: str,
    columns: list[Any],
    *,
    since: datetime | None = None,
    channel: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Select[Any] | None:
    """SELECT `columns` (of events, and `message` for the announcing message) of the events
    `query` finds, newest announcement first; `since` bounds the announcement time, `channel`
    is a channel name (with or without #). None when the query has no word."""
    condition = matches_query(dialect_name, query)
    if condition is None:
        return None
    statement = (
        select(*columns)
        .select_from(events.outerjoin(MESSAGE, message_join()))
        .where(condition)
        .order_by(events.c.message_time.desc(), events.c.event_id)
        .limit(limit)
    )
    if since is not None:
        statement = statement.where(events.c.message_time >= since)
    if channel:
        statement = statement.where(events.c.channel_name == channel.lstrip("#"))
    return statement


MESSAGE = raw_slack_messages.alias("message")  # an event's announcing message


def message_join() -> ColumnElement[bool]:
    return and_(MESSAGE.c.channel_id == events.c.channel_id, MESSAGE.c.ts == events.c.message_ts)


SEARCH_COLUMNS = (
    events.c.title, events.c.event_date, events.c.message_time, events.c.channel_name,
    events.c.permalink, events.c.category, events.c.confidence, events.c.event_id,
    events.c.date_precision,
)  # fmt: skip


def search_events(
    engine: Engine,
    query: str,
    *,
    since: datetime | None = None,
    channel: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """The events `query` finds (SEARCH_COLUMNS of each), newest announcement first."""
    statement = search_statement(
        engine.dialect.name, query, list(SEARCH_COLUMNS), since=since, channel=channel, limit=limit
    )
    if statement is None:
        return []
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]
