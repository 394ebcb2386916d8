"""digest_posts: posting stored digests to Slack through the real slack_sdk client against the
emulator, after `digests` has computed and stored them."""

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from devtools.emulators.slack import SlackEmulator
from devtools.postgres16 import free_port
from slack_events_dagster.assets import build_assets
from slack_events_dagster.sensors import rebuild_digests_job
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
# The real asset with one immediate step retry instead of the 30 s / 60 s / 120 s backoff.
QUICK_RETRY = dg.RetryPolicy(max_retries=1)


def _publishing_settings(
    tmp_path: Path,
    emulator: SlackEmulator,
    max_age_hours: float = 24 * 365,
    base_url: str | None = None,
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
        SLACK_API_BASE_URL=base_url or emulator.base_url,
        SLACK_RETRY_BACKOFF_SECONDS="0.05",
        SLACK_MAX_RETRIES="1",
    )


def _run(settings: Settings, first: str, last: str | None = None, **options: Any):
    assets = build_assets(settings, digest_posts_retry=QUICK_RETRY)
    return materialize_range(settings, first, last, assets=assets, **options)


def _posts_metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (materialization, *_) = result.asset_materializations_for_node("digest_posts")
    return {key: value.value for key, value in materialization.metadata.items()}


def _step_failed(result: dg.ExecuteInProcessResult) -> set[str | None]:
    return {event.step_key for event in result.get_step_failure_events()}


def _step_retries(result: dg.ExecuteInProcessResult) -> list[str | None]:
    """The steps the RetryPolicy sent round again, once per retry."""
    return [
        event.step_key
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)


def test_digest_posts_is_its_own_step_in_the_slack_api_pool_with_a_backoff_retry(
    sqlite_settings: Settings,
) -> None:
    assets = build_assets(sqlite_settings)
    (posts,) = (asset for asset in assets if asset.key.to_user_string() == "digest_posts")
    assert posts.op.pool == "slack_api"
    policy = posts.op.retry_policy
    assert policy and policy.max_retries >= 1 and policy.backoff == dg.Backoff.EXPONENTIAL
    assert [key.to_user_string() for key in posts.keys_by_input_name.values()] == ["digests"]
    (digests,) = (asset for asset in assets if asset.key.to_user_string() == "digests")
    assert "publisher" not in digests.required_resource_keys  # computing never calls Slack
    assert "slack" not in digests.required_resource_keys
    # A rebuild of stale digests updates their Slack messages too, as before the split.
    assert {key.to_user_string() for key in rebuild_digests_job.selection.resolve(assets)} == {
        "digests",
        "digest_posts",
    }


