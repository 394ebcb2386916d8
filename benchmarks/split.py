"""(h) A large backfill on both cores, as a team runs it in production: an asset backfill of every
asset over the export's days, split into runs of `partitions.backfill_hours_per_run` hours and
launched over the webserver's GraphQL on the compose topology run natively (code server,
webserver, daemon, PostgreSQL app and instance databases; deploy/dagster.yaml's queue runs two
of a backfill's runs at a time). Timed from the launch to the end of its last run (the last
digest stored); its tables are hashed to compare with one run over the same range. The code
location's sensors run too, as in production.
"""

import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from devtools.topology import (
    Topology,
    app_environment,
    finished_backfill,
    launch_asset_backfill,
    most_at_once,
    postgres_variables,
    run_migrations,
    start_services,
    wait_for,
)
from slack_events_dagster.assets import ASSET_NAMES
from slack_events_dagster.partitions import run_hours
from slack_events_dagster.storage.transfer import asset_table_checksums


class Server(Protocol):
    """The benchmarks' PostgreSQL server (benchmarks.__main__.Postgres)."""

    url: URL

    def create_database(self, dagster_storage: bool = False) -> str: ...


def _hours_label(run: dict[str, Any]) -> str | None:
    """The hours a run of the backfill materialised, from its tags: `start/end` (UTC)."""
    window = run_hours({tag["key"]: tag["value"] for tag in run["tags"]})
    return None if window is None else f"{window.start:%Y-%m-%d %H:%M}/{window.end:%Y-%m-%d %H:%M}"


def measure_split(
    *, workdir: Path, export: Path, first: str, last: str, pg: Server, partitions_start: str,
    hours_per_run: int, timeout: float,
) -> dict[str, Any]:  # fmt: skip
    """The split backfill of `first`..`last` on fresh app and instance databases of `pg`. Every
    process runs in `workdir`, so a `.env` in the checkout cannot change its settings."""
    app_db = pg.url.set(database=pg.create_database())
    home = workdir / "dagster_home"
    dagster_db = pg.create_database(dagster_storage=True)
    env = app_environment(postgres_variables(app_db), dagster_db, home)
    env |= {
        "SLACK_EXPORT_PATH": str(export),
        "PARTITIONS_START": partitions_start,
        "BACKFILL_HOURS_PER_RUN": str(hours_per_run),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    topology = Topology(env=env, cwd=workdir, log_dir=workdir / "logs")
    try:
        run_migrations(env, workdir, workdir / "logs")
        url, _, _ = start_services(topology)
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
    runs = sorted(backfill["runs"], key=lambda run: run["startTime"])
    engine = create_engine(app_db)
    try:
        tables = asset_table_checksums(engine)
    finally:
        engine.dispose()
    return {
        "status": "success",
        "wall_s": round(max(run["endTime"] for run in runs) - launched_at, 1),
        "first_run_started_s": round(runs[0]["startTime"] - launched_at, 1),
        "runs": len(runs),
        "hours_per_run": hours_per_run,
        "most_runs_at_once": most_at_once([(run["startTime"], run["endTime"]) for run in runs]),
        "run_s": sorted(round(run["endTime"] - run["startTime"], 1) for run in runs),
        "timeline": [
            {
                "assets": sorted("/".join(key["path"]) for key in run["assetSelection"]),
                "hours": _hours_label(run),
                "started_s": round(run["startTime"] - launched_at, 1),
                "ended_s": round(run["endTime"] - launched_at, 1),
            }
            for run in runs
        ],
        "tables": tables,
    }
