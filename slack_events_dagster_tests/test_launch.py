"""slack_events_dagster.launch: the workspace file a launch uses, and the run's hour tags."""

from pathlib import Path

import pytest

from slack_events_dagster.launch import hours_tags, workspace_file


def test_one_hour_is_the_partitions_own_tag_a_range_the_range_tags() -> None:
    assert hours_tags("2026-11-20-09:00", "2026-11-20-09:00") == {
        "dagster/partition": "2026-11-20-09:00"
    }
    assert hours_tags("2026-11-20-00:00", "2026-11-20-23:00") == {
        "dagster/asset_partition_range_start": "2026-11-20-00:00",
        "dagster/asset_partition_range_end": "2026-11-20-23:00",
    }


def test_the_workspace_is_the_one_given_else_the_instances_else_the_current_folders(
    tmp_path: Path,
) -> None:
    home, here = tmp_path / "home", tmp_path / "checkout"
    home.mkdir()
    here.mkdir()
    (here / "workspace.yaml").write_text("load_from: []\n")
    assert workspace_file(None, home, here) == here / "workspace.yaml"
    (home / "workspace.yaml").write_text("load_from: []\n")
    assert workspace_file(None, home, here) == home / "workspace.yaml"
    given = tmp_path / "other.yaml"
    given.write_text("load_from: []\n")
    assert workspace_file(given, home, here) == given


def test_a_missing_workspace_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        workspace_file(tmp_path / "absent.yaml", tmp_path, tmp_path)
    with pytest.raises(ValueError, match="--workspace PATH"):
        workspace_file(None, tmp_path, tmp_path)
