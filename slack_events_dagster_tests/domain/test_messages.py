from datetime import UTC, datetime
from decimal import Decimal

import pytest

from slack_events_dagster.domain.messages import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    FirstSeen,
    MessageFilter,
    SkipCounter,
    SlackChannel,
    SlackUser,
    UndecodableMessage,
    blocks_to_text,
    datetime_to_ts,
    hour_floor,
    message_row,
    message_time,
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
    """The row and the first reason (the skip's, or the first repair's)."""
    return _first(message_row(CHANNEL, message, USERS, message_filter, "https://acme.slack.com"))


def _first(outcome: tuple) -> tuple:
    row, reasons = outcome
    return row, (reasons[0] if reasons else None)


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


# Damaged input: one bad message is skipped or repaired, never raised (issue #13).

TS = "1795425247.000001"


def test_a_ts_beyond_year_9999_is_skipped_not_raised() -> None:
    assert message_time("999999999999.000000") is None
    assert _row({"ts": "999999999999.000000", "text": "far future"}) == (None, "ts_out_of_range")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attachments", 5),
        ("reactions", 7),
        ("user_profile", "oops"),
        ("files", 3),
        ("bot_profile", [1]),
        ("edited", "yesterday"),
        ("reply_count", "many"),
        ("blocks", 9),
        ("user", 42),
        ("thread_ts", {"ts": 1}),
    ],
)
def test_a_field_of_the_wrong_json_type_is_ignored_and_named(field: str, value: object) -> None:
    row, reason = _row({"ts": TS, "text": "still here", field: value})
    assert reason == f"bad_field:{field}"
    assert row is not None and row["text"] == "still here"
    assert row["attachment_count"] == row["file_count"] == row["reaction_count"] == 0
    assert row["reply_count"] == 0 and row["user_id"] is None and row["thread_ts"] is None


def test_odd_reactions_and_counts_fit_the_integer_columns() -> None:
    row, _ = _row(
        {
            "ts": TS,
            "text": "x",
            "reply_count": 10**20,
            "reactions": [
                {"name": "a", "count": 10**20},
                {"name": "b", "count": -3},
                {"name": "c", "users": 5},
                "not a reaction",
            ],
        }
    )
    assert row["reply_count"] == row["reaction_count"] == 2**31 - 1
    assert row["reactions"] == {"a": 2**31 - 1, "b": 0, "c": 0}


def test_a_users_json_profile_that_is_a_list_falls_back_to_the_top_level_names() -> None:
    user = user_from_payload({"id": "U7", "name": "lee", "real_name": "Lee K", "profile": [1]})
    assert user == SlackUser("U7", "Lee K", "Lee K")
    user = user_from_payload({"id": "U8", "name": ["x"], "profile": {"display_name": 5}})
    assert user is not None and user.name == "U8"


def test_nul_and_lone_surrogates_are_removed_from_every_stored_string() -> None:
    users = {"U1": SlackUser("U1", "ma\x00ria", "Maria \ud800Lopez")}
    row, reasons = message_row(
        SlackChannel("C1", "rel\ud800eases"),
        {
            "ts": TS,
            "user": "U1",
            "text": "ship\x00 it \ud800<@U9>",
            "reactions": [{"name": "ro\x00cket", "count": 1}],
        },
        users,
        FILTER,
    )
    assert reasons == (
        "cleaned:channel_name",
        "cleaned:user_name",
        "cleaned:user_real_name",
        "cleaned:text",
        "cleaned:reactions",
    )
    assert row["text"] == "ship it <@U9>" and row["channel_name"] == "releases"
    assert row["user_name"] == "maria" and row["user_real_name"] == "Maria Lopez"
    assert row["reactions"] == {"rocket": 1} and row["mentions"] == {"U9": "U9"}


def test_over_long_names_are_cut_to_their_column_and_long_ids_fit() -> None:
    long_id = "U" + "X" * 39
    users = {long_id: SlackUser(long_id, "n" * 300, "r" * 300)}
    row, reasons = message_row(CHANNEL, {"ts": TS, "user": long_id, "text": "hi"}, users, FILTER)
    assert reasons == ("truncated:user_name", "truncated:user_real_name")
    assert row["user_id"] == long_id
    assert len(row["user_name"]) == len(row["user_real_name"]) == MAX_NAME_CHARS
    row, reason = _row({"ts": TS, "user": "U" * 400, "text": "hi"})
    assert reason == "truncated:user_id" and len(row["user_id"]) == MAX_ID_CHARS


