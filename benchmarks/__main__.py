"""`python -m benchmarks`: throughput, overhead, memory and LLM-path benchmarks (issue #7).

Every measurement runs in a child process (`benchmarks.worker`) with the environment it needs, so
one run's memory and Dagster instance never carry into the next. See
benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.hourly import measure_hourly
from benchmarks.split import measure_split
from benchmarks.synthetic import DEFAULT_START, SyntheticSpec
from devtools.runs import export_hour_range
from slack_events_dagster.launch import PLANNED_ONCE_VAR
from slack_events_dagster.partitions import hour_start, keys_in_range

PROJECT_ROOT = Path(__file__).absolute().parent.parent
PARTITIONS_START = "2026-09-01-00:00"  # before every synthetic day, in the past of the clock
EMPTY_RANGE = ("2026-09-01-00:00", "2026-09-30-23:00")  # 30 days = 720 hourly partitions
STAGES = ("e2e", "floor", "empty", "openai", "rss", "profile", "history", "hourly", "split")
DEFAULT_STAGES = ("e2e", "floor", "empty", "openai", "history", "hourly")
HOURLY_DAY_MESSAGES = 24_000  # the hourly stage's day: about 1,000 messages an hour
EXTERNAL_POSTGRES_VAR = "SLACK_EVENTS_TEST_POSTGRES_URL"
# What the production image (Dockerfile) sets for every Dagster process.
PRODUCTION_DAGSTER_ENV = {"DAGSTER_EVENT_BATCH_SIZE": "1000"}
OPENAI_KEY = "sk-bench-emulator"
# A long, sparse real history: read from ../shared (never copied into the repository).
REAL_HISTORY = PROJECT_ROOT.parent / "shared" / "real_slack" / "olake"
# (instance storage, one planned event per asset instead of per asset and hour): Dagster's
# DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS, whose price is that a failed range run leaves
# its hours missing rather than failed in the UI.
HISTORY_VARIANTS = (
    ("postgres", False),
    ("postgres-planned-once", True),
    ("sqlite", False),
    ("sqlite-planned-once", True),
)

TARGETS = {
    "e2e_sqlite_messages_per_s": 10_000,
    "io_manager_vs_floor": 0.5,
    "empty_720_partitions_s": 30.0,
    "rss_1m_mb": 1024.0,
    "openai_vs_ideal": 0.5,
    "openai_rematerialise_calls": 0,
    "history_s": 180.0,  # the real olake export end to end, production instance
    "hourly_share_s": 1.0,  # one busy hour's launch-to-SUCCESS above a no-op job's
    "split_messages_per_s": 10_000,  # (h): 1,000,000 messages on both cores, production instance
}


# ------------------------------------------------------------------ command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="slack-events-dagster benchmarks (see benchmarks/README.md).",
    )
    parser.add_argument("--messages", type=int, default=100_000, help="messages in the export")
    parser.add_argument("--days", type=int, default=7, help="days the export covers")
    parser.add_argument("--channels", type=int, default=8, help="channels in the export")
    parser.add_argument("--seed", type=int, default=7, help="synthetic export seed")
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres"
    )
    parser.add_argument(
        "--only",
        default=None,
        help=f"comma-separated stages to run, from {','.join(STAGES)} "
        f"(default: {','.join(DEFAULT_STAGES)}, plus rss with --rss, split with --split, "
        "profile with --profile)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=240.0,
        help="seconds before an end-to-end run is stopped and reported as unfinished (0: none)",
    )
    parser.add_argument("--rss", action="store_true", help="also measure peak RSS at 1M messages")
    parser.add_argument("--rss-messages", type=int, default=1_000_000)
    parser.add_argument("--rss-timeout", type=float, default=1200.0)
    parser.add_argument(
        "--split",
        action="store_true",
        help="also run the 1M-message backfill split into parallel runs (h): about 20 minutes",
    )
    parser.add_argument("--split-messages", type=int, default=1_000_000)
    parser.add_argument(
        "--split-hours",
        type=int,
        default=24,
        help="partitions.backfill_hours_per_run of the split backfill (default a day)",
    )
    parser.add_argument("--split-timeout", type=float, default=3000.0)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="also profile the SQLite end-to-end run with pyinstrument into PATH.html/PATH.txt",
    )
    parser.add_argument(
        "--history-export",
        default=str(REAL_HISTORY),
        help="the real export the `history` stage runs (default ../shared/real_slack/olake)",
    )
    parser.add_argument(
        "--hourly-messages",
        type=int,
        default=HOURLY_DAY_MESSAGES,
        help="messages in the hourly stage's one-day export (default about 1,000 an hour)",
    )
    parser.add_argument("--hourly-repeat", type=int, default=3, help="launches of each job")
    parser.add_argument("--floor-repeat", type=int, default=5)
    parser.add_argument("--openai-messages", type=int, default=2_000)
    parser.add_argument("--openai-latency", type=float, default=0.2)
    parser.add_argument("--llm-concurrency", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser


def _stages(args: argparse.Namespace) -> list[str]:
    if args.only:
        chosen = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(STAGES))
        if unknown:
            raise SystemExit(f"--only: unknown stage(s) {unknown}; choose from {list(STAGES)}")
        chosen = [s for s in STAGES if s in chosen]
    else:
        chosen = list(DEFAULT_STAGES)
        if args.rss:
            chosen.append("rss")
        if args.split:
            chosen.append("split")
        if args.profile:
            chosen.append("profile")
    if "profile" in chosen:
        _check_profiling(args)
    return chosen


def _check_profiling(args: argparse.Namespace) -> None:
    """Fail before any stage runs, not after generating the export, when profiling cannot work."""
    if not args.profile:
        raise SystemExit("--only profile needs --profile PATH")
    if importlib.util.find_spec("pyinstrument") is None:
        raise SystemExit(
            "--profile needs pyinstrument, which `make install` leaves out: "
            ".venv/bin/pip install -e '.[bench]'"
        )


# ------------------------------------------------------------------ machine and PostgreSQL


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    versions: dict[str, str | None] = {}
    for package in ("dagster", "pandas", "orjson", "SQLAlchemy", "psycopg2-binary", "rapidfuzz"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "os": platform.platform(),
        "packages": versions,
    }


def product_fingerprint() -> dict[str, Any]:
    """Which product code was measured: a hash of every source file and the newest change."""
    digest = hashlib.sha256()
    newest = 0.0
    for path in sorted((PROJECT_ROOT / "slack_events_dagster").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".yaml"):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    config = PROJECT_ROOT / "config.yaml"
    digest.update(config.read_bytes())
    return {
        "sources_sha256": digest.hexdigest()[:16],
        "newest_source_change_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(newest)),
    }


class Postgres:
    """PostgreSQL 16 for the measurements: SLACK_EVENTS_TEST_POSTGRES_URL, else a throwaway
    server from the pgserver wheel (devtools/postgres16.py)."""

    def __init__(self, data_dir: Path) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # pgserver
        external = os.environ.get(EXTERNAL_POSTGRES_VAR)
        self.server = None
        if external:
            self.url = make_url(external).set(drivername="postgresql+psycopg2")
        else:
            from devtools.postgres16 import start_postgres16

            self.server = start_postgres16(data_dir, durable=True)  # fsync on, as in production
            self.url = make_url(self.server.url())
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            self.version = connection.execute(text("show server_version")).scalar_one()
        self.databases: list[str] = []

    def create_database(self, dagster_storage: bool = False) -> str:
        """A fresh database; for Dagster's storage with the settings deploy/initdb.sql gives it
        in production."""
        from sqlalchemy import text

        from devtools.postgres16 import apply_dagster_database_settings

        name = f"bench_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            if dagster_storage:
                apply_dagster_database_settings(connection, name)
        self.databases.append(name)
        return name

    def settings_env(self, name: str) -> dict[str, str]:
        """The app's database variables for the database `name` on this server."""
        from devtools.topology import postgres_variables

        return {
            "DATABASE_TYPE": "postgres",
            "DATABASE_AUTO_MIGRATE": "true",
            **postgres_variables(self.url.set(database=name)),
        }

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        from sqlalchemy import text

        try:
            with self.admin.connect() as connection:
                for name in self.databases:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            self.admin.dispose()
            if self.server is not None:
                self.server.stop()


