"""Reading export day files: big ones are decoded a message at a time, still all or nothing;
hostile exports (paths out of the export, zip bombs, deep nesting) are refused or skipped."""

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from slack_events_dagster.resources import slack_export
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.resources.slack_export import ExportSource, SlackExport
from slack_events_dagster.resources.slack_source import MessageWindow
from slack_events_dagster.settings import SlackSettings
from slack_events_dagster_tests.conftest import REAL_SLACK_EXPORTS, SAMPLE_EXPORT

START, END = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)


class Fetched(NamedTuple):
    rows: list[dict[str, Any]]
    read: MessageWindow


def _fetch(export: Path, **settings: Any) -> Fetched:
    """Every kept row of START..END and what reading them found."""
    resource = SlackResource(slack=SlackSettings(export_path=str(export), **settings))
    read = resource.read(START, END)
    return Fetched(read.rows(), read)


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
    monkeypatch.setattr(slack_export, "BATCH_ROWS", 7)
    found = SlackResource(slack=SlackSettings(export_path=str(export))).read(START, END)
    batches = list(found.batches())
    assert max(len(batch) for batch in batches) <= 7
    assert sorted(row["ts"] for batch in batches for row in batch) == sorted(
        row["ts"] for row in expected.rows
    )
    assert (
        found.files_read == expected.read.files_read
        and found.skipped.counts == expected.read.skipped.counts
    )


