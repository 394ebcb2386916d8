"""Snapshots that keep a refactor honest: the same tables and the same Dagster definitions.

`snapshots/tables.json` holds a sha256 per asset table after materialising the whole graph over
the bundled sample export, on SQLite and on PostgreSQL 16 (both must give the same hashes).
`snapshots/definitions.json` holds the asset specs, checks, jobs, schedules and sensors as
stable JSON. A change that is meant shows up in review as a diff of these files:

    SNAPSHOT_UPDATE=1 .venv/bin/pytest slack_events_dagster_tests/test_snapshots.py

rewrites them. SNAPSHOT_DUMP_DIR=<folder> also writes each table's rows (one canonical JSON
line per row, primary-key order) there, to diff against a run of another commit.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from devtools.runs import export_hour_range
from slack_events_dagster.definitions import build_definitions
from slack_events_dagster.settings import Settings
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.schema import metadata
from slack_events_dagster.storage.transfer import table_checksum
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT
from slack_events_dagster_tests.helpers import materialize_range, table_rows

SNAPSHOTS = Path(__file__).parent / "snapshots"
TABLES_SNAPSHOT = SNAPSHOTS / "tables.json"
DEFINITIONS_SNAPSHOT = SNAPSHOTS / "definitions.json"
UPDATE = os.environ.get("SNAPSHOT_UPDATE") == "1"
THIS_TEST = "slack_events_dagster_tests/test_snapshots.py"
HOUR_KEY = "%Y-%m-%d-%H:%M"
# Named here, not taken from the schema module, so a refactor cannot drop one unnoticed.
SNAPSHOT_TABLES = ("raw_slack_messages", "event_candidates", "events", "digests")
# A fixed tick, so the schedule's run request (partition key, tags) is the same on every run.
SCHEDULE_TICK = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)


def sample_export_range() -> tuple[str, str]:
    """Every hour of the days the sample export has files for, as `slack-events demo` runs."""
    return export_hour_range(SAMPLE_EXPORT)


def _stable_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Nested dicts flattened to {"a.b.c": leaf}, so a failure names the exact field."""
    if isinstance(value, dict) and value:
        found: dict[str, Any] = {}
        for key, child in value.items():
            found.update(_leaves(child, f"{path}.{key}" if path else str(key)))
        return found
    return {path: value}


def compare_with_snapshot(path: Path, actual: dict[str, Any], how_to_inspect: str) -> None:
    """Assert `actual` equals the committed snapshot, or rewrite it under SNAPSHOT_UPDATE=1."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_stable_json(actual), encoding="utf-8")
        return
    assert path.is_file(), (
        f"No snapshot at {path}. Create it with: SNAPSHOT_UPDATE=1 .venv/bin/pytest {THIS_TEST}"
    )
    expected = _leaves(json.loads(path.read_text(encoding="utf-8")))
    now = _leaves(json.loads(_stable_json(actual)))
    missing, absent = object(), "(absent)"
    changed = sorted(
        key
        for key in expected.keys() | now.keys()
        if expected.get(key, missing) != now.get(key, missing)
    )
    assert not changed, (
        f"{path.name} differs in {len(changed)} field(s):\n"
        + "".join(
            f"  {key}: snapshot {expected.get(key, absent)!r}, now {now.get(key, absent)!r}\n"
            for key in changed[:30]
        )
        + (f"  ... and {len(changed) - 30} more\n" if len(changed) > 30 else "")
        + f"{how_to_inspect}\nIf the change is intended, rewrite the snapshot with "
        f"SNAPSHOT_UPDATE=1 .venv/bin/pytest {THIS_TEST} and commit its diff."
    )


# -- tables -------------------------------------------------------------------------------------


def dump_rows(settings: Settings, folder: Path) -> None:
    """Each table's rows, one JSON line each (sorted keys) in primary-key order, for `diff -r`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SNAPSHOT_TABLES:
        lines = [json.dumps(row, sort_keys=True, default=str) for row in table_rows(settings, name)]
        (folder / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines), "utf-8")


def table_hashes(settings: Settings) -> dict[str, dict[str, Any]]:
    """Row count and sha256 of each table (storage/transfer.py's canonical form: rows in
    primary-key order, datetimes as UTC ISO, JSON with sorted keys, floats by repr)."""
    engine = get_engine(settings.database)
    hashes = {}
    for name in SNAPSHOT_TABLES:
        rows, checksum = table_checksum(engine, metadata.tables[name])
        hashes[name] = {"rows": rows, "sha256": checksum}
    return hashes


def materialise_sample(settings: Settings, dump_to: Path) -> dict[str, Any]:
    first, last = sample_export_range()
    materialize_range(settings, first, last)
    dump_rows(settings, dump_to)
    if dump_dir := os.environ.get("SNAPSHOT_DUMP_DIR"):
        dump_rows(settings, Path(dump_dir) / settings.database.type)
    return {"partition_range": [first, last], **table_hashes(settings)}


def test_every_table_is_the_snapshot_on_sqlite_and_postgres(
    sqlite_settings: Settings, postgres_settings: Settings, tmp_path: Path
) -> None:
    on_sqlite = materialise_sample(sqlite_settings, tmp_path / "rows" / "sqlite")
    on_postgres = materialise_sample(postgres_settings, tmp_path / "rows" / "postgres")
    differ = [name for name in on_sqlite if on_sqlite[name] != on_postgres[name]]
    assert not differ, (
        f"SQLite and PostgreSQL give different {', '.join(differ)}; "
        f"diff -r {tmp_path / 'rows' / 'sqlite'} {tmp_path / 'rows' / 'postgres'}"
    )
    compare_with_snapshot(
        TABLES_SNAPSHOT,
        on_sqlite,
        f"The rows as computed now are in {tmp_path / 'rows'} (one JSON line per row). To see "
        "what changed, run this test at the commit that last wrote tables.json (e.g. in a "
        "`git worktree`, with PYTHONPATH=<worktree>) with SNAPSHOT_DUMP_DIR=<folder>, then "
        "diff -r the two folders.",
    )


