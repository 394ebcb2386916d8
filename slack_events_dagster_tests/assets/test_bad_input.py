"""One damaged message never fails the range: it is skipped or repaired, counted and named, and
the other messages still load, the same way on SQLite and PostgreSQL 16 (issue #13)."""

import json
from pathlib import Path
from typing import Any

import dagster as dg

from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.helpers import materialize_range, table_rows

HOUR = "2026-11-23-09:00"
BASE = 1795424400  # 2026-11-23 09:00 UTC
LONG_ID = "U" + "L" * 39  # over the old 32-character column


def _ts(second: int) -> str:
    return f"{BASE + second}.000100"


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"type": "rich_text_section", "elements": [leaf]}
    return leaf


def _message(second: int, text: str, user: str = "U1", **fields: Any) -> dict[str, Any]:
    return {"type": "message", "ts": _ts(second), "user": user, "text": text, **fields}


GENERAL = [
    _message(60, "Launch party on Friday 28 November at 17:00"),
    _message(0, "from the year 33658") | {"ts": "999999999999.000000"},
    _message(120, "first copy"),
    _message(120, "second copy with the same ts"),
    _message(180, "attachments five", attachments=5),
    _message(240, "reactions seven", reactions=7),
    _message(300, "profile oops", user="U404", user_profile="oops"),
    _message(360, "files three", files=3),
    _message(420, "nul\u0000byte"),
    _message(480, "lone \ud800 surrogate"),
    _message(540, "profile is a list", user="U2"),
    _message(600, "a very long display name", user="U3"),
    _message(660, "a very long user id", user=LONG_ID),
    _message(720, "", blocks=[_nested(400, {"type": "text", "text": "400 deep, walked"})]),
]
# 3,000 levels: too deep for json.dumps to write or json.loads to read, so written by hand.
DEEP_MESSAGE = (
    f'{{"type": "message", "ts": "{_ts(780)}", "user": "U1", "blocks": ['
    + '{"type": "rich_text_section", "elements": [' * 3000
    + '{"type": "text", "text": "too deep"}'
    + "]}" * 3000
    + "]}"
)
USERS = [
    {"id": "U1", "name": "maria", "profile": {"display_name": "maria"}},
    {"id": "U2", "name": "lee", "real_name": "Lee K", "profile": ["not", "a", "dict"]},
    {"id": "U3", "name": "long", "profile": {"display_name": "n" * 300}},
    {"id": LONG_ID, "name": "longid", "profile": {"display_name": "longid"}},
]


def _damaged_export(root: Path) -> Path:
    export = root / "export"
    for name in ("general", "random", "engineering"):
        (export / name).mkdir(parents=True)
    channels = [
        {"id": "C0GEN00001", "name": "general"},
        {"id": "C0RND00001", "name": "random"},
        {"id": "C0ENG00001", "name": "engineering"},
        {"id": "C0EVIL0001", "name": "../outside"},
    ]
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")
    (export / "users.json").write_text(json.dumps(USERS), encoding="utf-8")
    (export / "general" / "2026-11-23.json").write_text(json.dumps(GENERAL), encoding="utf-8")
    # The parser cannot decode this message; the one after it in the file still loads.
    after = json.dumps(_message(840, "after the deep one"))
    (export / "engineering" / "2026-11-23.json").write_text(
        f"[{DEEP_MESSAGE}, {after}]", encoding="utf-8"
    )
    (export / "random" / "2026-11-23.json").write_text(
        "[" * 100_000 + "]" * 100_000, encoding="utf-8"
    )
    (export / "random" / "2026-11-22.json").write_text(
        json.dumps([_message(-3600, "random still loads")]), encoding="utf-8"
    )
    outside = root / "outside"
    outside.mkdir()
    (outside / "2026-11-23.json").write_text(
        json.dumps([_message(900, "SECRET from outside the export")]), encoding="utf-8"
    )
    return export


