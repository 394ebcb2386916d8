"""Publishing digests to Slack through the real slack_sdk client against the emulator."""

from pathlib import Path

import pytest
import yaml

from slack_events_dagster.emulators.slack import SlackEmulator
from slack_events_dagster.settings import PROJECT_ROOT, Settings
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT, SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import (
    dump_tables,
    failure_text,
    materialize_range,
    table_rows,
)

ENGINEERING = "C0A1ENG0001"
NINE_AM_DIGEST = "2026-11-24-08:00"  # the hour ending 09:00 UTC: "the digest as of 09:00"


def _publishing_settings(
    tmp_path: Path, emulator: SlackEmulator, max_age_hours: float = 24 * 365
) -> Settings:
    config = yaml.safe_load((PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["digest"] |= {
        "publish": True,
        "publish_hours": [9],
        "publish_max_age_hours": max_age_hours,
        "targets": [{"channel": ENGINEERING, "source_channels": ["releases", "product-launches"]}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return make_settings(
        tmp_path,
        SLACK_EVENTS_CONFIG=str(path),
        SLACK_EXPORT_PATH=str(SAMPLE_EXPORT),
        SLACK_BOT_TOKEN=SLACK_TEST_TOKEN,
        SLACK_API_BASE_URL=emulator.base_url,
        SLACK_RETRY_BACKOFF_SECONDS="0.05",
        SLACK_MAX_RETRIES="1",
    )


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)


def test_posts_once_then_updates_the_same_message(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    first = materialize_range(settings, NINE_AM_DIGEST)
    metadata = first.asset_materializations_for_node("digests")[0].metadata
    assert metadata["slack_posted"].value == 1 and metadata["slack_updated"].value == 0
    (post,) = slack_emulator.posted
    (digest,) = table_rows(settings, "digests")
    assert post["channel"] == ENGINEERING and post["blocks"] == digest["blocks"]
    assert post["text"].startswith("Upcoming events — as of Tue 24 Nov 2026 09:00")
    assert digest["target"] == ENGINEERING
    sources = {s["channel_name"] for e in digest["entries"] for s in e["sources"]}
    assert sources and sources <= {"releases", "product-launches"}  # the target's filter
    (record,) = table_rows(settings, "slack_digest_posts")
    assert record["message_ts"] == post["ts"]

    second = materialize_range(settings, NINE_AM_DIGEST)
    metadata = second.asset_materializations_for_node("digests")[0].metadata
    assert metadata["slack_updated"].value == 1 and metadata["slack_posted"].value == 0
    assert slack_emulator.call_count("chat.postMessage") == 1
    assert slack_emulator.call_count("chat.update") == 1
    (post,) = slack_emulator.posted
    assert post["ts"] == record["message_ts"] and "edited" in post


def test_no_post_outside_the_publish_hours(tmp_path: Path, slack_emulator: SlackEmulator) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    materialize_range(settings, "2026-11-24-00:00", "2026-11-24-07:00")
    materialize_range(settings, "2026-11-24-09:00")
    assert slack_emulator.call_count("chat.postMessage") == 0
    assert len(table_rows(settings, "digests")) == 9


def test_backfilling_old_hours_never_posts(tmp_path: Path, slack_emulator: SlackEmulator) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator, max_age_hours=6)
    materialize_range(settings, NINE_AM_DIGEST)  # more than 6 h before the test runs
    assert slack_emulator.call_count("chat.postMessage") == 0


def test_a_failed_post_fails_clearly_and_keeps_the_stored_digest(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    materialize_range(settings, NINE_AM_DIGEST)
    before = dump_tables(settings)
    slack_emulator.remove_bot_from(ENGINEERING)
    result = materialize_range(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success
    text = failure_text(result)
    assert "not_in_channel" in text and "/invite" in text and "never post twice" in text
    assert dump_tables(settings) == before


def test_publishing_needs_a_token_and_channel_ids(tmp_path: Path) -> None:
    from slack_events_dagster.settings import SettingsError

    config = tmp_path / "config.yaml"
    config.write_text("digest:\n  publish: true\n  targets: [{channel: engineering}]\n")
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        make_settings(tmp_path, SLACK_EVENTS_CONFIG=str(config))
    with pytest.raises(SettingsError, match="channel id"):
        make_settings(tmp_path, SLACK_EVENTS_CONFIG=str(config), SLACK_BOT_TOKEN="xoxb-1")
