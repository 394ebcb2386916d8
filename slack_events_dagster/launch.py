"""Launching `slack_events_job` through Dagster's own command (`dagster job launch`), onto the
instance `DAGSTER_HOME` names: what `slack-events backfill` runs, and what the tests and the
benchmarks launch."""

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from slack_events_dagster.partitions import PARTITION_TAG, range_tags

JOB_NAME = "slack_events_job"
# The run tag by which run monitoring fails a run that has run this many seconds.
MAX_RUNTIME_TAG = "dagster/max_runtime"
# Dagster's switch, read by the process that creates the run: one planned event per asset for a
# range run instead of one per asset and hour (a year of hours is 43,800 writes before the first
# step). The price: if that run fails, its hours show as missing, not failed, in the asset's
# partitions (the run's page shows the failure).
PLANNED_ONCE_VAR = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def job_launch_command(
    workspace: Path, job: str, tags: Mapping[str, str], location: str | None = None
) -> list[str]:
    """`dagster job launch` of `job` with these run tags (a partition or a range of them)."""
    where = ["-l", location] if location else []
    return [
        sys.executable, "-m", "dagster", "job", "launch", "-w", str(workspace), *where,
        "-j", job, "--tags", json.dumps(dict(tags)),
    ]  # fmt: skip


def hours_tags(first: str, last: str) -> dict[str, str]:
    """The tags of one run over the hours `first` to `last`: the partition's own for one hour."""
    return {PARTITION_TAG: first} if first == last else range_tags(first, last)


def workspace_file(given: Path | None, dagster_home: Path, cwd: Path) -> Path:
    """The workspace file to launch from: `given`, else the instance's own (the compose stack
    keeps it in DAGSTER_HOME), else the one in `cwd` (a checkout)."""
    if given is not None:
        if not given.is_file():
            raise ValueError(f"workspace file {given}: no such file")
        return given
    for candidate in (dagster_home / "workspace.yaml", cwd / "workspace.yaml"):
        if candidate.is_file():
            return candidate
    raise ValueError(
        f"no workspace.yaml in DAGSTER_HOME ({dagster_home}) or in {cwd}: name the checkout's "
        "(slack-events backfill --workspace PATH)"
    )
