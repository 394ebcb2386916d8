"""One measurement in a fresh process: `python -m benchmarks.worker [--measure-rss] TASK RESULT`.

The hourly partitions are built from `PARTITIONS_START` when `slack_events_dagster` is imported,
so every measurement runs in its own process with the environment the orchestrator
(`python -m benchmarks`) gives it. TASK and RESULT are JSON files. With `--measure-rss` this
process only starts the worker as its child, waits (killing it after the hard time limit) and adds
the child's peak RSS, read with `resource.getrusage(RUSAGE_CHILDREN)`, to RESULT.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from statistics import median
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BenchmarkTimeout(Exception):
    """The run exceeded the task's time limit (raised by SIGALRM wherever the run is)."""


# ------------------------------------------------------------------ common set-up


def _settings(task: dict[str, Any]) -> Any:
    from devtools.runs import make_settings

    workdir = Path(task["workdir"])
    env = {
        "SLACK_EXPORT_PATH": task["export"],
        "PARTITIONS_START": task["partitions_start"],
        **task.get("settings_env", {}),
    }
    return make_settings(workdir, **env)


def _migrated(settings: Any) -> Any:
    """The database resource, its schema created before any timing starts."""
    from slack_events_dagster.resources.database import DatabaseResource

    database = DatabaseResource(database=settings.database)
    database.get_engine()
    return database


@contextlib.contextmanager
def _instance(task: dict[str, Any]) -> Iterator[Any]:
    """The Dagster instance the run is recorded in: `sqlite` is what `make dev` uses (the
    project's dagster.yaml, SQLite storage under DAGSTER_HOME), `postgres` is deploy/dagster.yaml's
    storage, `ephemeral` keeps everything in memory."""
    import dagster as dg

    kind = task.get("instance", "sqlite")
    if kind == "ephemeral":
        yield dg.DagsterInstance.ephemeral()
        return
    home = Path(task["workdir"]) / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    if kind == "postgres":
        config = (
            "telemetry:\n  enabled: false\n"
            "run_coordinator:\n  module: dagster._core.run_coordinator\n"
            "  class: DefaultRunCoordinator\n"
            f"storage:\n  postgres:\n    postgres_url: {json.dumps(task['instance_url'])}\n"
        )
        (home / "dagster.yaml").write_text(config, encoding="utf-8")
    else:
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[dict[str, bool]]:
    state = {"timed_out": False}

    def expire(_signum: int, _frame: Any) -> None:
        state["timed_out"] = True
        raise BenchmarkTimeout(f"time limit of {seconds:.0f} s reached")

    if seconds > 0:
        signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield state
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _table_counts(database: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from slack_events_dagster.storage.schema import ASSET_TABLES

    with database.get_engine().connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in ASSET_TABLES.items()
        }


def _digest_lines(database: Any) -> dict[str, int]:
    """How many events each digest line merges, and how many lines merge announcements of
    different subjects of the synthetic workspace (wrong merges: merges chained through generic
    or templated titles show as lines of hundreds of events)."""
    from sqlalchemy import select

    from benchmarks.synthetic import subject_of
    from slack_events_dagster.storage.schema import digests, events

    with database.get_engine().connect() as connection:
        subjects = {
            event_id: subject_of(title)
            for event_id, title in connection.execute(select(events.c.event_id, events.c.title))
        }
        per_digest = [
            [entry["event_ids"] for entry in entries or ()]
            for (entries,) in connection.execute(select(digests.c.entries))
        ]
    lines = [ids for digest in per_digest for ids in digest]
    return {
        "lines": len(lines),
        "merged_lines": sum(len(ids) > 1 for ids in lines),
        "lines_mixing_subjects": sum(len({subjects[i] for i in ids} - {None}) > 1 for ids in lines),
        "largest_line": max(map(len, lines), default=0),
        "digests_with_a_line_over_20": sum(
            any(len(ids) > 20 for ids in digest) for digest in per_digest
        ),
    }


