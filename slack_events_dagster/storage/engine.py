"""Engines for SQLite and PostgreSQL, and errors that say how to fix an unreachable database."""

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from slack_events_dagster.settings import DatabaseSettings

SQLITE_BUSY_TIMEOUT_SECONDS = 30

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class DatabaseUnreachableError(RuntimeError):
    """The database cannot be reached; the message names where and what to try."""


def build_url(database: DatabaseSettings) -> URL:
    """The SQLAlchemy URL for the configured engine (psycopg2 for PostgreSQL, see DESIGN.md)."""
    if database.type == "sqlite":
        return URL.create("sqlite+pysqlite", database=str(database.path))
    pg = database.postgres
    return URL.create(
        "postgresql+psycopg2",
        username=pg.user,
        password=pg.password.get_secret_value() if pg.password else None,
        host=pg.host,
        port=pg.port,
        database=pg.database,
    )


def describe(database: DatabaseSettings) -> str:
    """Where the data lives, without secrets: for logs, metadata and `doctor`."""
    if database.type == "sqlite":
        return f"SQLite at {database.path}"
    pg = database.postgres
    return f"PostgreSQL {pg.user}@{pg.host}:{pg.port}/{pg.database}"


def _enable_sqlite_wal(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(database: DatabaseSettings) -> Engine:
    """A process-wide engine per URL and pool shape: WAL SQLite or a bounded PostgreSQL pool."""
    url = build_url(database)
    pg = database.postgres
    key = f"{url.render_as_string(hide_password=False)}|{pg.min_connections}|{pg.max_connections}"
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _create_engine(database, url)
            _engines[key] = engine
        return engine


def _create_engine(database: DatabaseSettings, url: URL) -> Engine:
    if database.type == "sqlite":
        Path(database.path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _enable_sqlite_wal)
        return engine
    pg = database.postgres
    return create_engine(
        url,
        pool_size=max(pg.min_connections, 1),
        max_overflow=max(pg.max_connections - max(pg.min_connections, 1), 0),
        pool_pre_ping=True,
        pool_timeout=30,
        connect_args={"connect_timeout": pg.connect_timeout_seconds},
    )


def dispose_engines() -> None:
    """Close every pooled connection (tests, forked processes)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def unreachable_error(database: DatabaseSettings, error: Exception) -> DatabaseUnreachableError:
    """Turn a driver error into one that names the server and the command to check it."""
    reason = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error) else ""
    if database.type == "sqlite":
        return DatabaseUnreachableError(
            f"Cannot open SQLite database at {database.path} ({reason}). "
            "Check that the folder exists and is writable, or set SQLITE_PATH."
        )
    pg = database.postgres
    return DatabaseUnreachableError(
        f"Cannot reach PostgreSQL at {pg.host}:{pg.port} as user {pg.user!r}, database "
        f"{pg.database!r} ({reason}). Is it running? Try: pg_isready -h {pg.host} -p {pg.port}"
    )


def is_disconnect(engine: Engine, error: BaseException) -> bool:
    """Whether `error` means the connection to PostgreSQL was lost or could not be made (not a
    query's own failure such as a deadlock or a constraint): a SQLAlchemy error or a raw driver
    error (the bulk COPY path talks to psycopg2 directly). SQLite has no connection to lose."""
    if engine.dialect.name != "postgresql":
        return False
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        if error.orig is None:  # no driver error under it: nothing says the link broke
            return False
        error = error.orig
    dbapi = engine.dialect.dbapi
    if dbapi is None or not isinstance(error, dbapi.Error):
        return False
    if engine.dialect.is_disconnect(error, None, None):
        return True
    # Refused or failed connects are client-side errors: no SQLSTATE from a server.
    return isinstance(error, dbapi.OperationalError) and getattr(error, "pgcode", None) is None


def wait_until_reachable(engine: Engine, seconds: float) -> bool:
    """After a dropped connection: poll until the server accepts one again (a restart takes a
    few seconds), for at most `seconds`. Whether it did."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with engine.connect():
                return True
        except Exception as error:
            if not is_disconnect(engine, error):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def connection_lost_error(
    database: DatabaseSettings, error: BaseException, doing: str
) -> DatabaseUnreachableError:
    """A lost or refused PostgreSQL connection while `doing` something: where, what was kept,
    and what to do."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    detail = f" ({reason[0]})" if reason else ""
    pg = database.postgres
    return DatabaseUnreachableError(
        f"Lost the connection to PostgreSQL at {pg.host}:{pg.port} (database {pg.database!r}) "
        f"while {doing}{detail}; the transaction was rolled back, so nothing of it was stored. "
        f"Check the server (pg_isready -h {pg.host} -p {pg.port}) and re-run the failed "
        "partitions once it answers."
    )


def check_connection(database: DatabaseSettings) -> str:
    """Connect once and return the server version, or raise DatabaseUnreachableError."""
    try:
        with get_engine(database).connect() as connection:
            if database.type == "sqlite":
                return "SQLite " + connection.execute(text("select sqlite_version()")).scalar_one()
            return connection.execute(text("show server_version")).scalar_one()
    except OperationalError as error:
        raise unreachable_error(database, error) from None
