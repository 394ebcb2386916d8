"""Shared fixtures: settings for a throwaway SQLite file, and a real PostgreSQL 16 server.

PostgreSQL comes from SLACK_EVENTS_TEST_POSTGRES_URL when set (an external server; each test gets
its own database on it), else from the pgserver wheel's PostgreSQL 16 binaries on 127.0.0.1. If
neither works the Postgres tests fail; they never skip.
"""

import gc
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from devtools.emulators.slack import SlackEmulator
from devtools.postgres16 import Postgres16, start_postgres16
from devtools.runs import make_settings  # the tests import it from here too
from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster.storage.engine import dispose_engines

SAMPLE_EXPORT = PROJECT_ROOT / "sample_data" / "slack_export"
REAL_SLACK_EXPORTS = PROJECT_ROOT.parent / "shared" / "real_slack"
EXTERNAL_URL_VAR = "SLACK_EVENTS_TEST_POSTGRES_URL"
# Fixtures that start or connect to a PostgreSQL 16 server (storage/test_outages.py has its own).
POSTGRES_FIXTURES = {"postgres_server", "private_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `postgres` every test that needs a PostgreSQL server, so `make test-fast` skips it.

    A fixture's use is enough: a test need not repeat the marker. A test parametrized over the
    databases (any_settings, or its own "sqlite"/"postgres" parameter) is marked in its
    PostgreSQL case only.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgres" in callspec.params.values()
        if on_postgres or POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


# CPython's default collector thresholds (the gc module's documentation).
CPYTHON_GC_THRESHOLDS = (700, 10, 10)


@pytest.fixture(autouse=True, scope="session")
def _default_garbage_collection() -> Iterator[None]:
    """Importing the package raises the collector thresholds for the processes that run
    pipelines (slack_events_dagster.GC_THRESHOLDS; test_definitions checks it in a fresh
    process). This test process keeps CPython's defaults, so the in-memory Dagster instances that
    tests create in threads are collected in those threads rather than at exit, where SQLite
    refuses to close another thread's connection and SQLAlchemy logs it."""
    gc.set_threshold(*CPYTHON_GC_THRESHOLDS)
    yield


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL (psycopg2) of a PostgreSQL 16 server's maintenance database."""
    external = os.environ.get(EXTERNAL_URL_VAR)
    if external:
        yield str(make_url(external).set(drivername="postgresql+psycopg2"))
        return
    # Not under pytest's basetemp: another pytest run on this machine resets that folder's
    # permissions, and the server (running as the postgres user) would lose its data directory.
    root = Path(tempfile.mkdtemp(prefix="slack-events-pg16-"))
    try:
        server: Postgres16 = start_postgres16(root / "data")
    except Exception as error:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"Could not start PostgreSQL 16 from the pgserver wheel: {error}")
    try:
        yield server.url()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "test") -> Iterator[dict[str, str]]:
    """POSTGRES_* variables of a new, empty database on the server, dropped afterwards."""
    url = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    env = {
        "DATABASE_TYPE": "postgres",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_DATABASE": name,
        "POSTGRES_USER": url.username or "postgres",
    }
    if url.password:
        env["POSTGRES_PASSWORD"] = url.password
    try:
        yield env
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_env(postgres_server: str) -> Iterator[dict[str, str]]:
    """POSTGRES_* variables of a fresh, empty database on the test server."""
    with fresh_postgres_database(postgres_server) as env:
        yield env


@pytest.fixture
def postgres_settings(tmp_path: Path, postgres_env: dict[str, str]) -> Settings:
    return make_settings(tmp_path, DATABASE_AUTO_MIGRATE="true", **postgres_env)


@pytest.fixture(params=["sqlite", "postgres"])
def any_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Run the test once on SQLite and once on PostgreSQL 16."""
    if request.param == "sqlite":
        return make_settings(tmp_path)
    return make_settings(
        tmp_path, DATABASE_AUTO_MIGRATE="true", **request.getfixturevalue("postgres_env")
    )


SLACK_TEST_TOKEN = "xoxb-test-4242-SECRET-never-log-me"


@pytest.fixture
def slack_emulator() -> Iterator[SlackEmulator]:
    """The local Slack Web API emulator serving the bundled export, driven by real slack_sdk."""
    with SlackEmulator(SAMPLE_EXPORT, token=SLACK_TEST_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def api_env(slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for SLACK_SOURCE=api against the emulator; the token is only in os.environ."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)
    return {
        "SLACK_SOURCE": "api",
        "SLACK_BOT_TOKEN": SLACK_TEST_TOKEN,
        "SLACK_API_BASE_URL": slack_emulator.base_url,
        "SLACK_RETRY_BACKOFF_SECONDS": "0.05",
    }