class RssSampler:
    """This process's resident set size every 0.2 s (a thread), to find each step's peak."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (time.time(), MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), _rss_mb()))
            self._stop.wait(self.interval)

    def peak_mb(self, start: float, end: float | None) -> float | None:
        inside = [mb for at, mb in self.samples if start <= at <= (end or float("inf"))]
        return round(max(inside), 1) if inside else None


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ------------------------------------------------------------------ e2e (also: empty, openai)


def run_e2e(task: dict[str, Any]) -> dict[str, Any]:
    """A single-run backfill of every asset over [first, last], timed and split by stage."""
    from benchmarks.timeline import run_overview, stage_function_seconds, step_times
    from devtools.runs import materialize_range

    settings = _settings(task)
    database = _migrated(settings)
    profiler = None
    if task.get("profile"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
    error = None
    sampler = RssSampler()
    with _instance(task) as instance, sampler:
        with _time_limit(task.get("timeout") or 0) as limit:
            wall_start = time.time()
            started = time.perf_counter()
            if profiler is not None:
                profiler.start()
            try:
                result = materialize_range(
                    settings, task["first"], task["last"], instance=instance, raise_on_error=False
                )
                success = result.success
            except BenchmarkTimeout as raised:
                success, error = False, str(raised)
            finally:
                wall = time.perf_counter() - started
                wall_end = time.time()
                if profiler is not None:
                    profiler.stop()
        runs = instance.get_runs(limit=1)
        records = list(instance.all_logs(runs[0].run_id)) if runs else []
    if profiler is not None:
        _write_profile(profiler, Path(task["profile"]))
    steps = step_times(records)
    for step in steps.values():
        step["peak_rss_mb"] = sampler.peak_mb(step["started_at"], step["ended_at"])
    stage_s = stage_function_seconds(steps)
    failure = _first_failure(records)
    return {
        "status": "timeout" if limit["timed_out"] else ("success" if success else "failure"),
        "error": error or failure,
        "messages_in_export": task.get("messages"),
        "partitions": task.get("partitions"),
        "instance": task.get("instance", "sqlite"),
        "wall_s": round(wall, 3),
        "stage_function_s": round(stage_s, 3),
        "dagster_overhead_s": round(wall - stage_s, 3),
        "overview": run_overview(records, wall_start, wall_end),
        "steps": steps,
        "rows": _table_counts(database),
        "digest_lines": _digest_lines(database),
        "events_metadata": _events_metadata(records),
        **({"tables": _checksums(database)} if task.get("checksums") else {}),
    }


def _checksums(database: Any) -> dict[str, dict[str, Any]]:
    from slack_events_dagster.storage.transfer import asset_table_checksums

    return asset_table_checksums(database.get_engine())


def _first_failure(records: list[Any]) -> str | None:
    for record in records:
        event = record.dagster_event
        if event is not None and event.event_type_value == "STEP_FAILURE":
            data = event.event_specific_data
            error = getattr(data, "error", None)
            return f"{record.step_key}: {error.message.strip() if error else 'failed'}"[:2000]
    return None


def _events_metadata(records: list[Any]) -> dict[str, Any]:
    """The `events` asset's run metadata (LLM calls, cache hits, candidates) of its first hour."""
    for record in records:
        event = record.dagster_event
        if event is None or event.event_type_value != "ASSET_MATERIALIZATION":
            continue
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[-1] == "events":
            keep = ("candidates", "events", "llm_calls", "llm_cache_hits", "llm_fallbacks")
            return {
                key: value.value for key, value in materialization.metadata.items() if key in keep
            }
    return {}


