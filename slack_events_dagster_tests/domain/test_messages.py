from datetime import UTC, datetime
from decimal import Decimal

import pytest

from slack_events_dagster.domain.messages import (
    MessageFilter,
    SlackChannel,
    SlackUser,
    blocks_to_text,
    datetime_to_ts,
    hour_floor,
    message_row,
    parse_ts,
    permalink_for,
    ts_to_datetime,
    user_from_payload,
)

CHANNEL = SlackChannel("C1", "releases")
USERS = {
    "U1": SlackUser("U1", "maria", "Maria Lopez"),
    "UB": SlackUser("UB", "pagerbot", is_bot=True),
}
FILTER = MessageFilter(frozenset({"channel_join"}))


def _row(message: dict, message_filter: MessageFilter = FILTER):
    return message_row(CHANNEL, message, USERS, message_filter, "https://acme.slack.com")


def test_ts_is_exact_decimal_and_hour_boundaries_are_exact() -> None:
    assert parse_ts("1795425600.000000") == Decimal("1795425600.000000")
    assert parse_ts(1795425600.0) is None and parse_ts("abc") is None and parse_ts(None) is None
    at_hour = ts_to_datetime("1795424400.000000")
    assert at_hour == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert hour_floor(ts_to_datetime("1795427999.999999")) == at_hour
    assert datetime_to_ts(ts_to_datetime("1795425247.269870")) == Decimal("1795425247.269870")


def test_a_reply_keeps_author_thread_reactions_edit_and_permalink() -> None:
    row, reason = _row(
        {
            "type": "message",
            "user": "U1",
            "text": "ship it <@U1>",
            "ts": "1795425247.269870",
            "thread_ts": "1795425000.000100",
            "reactions": [{"name": "rocket", "users": ["U1", "U2"], "count": 2}],
            "edited": {"user": "U1", "ts": "1795425300.000000"},
            "files": [{"id": "F1"}],
        }
    )
    assert reason is None
    assert row["user_name"] == "maria" and row["user_real_name"] == "Maria Lopez"
    assert row["is_thread_reply"] and row["thread_ts"] == "1795425000.000100"
    assert row["reactions"] == {"rocket": 2} and row["reaction_count"] == 2
    assert row["edited_ts"] == "1795425300.000000" and row["edited_by"] == "U1"
    assert row["mentions"] == {"U1": "maria"}
    assert row["file_count"] == 1
    assert row["partition_hour"] == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert row["permalink"] == (
        "https://acme.slack.com/archives/C1/p1795425247269870?thread_ts=1795425000.000100&cid=C1"
    )


def test_bot_messages_are_marked_and_can_be_excluded() -> None:
    message = {
        "subtype": "bot_message",
        "bot_id": "B1",
        "username": "deploybot",
        "text": "Deployed",
        "ts": "1795425247.000001",
    }
    row, _ = _row(message)
    assert row["is_bot"] and row["user_name"] == "deploybot"
    assert _row(message, MessageFilter(include_bots=False)) == (None, "bot_excluded")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"text": "no ts"}, "missing_or_bad_ts"),
        ({"text": "float ts", "ts": 1795425247.1}, "missing_or_bad_ts"),
        (
            {"subtype": "channel_join", "text": "joined", "ts": "1.000001"},
            "ignored_subtype:channel_join",
        ),
        (
            {"subtype": "huddle_magic", "text": "?", "ts": "1.000001"},
            "unknown_subtype:huddle_magic",
        ),
        ({"ts": "1.000001", "text": ""}, "empty"),
        ("not a dict", "not_an_object"),
    ],
)
def test_odd_payloads_are_skipped_with_a_reason(message: object, reason: str) -> None:
    assert _row(message) == (None, reason)


def test_blocks_only_message_uses_block_text() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "emoji", "name": "rocket"},
                        {"type": "text", "text": " Release "},
                        {"type": "link", "url": "https://x.io/r", "text": "notes"},
                        {"type": "user", "user_id": "U1"},
                    ],
                }
            ],
        }
    ]
    assert blocks_to_text(blocks) == ":rocket: Release <https://x.io/r|notes><@U1>"
    row, _ = _row({"ts": "1795425247.000001", "user": "U1", "blocks": blocks})
    assert row["text"].startswith(":rocket: Release") and row["mentions"] == {"U1": "maria"}


def test_users_fall_back_from_display_name_to_real_name() -> None:
    user = user_from_payload(
        {"id": "U9", "name": "raj", "profile": {"display_name": "", "real_name": "Raj P"}}
    )
    assert user is not None and user.name == "Raj P"
    assert user_from_payload({"name": "no id"}) is None


def test_permalink_needs_a_workspace_url() -> None:
    assert permalink_for(None, "C1", "1.000001", None) == ""


def test_blocks_with_odd_types_or_children_are_skipped_not_fatal() -> None:
    blocks = [
        {"type": ["text"], "text": "list type"},
        {"type": {"x": 1}, "elements": [{"type": "text", "text": "kept"}]},
        {"type": "link", "url": "https://x.io", "text": ""},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*md*"}, "fields": [7, None]},
        {"type": "text", "text": ["not", "a", "string"]},
    ]
    assert blocks_to_text(blocks) == "kept<https://x.io>*md*"
