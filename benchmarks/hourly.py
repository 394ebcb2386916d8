"""The hourly run as in production: `dagster job launch` of one busy hour, from launch to
SUCCESS, on PostgreSQL instance storage (as deploy/, with the image's event batching) and a
long-running code server per location (as the compose `code` service), side by side with
benchmarks/noop_location.py's no-op job of the same shape on the same instance.

The instance uses DefaultRunCoordinator so that a launched run starts at once without a daemon
(deploy/ queues it for the daemon, which adds the same dequeue delay to both jobs).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.timeline import step_times
from devtools.postgres16 import free_port
from slack_events_dagster.launch import hours_tags, job_launch_command

PROJECT_ROOT = Path(__file__).absolute().parent.parent
JOBS = {"slack_events_job": "slack_events_dagster", "noop_job": "noop"}


def _write_home(home: Path, instance_url: str, ports: dict[str, int]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster._core.run_coordinator\n"
        "  class: DefaultRunCoordinator\n"
        f"storage:\n  postgres:\n    postgres_url: {json.dumps(instance_url)}\n",
        encoding="utf-8",
    )
    workspace = home / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        + "".join(
            f"  - grpc_server:\n      host: 127.0.0.1\n      port: {port}\n"
            f"      location_name: {location}\n"
            for location, port in ports.items()
        ),
        encoding="utf-8",
    )
    return workspace


MODULES = {
    "slack_events_dagster": "slack_events_dagster.definitions",
    "noop": "benchmarks.noop_location",
}


def _create_instance_storage(env: dict[str, str]) -> None:
    """Every instance table, created once before the code servers and launches start: processes
    that each create a missing table at the same moment collide in PostgreSQL's catalog (a CI
    run failed its first launch on such a CREATE TABLE)."""
    subprocess.run(
        [sys.executable, "-m", "dagster", "instance", "migrate"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
        timeout=300,
    )


def _start_code_servers(
    ports: dict[str, int], env: dict[str, str]
) -> list[subprocess.Popen[bytes]]:
    """One `dagster code-server start` per location, as the compose `code` service runs; returns
    once each answers its health check."""
    servers = []
    for location, port in ports.items():
        command = [
            sys.executable, "-m", "dagster", "code-server", "start", "-h", "127.0.0.1",
            "-p", str(port), "-m", MODULES[location],
        ]  # fmt: skip
        servers.append(
            subprocess.Popen(
                command,
                env=env,
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    for port in ports.values():
        deadline = time.monotonic() + 120
        health = [sys.executable, "-m", "dagster", "api", "grpc-health-check", "-p", str(port)]
        while subprocess.run(health, env=env, capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the code server on port {port} did not start")
            time.sleep(0.5)
    return servers


def _launch_once(job: str, hour: str, workspace: Path, env: dict[str, str]) -> dict[str, Any]:
    """`dagster job launch` of `job` for `hour`; wall time until the run has finished."""
    import dagster as dg

    home = env["DAGSTER_HOME"]
    with dg.DagsterInstance.from_config(home) as instance:
        before = {run.run_id for run in instance.get_runs(dg.RunsFilter(job_name=job))}
    started = time.perf_counter()
    launched = subprocess.run(
        job_launch_command(workspace, job, hours_tags(hour, hour), JOBS[job]),
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if launched.returncode != 0:
        return {"status": "launch failed", "error": launched.stderr[-2000:]}
    cli_s = time.perf_counter() - started
    deadline = time.monotonic() + 300
    with dg.DagsterInstance.from_config(home) as instance:
        while True:
            runs = [
                run
                for run in instance.get_runs(dg.RunsFilter(job_name=job))
                if run.run_id not in before
            ]
            if runs and runs[0].is_finished:
                break
            if time.monotonic() > deadline:
                return {"status": "timeout"}
            time.sleep(0.1)
        wall = time.perf_counter() - started
        record = instance.get_run_record_by_id(runs[0].run_id)
        logs = instance.all_logs(runs[0].run_id)
    run_s = (record.end_time or 0) - (record.start_time or 0) if record else None
    return {
        "status": runs[0].status.value.lower(),
        "run_id": runs[0].run_id,
        "wall_s": round(wall, 2),
        "cli_s": round(cli_s, 2),
        "run_s": round(run_s, 2) if run_s is not None else None,
        **_where_the_run_went(logs, record.start_time if record else None),
    }


def _where_the_run_went(logs: Sequence[Any], run_start: float | None) -> dict[str, Any]:
    """From the run's event log: its start to the first step (resources, the job's plan), each
    step's time, the last step to the end of the run, and how many events the instance stored
    (each one a write to its database: on PostgreSQL, a new connection per write)."""
    steps = step_times(logs)
    starts = [step["started_at"] for step in steps.values()]
    ends = [step["ended_at"] for step in steps.values() if step["ended_at"] is not None]
    last = max((record.timestamp for record in logs), default=None)
    return {
        "before_first_step_s": round(min(starts) - run_start, 3) if starts and run_start else None,
        "steps_s": {key: step["step_s"] for key, step in steps.items()},
        "after_last_step_s": round(last - max(ends), 3) if ends and last else None,
        "events_stored": len(logs),
    }


def _event_write_ms(home: Path, runs: Sequence[dict[str, Any]], writes: int = 40) -> float | None:
    """What storing one event costs on this instance, measured from this process (the same
    storage classes as a run worker's): the median of `writes` engine events added to the log
    of a measured run, in milliseconds."""
    import dagster as dg

    run_id = next((run["run_id"] for run in runs if run.get("run_id")), None)
    if run_id is None:
        return None
    times = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for _ in range(writes):
            started = time.perf_counter()
            instance.report_engine_event(
                "benchmark: one event write", job_name="noop_job", run_id=run_id
            )
            times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def measure_hourly(
    workdir: Path, export: Path, hour: str, instance_url: str, settings_env: dict[str, str],
    partitions_start: str, repeat: int = 3,
) -> dict[str, Any]:  # fmt: skip
    """Alternate the two jobs `repeat` times each (a first, unmeasured launch of each warms the
    disk cache); medians and the difference."""
    home = workdir / "dagster_home"
    ports = {location: free_port() for location in MODULES}
    workspace = _write_home(home, instance_url, ports)
    env = {
        **os.environ,
        **settings_env,
        "DAGSTER_HOME": str(home),
        "SLACK_EVENTS_CONFIG": str(PROJECT_ROOT / "config.yaml"),
        "SLACK_EXPORT_PATH": str(export),
        "PARTITIONS_START": partitions_start,
        "DAGSTER_EVENT_BATCH_SIZE": "1000",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    launches: dict[str, list[dict[str, Any]]] = {job: [] for job in JOBS}
    _create_instance_storage(env)
    servers = _start_code_servers(ports, env)
    try:
        for job in JOBS:
            warm_up = _launch_once(job, hour, workspace, env)
            if warm_up.get("status") != "success":
                return {"status": "failure", "job": job, **warm_up}
        for _ in range(repeat):
            for job in JOBS:
                launches[job].append(_launch_once(job, hour, workspace, env))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    result: dict[str, Any] = {
        "hour": hour,
        "launches": launches,
        "event_write_ms": _event_write_ms(home, launches["noop_job"]),
    }
    for job, runs in launches.items():
        walls = [run["wall_s"] for run in runs if run.get("status") == "success"]
        result[job] = {
            "median_wall_s": statistics.median(walls) if walls else None,
            "median_run_s": statistics.median(run["run_s"] for run in runs if run.get("run_s"))
            if walls
            else None,
            "events_stored": max((run.get("events_stored", 0) for run in runs), default=None),
        }
    product, noop = result["slack_events_job"]["median_wall_s"], result["noop_job"]["median_wall_s"]
    result["status"] = "success" if product is not None and noop is not None else "failure"
    result["our_share_s"] = round(product - noop, 2) if result["status"] == "success" else None
    result["paired_share_s"] = paired_share(launches)
    return result


def paired_share(launches: dict[str, list[dict[str, Any]]]) -> float | None:
    """The median over rounds of our launch minus the no-op launch right after it: the machine's
    load drifts between rounds (the no-op run took 3.3 to 5.0 s within one hour), and a pair
    shares it, so this moves less from one benchmark run to the next than a difference of
    medians does."""
    pairs = [
        ours["wall_s"] - noop["wall_s"]
        for ours, noop in zip(launches["slack_events_job"], launches["noop_job"], strict=True)
        if ours.get("status") == "success" and noop.get("status") == "success"
    ]
    return round(statistics.median(pairs), 2) if pairs else None