# -- definitions --------------------------------------------------------------------------------


def _partitions(partitions_def: dg.PartitionsDefinition | None) -> dict[str, Any] | None:
    if partitions_def is None:
        return None
    assert isinstance(partitions_def, dg.TimeWindowPartitionsDefinition), partitions_def
    return {
        "type": type(partitions_def).__name__,
        "start": partitions_def.start.isoformat(),
        "end": partitions_def.end.isoformat() if partitions_def.end else None,
        "cron_schedule": partitions_def.cron_schedule,
        "timezone": partitions_def.timezone,
        "fmt": partitions_def.fmt,
        "end_offset": partitions_def.end_offset,
    }


def _deps(deps: Any) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "asset": dep.asset_key.to_user_string(),
                "partition_mapping": repr(dep.partition_mapping),
            }
            for dep in deps
        ),
        key=lambda dep: dep["asset"],
    )


def _asset(node: Any) -> dict[str, Any]:
    """One asset node of the resolved graph. Its description is left out: that is the asset's
    docstring, and docs are edited freely."""
    key, assets_def = node.key, node.assets_def
    spec = next(spec for spec in assets_def.specs if spec.key == key)
    return {
        "group": spec.group_name,
        "code_version": spec.code_version,
        "kinds": sorted(spec.kinds),
        "tags": spec.tags,
        "owners": spec.owners,
        "metadata": {name: repr(value) for name, value in spec.metadata.items()},
        "deps": _deps(spec.deps),
        "partitions": _partitions(assets_def.partitions_def),
        "backfill_policy": repr(assets_def.backfill_policy),
        "automation_condition": repr(spec.automation_condition),
        "pool": assets_def.op.pool,
        "retry_policy": repr(assets_def.op.retry_policy),
        "op_tags": assets_def.op.tags,
        "io_manager_key": assets_def.get_io_manager_key_for_asset_key(key),
        "checks": sorted(check.to_user_string() for check in node.check_keys),
    }


def definitions_snapshot(defs: dg.Definitions) -> dict[str, Any]:
    """What a reviewer of the code location sees, as plain JSON-able values."""
    graph = defs.resolve_asset_graph()
    assets = {
        key.to_user_string(): _asset(graph.get(key)) for key in sorted(graph.get_all_asset_keys())
    }
    checks = {
        check_key.to_user_string(): {
            "asset": spec.asset_key.to_user_string(),
            "description": spec.description,
            "blocking": spec.blocking,
            "additional_deps": _deps(spec.additional_deps),
            "partitions": _partitions(spec.partitions_def),
        }
        for checks_def in defs.asset_checks or []
        for check_key, spec in ((spec.key, spec) for spec in checks_def.check_specs)
    }
    jobs = {}
    for job_name in sorted(
        job.name for job in defs.jobs or [] if not job.name.startswith("__ASSET_JOB")
    ):
        job = defs.resolve_job_def(job_name)
        jobs[job_name] = {
            "description": job.description,
            "assets": sorted(key.to_user_string() for key in job.asset_layer.executable_asset_keys),
            "executor": job.executor_def.name,
            "tags": job.tags,
            "run_tags": job.run_tags,
            "partitions": _partitions(job.partitions_def),
        }
    schedules = {}
    for schedule_name in sorted(schedule.name for schedule in defs.schedules or []):
        schedule = defs.resolve_schedule_def(schedule_name)
        context = dg.build_schedule_context(scheduled_execution_time=SCHEDULE_TICK)
        requests = schedule.evaluate_tick(context).run_requests or []
        schedules[schedule_name] = {
            "job": schedule.job_name,
            "cron_schedule": schedule.cron_schedule,
            "execution_timezone": schedule.execution_timezone,
            "default_status": schedule.default_status.value,
            "tags": schedule.tags,
            f"run_requests_at_{SCHEDULE_TICK.isoformat()}": [
                {"partition_key": request.partition_key, "tags": request.tags}
                for request in requests
            ],
        }
    sensors = {
        sensor.name: {
            # The freshness checks' sensor targets checks, not a job.
            "job": sensor.job_name if sensor.has_jobs else None,
            "type": sensor.sensor_type.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "default_status": sensor.default_status.value,
            "description": sensor.description,
            "required_resource_keys": sorted(sensor.required_resource_keys),
        }
        for sensor in sorted(defs.sensors or [], key=lambda sensor: sensor.name)
    }
    return {
        "assets": assets,
        "asset_checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
    }


def test_definitions_are_the_snapshot(sqlite_settings: Settings) -> None:
    defs = build_definitions(sqlite_settings)
    dg.Definitions.validate_loadable(defs)
    compare_with_snapshot(
        DEFINITIONS_SNAPSHOT,
        definitions_snapshot(defs),
        "To see the change as a file diff, run with SNAPSHOT_UPDATE=1 and read "
        f"`git diff {DEFINITIONS_SNAPSHOT}` (`git restore` that file if the change was not meant).",
    )
