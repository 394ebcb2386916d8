"""`defs`: the code location. Settings enter here once and become resources."""

import dagster as dg

from slack_events_dagster.assets import ALL_ASSETS
from slack_events_dagster.checks import ALL_CHECKS
from slack_events_dagster.jobs import build_hourly_schedule, slack_events_job
from slack_events_dagster.resources.database import DatabaseResource, SqlIOManager
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.publisher import DigestPublisherResource
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.sensors import rebuild_digests_job, rebuild_stale_digests
from slack_events_dagster.settings import Settings, get_settings


def build_resources(settings: Settings) -> dict[str, object]:
    """Every resource the assets use, configured from one Settings object."""
    database = DatabaseResource.from_settings(settings.database)
    slack = SlackResource.from_settings(settings.slack)
    return {
        "database": database,
        "io_manager": SqlIOManager(database=database),
        "slack": slack,
        "publisher": DigestPublisherResource.from_settings(settings, slack, database),
        "extractor": ExtractorResource.from_settings(settings, database),
        "pipeline": PipelineResource.from_settings(settings),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[slack_events_job, rebuild_digests_job],
        schedules=[build_hourly_schedule(settings.schedule)],
        sensors=[rebuild_stale_digests],
        resources=build_resources(settings),
    )


defs = build_definitions(get_settings())
