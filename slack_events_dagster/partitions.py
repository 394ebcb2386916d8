"""The hourly partitions every asset shares (UTC, so no 23/25-hour days), built from settings.

Nothing here reads configuration: `hourly_partitions(settings.partitions)` is called by
`build_definitions`, and an hour key maps to its time window without the definition (the window of
a key does not depend on where the partitions start).
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import dagster as dg

from slack_events_dagster.settings import PartitionSettings
from slack_events_dagster.storage.schema import PARTITION_COLUMN

HOUR_KEY = "%Y-%m-%d-%H:%M"
# Every table asset's definition metadata: the column the IO manager replaces a partition by.
TABLE_ASSET_METADATA = {"partition_expr": PARTITION_COLUMN}
ONE_HOUR = timedelta(hours=1)


def hourly_partitions(partitions: PartitionSettings) -> dg.HourlyPartitionsDefinition:
    """Hourly UTC partitions from `partitions.start` (config.yaml)."""
    return dg.HourlyPartitionsDefinition(start_date=partitions.start, timezone="UTC")


def backfill_policy(partitions: PartitionSettings) -> dg.BackfillPolicy:
    """How a backfill becomes runs, for every asset (build_assets applies it): one run over the
    whole range, or runs of `partitions.backfill_hours_per_run` hours for parallel workers. The
    look-back partition mappings order the runs (an hour's digests wait for the events their
    window reads), so both give the same tables."""
    if partitions.backfill_hours_per_run:
        return dg.BackfillPolicy.multi_run(partitions.backfill_hours_per_run)
    return dg.BackfillPolicy.single_run()


# Run tags a job's backfill sets (an asset backfill's runs carry only the first).
BACKFILL_TAG = "dagster/backfill"
PARTITION_SET_TAG = "dagster/partition_set"


def refuse_unordered_backfill_run(context: dg.AssetExecutionContext) -> None:
    """Fail a run of a *job's* backfill split into several runs, before anything is written.
    Dagster starts those runs without waiting for the hours their look-backs read
    (dagster-io/dagster#11962), so one could read thread parents or events another has not
    written yet. An asset backfill orders them; a job backfill in one run is safe."""
    policy = context.assets_def.backfill_policy
    tags = context.run.tags
    if policy is None or policy.max_partitions_per_run is None:
        return
    if BACKFILL_TAG not in tags or PARTITION_SET_TAG not in tags:
        return
    raise dg.Failure(
        f"This run is one of the runs of {policy.max_partitions_per_run} hours "
        f"(partitions.backfill_hours_per_run) that a backfill of the job {context.run.job_name} "
        "was split into. Dagster does not order a job's backfill runs by the hours each one "
        "reads, so they could read messages and events not written yet; nothing was written. "
        "Launch the backfill from the asset graph instead (Assets: select every asset, "
        "Materialize, choose the hours), which orders the runs, or set "
        "partitions.backfill_hours_per_run: 0 to backfill in one run.",
        allow_retries=False,
    )


# The run tags that name a run's partition, or its range of partitions.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """The run tags of one run over the hours `first` to `last` (both included)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def run_hours(tags: Mapping[str, str]) -> dg.TimeWindow | None:
    """The hours a run's partition tags name, [first hour's start, last hour's end); None for a
    run of no partition (an asset check launched on its own)."""
    first = tags.get(PARTITION_TAG) or tags.get(RANGE_START_TAG)
    last = tags.get(PARTITION_TAG) or tags.get(RANGE_END_TAG)
    if not first or not last:
        return None
    return hours_window(first, last)


class HourlyTableAsset(TypedDict):
    """@dg.asset arguments; a TypedDict so that `**hourly_table_asset(...)` is type-checked."""

    partitions_def: dg.PartitionsDefinition[str]
    metadata: dict[str, str]


def hourly_table_asset(partitions_def: dg.PartitionsDefinition[str]) -> HourlyTableAsset:
    """What every table asset shares: the hourly partitions and the column the IO manager
    replaces a partition's rows by (the backfill policy is set for all assets by build_assets)."""
    return {"partitions_def": partitions_def, "metadata": dict(TABLE_ASSET_METADATA)}


def hour_start(key: str) -> datetime:
    """The UTC start of an hour key like 2026-11-18-09:00."""
    return datetime.strptime(key, HOUR_KEY).replace(tzinfo=UTC)


def hour_window(key: str) -> dg.TimeWindow:
    """The hour an hour key stands for."""
    start = hour_start(key)
    return dg.TimeWindow(start, start + ONE_HOUR)


def keys_in_range(first: str, last: str) -> list[str]:
    """Every hour key from `first` to `last` (both included), oldest first."""
    start, end = hour_start(first), hour_start(last)
    return [
        (start + ONE_HOUR * step).strftime(HOUR_KEY)
        for step in range((end - start) // ONE_HOUR + 1)
    ]


def hours_window(first: str, last: str) -> dg.TimeWindow:
    """The time window of the hour keys `first` to `last` (both included)."""
    return dg.TimeWindow(hour_start(first), hour_start(last) + ONE_HOUR)


def partition_window(context: dg.AssetExecutionContext) -> dg.TimeWindow:
    """The time window of the run's partition or partition range (works for direct calls too)."""
    key_range = context.partition_key_range
    return hours_window(key_range.start, key_range.end)


def partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    """Every hour key of the run's partition or range, oldest first."""
    key_range = context.partition_key_range
    return keys_in_range(key_range.start, key_range.end)
