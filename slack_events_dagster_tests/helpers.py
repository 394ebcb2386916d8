"""Helpers shared by the asset tests: run the real graph (devtools.runs, which the benchmarks
share) and read tables back."""

import json
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import select

from devtools.runs import materialize_range as materialize_range  # re-exported for the tests
from slack_events_dagster.settings import Settings
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
