"""(h) A large backfill on both cores, as a team runs it in production: an asset backfill of every
asset over the export's days, split into runs of `partitions.backfill_hours_per_run` hours and
launched over the webserver's GraphQL on the compose topology run natively (code server,
webserver, daemon, PostgreSQL app and instance databases; deploy/dagster.yaml's queue runs two
of a backfill's runs at a time). Timed from the launch to the end of its last run (the last
digest stored); its tables are hashed to compare with one run over the same range.
"""

import subprocess
import time
from pathlib import Path
from typing import Any

from devtools.topology import (
    Topology,
    app_environment,
    console_script,
    finished_backfill,
    launch_asset_backfill,
    postgres_variables,
    start_services,
    wait_for,
)
from slack_events_dagster.assets import ASSET_NAMES
from slack_events_dagster.partitions import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG

PROJECT_ROOT = Path(__file__).absolute().parent.parent


def asset_table_checksums(engine: Any) -> dict[str, dict[str, Any]]:
    """{table: {rows, sha256}} of the four asset tables, as `slack-events migrate-data`
    verifies a copy (canonical rows in primary-key order: comparable across runs and backends)."""
    from slack_events_dagster.storage.schema import ASSET_TABLES
    from slack_events_dagster.storage.transfer import table_checksum

    checksums = {}
    for name, table in ASSET_TABLES.items():
        rows, sha256 = table_checksum(engine, table)
        checksums[name] = {"rows": rows, "sha256": sha256}
    return checksums


def _run_hours(run: dict[str, Any]) -> str:
    """The hours a run of the backfill materialised, from its tags."""
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    return f"{tags.get(RANGE_START_TAG)}..{tags.get(RANGE_END_TAG)}"


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most spans open at the same moment (an end before a start at the same time)."""
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in moments:
        running += step
        most = max(most, running)
    return most


def measure_split(
    workdir: Path, export: Path, first: str, last: str, pg: Any, partitions_start: str,
    hours_per_run: int, timeout: float,
) -> dict[str, Any]:  # fmt: skip
    """The split backfill of `first`..`last` on fresh app and instance databases of `pg`."""
    from sqlalchemy import create_engine

    app_db = pg.url.set(database=pg.create_database())
    home = workdir / "dagster_home"
    dagster_db = pg.create_database(dagster_storage=True)
    env = app_environment(postgres_variables(app_db), dagster_db, home)
    env |= {
        "SLACK_EXPORT_PATH": str(export),
        "PARTITIONS_START": partitions_start,
        "BACKFILL_HOURS_PER_RUN": str(hours_per_run),
    }
    # The app schema once, as the compose `migrate` service does before the others start.
    migrated = subprocess.run(
        [console_script("alembic"), "upgrade", "head"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if migrated.returncode != 0:
        return {"status": "failure", "error": f"alembic upgrade head: {migrated.stderr[-2000:]}"}
    topology = Topology(env=env, cwd=PROJECT_ROOT, log_dir=workdir / "logs")
    try:
        url, _, _ = start_services(topology, env, home, PROJECT_ROOT)
        launched_at = time.time()
        backfill_id = launch_asset_backfill(
            url, ASSET_NAMES, first, last, "benchmark: split backfill"
        )
        backfill = wait_for(
            f"backfill {backfill_id}",
            lambda: finished_backfill(url, backfill_id, topology),
            timeout=timeout,
            interval=2,
        )
    except Exception as error:  # reported, not raised: the other stages' figures still print
        return {"status": "failure", "error": str(error)[-3000:], "logs": topology.log_tails(20)}
    finally:
        topology.stop()
    runs = backfill["runs"]
    ended = max(run["endTime"] for run in runs)
    engine = create_engine(app_db)
    try:
        tables = asset_table_checksums(engine)
    finally:
        engine.dispose()
    return {
        "status": "success",
        "wall_s": round(ended - launched_at, 1),
        "first_run_started_s": round(min(run["startTime"] for run in runs) - launched_at, 1),
        "runs": len(runs),
        "hours_per_run": hours_per_run,
        "most_runs_at_once": most_at_once([(run["startTime"], run["endTime"]) for run in runs]),
        "run_s": sorted(round(run["endTime"] - run["startTime"], 1) for run in runs),
        "timeline": [
            {
                "assets": sorted("/".join(key["path"]) for key in run["assetSelection"]),
                "hours": _run_hours(run),
                "started_s": round(run["startTime"] - launched_at, 1),
                "ended_s": round(run["endTime"] - launched_at, 1),
            }
            for run in sorted(runs, key=lambda run: run["startTime"])
        ],
        "tables": tables,
    }
