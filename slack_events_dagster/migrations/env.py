"""Alembic environment: the target is storage/schema.py, the database comes from the settings.

The search structures of migration 006 (storage/search.py) are left out of autogenerate.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, create_engine

from slack_events_dagster.settings import load_settings
from slack_events_dagster.storage.engine import build_url, unreachable_error
from slack_events_dagster.storage.schema import metadata
from slack_events_dagster.storage.search import include_in_comparison

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_in_comparison,  # search indexes are migration 006's, not schema's
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or build_url(
        load_settings().database
    )
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    database = load_settings().database
    engine = create_engine(url or build_url(database))
    try:
        connection = engine.connect()
    except Exception as error:
        if url:
            raise
        raise unreachable_error(database, error) from None
    with connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