def test_blocks_nested_3000_deep_are_walked_without_recursion() -> None:
    blocks: object = {"type": "text", "text": "deep down"}
    for _ in range(3000):
        blocks = {"type": "rich_text_section", "elements": [blocks]}
    assert blocks_to_text([blocks]) == "deep down"
    row, reason = _row({"ts": TS, "blocks": [blocks]})
    assert reason is None and row["text"] == "deep down"


def test_an_undecodable_item_is_skipped_as_too_deeply_nested() -> None:
    assert _row(UndecodableMessage()) == (None, "too_deeply_nested")


class _BrokenUsers(dict):
    """A users mapping that fails on look-up, standing in for any bug met mid-message."""

    def __contains__(self, key: object) -> bool:
        raise RuntimeError("boom")


def test_any_unexpected_error_skips_only_that_message_with_its_type() -> None:
    row, reasons = message_row(
        CHANNEL, {"ts": TS, "user": "U1", "text": "x"}, _BrokenUsers(), FILTER
    )
    assert (row, reasons) == (None, ("unexpected_error:RuntimeError",))


def test_skip_counter_separates_policy_from_damage_and_keeps_20_examples() -> None:
    counter = SkipCounter()
    counter.note(("ignored_subtype:channel_join",), False, "a/2026-11-23.json", "1.000001")
    counter.note((), True, "a/2026-11-23.json", "1.000002")
    counter.note(("bad_field:files",), True, "a/2026-11-23.json", "1.000003")
    for index in range(30):
        counter.note(("ts_out_of_range",), False, "b/2026-11-23.json", f"99999999999{index % 10}.0")
    assert counter.counts == {"ignored_subtype:channel_join": 1, "ts_out_of_range": 30}
    assert counter.bad == {"bad_field:files": 1, "ts_out_of_range": 30}
    assert len(counter.examples) == 20
    assert counter.examples[0] == {
        "file": "a/2026-11-23.json",
        "ts": "1.000003",
        "reason": "bad_field:files",
        "kept": True,
    }
    counter.note(("missing_or_bad_ts",), False, "c.json", {"nested": ["x"] * 1000})
    assert counter.bad["missing_or_bad_ts"] == 1


def test_first_seen_keeps_the_first_of_two_messages_with_one_ts_per_channel() -> None:
    seen = FirstSeen()
    assert seen.is_first("C1", "1.000001") and not seen.is_first("C1", "1.000001")
    assert seen.is_first("C2", "1.000001")


def test_reasons_from_payload_values_are_short_and_storable() -> None:
    _, reason = _row({"ts": TS, "subtype": "x\ud800" * 100, "text": "x"})
    assert reason is not None and len(reason) < 100 and "\ud800" not in reason
    assert _row({"ts": TS, "type": ["message"], "text": "x"}) == (None, "bad_type")


def test_first_seen_holds_every_channel_for_the_whole_run() -> None:
    """Channels sorted by name may bring one id back after another channel."""
    seen = FirstSeen()
    assert seen.is_first("C1", "1.000001") and seen.is_first("C2", "1.000001")
    assert not seen.is_first("C1", "1.000001")


def test_a_channel_id_is_never_cut_a_too_long_one_is_skipped() -> None:
    row, reasons = message_row(
        SlackChannel("C" + "0" * 40, "long"), {"ts": TS, "text": "hi"}, USERS, FILTER
    )
    assert (row, reasons) == (None, ("bad_channel_id",))


def test_message_row_names_every_repair() -> None:
    message = {"ts": TS, "text": "x\x00", "files": 3, "reactions": 7}
    row, reasons = message_row(CHANNEL, message, USERS, FILTER)
    assert row is not None
    assert reasons == ("bad_field:files", "bad_field:reactions", "cleaned:text")


def test_skip_counter_counts_every_reason_and_each_message_once() -> None:
    counter = SkipCounter()
    counter.note(("bad_field:files", "cleaned:text"), True, "a/2026-11-23.json", "1.000001")
    counter.note(("bad_field:files",), True, "a/2026-11-23.json", "1.000002")
    assert counter.bad == {"bad_field:files": 2, "cleaned:text": 1}
    assert counter.bad_total == 2 and counter.counts == {}
    assert counter.examples[0]["reason"] == "bad_field:files, cleaned:text"
