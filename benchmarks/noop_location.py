"""The baseline of the hourly benchmark: five no-op assets chained like the product's, on the
same hourly partitions, in one in-process job. Launched on the same instance as
`slack_events_job`, the difference between the two is the project's share of an hourly run."""

import os

import dagster as dg

from slack_events_dagster.partitions import hourly_partitions
from slack_events_dagster.settings import PartitionSettings

HOURLY = hourly_partitions(
    PartitionSettings(start=os.environ.get("PARTITIONS_START", "2026-09-01-00:00"))
)
NAMES = ("noop_raw", "noop_candidates", "noop_events", "noop_digests", "noop_posts")


def _noop_asset(name: str, upstream: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    @dg.asset(name=name, partitions_def=HOURLY, deps=upstream)
    def noop() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return noop


ASSETS: list[dg.AssetsDefinition] = []
for asset_name in NAMES:
    ASSETS.append(_noop_asset(asset_name, ASSETS[-1:]))
noop_job = dg.define_asset_job("noop_job", selection=ASSETS, executor_def=dg.in_process_executor)
defs = dg.Definitions(assets=ASSETS, jobs=[noop_job])
