"""The hourly partitions every asset shares (UTC, so no 23/25-hour days), built from settings.

Nothing here reads configuration: `hourly_partitions(settings.partitions)` is called by
`build_definitions`, and an hour key maps to its time window without the definition (the window of
a key does not depend on where the partitions start).
"""

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


class HourlyTableAsset(TypedDict):
    """@dg.asset arguments; a TypedDict so that `**hourly_table_asset(...)` is type-checked."""

    partitions_def: dg.PartitionsDefinition[str]
    backfill_policy: dg.BackfillPolicy
    metadata: dict[str, str]


def hourly_table_asset(partitions_def: dg.PartitionsDefinition[str]) -> HourlyTableAsset:
    """What every table asset shares: the hourly partitions, one run per backfill range, and the
    column the IO manager replaces a partition's rows by."""
    return {
        "partitions_def": partitions_def,
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "metadata": dict(TABLE_ASSET_METADATA),
    }


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


def partition_window(context: dg.AssetExecutionContext) -> dg.TimeWindow:
    """The time window of the run's partition or partition range (works for direct calls too)."""
    key_range = context.partition_key_range
    return dg.TimeWindow(hour_window(key_range.start).start, hour_window(key_range.end).end)


def partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    """Every hour key of the run's partition or range, oldest first."""
    key_range = context.partition_key_range
    return keys_in_range(key_range.start, key_range.end)