def test_a_big_day_file_is_decoded_once_for_a_window(
    export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An hour of a busy day: one pass keeps that hour's messages, with no separate check pass
    over the whole file (which doubled the parsing of the hourly run)."""
    expected = _fetch(export).rows

    def check_pass(text: str) -> None:
        raise AssertionError("the file was decoded twice")

    monkeypatch.setattr(slack_export, "LARGE_FILE_BYTES", 0)
    monkeypatch.setattr(slack_export, "_check_array", check_pass)
    assert sorted(row["ts"] for row in _fetch(export).rows) == sorted(r["ts"] for r in expected)


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
    assert result.read.skipped.counts["bad_file"] == 1
    assert str(day.relative_to(export)) in result.read.bad_files[0]
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


# Hostile exports (issue #13): nothing outside the export is read, no file is read unbounded.

IN_WINDOW = "1795435200.000100"  # 2026-11-24 09:20 UTC, inside START..END


def _day(*messages: object) -> str:
    return json.dumps(list(messages))


@pytest.mark.parametrize(
    "name", ["../../outside", "/ABSOLUTE", "nested/../../outside", "..", "a\\b"]
)
def test_a_channel_name_that_leaves_the_export_is_refused(
    export: Path, tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = {"type": "message", "ts": IN_WINDOW, "text": "SECRET from outside"}
    (outside / "2026-11-24.json").write_text(_day(planted), encoding="utf-8")
    if name == "/ABSOLUTE":
        name = str(outside)
    channels = json.loads((export / "channels.json").read_text(encoding="utf-8"))
    channels.append({"id": "C0EVIL0001", "name": name})
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")

    result = _fetch(export)
    assert not [row for row in result.rows if "SECRET" in row["text"]]
    assert result.read.skipped.counts["unsafe_channel"] == 1
    assert any("C0EVIL0001" in note and "not read" in note for note in result.read.bad_files)
    assert result.rows, "the export's other channels still load"


def test_a_channel_folder_that_links_outside_the_export_is_not_read(
    export: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = {"type": "message", "ts": IN_WINDOW, "text": "SECRET via symlink"}
    (outside / "2026-11-24.json").write_text(_day(planted), encoding="utf-8")
    shutil.rmtree(export / "random")
    (export / "random").symlink_to(outside, target_is_directory=True)

    result = _fetch(export)
    assert not [row for row in result.rows if "SECRET" in row["text"]]
    assert any("outside the export" in note for note in result.read.bad_files)


BOMB = "random/2026-11-24.json"


def test_a_zip_bomb_day_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """300 MB of zeros compress to about 300 KB: the declared size is checked, nothing decoded."""
    archive = tmp_path / "bomb.zip"
    zeros = b"0" * (1 << 20)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for file in SAMPLE_EXPORT.rglob("*.json"):
            if file.relative_to(SAMPLE_EXPORT) != Path(BOMB):
                handle.write(file, file.relative_to(SAMPLE_EXPORT))
        with handle.open(BOMB, "w", force_zip64=True) as day:
            day.write(b"[")
            for _ in range(300):
                day.write(zeros)
    assert archive.stat().st_size < 5_000_000

    result = _fetch(archive)
    assert result.read.skipped.counts["bad_file"] == 1
    [note] = result.read.bad_files
    assert BOMB in note and "over the 268,435,456 byte limit" in note
    assert "SLACK_MAX_EXPORT_FILE_MB" in note
    assert result.rows, "the other day files still load"


def test_a_folder_file_over_the_limit_is_refused_naming_it_and_the_setting(export: Path) -> None:
    day = next(export.glob("incidents/*.json"))
    reader = SlackExport(export, max_file_bytes=day.stat().st_size - 1)
    with pytest.raises(ValueError, match=r"incidents/.*over the .* byte limit") as raised:
        reader.read_messages(str(day.relative_to(export)))
    assert "slack.max_export_file_mb in config.yaml or SLACK_MAX_EXPORT_FILE_MB" in str(
        raised.value
    )


@pytest.mark.parametrize("big", [False, True])
def test_a_message_nested_too_deeply_is_skipped_and_the_file_still_loads(
    export: Path, monkeypatch: pytest.MonkeyPatch, big: bool
) -> None:
    if big:
        monkeypatch.setattr(slack_export, "LARGE_FILE_BYTES", 0)
    deep = '{"type": "message", "ts": "1795435200.000200", "blocks": ' + "[" * 3000 + "]" * 3000
    good = json.dumps({"type": "message", "ts": "1795435200.000300", "text": 'kept ] [ " {'})
    day = export / "incidents" / "2026-11-24.json"
    day.write_text(f"[{deep}}}, {good}]", encoding="utf-8")

    result = _fetch(export)
    assert [row["text"] for row in result.rows if row["ts"] == "1795435200.000300"] == [
        'kept ] [ " {'
    ]
    assert result.read.skipped.counts["too_deeply_nested"] == 1
    assert result.read.skipped.examples[0]["file"] == "incidents/2026-11-24.json"


def test_a_day_file_of_100000_nested_arrays_is_skipped_not_a_crash(export: Path) -> None:
    day = export / "incidents" / "2026-11-24.json"
    day.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = _fetch(export)
    assert result.read.skipped.counts["too_deeply_nested"] == 1
    assert result.rows
    (export / "users.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(slack_export.SlackSourceError, match=r"users\.json: JSON nested too deeply"):
        SlackExport(export).users()


def test_the_workspace_url_comes_from_the_export_when_it_says() -> None:
    assert SlackExport(SAMPLE_EXPORT).workspace_url() == "https://acme-demo.slack.com"
    rows = _fetch(SAMPLE_EXPORT).rows
    assert rows and all(
        row["permalink"].startswith("https://acme-demo.slack.com/archives/") for row in rows
    )
    explicit = _fetch(SAMPLE_EXPORT, workspace_url="https://x.slack.com")
    assert explicit.rows[0]["permalink"].startswith("https://x.slack")


@pytest.mark.skipif(not REAL_SLACK_EXPORTS.is_dir(), reason="../shared/real_slack is absent")
@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("olake", "https://getolake.slack.com"),
        ("rcontributors", "https://r-contributors.slack.com"),
        ("openlineage", "https://openlineage.slack.com"),
        ("houstondatavis", "https://houstondatavis.slack.com"),
    ],
)
def test_real_exports_name_their_workspace_in_file_permalinks(name: str, url: str) -> None:
    assert SlackExport(REAL_SLACK_EXPORTS / name).workspace_url() == url


def test_an_export_that_names_no_workspace_gets_no_permalinks(export: Path) -> None:
    for day in export.glob("*/*.json"):
        text = day.read_text(encoding="utf-8").replace("acme-demo.slack.com", "files.example")
        day.write_text(text, encoding="utf-8")
    assert SlackExport(export).workspace_url() is None
    rows = _fetch(export).rows
    assert rows and all(row["permalink"] is None for row in rows)


def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "export.zip"
    broken.write_bytes(b"PK\x03\x04 truncated download")
    with pytest.raises(slack_export.SlackSourceError, match=r"export\.zip is neither a folder"):
        SlackExport(broken)


def test_a_channel_id_listed_twice_keeps_its_first_entry(export: Path) -> None:
    channels = json.loads((export / "channels.json").read_text(encoding="utf-8"))
    first = channels[0]
    channels.append({"id": first["id"], "name": "zz-copy"})
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")
    shutil.copytree(export / first["name"], export / "zz-copy")

    reader = SlackExport(export)
    listed = reader.channels()
    assert [c.name for c in listed if c.id == first["id"]] == [first["name"]]
    [refused] = reader.refused_channels
    assert refused.kind == "duplicate_channel_id" and "'zz-copy'" in refused.note
    result = _fetch(export)
    keys = [(row["channel_id"], row["ts"]) for row in result.rows]
    assert len(keys) == len(set(keys)) and result.read.skipped.counts["duplicate_channel_id"] == 1


def test_a_channel_id_longer_than_its_column_is_refused_not_cut(export: Path) -> None:
    channels = json.loads((export / "channels.json").read_text(encoding="utf-8"))
    channels[0]["id"] = "C" + "0" * 40
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")

    reader = SlackExport(export)
    assert channels[0]["name"] not in [c.name for c in reader.channels()]
    [refused] = reader.refused_channels
    assert refused.kind == "unsafe_channel" and "longer than 32 characters" in refused.note
    assert _fetch(export).read.skipped.counts["unsafe_channel"] == 1


def test_every_repair_of_a_message_is_counted(export: Path) -> None:
    two_repairs = {"ts": IN_WINDOW, "text": "two repairs", "files": 3, "reactions": 7}
    (export / "incidents" / "2026-11-24.json").write_text(_day(two_repairs), encoding="utf-8")
    result = _fetch(export)
    assert result.read.skipped.bad == {"bad_field:files": 1, "bad_field:reactions": 1}
    assert result.read.skipped.bad_total == 1  # one damaged message
    [example] = result.read.skipped.examples
    assert example["reason"] == "bad_field:files, bad_field:reactions"


def test_the_workspace_url_follows_changes_inside_channel_folders(export: Path) -> None:
    assert SlackExport(export).workspace_url() == "https://acme-demo.slack.com"
    for day in export.glob("*/*.json"):  # same sizes: the folder itself looks unchanged
        text = day.read_text(encoding="utf-8").replace("acme-demo.slack.com", "acme-demx.slack.com")
        day.write_text(text, encoding="utf-8")
    assert SlackExport(export).workspace_url() == "https://acme-demx.slack.com"


def test_the_resource_reads_the_export_within_its_file_size_setting(export: Path) -> None:
    resource = SlackResource(slack=SlackSettings(export_path=str(export), max_export_file_mb=1))
    source = resource.source()
    assert isinstance(source, ExportSource) and source.export().max_file_bytes == 1024 * 1024
