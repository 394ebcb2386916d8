"""`python -m benchmarks` (what `make bench` runs) keeps working: a tiny workspace, measured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.hourly import paired_share
from slack_events_dagster.settings import PROJECT_ROOT


@pytest.mark.slow
def test_the_benchmark_command_measures_a_small_workspace(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "benchmarks", "--messages", "600", "--days", "2",
        "--channels", "3", "--databases", "sqlite", "--only", "e2e,floor",
        "--floor-repeat", "1", "--json", str(report_path), "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(a) end-to-end single-run backfill" in result.stdout
    report = json.loads(report_path.read_text())
    export, run, floor = report["export"], report["e2e"]["sqlite"], report["floor"]["sqlite"]
    assert export["messages"] == 600
    assert run["status"] == "success" and run["partitions"] == 48
    joins = export["kinds"]["channel_join"]  # skipped by the pipeline
    assert run["rows"]["raw_slack_messages"] == 600 - joins
    assert run["rows"]["digests"] == 48
    assert 0 < run["rows"]["events"] <= run["rows"]["event_candidates"]
    assert run["messages_per_s"] > 0 and run["stage_function_s"] < run["wall_s"]
    assert set(run["steps"]) == {
        "raw_slack_messages",
        "event_candidates",
        "events",
        "digests",
        "digest_posts",
    }
    lines = run["digest_lines"]
    assert lines["lines"] > 0 and lines["lines_mixing_subjects"] <= lines["merged_lines"]
    assert floor["rows"] == 600 - joins and floor["ratio"] > 0
    assert {t["name"] for t in report["targets"]} >= {"end-to-end SQLite messages/s"}


@pytest.mark.slow
def test_the_history_stage_runs_a_real_export_with_and_without_per_hour_planned_events(
    tmp_path: Path,
) -> None:
    """`--only history` on the bundled sample export (the real olake one takes minutes): one run
    per instance variant, the planned events per asset and hour or once per asset."""
    report_path = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "benchmarks", "--databases", "sqlite", "--only", "history",
        "--history-export", str(PROJECT_ROOT / "sample_data" / "slack_export"),
        "--json", str(report_path), "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(f) a long, sparse real history" in result.stdout
    history = json.loads(report_path.read_text())["history"]
    assert set(history) == {"sqlite", "sqlite-planned-once"}  # no PostgreSQL asked for
    hours = 7 * 24  # the sample's days
    for variant, planned in (("sqlite", 5 * hours), ("sqlite-planned-once", 5)):
        run = history[variant]
        assert run["status"] == "success" and run["partitions"] == hours, run
        assert run["overview"]["planned_events"] == planned
        assert run["rows"]["digests"] == hours and run["rows"]["raw_slack_messages"] > 0


@pytest.mark.slow
@pytest.mark.postgres
def test_the_hourly_stage_launches_the_job_and_a_noop_job_on_postgres_instance_storage(
    tmp_path: Path, postgres_server: str
) -> None:
    """`--only hourly`: `dagster job launch` of one hour through long-running code servers, the
    product's job and benchmarks/noop_location.py's, each reaching SUCCESS."""
    report_path = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "benchmarks", "--only", "hourly", "--hourly-messages", "2400",
        "--hourly-repeat", "1", "--json", str(report_path), "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    env = {**os.environ, "SLACK_EVENTS_TEST_POSTGRES_URL": postgres_server}
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    hourly = json.loads(report_path.read_text())["hourly"]
    assert hourly["status"] == "success", hourly
    assert 0 < hourly["messages_in_hour"] < 2400
    for job in ("slack_events_job", "noop_job"):
        (launch,) = hourly["launches"][job]
        assert launch["status"] == "success" and launch["run_s"] < launch["wall_s"], launch
        # Where the run went, from its events: every step timed, inside the run's own time.
        steps = launch["steps_s"]
        assert len(steps) == (6 if job == "slack_events_job" else 5), steps
        assert 0 < launch["before_first_step_s"] + sum(steps.values()) <= launch["run_s"]
    assert "stored_rows_checks" in hourly["launches"]["slack_events_job"][0]["steps_s"]
    assert hourly["our_share_s"] == round(
        hourly["slack_events_job"]["median_wall_s"] - hourly["noop_job"]["median_wall_s"], 2
    )
    (ours,), (noop,) = hourly["launches"]["slack_events_job"], hourly["launches"]["noop_job"]
    assert hourly["paired_share_s"] == round(ours["wall_s"] - noop["wall_s"], 2)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_split_stage_backfills_in_parallel_runs_with_the_tables_of_one_run(
    tmp_path: Path, postgres_server: str
) -> None:
    """`--only split`: one run over two days, then the same days as an asset backfill split into
    runs of 12 hours on the production topology, two at a time; the stage hashes both tables."""
    report_path = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "benchmarks", "--only", "split", "--split-messages", "3000",
        "--days", "2", "--channels", "3", "--split-hours", "12", "--json", str(report_path),
        "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    env = {**os.environ, "SLACK_EVENTS_TEST_POSTGRES_URL": postgres_server}
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(h) 3,000 messages over 2 days" in result.stdout
    report = json.loads(report_path.read_text())
    split = report["split"]
    assert split["single_run"]["status"] == "success", split["single_run"]
    run = split["split"]
    assert run["status"] == "success", run
    # Four ranges of 12 hours for each of the backfill's three phases (raw; candidates and
    # events; digests and posts), never more than the queue's two at a time (runs this short
    # may end before the daemon dequeues the next: the topology test checks two at once).
    assert run["runs"] == 12 and run["hours_per_run"] == 12 and run["most_runs_at_once"] <= 2
    phases = sorted(tuple(step["assets"]) for step in run["timeline"])
    assert phases == sorted(
        [("raw_slack_messages",)] * 4
        + [("event_candidates", "events")] * 4
        + [("digest_posts", "digests")] * 4
    )
    assert 0 < run["first_run_started_s"] < run["wall_s"] and run["messages_per_s"] > 0
    assert split["tables_identical"] is True, split
    assert (
        split["tables"]["raw_slack_messages"]["rows"] > 0
        and split["tables"]["digests"]["rows"] == 48
    )
    names = {target["name"]: target for target in report["targets"]}
    assert names["split backfill: the tables of one run"]["pass"] is True


def test_the_paired_share_is_the_median_of_each_rounds_difference() -> None:
    """Round by round (ours, then the no-op), not the difference of the two medians: a round
    whose machine was slow for both jobs moves both walls, not the share."""
    walls = {"slack_events_job": [5.0, 9.0, 6.0], "noop_job": [4.0, 8.5, 4.2]}
    launches = {
        job: [{"status": "success", "wall_s": wall} for wall in values]
        for job, values in walls.items()
    }
    assert paired_share(launches) == 1.0  # differences 1.0, 0.5, 1.8; medians differ by 1.8
    launches["noop_job"][1]["status"] = "failure"
    assert paired_share(launches) == 1.4  # the failed round is left out


def test_profiling_without_pyinstrument_stops_before_any_stage_naming_the_install(
    tmp_path: Path,
) -> None:
    """It used to generate 100,000 messages, then report only "exit code 1" from the worker."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "pyinstrument.py").write_text("raise ImportError('hidden by the test')\n")
    (hidden / "sitecustomize.py").write_text("import sys\nsys.modules['pyinstrument'] = None\n")
    command = [
        sys.executable, "-m", "benchmarks", "--only", "profile", "--profile",
        str(tmp_path / "prof"), "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(hidden)}
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "pip install -e '.[bench]'" in result.stderr
    assert "generating" not in result.stdout
