"""The IO manager replaces and reads a partition by the asset's `partition_expr` metadata."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pandas as pd
import pytest

from slack_events_dagster.partitions import hourly_partitions
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.settings import PartitionSettings, Settings
from slack_events_dagster.storage.frames import PartitionRows
from slack_events_dagster_tests.helpers import table_rows

HOURLY = hourly_partitions(PartitionSettings())
FIRST = datetime(2026, 11, 23, 9, tzinfo=UTC)
SECOND = FIRST + timedelta(hours=1)
# Every row's partition_hour is this one hour, outside both partitions: only a write and a read
# by window_start (the partition_expr below) keep the two partitions apart.
CONSTANT_HOUR = FIRST - timedelta(days=1)


def _digest_row(window_start: datetime) -> dict[str, object]:
    return {
        "partition_hour": CONSTANT_HOUR,
        "target": f"#events-{window_start:%H}",  # the key is (partition_hour, target)
        "window_start": window_start,
        "window_end": window_start + timedelta(hours=1),
        "event_count": 0,
        "entries": [],
        "markdown": f"# {window_start:%H}",
        "blocks": [],
    }


def _assets(metadata: dict[str, str]) -> tuple[list[dg.AssetsDefinition], list[list[str]]]:
    seen: list[list[str]] = []

    @dg.asset(name="digests", partitions_def=HOURLY, metadata=metadata)
    def digests(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame([_digest_row(context.partition_time_window.start)])

    @dg.asset(partitions_def=HOURLY)
    def reader(digests: PartitionRows) -> dg.MaterializeResult:
        seen.append(list(digests.read()["markdown"]))
        return dg.MaterializeResult()

    return [digests, reader], seen


def _materialize(
    settings: Settings, metadata: dict[str, str], hour: datetime
) -> dg.ExecuteInProcessResult:
    assets, _ = _assets(metadata)
    io_manager = SqlIOManager(database=DatabaseResource(database=settings.database))
    return dg.materialize(
        assets,
        partition_key=hour.strftime("%Y-%m-%d-%H:%M"),
        resources={"io_manager": io_manager},
        raise_on_error=False,
    )


def test_partition_expr_names_the_column_replaced_and_read(sqlite_settings: Settings) -> None:
    """With partition_expr window_start, each hour's rows are replaced and read by window_start:
    both hours' rows stay although their partition_hour is the same (and outside both hours)."""
    metadata = {"partition_expr": "window_start"}
    assets, seen = _assets(metadata)
    io_manager = SqlIOManager(database=DatabaseResource(database=sqlite_settings.database))
    for hour in (FIRST, SECOND, SECOND):  # the second hour twice: replaced, not doubled
        result = dg.materialize(
            assets,
            partition_key=hour.strftime("%Y-%m-%d-%H:%M"),
            resources={"io_manager": io_manager},
        )
        assert result.success
    assert seen == [["# 09"], ["# 10"], ["# 10"]]
    rows = table_rows(sqlite_settings, "digests")
    assert sorted(row["markdown"] for row in rows) == ["# 09", "# 10"]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "Asset 'digests' has partitions but no 'partition_expr' metadata"),
        (
            {"partition_expr": "hour"},
            "Asset 'digests' has partition_expr 'hour', which is not a column of table 'digests'",
        ),
    ],
)
def test_a_missing_or_unknown_partition_expr_fails_naming_the_asset(
    sqlite_settings: Settings, metadata: dict[str, str], message: str
) -> None:
    result = _materialize(sqlite_settings, metadata, FIRST)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert failure is not None
    assert message in str(failure.message) + str(failure.cause and failure.cause.message)
