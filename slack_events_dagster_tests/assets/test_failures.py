"""Bad input and crashes never leave a half-written partition."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from slack_events_dagster.definitions import build_resources
from slack_events_dagster.resources.extractor import Extractor, ExtractorResource
from slack_events_dagster.resources.rules_extractor import RulesExtractor
from slack_events_dagster.settings import Settings
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT, make_settings
from slack_events_dagster_tests.helpers import (
    dump_tables,
    failure_text,
    materialize_range,
    table_rows,
)

HOUR = "2026-11-23-09:00"


class ExplodingRules(RulesExtractor):
    """Extracts the first message normally, then fails like a crashing model would."""

    def extract_batch(self, messages, log=None):
        produced, _ = super().extract_batch(messages[:1], log)
        assert produced, "the crash must come after some events were produced"
        raise RuntimeError("extractor crashed after producing some events")


class ExplodingExtractor(ExtractorResource):
    """The extractor resource, giving the exploding extractor whatever extractor.type says."""

    def create(self) -> Extractor:
        return ExplodingRules(self.extractor)


def test_failure_inside_an_asset_keeps_the_previous_rows(any_settings: Settings) -> None:
    assert materialize_range(any_settings, HOUR).success
    before = dump_tables(any_settings)
    assert table_rows(any_settings, "events")

    result = materialize_range(
        any_settings,
        HOUR,
        resources={
            "extractor": ExplodingExtractor(database=build_resources(any_settings)["database"])
        },
        raise_on_error=False,
    )
    assert not result.success
    assert dump_tables(any_settings) == before


def _copy_export(tmp_path: Path) -> Path:
    export = tmp_path / "export"
    shutil.copytree(SAMPLE_EXPORT, export)
    return export


def test_malformed_export_input_is_skipped_and_counted(tmp_path: Path) -> None:
    export = _copy_export(tmp_path)
    (export / "incidents" / "2026-11-23.json").write_text("[{ this is not json", encoding="utf-8")
    day = export / "releases" / "2026-11-23.json"
    messages = json.loads(day.read_text(encoding="utf-8"))
    del messages[0]["ts"]
    messages[1]["subtype"] = "brand_new_subtype"
    day.write_text(json.dumps(messages), encoding="utf-8")
    settings = make_settings(tmp_path, SLACK_EXPORT_PATH=str(export))

    result = materialize_range(settings, "2026-11-23-00:00", "2026-11-23-23:00")
    assert result.success
    metadata = result.asset_materializations_for_node("raw_slack_messages")[0].metadata
    reasons = metadata["skipped_by_reason"].value
    assert reasons["bad_file"] == 1
    assert reasons["unknown_subtype:brand_new_subtype"] == 1
    assert reasons["missing_or_bad_ts"] >= 1
    assert "incidents/2026-11-23.json" in metadata["bad_files"].value[0]
    assert "invalid JSON" in metadata["bad_files"].value[0]
    assert not [
        r
        for r in table_rows(settings, "raw_slack_messages")
        if r["channel_name"] == "incidents" and r["partition_hour"].day == 23
    ]


def test_missing_channels_json_fails_naming_the_file(tmp_path: Path) -> None:
    export = _copy_export(tmp_path)
    (export / "channels.json").unlink()
    settings = make_settings(tmp_path, SLACK_EXPORT_PATH=str(export))
    result = materialize_range(settings, HOUR, raise_on_error=False)
    assert not result.success
    failure = failure_text(result)
    assert "channels.json is missing" in failure


def test_zipped_export_gives_the_same_rows_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for file in SAMPLE_EXPORT.rglob("*.json"):
            handle.write(file, Path("acme-export") / file.relative_to(SAMPLE_EXPORT))
    from_zip = make_settings(tmp_path / "zip", SLACK_EXPORT_PATH=str(archive))
    from_folder = make_settings(tmp_path / "folder")
    materialize_range(from_zip, "2026-11-23-08:00", "2026-11-23-11:00")
    materialize_range(from_folder, "2026-11-23-08:00", "2026-11-23-11:00")
    assert dump_tables(from_zip) == dump_tables(from_folder)
    assert table_rows(from_zip, "raw_slack_messages")


def test_unknown_whitelisted_channel_is_a_clear_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, SLACK_CHANNELS="releases,#no-such-channel")
    result = materialize_range(settings, HOUR, raise_on_error=False)
    message = failure_text(result)
    assert "['#no-such-channel']" in message and "available: engineering" in message


def test_channel_whitelist_keeps_only_those_channels(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, SLACK_CHANNELS="#releases,C0A1ENG0001")
    materialize_range(settings, "2026-11-23-00:00", "2026-11-23-23:00")
    channels = {r["channel_name"] for r in table_rows(settings, "raw_slack_messages")}
    assert channels == {"releases", "engineering"}


@pytest.mark.parametrize("bad", ["[1, 2", '{"not": "a list"}'])
def test_unusable_users_json_fails_naming_the_file(tmp_path: Path, bad: str) -> None:
    export = _copy_export(tmp_path)
    (export / "users.json").write_text(bad, encoding="utf-8")
    settings = make_settings(tmp_path, SLACK_EXPORT_PATH=str(export))
    result = materialize_range(settings, HOUR, raise_on_error=False)
    assert not result.success
    assert "users.json" in failure_text(result)
