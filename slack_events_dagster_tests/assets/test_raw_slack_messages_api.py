"""raw_slack_messages through the real slack_sdk client against the local Slack emulator."""

import json
import shutil
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from devtools.emulators.slack import SlackEmulator
from slack_events_dagster.domain.messages import datetime_to_ts
from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT, SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import (
    dump_tables,
    failure_text,
    materialize_range,
    table_rows,
)

INCIDENT_PARENT = "1795180893.993643"  # SEV2 thread in #incidents, replies 13:00-15:00 UTC
INCIDENTS = "C0A1INC0001"
RELEASES = "C0A1REL0001"


def _api(tmp_path: Path, api_env: dict[str, str], **env: str) -> Settings:
    return make_settings(tmp_path / "api", **api_env, **env)


def _export(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "export")


def _raw(settings: Settings) -> list[dict]:
    return table_rows(settings, "raw_slack_messages")


def test_api_mode_ingests_exactly_what_export_mode_does(
    tmp_path: Path, api_env: dict[str, str]
) -> None:
    api, export = _api(tmp_path, api_env), _export(tmp_path)
    materialize_range(api, "2026-11-18-00:00", "2026-11-24-23:00")
    materialize_range(export, "2026-11-18-00:00", "2026-11-24-23:00")
    assert len(_raw(api)) == 320
    assert dump_tables(api) == dump_tables(export)


