"""Alembic owns the schema; these helpers run it from code (auto-migrate, `slack-events demo`).

Alembic is imported inside the functions: loading the code location (the code server, every
`dagster` CLI call) then does not pay for it, only a process that opens the database does."""

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic's `package:path` form: the installed package's own folder, from a checkout or a wheel.
SCRIPT_LOCATION = "slack_events_dagster:migrations"
# The newest revision in migrations/versions, the one storage/schema.py describes. A run worker
# checks the database against it without loading Alembic's script directory and our revision
# modules (about 0.1 s of every run); a test holds it equal to Alembic's head.
HEAD_REVISION = "009"


class SchemaOutOfDateError(RuntimeError):
    """The database's schema revision is not the one this code expects."""


def alembic_config() -> "Config":
    """Alembic's settings for running it from code: no alembic.ini needed, from any folder."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "slack_events_dagster/migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending revision on `engine` (one transaction per revision on PostgreSQL)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def stored_revision(engine: Engine) -> str | None:
    """The revision in the database's alembic_version table, read with plain SQL (None when the
    table is missing or empty)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return ",".join(sorted(versions)) or None


def ensure_schema(engine: Engine, migrate: bool) -> None:
    """Migrate (if allowed) or fail with the command that brings the schema to head."""
    if stored_revision(engine) == HEAD_REVISION:
        return  # the usual case, decided without Alembic
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    if migrate:
        upgrade_to_head(engine)
        return
    raise SchemaOutOfDateError(
        f"Database schema is at revision {current or 'none (empty database)'}, this code needs "
        f"{head}. Run: alembic upgrade head (or `slack-events migrate`)"
    )