def test_damaged_messages_are_skipped_or_repaired_and_the_rest_loads(
    any_settings: Settings, tmp_path: Path
) -> None:
    any_settings.slack = any_settings.slack.model_copy(
        update={"export_path": str(_damaged_export(tmp_path))}
    )
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_range(
        any_settings, "2026-11-23-08:00", "2026-11-23-09:00", instance=instance
    )
    assert result.success
    warnings = [log.user_message for log in instance.all_logs(result.run_id)]
    assert len([w for w in warnings if "The export names no workspace" in w]) == 1
    assert any("damaged messages skipped or repaired" in w for w in warnings)

    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    assert metadata["bad_messages_by_reason"].value == {
        "bad_field:attachments": 1,
        "bad_field:files": 1,
        "bad_field:reactions": 1,
        "bad_field:user_profile": 1,
        "cleaned:text": 2,
        "duplicate_ts": 1,
        "too_deeply_nested": 2,
        "truncated:user_name": 1,
        "ts_out_of_range": 1,
    }
    skipped = metadata["skipped_by_reason"].value
    assert skipped["ts_out_of_range"] == skipped["duplicate_ts"] == 1
    assert skipped["too_deeply_nested"] == 2 and skipped["unsafe_channel"] == 1
    examples = metadata["bad_message_examples"].value
    assert {
        "file": "general/2026-11-23.json",
        "ts": "999999999999.000000",
        "reason": "ts_out_of_range",
        "kept": False,
    } in examples
    assert {
        "file": "random/2026-11-23.json",
        "ts": "<NoneType>",
        "reason": "too_deeply_nested",
        "kept": False,
    } in examples
    assert any("'../outside'" in note for note in metadata["bad_files"].value)

    rows = {row["text"]: row for row in table_rows(any_settings, "raw_slack_messages")}
    assert set(rows) == {
        "Launch party on Friday 28 November at 17:00",
        "first copy",
        "attachments five",
        "reactions seven",
        "profile oops",
        "files three",
        "nulbyte",
        "lone  surrogate",
        "profile is a list",
        "a very long display name",
        "a very long user id",
        "400 deep, walked",
        "after the deep one",
        "random still loads",
    }
    assert rows["attachments five"]["attachment_count"] == 0
    assert rows["profile oops"]["user_name"] == "U404"
    assert rows["profile is a list"]["user_name"] == "Lee K"
    assert rows["a very long display name"]["user_name"] == "n" * 255
    assert rows["a very long user id"]["user_id"] == LONG_ID
    assert all(row["permalink"] is None for row in rows.values())  # the export names no workspace
    assert table_rows(any_settings, "event_candidates"), "the later assets ran on these rows"


def test_a_channel_id_listed_twice_loads_once_and_the_later_entry_is_refused(
    any_settings: Settings, tmp_path: Path
) -> None:
    """channels.json names C1 as 'a' and again as 'z' (sorted after 'm'): the same message in
    both folders would collide on (channel_id, ts) and fail the range."""
    export = tmp_path / "export"
    channels = [
        {"id": "C0DUP00001", "name": "a"},
        {"id": "C0MID00001", "name": "m"},
        {"id": "C0DUP00001", "name": "z"},
    ]
    for entry in channels:
        (export / entry["name"]).mkdir(parents=True)
        day = [_message(60, f"Launch on Friday 28 November, said in #{entry['name']}")]
        (export / entry["name"] / "2026-11-23.json").write_text(json.dumps(day), encoding="utf-8")
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")
    (export / "users.json").write_text(json.dumps(USERS), encoding="utf-8")
    any_settings.slack = any_settings.slack.model_copy(update={"export_path": str(export)})

    result = materialize_range(any_settings, "2026-11-23-09:00", raise_on_error=False)

    assert result.success
    rows = table_rows(any_settings, "raw_slack_messages")
    assert [(row["channel_id"], row["channel_name"]) for row in rows] == [
        ("C0DUP00001", "a"),
        ("C0MID00001", "m"),
    ]
    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    assert metadata["skipped_by_reason"].value == {"duplicate_channel_id": 1}
    [note] = metadata["bad_files"].value
    assert "'z'" in note and "C0DUP00001" in note and "'a'" in note