def _write_profile(profiler: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    path.with_suffix(".txt").write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ IO manager vs bulk-insert floor


def run_floor(task: dict[str, Any]) -> dict[str, Any]:
    """raw_slack_messages rows written by SqlIOManager.handle_output and, as the floor, by the
    database's fastest bulk path with the rows already in driver form (no processing at all):
    sqlite3 executemany of ready tuples, PostgreSQL COPY of a ready text buffer."""
    import dagster as dg
    from sqlalchemy import delete, text

    from slack_events_dagster.partitions import TABLE_ASSET_METADATA, hourly_partitions
    from slack_events_dagster.resources.io_manager import SqlIOManager
    from slack_events_dagster.resources.slack import SlackResource
    from slack_events_dagster.storage.bulk import Columns, FrameWriter
    from slack_events_dagster.storage.schema import raw_slack_messages as table

    settings = _settings(task)
    database = _migrated(settings)
    engine = database.get_engine()
    is_sqlite = settings.database.type == "sqlite"
    hourly = hourly_partitions(settings.partitions)
    key_range = dg.PartitionKeyRange(task["first"], task["last"])
    window = dg.TimeWindow(
        hourly.time_window_for_partition_key(key_range.start).start,
        hourly.time_window_for_partition_key(key_range.end).end,
    )
    records = SlackResource(slack=settings.slack).read(window.start, window.end).rows()
    frame = Columns.of(table, records)  # what the asset hands the IO manager
    manager = SqlIOManager(database=database)
    writer = FrameWriter(table, engine.dialect)
    # Driver values (SQLite) or COPY text fields (PostgreSQL), made before the clock starts.
    ready_rows = list(zip(*writer.columns(frame), strict=True))
    ready_text = "" if is_sqlite else "".join("\t".join(row) + "\n" for row in ready_rows)
    names = [column.name for column in table.columns]

    def empty_table() -> None:
        with engine.begin() as connection:
            if is_sqlite:
                connection.execute(delete(table))
            else:
                connection.execute(text(f"TRUNCATE {table.name}"))

    def floor_insert() -> float:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            if is_sqlite:
                placeholders = ", ".join("?" for _ in names)
                cursor.executemany(
                    f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})",
                    ready_rows,
                )
            else:
                cursor.copy_expert(
                    f"COPY {table.name} ({', '.join(names)}) FROM STDIN", io.StringIO(ready_text)
                )
            raw.commit()
            return time.perf_counter() - started
        finally:
            raw.close()

    def io_manager_write() -> float:
        output_context = dg.build_output_context(
            definition_metadata=TABLE_ASSET_METADATA,
            asset_key=dg.AssetKey("raw_slack_messages"),
            asset_partitions_def=hourly,
            asset_partition_key_range=key_range,
        )
        started = time.perf_counter()
        manager.handle_output(output_context, frame)
        return time.perf_counter() - started

    repeat = max(int(task.get("repeat", 3)), 1)
    io_times, floor_times = [], []
    for _ in range(repeat):  # alternate, each into an empty table
        empty_table()
        io_times.append(io_manager_write())
        empty_table()
        floor_times.append(floor_insert())
    empty_table()
    io_manager_write()
    replace_s = io_manager_write()  # the table holds the range: delete + insert, as a re-run does

    # Where the IO manager's time goes (the same functions it calls, timed one by one), and
    # SQLAlchemy's executemany of the same rows (what the IO manager did before FrameWriter).
    started = time.perf_counter()
    writer.columns(frame)
    convert_s = time.perf_counter() - started
    empty_table()
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(table.insert(), records)
    sqlalchemy_s = time.perf_counter() - started
    empty_table()

    io_s, floor_s = median(io_times), median(floor_times)
    return {
        "status": "success",
        "rows": len(frame),
        "repeat": repeat,
        "io_manager_s": round(io_s, 4),
        "io_manager_runs_s": [round(t, 4) for t in io_times],
        "io_manager_replace_s": round(replace_s, 4),
        "floor_s": round(floor_s, 4),
        "floor_runs_s": [round(t, 4) for t in floor_times],
        "floor_method": "sqlite3 executemany" if is_sqlite else "COPY FROM STDIN",
        "ratio": round(floor_s / io_s, 3) if io_s else None,
        "io_manager_rows_per_s": round(len(frame) / io_s) if io_s else None,
        "floor_rows_per_s": round(len(frame) / floor_s) if floor_s else None,
        "breakdown_s": {
            "convert_columns": round(convert_s, 4),
            "sqlalchemy_executemany_of_row_dicts": round(sqlalchemy_s, 4),
        },
    }


# ------------------------------------------------------------------ synthetic export


def run_generate(task: dict[str, Any]) -> dict[str, Any]:
    from datetime import date

    from benchmarks.synthetic import SyntheticSpec, write_export

    spec = SyntheticSpec(**{**task["spec"], "start": date.fromisoformat(task["spec"]["start"])})
    started = time.perf_counter()
    summary = write_export(Path(task["export"]), spec)
    return {"status": "success", "seconds": round(time.perf_counter() - started, 2)} | (
        summary.as_json()
    )


TASKS = {"e2e": run_e2e, "floor": run_floor, "generate": run_generate}


def _run(task_path: Path, result_path: Path) -> None:
    task = json.loads(task_path.read_text(encoding="utf-8"))
    result = TASKS[task["kind"]](task)
    result_path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


def _measure_rss(task_path: Path, result_path: Path) -> None:
    """Run the worker as this process's only child and add its peak RSS to the result."""
    task = json.loads(task_path.read_text(encoding="utf-8"))
    hard_limit = (task.get("timeout") or 0) + 300 if task.get("timeout") else None
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.worker", str(task_path), str(result_path)]
    )
    killed = False
    try:
        child.wait(timeout=hard_limit)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        killed = True
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = {}
    if result_path.exists():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    else:
        result = {"status": "killed" if killed else f"exit code {child.returncode}"}
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    result_path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--measure-rss":
        _measure_rss(Path(args[1]), Path(args[2]))
    else:
        _run(Path(args[0]), Path(args[1]))


if __name__ == "__main__":
    main()
