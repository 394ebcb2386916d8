"""Alerts reach a human: freshness checks turn red when the hourly assets stop being
materialised, and a failed run or a stall is posted to alerts.slack_channel (the Slack emulator,
through the real slack_sdk client)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from devtools.emulators.slack import SlackEmulator
from slack_events_dagster.alerts import (
    FRESHNESS_CHECK_KEYS,
    HOURLY_ASSETS,
    LAST_UPDATED_KEY,
    build_freshness_checks,
)
from slack_events_dagster.assets import build_assets
from slack_events_dagster.definitions import build_definitions, build_resources
from slack_events_dagster.settings import Settings, SettingsError
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT, SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import materialize_range

HOUR = "2026-11-23-09:00"
ALERT_CHANNEL = "C0A1ENG0001"  # a channel of the sample export the emulator serves


def _alert_settings(tmp_path: Path, emulator: SlackEmulator, **env: str) -> Settings:
    base = {
        "ALERTS_SLACK_CHANNEL": ALERT_CHANNEL,
        "DAGSTER_WEBSERVER_URL": "http://dagster.example:3000/",
        "SLACK_BOT_TOKEN": SLACK_TEST_TOKEN,
        "SLACK_API_BASE_URL": emulator.base_url,
        "SLACK_EXPORT_PATH": str(SAMPLE_EXPORT),
    }
    return make_settings(tmp_path, **{**base, **env})


def _alert_resources(settings: Settings) -> dict[str, object]:
    """What the alert sensors use: `alerts` and the `slack` resource it posts with."""
    resources = build_resources(settings)
    return {"alerts": resources["alerts"], "slack": resources["slack"]}


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)


def _materialised_ago(instance: dg.DagsterInstance, age: timedelta) -> None:
    """Each hourly asset's newest materialisation says its data was last updated `age` ago."""
    stamp = (datetime.now(UTC) - age).timestamp()
    for name in HOURLY_ASSETS:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                asset_key=name,
                partition=HOUR,
                metadata={LAST_UPDATED_KEY: dg.MetadataValue.timestamp(stamp)},
            )
        )


def _freshness(settings: Settings, instance: dg.DagsterInstance) -> dict[str, bool]:
    """Runs the four freshness checks as their sensor's runs do; passed, per asset."""
    result = dg.materialize(
        [*build_assets(settings), *build_freshness_checks(settings.alerts)],
        selection=dg.AssetSelection.checks(*FRESHNESS_CHECK_KEYS),
        resources=build_resources(settings),
        instance=instance,
    )
    return {
        evaluation.asset_key.to_user_string(): evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }


def test_freshness_checks_fail_when_stale_and_pass_after_a_fresh_materialisation(
    sqlite_settings: Settings,
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert _freshness(sqlite_settings, instance) == dict.fromkeys(HOURLY_ASSETS, False)
        _materialised_ago(instance, timedelta(hours=2, minutes=5))  # a stalled schedule
        assert _freshness(sqlite_settings, instance) == dict.fromkeys(HOURLY_ASSETS, False)
        _materialised_ago(instance, timedelta(hours=1, minutes=55))  # within the two hours
        assert _freshness(sqlite_settings, instance) == dict.fromkeys(HOURLY_ASSETS, True)
        _materialised_ago(instance, timedelta(hours=3))
        assert not any(_freshness(sqlite_settings, instance).values())
        assert materialize_range(sqlite_settings, HOUR, instance=instance).success  # a real run
        assert _freshness(sqlite_settings, instance) == dict.fromkeys(HOURLY_ASSETS, True)


def test_the_freshness_checks_are_defined_with_a_running_sensor_and_not_in_the_jobs(
    sqlite_settings: Settings,
) -> None:
    defs = build_definitions(sqlite_settings)
    checks = {key for c in defs.asset_checks or [] for key in c.check_keys}  # type: ignore[union-attr]
    assert set(FRESHNESS_CHECK_KEYS) <= checks
    sensor = defs.resolve_sensor_def("freshness_checks_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("slack_events_job")
    assert not set(FRESHNESS_CHECK_KEYS) & set(job.asset_layer.asset_graph.asset_check_keys)
    # Slack alerts are off unless a channel is configured.
    names = {s.name for s in defs.sensors or []}
    assert not names & {"slack_on_run_failure", "slack_on_stale_assets"}


def test_a_failed_run_is_posted_to_the_alert_channel(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    missing = tmp_path / "no-export"
    settings = _alert_settings(tmp_path, slack_emulator, SLACK_EXPORT_PATH=str(missing))
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("slack_on_run_failure")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_range(settings, HOUR, instance=instance, raise_on_error=False)
        assert not result.success
        with dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            resources=_alert_resources(settings),
        ) as context:
            sensor(context.for_run_failure())  # type: ignore[call-arg]
    (post,) = slack_emulator.posted
    assert post["channel"] == ALERT_CHANNEL
    assert "failed" in post["text"]
    body = "\n".join(block["text"]["text"] for block in post["blocks"])
    assert f"http://dagster.example:3000/runs/{result.run_id}" in body
    assert "raw_slack_messages" in body and str(missing) in body  # the step and its error
    assert SLACK_TEST_TOKEN not in repr(post)


def test_a_stall_is_posted_once_and_forgotten_when_fresh_again(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _alert_settings(tmp_path, slack_emulator)
    sensor = build_definitions(settings).resolve_sensor_def("slack_on_stale_assets")
    resources = _alert_resources(settings)
    with dg.DagsterInstance.ephemeral() as instance:

        def tick(cursor: str | None) -> str | None:
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, resources=resources
            ) as context:
                return sensor.evaluate_tick(context).cursor

        _materialised_ago(instance, timedelta(hours=1))
        assert tick(None) is None and slack_emulator.posted == []
        _materialised_ago(instance, timedelta(hours=3))
        cursor = tick(None)
        (post,) = slack_emulator.posted
        assert post["channel"] == ALERT_CHANNEL
        assert "No new materialisation of raw_slack_messages, event_candidates" in post["text"]
        assert "3 h 00 min ago" in post["blocks"][1]["text"]["text"]
        assert tick(cursor) == cursor and len(slack_emulator.posted) == 1  # once per stall
        _materialised_ago(instance, timedelta(minutes=5))
        assert tick(cursor) is None and len(slack_emulator.posted) == 1


def test_an_alert_channel_needs_a_token_and_an_id(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"alerts\.slack_channel is set but SLACK_BOT_TOKEN"):
        make_settings(tmp_path, ALERTS_SLACK_CHANNEL=ALERT_CHANNEL)
    with pytest.raises(SettingsError, match=r"alerts\.slack_channel: expected a Slack channel id"):
        make_settings(tmp_path, ALERTS_SLACK_CHANNEL="#alerts", SLACK_BOT_TOKEN="xoxb-x")
    assert make_settings(tmp_path, ALERTS_SLACK_CHANNEL="").alerts.slack_channel is None