def test_hour_by_hour_threads_spanning_partitions_land_in_their_own_hour(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    api = _api(tmp_path, api_env, SLACK_PAGE_SIZE="2")  # many pages of history and replies
    export = _export(tmp_path)
    hours = [f"2026-11-20-{h:02d}:00" for h in range(12, 17)]
    for hour in hours:
        assert materialize_range(api, hour).success
    materialize_range(export, hours[0], hours[-1])
    assert dump_tables(api) == dump_tables(export)

    thread = [r for r in _raw(api) if r["thread_ts"] == INCIDENT_PARENT]
    assert {r["partition_hour"].hour for r in thread} == {13, 14, 15}
    methods = [method for method, _ in slack_emulator.calls]
    history_pages = [p for m, p in slack_emulator.calls if m == "conversations.history"]
    reply_pages = [p for m, p in slack_emulator.calls if m == "conversations.replies"]
    assert any(p.get("cursor") for p in history_pages), "history was never paginated"
    assert any(p.get("cursor") and p.get("ts") == INCIDENT_PARENT for p in reply_pages)
    assert "users.info" in methods


def test_every_page_slack_sdk_fetches_is_counted_by_method(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    """Pages after the first come from slack_sdk's SlackResponse iteration, which bypasses
    WebClient.api_call: the client counts them too, so api_calls matches what Slack saw."""
    result = materialize_range(_api(tmp_path, api_env, SLACK_PAGE_SIZE="2"), "2026-11-20-13:00")
    assert result.success
    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    seen = Counter(method for method, _ in slack_emulator.calls)
    assert seen["conversations.history"] > 1  # paginated
    assert metadata["api_calls_by_method"].value == dict(sorted(seen.items()))
    assert metadata["api_calls"].value == seen.total()


def test_hour_boundaries_are_exact_to_the_microsecond(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    hour = datetime(2026, 11, 22, 3, tzinfo=UTC)  # a quiet Sunday night hour
    at_start = f"{datetime_to_ts(hour):.6f}"
    at_end = f"{datetime_to_ts(hour.replace(hour=4)):.6f}"
    just_before_end = f"{datetime_to_ts(hour.replace(hour=4)) - Decimal('0.000001'):.6f}"
    for ts in (at_start, just_before_end, at_end):
        slack_emulator.add_message(
            RELEASES, {"type": "message", "user": "U0A1USR0001", "text": f"edge {ts}", "ts": ts}
        )
    api = _api(tmp_path, api_env)
    materialize_range(api, "2026-11-22-03:00")
    assert sorted(r["ts"] for r in _raw(api) if r["text"].startswith("edge")) == [
        at_start,
        just_before_end,
    ]
    materialize_range(api, "2026-11-22-04:00")
    by_ts = {r["ts"]: r["partition_hour"].hour for r in _raw(api) if r["text"].startswith("edge")}
    assert by_ts == {at_start: 3, just_before_end: 3, at_end: 4}


def test_rematerialising_picks_up_edits_and_deletions(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    api = _api(tmp_path, api_env)
    hour = "2026-11-20-13:00"
    materialize_range(api, hour)
    rows = {r["ts"]: r for r in _raw(api)}
    reply = next(
        ts for ts, r in rows.items() if r["thread_ts"] == INCIDENT_PARENT and ts != INCIDENT_PARENT
    )
    slack_emulator.edit_message(
        INCIDENTS,
        INCIDENT_PARENT,
        "SEV1: payments-api down in eu-west-1",
        editor="U0A1USR0002",
        edited_ts="1795181000.000000",
    )
    slack_emulator.delete_message(INCIDENTS, reply)
    materialize_range(api, hour)
    after = {r["ts"]: r for r in _raw(api)}
    assert reply not in after and len(after) == len(rows) - 1
    parent = after[INCIDENT_PARENT]
    assert parent["text"] == "SEV1: payments-api down in eu-west-1"
    assert (parent["edited_ts"], parent["edited_by"]) == ("1795181000.000000", "U0A1USR0002")
    assert parent["reply_count"] == rows[INCIDENT_PARENT]["reply_count"] - 1


def test_rate_limited_then_success_reports_retries_and_wait(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    slack_emulator.add_fault("conversations.history", "rate_limited", retry_after=1)
    result = materialize_range(_api(tmp_path, api_env), "2026-11-20-13:00")
    assert result.success
    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    assert metadata["retries"].value == 1
    assert metadata["rate_limit_wait_seconds"].value >= 1.0
    assert metadata["api_calls"].value == sum(metadata["api_calls_by_method"].value.values())
    assert metadata["messages"].value > 0 and metadata["replies_fetched"].value > 0


def test_repeated_server_errors_fail_clearly_and_keep_the_old_rows(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    api = _api(tmp_path, api_env, SLACK_MAX_RETRIES="2")
    assert materialize_range(api, "2026-11-20-13:00").success
    before = dump_tables(api)
    slack_emulator.add_fault("conversations.history", "server_error", times=-1)
    result = materialize_range(api, "2026-11-20-13:00", raise_on_error=False)
    assert not result.success
    assert "HTTP 500 after every retry" in failure_text(result)
    assert dump_tables(api) == before
    assert slack_emulator.call_count("conversations.history") >= 3


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("wrong_token", ["invalid_auth", "SLACK_BOT_TOKEN", "xoxb-"]),
        ("not_in_channel", ["not_in_channel", "/invite"]),
        ("missing_scope", ["missing_scope", "channels:history", "reinstall"]),
        ("channel_not_found", ["channel_not_found", "C0NOTREAL1", "groups:history"]),
    ],
)
def test_auth_and_membership_errors_say_what_to_do(
    tmp_path: Path,
    api_env: dict[str, str],
    slack_emulator,
    monkeypatch,
    setup: str,
    expected: list[str],
) -> None:
    env = {}
    if setup == "wrong_token":
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    elif setup == "channel_not_found":
        env["SLACK_CHANNELS"] = "C0NOTREAL1"
    elif setup == "not_in_channel":
        slack_emulator.remove_bot_from(RELEASES)
        env["SLACK_CHANNELS"] = "#releases"
    else:
        slack_emulator.add_fault("conversations.history", "error", error="missing_scope", times=-1)
    result = materialize_range(
        _api(tmp_path, api_env, **env), "2026-11-20-13:00", raise_on_error=False
    )
    assert not result.success
    text = failure_text(result)
    for fragment in expected:
        assert fragment in text


def test_the_token_never_reaches_logs_events_metadata_or_run_config(
    tmp_path: Path, api_env: dict[str, str], slack_emulator, caplog: pytest.LogCaptureFixture
) -> None:
    slack_emulator.add_fault("conversations.history", "rate_limited", retry_after=0)
    with dg.instance_for_test() as instance:
        result = materialize_range(_api(tmp_path, api_env), "2026-11-20-13:00", instance=instance)
        assert result.success
        records = instance.all_logs(result.run_id)
        run = instance.get_run_by_id(result.run_id)
        haystack = "\n".join(
            [json.dumps(run.run_config, default=str), json.dumps(run.tags, default=str)]
            + [repr(record) for record in records]
        )
    haystack += caplog.text + dump_tables(_api(tmp_path, api_env))
    assert "raw_slack_messages" in haystack  # the search covers the run's events
    assert SLACK_TEST_TOKEN not in haystack
    assert "SECRET-never-log-me" not in haystack
    assert all(SLACK_TEST_TOKEN not in json.dumps(params) for _, params in slack_emulator.calls)


def test_unknown_and_deleted_users_do_not_fail_the_run(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    slack_emulator.add_message(
        RELEASES,
        {"type": "message", "user": "U0GHOST0001", "text": "who am I?", "ts": "1795428000.000100"},
    )
    slack_emulator.add_message(
        RELEASES,
        {"type": "message", "user": "U0A1USR0011", "text": "old post", "ts": "1795428000.000200"},
    )
    api = _api(tmp_path, api_env)
    assert materialize_range(api, "2026-11-23-10:00").success
    names = {r["ts"]: r["user_name"] for r in _raw(api)}
    assert names["1795428000.000100"] == "U0GHOST0001"  # unknown: falls back to the id
    assert names["1795428000.000200"] == "oli"  # deleted (U0A1USR0011): display name kept
    users_info = [p["user"] for m, p in slack_emulator.calls if m == "users.info"]
    assert len(users_info) == len(set(users_info))  # cached per run


def _poll_export(tmp_path: Path) -> tuple[Path, str]:
    """The sample export plus a poll whose voters are named only in its Block Kit blocks."""
    export = tmp_path / "poll_export"
    shutil.copytree(SAMPLE_EXPORT, export)
    ts = f"{datetime_to_ts(datetime(2026, 11, 22, 3, 15, tzinfo=UTC)):.6f}"
    poll = {
        "type": "message",
        "user": "U0A1USR0001",
        "ts": ts,
        "text": "Poll: which day for the release retro?",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Which day for the retro?*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "`Tue` <@U0A1USR0003>"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "`Wed` <@U0A1USR0004> <@U0A1USR0009>"}],
            },
        ],
    }
    (export / "releases" / "2026-11-22.json").write_text(json.dumps([poll], indent=4))
    return export, ts


def test_users_named_only_in_blocks_get_their_names_as_in_export_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_path, ts = _poll_export(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)
    with SlackEmulator(export_path, token=SLACK_TEST_TOKEN) as emulator:
        api = make_settings(
            tmp_path / "api",
            SLACK_SOURCE="api",
            SLACK_BOT_TOKEN=SLACK_TEST_TOKEN,
            SLACK_API_BASE_URL=emulator.base_url,
            SLACK_EXPORT_PATH=str(export_path),
        )
        assert materialize_range(api, "2026-11-22-03:00").success
        looked_up = {p["user"] for m, p in emulator.calls if m == "users.info"}
    export = make_settings(tmp_path / "export", SLACK_EXPORT_PATH=str(export_path))
    materialize_range(export, "2026-11-22-03:00")
    poll = next(r for r in _raw(api) if r["ts"] == ts)
    assert poll["mentions"] == {"U0A1USR0003": "priya", "U0A1USR0004": "lukas.b",
                                "U0A1USR0009": "emma"}  # fmt: skip
    assert {"U0A1USR0003", "U0A1USR0004", "U0A1USR0009"} <= looked_up
    assert dump_tables(api) == dump_tables(export)


def _last_full_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def test_a_reply_to_a_20_day_old_thread_is_ingested_in_its_hour(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    from datetime import timedelta

    hour = _last_full_hour()
    parent_ts = f"{datetime_to_ts(hour - timedelta(days=20)):.6f}"
    reply_ts = f"{datetime_to_ts(hour + timedelta(minutes=30)):.6f}"
    slack_emulator.add_message(
        RELEASES,
        {"type": "message", "user": "U0A1USR0002", "text": "Who owns v2.4?", "ts": parent_ts},
    )
    slack_emulator.add_message(
        RELEASES,
        {"type": "message", "user": "U0A1USR0003", "text": "Still me", "ts": reply_ts,
         "thread_ts": parent_ts, "parent_user_id": "U0A1USR0002"},
    )  # fmt: skip
    key = hour.strftime("%Y-%m-%d-%H:00")

    lookback_only = _api(tmp_path / "week", api_env, SLACK_THREAD_WINDOW_DAYS="7")
    assert materialize_range(lookback_only, key).success
    assert reply_ts not in {r["ts"] for r in _raw(lookback_only)}  # the old behaviour

    api = _api(tmp_path, api_env)  # the default registry window
    result = materialize_range(api, key)
    assert {r["ts"]: r["thread_ts"] for r in _raw(api)}[reply_ts] == parent_ts
    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    assert metadata["thread_parents_scanned"].value >= 1  # the cost, reported
    assert metadata["threads_polled"].value == 1
    assert metadata["api_calls_by_method"].value["conversations.replies"] == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_says_what_to_check(tmp_path: Path, api_env: dict[str, str]) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/api/"
    env = {**api_env, "SLACK_API_BASE_URL": base_url, "SLACK_MAX_RETRIES": "1"}
    result = materialize_range(
        make_settings(tmp_path, **env), "2026-11-20-13:00", raise_on_error=False
    )
    assert not result.success
    text = failure_text(result)
    assert f"Could not reach the Slack API at {base_url}" in text
    assert "ConnectionRefusedError" in text and "after 1 retries" in text
    for advice in ("proxy", "SLACK_API_BASE_URL", "slack.request_timeout_seconds"):
        assert advice in text
    assert SLACK_TEST_TOKEN not in text


def test_a_slack_that_never_answers_times_out_with_advice(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    slack_emulator.add_fault("conversations.history", "hang", times=-1)
    api = _api(tmp_path, api_env, SLACK_MAX_RETRIES="1", SLACK_REQUEST_TIMEOUT_SECONDS="1")
    result = materialize_range(api, "2026-11-20-13:00", raise_on_error=False)
    assert not result.success
    text = failure_text(result)
    assert "while reading #" in text
    assert "no answer within slack.request_timeout_seconds (1 s)" in text
    assert "SLACK_REQUEST_TIMEOUT_SECONDS" in text
    assert slack_emulator.call_count("conversations.history") == 2  # slack_sdk retried once


def test_permalinks_use_the_workspace_auth_test_names_not_one_call_per_message(
    tmp_path: Path, api_env: dict[str, str], slack_emulator
) -> None:
    api = _api(tmp_path, api_env)
    assert api.slack.workspace_url is None  # config.yaml leaves it to the source
    assert materialize_range(api, "2026-11-20-13:00").success
    rows = _raw(api)
    # The bundled export's own links name acme-demo.slack.com (sample_data/slack_export).
    assert rows and all(
        r["permalink"].startswith(
            f"https://acme-demo.slack.com/archives/{r['channel_id']}/p{r['ts'].replace('.', '')}"
        )
        for r in rows
    )
    assert slack_emulator.call_count("chat.getPermalink") == 0
