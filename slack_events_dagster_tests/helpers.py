"""Helpers shared by the asset tests: run the real graph (devtools.runs, which the benchmarks
share) and read tables back."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import select

from devtools.runs import materialize_range as materialize_range  # re-exported for the tests
from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.schema import ASSET_TABLES, metadata


def table_rows(settings: Settings, name: str) -> list[dict[str, Any]]:
    table = metadata.tables[name]
    with get_engine(settings.database).connect() as connection:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        return [dict(row) for row in rows]


def dump_tables(settings: Settings) -> str:
    """Every asset table as canonical JSON, to compare database states byte for byte."""
    return json.dumps(
        {name: table_rows(settings, name) for name in ASSET_TABLES}, default=str, sort_keys=True
    )


def export_messages(export: Path) -> list[tuple[str, dict[str, Any]]]:
    """(channel name, message) for every message in an export folder, read independently."""
    found = []
    for day_file in sorted(export.glob("*/*.json")):
        for message in json.loads(day_file.read_text(encoding="utf-8")):
            found.append((day_file.parent.name, message))
    return found


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """The first failed step's error with its causes, as a person reads it in the UI."""
    error = result.get_step_failure_events()[0].event_specific_data.error
    return error.to_string()


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`slack-events ARGS` in a subprocess on the checkout's config.yaml, its SQLite database in
    `tmp_path`, without the caller's DAGSTER_HOME (`env` may set one)."""
    return subprocess.run(
        [sys.executable, "-m", "slack_events_dagster.cli", *args],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "SQLITE_PATH": str(tmp_path / "slack_events.db"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def local_dagster_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the checkout's dagster.yaml (DefaultRunCoordinator: a launched run
    starts at once)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def only_run_when_finished(instance: dg.DagsterInstance, timeout_s: float = 180) -> dg.DagsterRun:
    """The instance's one run once it has finished (or as it is after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        (run,) = instance.get_runs()
        if run.is_finished or time.monotonic() > deadline:
            return run
        time.sleep(1)
