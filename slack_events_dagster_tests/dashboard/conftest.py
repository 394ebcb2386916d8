"""The sample export materialised once per module into SQLite and PostgreSQL 16, for the
dashboard's queries and its browser test (a test that writes undoes it)."""

from collections.abc import Iterator

import pytest

from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import fresh_postgres_database, make_settings
from slack_events_dagster_tests.helpers import materialize_range
from slack_events_dagster_tests.test_snapshots import sample_export_range


def materialise_sample(settings: Settings) -> Settings:
    first, last = sample_export_range()
    materialize_range(settings, first, last)
    return settings


@pytest.fixture(scope="module")
def sample_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """SQLite settings of a database holding the whole sample, as `make demo` leaves it."""
    return materialise_sample(make_settings(tmp_path_factory.mktemp("sample-sqlite")))


@pytest.fixture(scope="module")
def sample_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[Settings]:
    """The same on a fresh PostgreSQL 16 database, dropped after the module."""
    with fresh_postgres_database(postgres_server, prefix="dashboard") as env:
        folder = tmp_path_factory.mktemp("sample-postgres")
        yield materialise_sample(make_settings(folder, DATABASE_AUTO_MIGRATE="true", **env))


@pytest.fixture(params=["sqlite", "postgres"])
def sample_settings(request: pytest.FixtureRequest) -> Settings:
    """The materialised sample on SQLite, then on PostgreSQL 16."""
    return request.getfixturevalue(f"sample_{request.param}")
