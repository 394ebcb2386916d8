"""`defs`: the code location. Settings enter here once and become assets, checks and resources.

`build_definitions(settings)` reads nothing itself: tests and the CLI call it with the Settings they
built. Only this module's `defs` (what `dagster dev`, the code server, `dagster job launch -m` and
`dagster asset materialize -m` load) reads configuration: it first copies `.env` into os.environ
(`export_dotenv`, never overriding), so the EnvVar secrets of the resources resolve here and in
the runs launched from here, then loads Settings.
"""

import dagster as dg

from slack_events_dagster.alerts import (
    build_alert_sensors,
    build_freshness_checks,
    build_freshness_sensor,
)
from slack_events_dagster.assets import build_assets
from slack_events_dagster.backups import backup_job, build_backup_schedule
from slack_events_dagster.checks import build_asset_checks
from slack_events_dagster.domain.digest import lookback_hours
from slack_events_dagster.jobs import build_hourly_schedule, slack_events_job
from slack_events_dagster.resources.alerts import AlertsResource
from slack_events_dagster.resources.backup import BackupResource
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.extractor import ExtractorResource
from slack_events_dagster.resources.io_manager import SqlIOManager
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.publisher import DigestPublisherResource
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.sensors import build_rebuild_stale_digests, rebuild_digests_job
from slack_events_dagster.settings import Settings, export_dotenv, load_settings


def _secret(name: str, value: object) -> dg.EnvVar | None:
    """The secret as an EnvVar (resolved when the resource is used, never in run config), or
    None when it is not set."""
    return dg.EnvVar(name) if value else None


def build_resources(settings: Settings) -> dict[str, object]:
    """Every resource the assets use: each takes its settings sections as config, as they are,
    and its secret as an EnvVar."""
    database = DatabaseResource(
        database=settings.database,
        password=_secret("POSTGRES_PASSWORD", settings.postgres_password),
    )
    slack = SlackResource(
        slack=settings.slack, bot_token=_secret("SLACK_BOT_TOKEN", settings.slack_bot_token)
    )
    return {
        "alerts": AlertsResource(alerts=settings.alerts, slack=slack),
        "backups": BackupResource(backup=settings.backup, database=database),
        "database": database,
        "io_manager": SqlIOManager(database=database),
        "slack": slack,
        "publisher": DigestPublisherResource(
            digest=settings.digest, slack=slack, database=database
        ),
        "extractor": ExtractorResource(
            extractor=settings.extractor,
            llm=settings.llm,
            database=database,
            api_key=_secret("OPENAI_API_KEY", settings.openai_api_key),
        ),
        "pipeline": PipelineResource(
            processing=settings.processing,
            scoring=settings.scoring,
            channels=settings.channels,
            digest=settings.digest,
            deduplication=settings.deduplication,
        ),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """The whole code location for these settings."""
    digest_hours = lookback_hours(
        settings.digest.window_hours, settings.deduplication.lookback_days
    )
    freshness_checks = build_freshness_checks(settings.alerts)
    return dg.Definitions(
        assets=build_assets(settings),
        asset_checks=[*build_asset_checks(digest_hours), *freshness_checks],
        jobs=[slack_events_job, rebuild_digests_job, backup_job],
        schedules=[
            build_hourly_schedule(settings.schedule),
            build_backup_schedule(settings.backup),
        ],
        sensors=[
            build_rebuild_stale_digests(digest_hours),
            build_freshness_sensor(freshness_checks),
            *build_alert_sensors(settings.alerts),
        ],
        resources=build_resources(settings),
        # What the jobs use, also for `dagster asset materialize` and the UI's Materialize button:
        # the steps form a chain, so a process per step (the multiprocess default) only adds
        # start-up time and SQLite write contention.
        executor=dg.in_process_executor,
    )


export_dotenv()
defs = build_definitions(load_settings())
