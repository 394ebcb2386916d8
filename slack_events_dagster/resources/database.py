"""The database resource: the engine of the `database` section (SQLite or PostgreSQL), checked
reachable and migrated once per process. The IO manager that stores assets through it is in
resources/io_manager.py."""

import threading

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from slack_events_dagster.settings import DatabaseSettings
from slack_events_dagster.storage import engine as engines
from slack_events_dagster.storage.migrations import ensure_schema

_ready: set[str] = set()
_ready_lock = threading.Lock()


class DatabaseResource(dg.ConfigurableResource):
    """SQLite (embedded default) or PostgreSQL, as the `database` section of config.yaml says."""

    database: DatabaseSettings = DatabaseSettings()
    password: str | None = None  # EnvVar("POSTGRES_PASSWORD"): never a literal in run config

    @property
    def connection_settings(self) -> DatabaseSettings:
        """The section with the password added (in-process only, never part of run config)."""
        return self.database.with_password(self.password)

    @property
    def description(self) -> str:
        return engines.describe(self.database)

    def get_engine(self) -> Engine:
        """The pooled engine, checked reachable and migrated once per process."""
        engine = engines.get_engine(self.connection_settings)
        key = str(engine.url)
        with _ready_lock:
            if key not in _ready:
                try:
                    ensure_schema(engine, migrate=self.database.migrates_automatically)
                except OperationalError as error:
                    raise engines.unreachable_error(self.database, error) from None
                _ready.add(key)
        return engine
