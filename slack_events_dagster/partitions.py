"""HOURLY: the one partitions definition every asset shares (UTC, so no 23/25-hour days)."""

from typing import TypedDict

import dagster as dg

from slack_events_dagster.settings import get_settings

HOURLY = dg.HourlyPartitionsDefinition(start_date=get_settings().partitions.start, timezone="UTC")


class HourlyTableAsset(TypedDict):
    """@dg.asset arguments; a TypedDict so that `**HOURLY_TABLE_ASSET` is type-checked."""

    partitions_def: dg.PartitionsDefinition[str]
    backfill_policy: dg.BackfillPolicy
    metadata: dict[str, str]


# What every asset shares: the hourly partitions, one run per backfill range, and the column the
# IO manager replaces a partition's rows by.
HOURLY_TABLE_ASSET: HourlyTableAsset = {
    "partitions_def": HOURLY,
    "backfill_policy": dg.BackfillPolicy.single_run(),
    "metadata": {"partition_expr": "partition_hour"},
}


def partition_window(context: dg.AssetExecutionContext) -> dg.TimeWindow:
    """The time window of the run's partition or partition range (works for direct calls too)."""
    key_range = context.partition_key_range
    return dg.TimeWindow(
        HOURLY.time_window_for_partition_key(key_range.start).start,
        HOURLY.time_window_for_partition_key(key_range.end).end,
    )


def partition_keys(context: dg.AssetExecutionContext) -> list[str]:
    """Every hour key of the run's partition or range, oldest first."""
    return list(HOURLY.get_partition_keys_in_range(context.partition_key_range))