# ------------------------------------------------------------------ running workers


class Runner:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0
        self.last_folder: Path | None = None

    def run(self, task: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
        """Run one task in a fresh child (through the RSS-measuring wrapper) and load its result."""
        self.count += 1
        folder = self.workdir / f"{self.count:02d}-{task['kind']}-{task.get('label', '')}"
        folder.mkdir(parents=True, exist_ok=True)
        self.last_folder = folder
        task = {"workdir": str(folder), "partitions_start": PARTITIONS_START, **task}
        task_path, result_path = folder / "task.json", folder / "result.json"
        task_path.write_text(json.dumps(task, indent=2), encoding="utf-8")
        child_env = {
            **os.environ,
            "PARTITIONS_START": PARTITIONS_START,
            "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
            "PYTHONUNBUFFERED": "1",
            **task.get("settings_env", {}),
            **(env or {}),
        }
        started = time.perf_counter()
        command = [sys.executable, "-m", "benchmarks.worker", "--measure-rss"]
        with open(folder / "stdout.log", "wb") as out, open(folder / "stderr.log", "wb") as err:
            completed = subprocess.run(
                [*command, str(task_path), str(result_path)],
                env=child_env,
                stdout=out,
                stderr=err,
                check=False,
            )
        result: dict[str, Any] = {"status": f"worker exit code {completed.returncode}"}
        if result_path.exists():
            result = json.loads(result_path.read_text(encoding="utf-8"))
        result["process_s"] = round(time.perf_counter() - started, 2)
        if result.get("status") not in ("success", "timeout"):
            tail = (folder / "stderr.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            result.setdefault("stderr_tail", tail)
            print(f"  ! {task['kind']} {task.get('label', '')}: {result.get('status')}", flush=True)
        return result


def _generate(runner: Runner, path: Path, spec: SyntheticSpec, label: str) -> dict[str, Any]:
    spec_json = {
        "messages": spec.messages,
        "days": spec.days,
        "channels": spec.channels,
        "seed": spec.seed,
        "start": spec.start.isoformat(),
        "users": spec.users,
    }
    result = runner.run(
        {"kind": "generate", "label": label, "export": str(path), "spec": spec_json}
    )
    if result.get("status") != "success":
        raise SystemExit(f"could not generate the synthetic export: {result}")
    return result


def _database_env(database: str, postgres: Postgres | None) -> dict[str, str]:
    if database == "sqlite":
        return {"DATABASE_TYPE": "sqlite"}
    if postgres is None:
        raise SystemExit("PostgreSQL was not started")
    return postgres.settings_env(postgres.create_database())


# ------------------------------------------------------------------ the measurements


def measure_e2e(
    runner: Runner, export: Path, spec: SyntheticSpec, database: str, pg: Postgres | None,
    timeout: float, checksums: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """SQLite runs are recorded as on a laptop (dagster.yaml: SQLite instance storage);
    PostgreSQL runs as in production (deploy/dagster.yaml: PostgreSQL storage in a database set
    up as deploy/initdb.sql does, the image's DAGSTER_EVENT_BATCH_SIZE)."""
    task = _e2e_task(database, export, spec, timeout, _database_env(database, pg))
    task["checksums"] = checksums
    if database == "postgres" and pg is not None:
        instance_url = pg.url_for(pg.create_database(dagster_storage=True))
        task |= {"instance": "postgres", "instance_url": instance_url}
        task["settings_env"] |= PRODUCTION_DAGSTER_ENV
    return _with_throughput(runner.run(task), spec.messages)


def _e2e_task(
    label: str, export: Path, spec: SyntheticSpec, timeout: float, settings_env: dict[str, str]
) -> dict[str, Any]:
    """An end-to-end run over every hour of `spec`'s export."""
    first, last = spec.partition_range()
    return {
        "kind": "e2e",
        "label": label,
        "export": str(export),
        "first": first,
        "last": last,
        "messages": spec.messages,
        "partitions": spec.days * 24,
        "timeout": timeout,
        "settings_env": settings_env,
    }


def _with_throughput(result: dict[str, Any], messages: int) -> dict[str, Any]:
    wall = result.get("wall_s")
    if wall:
        rate = messages / wall
        result["messages_per_s"] = round(rate, 1)
        result["messages_per_s_is_upper_bound"] = result.get("status") != "success"
    return result


def measure_floor(
    runner: Runner, export: Path, spec: SyntheticSpec, database: str, pg: Postgres | None, args
) -> dict[str, Any]:
    first, last = spec.partition_range()
    return runner.run(
        {
            "kind": "floor",
            "label": database,
            "export": str(export),
            "first": first,
            "last": last,
            "repeat": args.floor_repeat,
            "settings_env": _database_env(database, pg),
        }
    )


def measure_empty(runner: Runner, export: Path, pg: Postgres | None) -> dict[str, Any]:
    """Every asset over 720 hours without a single message, per Dagster instance storage:
    `sqlite` (dagster.yaml, make dev), `postgres` (as in production: deploy/dagster.yaml, the
    database settings of deploy/initdb.sql and the image's DAGSTER_EVENT_BATCH_SIZE),
    `postgres-unbatched` (without the batch size), `postgres-synchronous-commit` (without the
    database settings), `postgres-planned-once` (production, planned once per asset as
    `slack-events backfill` launches a range) and `ephemeral`."""
    results = {}
    instances = ["ephemeral", "sqlite"]
    if pg is not None:
        instances += [
            "postgres",
            "postgres-unbatched",
            "postgres-synchronous-commit",
            "postgres-planned-once",
        ]
    for instance in instances:
        task: dict[str, Any] = {
            "kind": "e2e",
            "label": f"empty-{instance}",
            "export": str(export),
            "first": EMPTY_RANGE[0],
            "last": EMPTY_RANGE[1],
            "messages": 0,
            "partitions": 720,
            "instance": instance.split("-")[0],
            "timeout": 0,
            "settings_env": {"DATABASE_TYPE": "sqlite"},
        }
        if instance.startswith("postgres") and pg is not None:
            storage = pg.create_database(dagster_storage=instance != "postgres-synchronous-commit")
            task["instance_url"] = pg.url_for(storage)
        if instance in ("postgres", "postgres-synchronous-commit", "postgres-planned-once"):
            task["settings_env"] |= PRODUCTION_DAGSTER_ENV
        if instance == "postgres-planned-once":
            task["settings_env"] |= {PLANNED_ONCE_VAR: "true"}
        results[instance] = runner.run(task)
    return results


def _export_messages(export: Path) -> int:
    return sum(
        len(json.loads(day_file.read_text(encoding="utf-8")))
        for day_file in export.glob("*/*.json")
    )


def measure_history(runner: Runner, pg: Postgres | None, export: Path) -> dict[str, Any]:
    """A real, long and sparse export (olake: about 350 messages over 100 days) end to end in one
    run, as a team importing its history meets it: on the production instance (PostgreSQL
    storage as deploy/, the image's event batching, a PostgreSQL app database) and on the SQLite
    dev instance of `make dev` (SQLite app database), each also with one planned event per asset
    (HISTORY_VARIANTS)."""
    if not export.is_dir():
        return {"status": "skipped", "error": f"{export}: no such folder (../shared/real_slack)"}
    first, last = export_hour_range(export)
    hours = len(keys_in_range(first, last))
    messages = _export_messages(export)
    results: dict[str, Any] = {}
    for variant, planned_subset in HISTORY_VARIANTS:
        instance = variant.split("-")[0]
        task: dict[str, Any] = {
            "kind": "e2e",
            "label": f"history-{variant}",
            "export": str(export),
            "first": first,
            "last": last,
            "messages": messages,
            "partitions": hours,
            "timeout": 0,
            "partitions_start": first,
            "instance": instance,
            "settings_env": {"DATABASE_TYPE": "sqlite"},
        }
        if instance == "postgres":
            if pg is None:
                continue
            task["instance_url"] = pg.url_for(pg.create_database(dagster_storage=True))
            task["settings_env"] = _database_env("postgres", pg) | PRODUCTION_DAGSTER_ENV
        if planned_subset:
            task["settings_env"] |= {PLANNED_ONCE_VAR: "true"}
        print(f"  {hours} hours of {export.name}: {variant} ...", flush=True)
        results[variant] = runner.run(task, env={"PARTITIONS_START": first})
    return results


def _messages_in_hour(export: Path, hour: str) -> int:
    start = hour_start(hour).timestamp()
    day_files = export.glob(f"*/{hour[:10]}.json")
    return sum(
        start <= float(message["ts"]) < start + 3600
        for day_file in day_files
        for message in json.loads(day_file.read_text(encoding="utf-8"))
    )


def measure_hourly_run(
    runner: Runner, workdir: Path, pg: Postgres | None, args: argparse.Namespace
) -> dict[str, Any]:
    """`dagster job launch` of one busy hour vs a no-op job of the same shape, on PostgreSQL
    instance storage (benchmarks/hourly.py)."""
    if pg is None:
        return {"status": "skipped", "error": "needs PostgreSQL (--databases ...,postgres)"}
    spec = SyntheticSpec(args.hourly_messages, 1, args.channels, args.seed)
    export = workdir / "export-hourly"
    _generate(runner, export, spec, "hourly")
    hour = f"{spec.start.isoformat()}-14:00"
    result = measure_hourly(
        workdir / "hourly",
        export,
        hour,
        pg.url_for(pg.create_database(dagster_storage=True)),
        pg.settings_env(pg.create_database()),
        PARTITIONS_START,
        repeat=args.hourly_repeat,
    )
    return {"messages_in_hour": _messages_in_hour(export, hour), **result}


def _responder(request: dict[str, Any]) -> str:
    """A valid answer in the app's schema: one undated event for announcements, else none."""
    from devtools.emulators.openai import one_undated_event

    try:
        message = json.loads(request["messages"][-1]["content"])["message"]
    except (KeyError, IndexError, TypeError, ValueError):
        message = ""
    words = ("release", "deploy", "launch", "maintenance", "deadline", "freeze", "migration")
    if not any(word in message.lower() for word in words):
        return json.dumps({"events": []})
    flat = " ".join(message.split())
    return one_undated_event(flat[:120] or "Announcement", "product", 0.8, flat[:300])


def measure_openai(runner: Runner, workdir: Path, args) -> dict[str, Any]:
    """EXTRACTOR=openai against the local emulator (in this process, the run in a child)."""
    from devtools.emulators.openai import OpenAIEmulator

    spec = SyntheticSpec(args.openai_messages, 1, args.channels, args.seed + 1)
    export = workdir / "export-openai"
    _generate(runner, export, spec, "openai")
    first, last = spec.partition_range()
    with OpenAIEmulator(_responder, api_key=OPENAI_KEY, latency=args.openai_latency) as emulator:
        settings_env = {
            "DATABASE_TYPE": "sqlite",
            "EXTRACTOR": "openai",
            "OPENAI_API_KEY": OPENAI_KEY,
            "OPENAI_BASE_URL": emulator.base_url,
            "LLM_CONCURRENCY": str(args.llm_concurrency),
        }
        task = {
            "kind": "e2e",
            "export": str(export),
            "first": first,
            "last": last,
            "messages": spec.messages,
            "partitions": 24,
            "timeout": 0,
            "settings_env": settings_env,
        }
        first_run = runner.run({**task, "label": "openai-first"})
        calls_first = emulator.request_count()
        # The same database again (its llm_cache): a re-materialisation must not call the API.
        database = str(runner.last_folder / "slack_events.db") if runner.last_folder else ""
        task["settings_env"] = {**settings_env, "SQLITE_PATH": database}
        second_run = runner.run({**task, "label": "openai-again"})
        calls_second = emulator.request_count() - calls_first
        peak = emulator.concurrency_peak
    step = first_run.get("steps", {}).get("events", {})
    seconds = step.get("compute_s") or 0.0
    candidates = first_run.get("rows", {}).get("event_candidates", 0)
    ideal = args.llm_concurrency / args.openai_latency
    rate = candidates / seconds if seconds else 0.0
    return {
        "messages": spec.messages,
        "latency_s": args.openai_latency,
        "concurrency": args.llm_concurrency,
        "candidates": candidates,
        "http_calls_first_run": calls_first,
        "events_step_compute_s": seconds,
        "candidates_per_s": round(rate, 2),
        "ideal_per_s": round(ideal, 2),
        "ratio": round(rate / ideal, 3) if ideal else None,
        "emulator_concurrency_peak": peak,
        "events_metadata_first_run": first_run.get("events_metadata"),
        "http_calls_rematerialise": calls_second,
        "events_metadata_rematerialise": second_run.get("events_metadata"),
        "first_run": first_run,
        "rematerialise_run": second_run,
    }


def measure_rss(runner: Runner, workdir: Path, args) -> dict[str, Any]:
    spec = SyntheticSpec(args.rss_messages, args.days, args.channels, args.seed)
    export = workdir / "export-rss"
    generated = _generate(runner, export, spec, "rss")
    result = runner.run(
        _e2e_task("rss", export, spec, args.rss_timeout, {"DATABASE_TYPE": "sqlite"})
    )
    shutil.rmtree(export, ignore_errors=True)
    result = _with_throughput(result, spec.messages)
    result["generator_peak_rss_mb"] = generated.get("peak_rss_mb")
    result["generator_s"] = generated.get("seconds")
    result["export_bytes"] = generated.get("bytes")
    return result


def measure_split_backfill(
    runner: Runner, workdir: Path, pg: Postgres | None, args: argparse.Namespace
) -> dict[str, Any]:
    """(h) `--split-messages` over `--days` on PostgreSQL, production instance: one run over the
    whole range (as (a)), then an asset backfill split into runs of `--split-hours` on the
    production topology (benchmarks/split.py); both runs' tables hashed and compared."""
    if pg is None:
        return {"status": "skipped", "error": "needs PostgreSQL (--databases ...,postgres)"}
    spec = SyntheticSpec(args.split_messages, args.days, args.channels, args.seed)
    export = workdir / "export-split"
    generated = _generate(runner, export, spec, "split")
    try:
        single = measure_e2e(
            runner, export, spec, "postgres", pg, args.split_timeout, checksums=True
        )
        first, last = spec.partition_range()
        split = measure_split(
            workdir=workdir / "split", export=export, first=first, last=last, pg=pg,
            partitions_start=PARTITIONS_START, hours_per_run=args.split_hours,
            timeout=args.split_timeout,
        )  # fmt: skip
    finally:
        shutil.rmtree(export, ignore_errors=True)
    single_tables, split_tables = single.pop("tables", None), split.pop("tables", None)
    result: dict[str, Any] = {
        "messages_in_export": spec.messages,
        "days": spec.days,
        "generator_s": generated.get("seconds"),
        "single_run": single,
        "split": _with_throughput(split, spec.messages),
        "tables": split_tables,
        "tables_identical": single_tables is not None and single_tables == split_tables,
    }
    if single_tables != split_tables:
        result["single_run_tables"] = single_tables
    return result


def measure_profile(runner: Runner, export: Path, spec: SyntheticSpec, args) -> dict[str, Any]:
    task = _e2e_task("profile", export, spec, args.timeout, {"DATABASE_TYPE": "sqlite"})
    result = runner.run({**task, "profile": str(args.profile.absolute())})
    result["profile_files"] = [
        str(args.profile.absolute().with_suffix(s)) for s in (".html", ".txt")
    ]
    return result


# ------------------------------------------------------------------ targets and the table


def evaluate_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []

    def add(name: str, target: str, measured: Any, passed: bool | None, note: str = "") -> None:
        targets.append(
            {"name": name, "target": target, "measured": measured, "pass": passed, "note": note}
        )

    sqlite = report.get("e2e", {}).get("sqlite")
    if sqlite and sqlite.get("messages_per_s") is not None:
        rate = sqlite["messages_per_s"]
        bound = sqlite.get("messages_per_s_is_upper_bound")
        add(
            "end-to-end SQLite messages/s",
            f">= {TARGETS['e2e_sqlite_messages_per_s']:,}",
            f"{'<= ' if bound else ''}{rate:,.0f}",
            (not bound) and rate >= TARGETS["e2e_sqlite_messages_per_s"],
            f"run {sqlite['status']} after {sqlite['wall_s']} s" if bound else "",
        )
    for database, floor in report.get("floor", {}).items():
        if floor.get("ratio") is not None:
            add(
                f"IO manager vs bulk-insert floor ({database})",
                f">= {TARGETS['io_manager_vs_floor']:.0%}",
                f"{floor['ratio']:.1%}",
                floor["ratio"] >= TARGETS["io_manager_vs_floor"],
            )
    empty = report.get("empty_backfill", {})
    for instance, run in empty.items():
        if run and run.get("wall_s") is not None:
            add(
                f"empty 720-partition backfill ({instance} instance)",
                f"< {TARGETS['empty_720_partitions_s']:.0f} s",
                f"{run['wall_s']:.1f} s",
                run["status"] == "success" and run["wall_s"] < TARGETS["empty_720_partitions_s"],
                {
                    "sqlite": "dagster.yaml (make dev, make demo)",
                    "postgres": "production: deploy/, the image's event batching",
                    "postgres-planned-once": "production, as `slack-events backfill` launches it",
                }.get(instance, ""),
            )
    rss = report.get("rss")
    if rss and rss.get("peak_rss_mb") is not None:
        add(
            f"peak RSS at {rss.get('messages_in_export', 0):,} messages",
            f"< {TARGETS['rss_1m_mb']:.0f} MB",
            f"{rss['peak_rss_mb']:,.0f} MB",
            rss["peak_rss_mb"] < TARGETS["rss_1m_mb"],
            "" if rss.get("status") == "success" else f"run {rss.get('status')}: peak so far",
        )
    llm = report.get("openai")
    if llm and llm.get("ratio") is not None:
        add(
            "OpenAI path vs concurrency/latency",
            f">= {TARGETS['openai_vs_ideal']:.0%}",
            f"{llm['ratio']:.1%} ({llm['candidates_per_s']}/s of {llm['ideal_per_s']}/s)",
            llm["ratio"] >= TARGETS["openai_vs_ideal"],
        )
        add(
            "OpenAI calls on re-materialisation",
            "== 0",
            str(llm["http_calls_rematerialise"]),
            llm["http_calls_rematerialise"] == 0,
        )
    hourly = report.get("hourly") or {}
    if hourly.get("our_share_s") is not None:
        add(
            "hourly run: our share above a no-op job (dagster job launch to SUCCESS)",
            f"<= {TARGETS['hourly_share_s']:.0f} s",
            f"{hourly['our_share_s']:.2f} s ({hourly['slack_events_job']['median_wall_s']:.2f}"
            f" vs {hourly['noop_job']['median_wall_s']:.2f} s, {hourly['messages_in_hour']:,}"
            " messages)",
            hourly["our_share_s"] <= TARGETS["hourly_share_s"],
        )
    split_report = report.get("split") or {}
    if split_report.get("split"):
        split, single = split_report["split"], split_report.get("single_run") or {}
        messages = split_report["messages_in_export"]
        rate = split.get("messages_per_s")
        add(
            f"{messages:,} messages on both cores (split backfill, production instance)",
            f">= {TARGETS['split_messages_per_s']:,}",
            f"{rate:,.0f} msg/s ({split['runs']} runs of {split['hours_per_run']} h,"
            f" {split['most_runs_at_once']} at once)"
            if split.get("status") == "success"
            else f"backfill {split.get('status')}",
            split.get("status") == "success" and rate >= TARGETS["split_messages_per_s"],
        )
        if single.get("status") != "success":
            compared = f"no one-run tables: one run {single.get('status')}"
        else:
            compared = "identical" if split_report.get("tables_identical") else "DIFFERENT"
        add(
            "split backfill: the tables of one run",
            "identical",
            compared,
            compared == "identical",
        )
    for variant, run in report.get("history", {}).items():
        if run.get("wall_s") is None:
            continue
        production = variant.startswith("postgres")
        add(
            f"long sparse history ({run.get('partitions', 0):,} hours), {variant}",
            f"< {TARGETS['history_s']:.0f} s" if production else "(no target)",
            f"{run['wall_s']:.1f} s, first step after "
            f"{run.get('overview', {}).get('before_first_step_s', 0):.1f} s",
            run["wall_s"] < TARGETS["history_s"] and run.get("status") == "success"
            if production
            else None,
        )
    return targets


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_report(report: dict[str, Any]) -> None:
    machine, config = report["machine"], report["config"]
    print()
    print(
        f"slack-events-dagster benchmarks: {config['messages']:,} messages, {config['days']} days,"
        f" {config['channels']} channels, seed {config['seed']}"
    )
    print(
        f"machine: {machine['nproc']} CPUs ({machine['cpu_model']}), {machine['ram_gb']} GB RAM,"
        f" Python {machine['python']}, SQLite {machine['sqlite']},"
        f" PostgreSQL {machine['postgresql'] or '-'}, Dagster {machine['packages']['dagster']}"
    )
    e2e = report.get("e2e", {})
    if e2e:
        print("\n(a) end-to-end single-run backfill, rules extractor (seconds)")
        header = (
            f"{'database':<9}{'status':>9}{'wall':>9}{'msg/s':>10}{'raw':>8}{'cand':>8}"
            f"{'events':>8}{'digests':>9}{'stage fn':>10}{'dagster':>9}{'RSS MB':>8}"
        )
        print(header)
        for database, run in e2e.items():
            steps = run.get("steps", {})

            def stage(name: str, steps: dict[str, Any] = steps) -> str:
                step = steps.get(name)
                if not step:
                    return "-"
                total = sum(step.get(k) or 0 for k in ("load_s", "compute_s", "write_s"))
                return ("" if step["status"] == "success" else ">") + f"{total:.1f}"

            rate = run.get("messages_per_s")
            rate_text = ("<=" if run.get("messages_per_s_is_upper_bound") else "") + _fmt(rate, 0)
            print(
                f"{database:<9}{run.get('status', '-'):>9}{_fmt(run.get('wall_s')):>9}"
                f"{rate_text:>10}{stage('raw_slack_messages'):>8}{stage('event_candidates'):>8}"
                f"{stage('events'):>8}{stage('digests'):>9}{_fmt(run.get('stage_function_s')):>10}"
                f"{_fmt(run.get('dagster_overhead_s')):>9}{_fmt(run.get('peak_rss_mb'), 0):>8}"
            )
        print(
            "  per stage: load + compute + write; raw_slack_messages and event_candidates stream"
            " (their work happens while the IO manager writes); '>' = unfinished (time limit)"
        )
        for database, run in e2e.items():
            print(f"  {database}: Dagster instance storage {run.get('instance', '-')}")
            lines = run.get("digest_lines")
            if lines:
                print(
                    f"  {database}: {lines['lines']:,} digest lines, {lines['merged_lines']:,}"
                    f" merging several announcements ({lines['lines_mixing_subjects']:,} of"
                    f" different subjects), the largest merging {lines['largest_line']:,};"
                    f" {lines['digests_with_a_line_over_20']} digests with a line merging more"
                    " than 20"
                )
        for database, run in e2e.items():
            for name, step in run.get("steps", {}).items():
                print(
                    f"  {database:<9}{name:<20} load {_fmt(step['load_s'], 2):>7}"
                    f"  compute {_fmt(step['compute_s'], 2):>8}"
                    f"  write {_fmt(step['write_s'], 2):>6}"
                    f"  materialization events {_fmt(step['materialization_events_s'], 2):>6}"
                    f"  peak RSS {_fmt(step.get('peak_rss_mb'), 0):>6} MB  [{step['status']}]"
                )
    floor = report.get("floor", {})
    if floor:
        print("\n(b) raw_slack_messages: IO manager handle_output vs bulk-insert floor (median s)")
        print(f"{'database':<9}{'rows':>9}{'io mgr':>9}{'floor':>8}{'ratio':>8}  floor method")
        for database, run in floor.items():
            print(
                f"{database:<9}{_fmt(run.get('rows')):>9}{_fmt(run.get('io_manager_s'), 2):>9}"
                f"{_fmt(run.get('floor_s'), 2):>8}{_fmt(run.get('ratio'), 3):>8}"
                f"  {run.get('floor_method', run.get('status'))}"
            )
    empty = report.get("empty_backfill", {})
    if empty:
        print("\n(c) empty 720-partition single-run backfill, by Dagster instance storage")
        print(f"{'instance':<20}{'wall s':>8}{'stage fn':>10}{'dagster':>9}")
        for instance, run in empty.items():
            print(
                f"{instance:<20}{_fmt(run.get('wall_s')):>8}"
                f"{_fmt(run.get('stage_function_s')):>10}{_fmt(run.get('dagster_overhead_s')):>9}"
            )
    rss = report.get("rss")
    if rss:
        print(
            f"\n(d) peak RSS, {rss.get('messages_in_export', 0):,} messages on SQLite: "
            f"{_fmt(rss.get('peak_rss_mb'), 0)} MB (run {rss.get('status')}, wall "
            f"{_fmt(rss.get('wall_s'))} s; generator peak {_fmt(rss.get('generator_peak_rss_mb'))}"
            " MB)"
        )
        for name, step in rss.get("steps", {}).items():
            print(
                f"  {name:<20} peak {_fmt(step.get('peak_rss_mb'), 0):>6} MB"
                f"  step {_fmt(step.get('step_s'))} s  [{step['status']}]"
            )
    hourly = report.get("hourly")
    if hourly:
        if hourly.get("status") == "success":
            print(
                f"\n(g) the hourly run, dagster job launch to SUCCESS, PostgreSQL instance"
                f" (median of {len(hourly['launches']['noop_job'])}): {hourly['hour']}"
                f" ({hourly['messages_in_hour']:,} messages) slack_events_job"
                f" {_fmt(hourly['slack_events_job']['median_wall_s'], 2)} s"
                f" ({hourly['slack_events_job'].get('events_stored')} events stored), noop_job"
                f" {_fmt(hourly['noop_job']['median_wall_s'], 2)} s"
                f" ({hourly['noop_job'].get('events_stored')} events), our share"
                f" {_fmt(hourly['our_share_s'], 2)} s (median of the paired differences"
                f" {_fmt(hourly.get('paired_share_s'), 2)} s); one event write"
                f" {_fmt(hourly.get('event_write_ms'), 1)} ms"
            )
        else:
            print(f"\n(g) the hourly run: {hourly.get('status')} {hourly.get('error', '')}")
    split_report = report.get("split")
    if split_report:
        _print_split(split_report)
    history = report.get("history", {})
    if history:
        print("\n(f) a long, sparse real history end to end, one run (seconds)")
        for variant, run in history.items():
            overview = run.get("overview", {})
            print(
                f"  {variant:<22} {run.get('status', '-')}, {run.get('partitions', '-')}"
                f" hours, {run.get('messages_in_export', '-')} messages, wall"
                f" {_fmt(run.get('wall_s'))}, before the first step"
                f" {_fmt(overview.get('before_first_step_s'))}, project code"
                f" {_fmt(run.get('stage_function_s'))}  {run.get('error') or ''}"
            )
    llm = report.get("openai")
    if llm:
        print(
            f"\n(e) OpenAI path (emulator, {llm['latency_s']} s latency, concurrency "
            f"{llm['concurrency']}): {llm['candidates']} candidates in "
            f"{_fmt(llm['events_step_compute_s'], 2)} s = {llm['candidates_per_s']}/s, ideal "
            f"{llm['ideal_per_s']}/s, ratio {_fmt(llm['ratio'], 3)}; HTTP calls "
            f"{llm['http_calls_first_run']} then {llm['http_calls_rematerialise']} on "
            "re-materialisation"
        )
    if report.get("profile"):
        print(f"\nprofile: {', '.join(report['profile'].get('profile_files', []))}")
    print("\ntargets")
    for target in report.get("targets", []):
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[target["pass"]]
        note = f"  ({target['note']})" if target["note"] else ""
        print(
            f"  {verdict:<5}{target['name']:<48}{target['target']:>10}  {target['measured']}{note}"
        )


def _print_split(result: dict[str, Any]) -> None:
    single, split = result.get("single_run") or {}, result.get("split") or {}
    print(
        f"\n(h) {result.get('messages_in_export', 0):,} messages over {result.get('days')} days,"
        f" PostgreSQL, production instance: one run {single.get('status')} in"
        f" {_fmt(single.get('wall_s'))} s ({_fmt(single.get('messages_per_s'), 0)} msg/s);"
        f" split backfill {split.get('status')}"
    )
    if split.get("status") == "success":
        print(
            f"  {split['runs']} runs of {split['hours_per_run']} hours, at most"
            f" {split['most_runs_at_once']} at once, launch to last digest"
            f" {_fmt(split['wall_s'])} s"
            f" ({_fmt(split.get('messages_per_s'), 0)} msg/s), first run started after"
            f" {_fmt(split['first_run_started_s'])} s; tables identical to the one run:"
            f" {'yes' if result.get('tables_identical') else 'NO'}"
        )
    else:
        print(f"  {split.get('error') or single.get('error')}")


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    stages = _stages(args)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(databases) - {"sqlite", "postgres"} or not databases:
        raise SystemExit("--databases takes sqlite and/or postgres")
    last_day = DEFAULT_START + timedelta(days=args.days - 1)
    if last_day >= date.today():
        raise SystemExit(f"--days {args.days} puts synthetic data in the future ({last_day})")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="slack-events-bench-")).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    spec = SyntheticSpec(args.messages, args.days, args.channels, args.seed)
    report: dict[str, Any] = {
        "machine": machine_info(),
        "product": product_fingerprint(),
        "config": {
            "messages": args.messages,
            "days": args.days,
            "channels": args.channels,
            "seed": args.seed,
            "databases": databases,
            "stages": stages,
            "timeout_s": args.timeout,
            "partitions_start": PARTITIONS_START,
            "workdir": str(workdir),
        },
    }
    runner = Runner(workdir)
    started = time.perf_counter()
    postgres: Postgres | None = None
    try:
        wants_postgres = "postgres" in databases and {
            "e2e",
            "floor",
            "empty",
            "history",
            "hourly",
            "split",
        } & set(stages)
        if wants_postgres:
            print("starting PostgreSQL 16 ...", flush=True)
            postgres = Postgres(workdir / "postgres16" / "data")
            report["machine"]["postgresql"] = postgres.version
        export = workdir / "export"
        if {"e2e", "floor", "profile"} & set(stages):
            print(f"generating {args.messages:,} messages ...", flush=True)
            report["export"] = _generate(runner, export, spec, "main")
        if "e2e" in stages:
            report["e2e"] = {}
            for database in databases:
                print(f"end-to-end on {database} ...", flush=True)
                report["e2e"][database] = measure_e2e(
                    runner, export, spec, database, postgres, args.timeout
                )
        if "floor" in stages:
            report["floor"] = {}
            for database in databases:
                print(f"IO manager vs bulk-insert floor on {database} ...", flush=True)
                report["floor"][database] = measure_floor(
                    runner, export, spec, database, postgres, args
                )
        if "empty" in stages:
            print("empty 720-partition backfill ...", flush=True)
            empty_export = workdir / "export-empty"
            _generate(runner, empty_export, SyntheticSpec(0, 1, args.channels), "empty")
            report["empty_backfill"] = measure_empty(runner, empty_export, postgres)
        if "openai" in stages:
            print("OpenAI path against the emulator ...", flush=True)
            report["openai"] = measure_openai(runner, workdir, args)
        if "rss" in stages:
            print(f"peak RSS at {args.rss_messages:,} messages ...", flush=True)
            report["rss"] = measure_rss(runner, workdir, args)
        if "hourly" in stages:
            print("the hourly run vs a no-op job (dagster job launch) ...", flush=True)
            report["hourly"] = measure_hourly_run(runner, workdir, postgres, args)
        if "history" in stages:
            print("a long, sparse real history end to end ...", flush=True)
            report["history"] = measure_history(runner, postgres, Path(args.history_export))
        if "split" in stages:
            print(
                f"{args.split_messages:,} messages: one run, then split into runs of"
                f" {args.split_hours} hours on two cores ...",
                flush=True,
            )
            report["split"] = measure_split_backfill(runner, workdir, postgres, args)
        if "profile" in stages:
            print("profiling the SQLite end-to-end run ...", flush=True)
            report["profile"] = measure_profile(runner, export, spec, args)
    finally:
        if postgres is not None:
            postgres.close()
        report["total_s"] = round(time.perf_counter() - started, 1)
        report["targets"] = evaluate_targets(report)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_report(report)
    print(f"\ntotal {report['total_s']} s" + (f"; JSON in {args.json}" if args.json else ""))


if __name__ == "__main__":
    main()