def test_posts_once_then_updates_the_same_message(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    first = _run(settings, NINE_AM_DIGEST)
    expected = {"posted": 1, "updated": 0, "skipped": 0, "partition_hours": 1}
    assert _posts_metadata(first) == expected
    (post,) = slack_emulator.posted
    (digest,) = table_rows(settings, "digests")
    assert post["channel"] == ENGINEERING and post["blocks"] == digest["blocks"]
    assert post["text"].startswith("Upcoming events — as of Tue 24 Nov 2026 09:00")
    assert digest["target"] == ENGINEERING
    sources = {s["channel_name"] for e in digest["entries"] for s in e["sources"]}
    assert sources and sources <= {"releases", "product-launches"}  # the target's filter
    (record,) = table_rows(settings, "slack_digest_posts")
    assert record["message_ts"] == post["ts"]

    second = _run(settings, NINE_AM_DIGEST)
    assert _posts_metadata(second)["updated"] == 1 and _posts_metadata(second)["posted"] == 0
    assert slack_emulator.call_count("chat.postMessage") == 1
    assert slack_emulator.call_count("chat.update") == 1
    (post,) = slack_emulator.posted
    assert post["ts"] == record["message_ts"] and "edited" in post


def test_the_notification_text_is_the_stored_digests_heading(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    _run(settings, NINE_AM_DIGEST)
    (post,) = slack_emulator.posted
    (digest,) = table_rows(settings, "digests")
    heading = digest["markdown"].splitlines()
    assert post["text"] == f"{heading[0].removeprefix('## ')}: {heading[2].strip('_')}"


def test_no_post_outside_the_publish_hours(tmp_path: Path, slack_emulator: SlackEmulator) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    result = _run(settings, "2026-11-24-00:00", "2026-11-24-07:00")
    assert _posts_metadata(result)["skipped"] == 8
    _run(settings, "2026-11-24-09:00")
    assert slack_emulator.call_count("chat.postMessage") == 0
    assert len(table_rows(settings, "digests")) == 9
    assert table_rows(settings, "slack_digest_posts") == []


def test_backfilling_old_hours_never_posts(tmp_path: Path, slack_emulator: SlackEmulator) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator, max_age_hours=6)
    _run(settings, NINE_AM_DIGEST)  # more than 6 h before the test runs
    assert slack_emulator.call_count("chat.postMessage") == 0


def test_a_failed_post_fails_clearly_and_keeps_the_stored_digest(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    _run(settings, NINE_AM_DIGEST)
    before = dump_tables(settings), table_rows(settings, "slack_digest_posts")
    slack_emulator.remove_bot_from(ENGINEERING)
    slack_emulator.reset_calls()
    result = _run(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success and _step_failed(result) == {"digest_posts"}
    text = failure_text(result)
    assert "not_in_channel" in text and "/invite" in text and "never post twice" in text
    assert f"{ENGINEERING} (digest.targets)" in text
    # Permanent: one chat.update, no step retry (a retry would get the same answer).
    assert _step_retries(result) == [] and slack_emulator.call_count("chat.update") == 1
    assert (dump_tables(settings), table_rows(settings, "slack_digest_posts")) == before


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("channel_not_found", "digest.targets (posting)"),
        ("not_in_channel", "/invite"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("missing_scope", "chat:write"),
        ("is_archived", ""),  # any other error Slack answers with is permanent too
    ],
)
def test_a_permanent_slack_error_fails_at_once_without_a_retry(
    tmp_path: Path, slack_emulator: SlackEmulator, error: str, advice: str
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    slack_emulator.add_fault("chat.postMessage", "error", error=error, times=-1)
    result = _run(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success and _step_failed(result) == {"digest_posts"}
    assert result.is_node_success("digests")
    assert _step_retries(result) == []  # QUICK_RETRY_ASSETS would retry at once if allowed
    assert slack_emulator.call_count("chat.postMessage") == 1  # nor did slack_sdk retry
    text = failure_text(result)
    assert error in text and advice in text and f"{ENGINEERING} (digest.targets)" in text
    assert "none is made" in text and "never post twice" in text
    assert table_rows(settings, "slack_digest_posts") == [] and slack_emulator.posted == []


def test_a_slack_outage_fails_only_digest_posts_and_the_digests_are_stored(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    slack_emulator.add_fault("chat.postMessage", "server_error", times=-1)
    result = _run(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success and _step_failed(result) == {"digest_posts"}
    assert result.is_node_success("digests")
    assert _step_retries(result) == ["digest_posts"]  # the RetryPolicy ran
    assert "HTTP 500" in failure_text(result) and "never post twice" in failure_text(result)
    (digest,) = table_rows(settings, "digests")
    assert digest["target"] == ENGINEERING and digest["blocks"]
    assert table_rows(settings, "slack_digest_posts") == [] and slack_emulator.posted == []

    # Slack is back: posting the stored digest needs only digest_posts, nothing recomputed.
    slack_emulator.clear_faults()
    again = _run(settings, NINE_AM_DIGEST, selection=["digest_posts"])
    assert _posts_metadata(again)["posted"] == 1
    assert [node.name for node in again.job_def.nodes] == ["digest_posts"]
    (post,) = slack_emulator.posted
    assert post["blocks"] == digest["blocks"]


def test_rate_limits_beyond_the_clients_retries_are_retried_by_the_step(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    # HTTP 429 on every call: slack_sdk waits Retry-After and retries once (SLACK_MAX_RETRIES=1).
    slack_emulator.add_fault("chat.postMessage", "rate_limited", times=-1, retry_after=0)
    result = _run(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success and _step_retries(result) == ["digest_posts"]
    assert slack_emulator.call_count("chat.postMessage") == 4  # 2 tries x (1 step + 1 retry)
    assert "ratelimited" in failure_text(result) and "none is made" not in failure_text(result)

    slack_emulator.clear_faults()
    slack_emulator.add_fault("chat.postMessage", "rate_limited", times=2, retry_after=0)
    assert _posts_metadata(_run(settings, NINE_AM_DIGEST))["posted"] == 1  # the step retry posts
    assert len(slack_emulator.posted) == 1


def test_an_unreachable_slack_is_retried_by_the_step(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens: connection refused
    settings = _publishing_settings(tmp_path, slack_emulator, base_url=closed)
    result = _run(settings, NINE_AM_DIGEST, raise_on_error=False)
    assert not result.success and _step_retries(result) == ["digest_posts"]
    assert "Could not reach the Slack API" in failure_text(result)
    assert slack_emulator.call_count() == 0


def test_an_outage_that_ends_before_the_step_retry_posts_once(
    tmp_path: Path, slack_emulator: SlackEmulator
) -> None:
    settings = _publishing_settings(tmp_path, slack_emulator)
    # Both tries of the client's first attempt (SLACK_MAX_RETRIES=1) fail; the step retry posts.
    slack_emulator.add_fault("chat.postMessage", "server_error", times=2)
    result = _run(settings, NINE_AM_DIGEST)
    assert _posts_metadata(result)["posted"] == 1
    assert len(slack_emulator.posted) == 1 and len(table_rows(settings, "slack_digest_posts")) == 1


def test_publishing_needs_a_token_and_channel_ids(tmp_path: Path) -> None:
    from slack_events_dagster.settings import SettingsError

    config = tmp_path / "config.yaml"
    config.write_text("digest:\n  publish: true\n  targets: [{channel: engineering}]\n")
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        make_settings(tmp_path, SLACK_EVENTS_CONFIG=str(config))
    with pytest.raises(SettingsError, match="channel id"):
        make_settings(tmp_path, SLACK_EVENTS_CONFIG=str(config), SLACK_BOT_TOKEN="xoxb-1")
