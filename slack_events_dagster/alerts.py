"""Alerts that reach a human: freshness checks on the hourly assets (always), and, when
alerts.slack_channel is set, Slack posts for every failed run and for a stalled schedule.

- `freshness_check` on raw_slack_messages, event_candidates, events and digests fails (red in the
  UI) when the newest materialisation of any partition is older than alerts.freshness_hours (2);
  `freshness_checks_sensor` (running by default) evaluates them when they may have gone stale.
  They are left out of the jobs that materialise the assets (they would always pass there).
- `slack_on_run_failure` posts the job, the failed steps' errors and a link to the run.
- `slack_on_stale_assets` posts once per stall which hourly assets have not been materialised
  for longer than alerts.freshness_hours, so a stopped schedule or daemon reaches someone too.
"""

import warnings
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from slack_events_dagster.domain.alerts import run_failure_alert, stale_alert, stale_assets
from slack_events_dagster.resources.alerts import AlertsResource
from slack_events_dagster.settings import AlertSettings

HOURLY_ASSETS = ("raw_slack_messages", "event_candidates", "events", "digests")
FRESHNESS_CHECK_NAME = "freshness_check"  # what build_last_update_freshness_checks names them
FRESHNESS_CHECK_KEYS = tuple(
    dg.AssetCheckKey(dg.AssetKey(name), FRESHNESS_CHECK_NAME) for name in HOURLY_ASSETS
)
# Dagster's own key for "the data was last updated at", which the freshness checks honour too.
LAST_UPDATED_KEY = "dagster/last_updated_timestamp"
STALE_CHECK_INTERVAL_SECONDS = 600


# Dagster 1.13 calls these factories superseded by FreshnessPolicy, which only the freshness
# daemon evaluates once `freshness: enabled` is set in dagster.yaml; the checks need neither,
# show red in the asset's Checks tab and are evaluated in tests like any check.


def build_freshness_checks(alerts: AlertSettings) -> list[dg.AssetChecksDefinition]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=dg.SupersessionWarning)
        return list(
            dg.build_last_update_freshness_checks(
                assets=list(HOURLY_ASSETS),
                lower_bound_delta=timedelta(hours=alerts.freshness_hours),
            )
        )


def build_freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=dg.SupersessionWarning)
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name="freshness_checks_sensor",
            default_status=dg.DefaultSensorStatus.RUNNING,
        )


def last_update_timestamp(instance: dg.DagsterInstance, asset: str) -> float | None:
    """When `asset` was last materialised (any partition), as the freshness checks see it."""
    records = instance.fetch_materializations(dg.AssetKey(asset), limit=1).records
    if not records:
        return None
    materialization = records[0].asset_materialization
    stated = materialization.metadata.get(LAST_UPDATED_KEY) if materialization else None
    return (
        float(stated.value)
        if isinstance(stated, dg.TimestampMetadataValue)
        else records[0].timestamp
    )


def _root_cause(error: SerializableErrorInfo) -> str:
    """The innermost error's message (Dagster wraps the asset's own in a step execution error)."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


@dg.run_failure_sensor(
    name="slack_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts every failed run of this code location to alerts.slack_channel.",
)
def slack_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    run = context.dagster_run
    errors = []
    for event in context.get_step_failure_events():
        step_error = getattr(event.event_specific_data, "error", None)
        if isinstance(step_error, SerializableErrorInfo):
            errors.append(f"{event.step_key}: {_root_cause(step_error)}")
    error = "\n".join(errors) or (context.failure_event.message or "")
    text, blocks = run_failure_alert(run.job_name, run.run_id, error, alerts.run_url(run.run_id))
    alerts.post(text, blocks)


@dg.sensor(
    name="slack_on_stale_assets",
    minimum_interval_seconds=STALE_CHECK_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Posts to alerts.slack_channel, once per stall, when an hourly asset has not been "
        "materialised for longer than alerts.freshness_hours."
    ),
)
def slack_on_stale_assets(
    context: dg.SensorEvaluationContext, alerts: AlertsResource
) -> dg.SkipReason:
    max_age = timedelta(hours=alerts.alerts.freshness_hours)
    now = datetime.now(UTC)
    updates = {name: last_update_timestamp(context.instance, name) for name in HOURLY_ASSETS}
    stale = stale_assets(updates, now, max_age)
    state = repr([(asset.name, asset.last_update) for asset in stale])
    if not stale:
        context.update_cursor(None)
        return dg.SkipReason("Every hourly asset is fresh.")
    if context.cursor == state:
        return dg.SkipReason("Still stale; already posted.")
    text, blocks = stale_alert(stale, now, max_age)
    alerts.post(text, blocks)
    context.update_cursor(state)
    return dg.SkipReason(f"Posted: {text}")


def build_alert_sensors(alerts: AlertSettings) -> list[dg.SensorDefinition]:
    """The Slack alert sensors, only when alerts.slack_channel is set."""
    return [slack_on_run_failure, slack_on_stale_assets] if alerts.slack_channel else []
