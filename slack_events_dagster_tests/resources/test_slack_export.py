"""Reading export day files: big ones are decoded a message at a time, still all or nothing."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slack_events_dagster.resources import slack_export
from slack_events_dagster.resources.slack import FetchResult, SlackResource
from slack_events_dagster.resources.slack_export import SlackExport
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT

START, END = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)


def _fetch(export: Path) -> FetchResult:
    return SlackResource(export_path=str(export)).fetch_messages(START, END)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    copy = tmp_path / "export"
    shutil.copytree(SAMPLE_EXPORT, copy)
    return copy


def test_big_files_give_the_same_rows_in_bounded_batches(
    export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _fetch(export)
    monkeypatch.setattr(slack_export, "LARGE_FILE_BYTES", 0)  # every file takes the big path
    monkeypatch.setattr("slack_events_dagster.resources.slack.BATCH_ROWS", 7)
    found = FetchResult()
    batches = list(SlackResource(export_path=str(export)).message_batches(START, END, found))
    assert max(len(batch) for batch in batches) <= 7
    assert sorted(row["ts"] for batch in batches for row in batch) == sorted(
        row["ts"] for row in expected.rows
    )
    assert (
        found.files_read == expected.files_read and found.skipped.counts == expected.skipped.counts
    )


@pytest.mark.parametrize(
    "broken",
    [
        '[{"type": "message", "ts": "1795435200.000100", "text": "kept?"}, {"ts": ',
        '[{"type": "message", "ts": "1795435200.000100", "text": "kept?"}] trailing',
        '[{"type": "message", "ts": "1795435200.000100", "text": "kept?"} {"a": 1}]',
        '{"messages": []}',
    ],
)
def test_a_broken_big_file_gives_no_message_and_is_counted(
    export: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    day = next(export.glob("incidents/*.json"))
    day.write_text(broken, encoding="utf-8")
    monkeypatch.setattr(slack_export, "LARGE_FILE_BYTES", 0)
    result = _fetch(export)
    assert result.skipped.counts["bad_file"] == 1
    assert str(day.relative_to(export)) in result.bad_files[0]
    assert not [row for row in result.rows if row["text"] == "kept?"]


def test_the_broken_files_message_would_be_kept_from_a_good_file(export: Path) -> None:
    """The cases above are not vacuous: that message is in the window and kept when valid."""
    day = next(export.glob("incidents/*.json"))
    day.write_text(
        '[{"type": "message", "ts": "1795435200.000100", "text": "kept?"}]', encoding="utf-8"
    )
    assert [row["text"] for row in _fetch(export).rows if row["text"] == "kept?"] == ["kept?"]


def test_array_items_decodes_what_json_loads_decodes() -> None:
    text = ' \n[ {"a": [1, {"b": "]"}]} ,"x",\t3 , null ]\n'
    assert list(slack_export._array_items(text)) == json.loads(text)
    assert list(slack_export._array_items("[]")) == []
    reader = SlackExport(SAMPLE_EXPORT)
    assert reader.read_messages("no-such-channel/2026-11-23.json") is None
