"""benchmarks/thread_coverage.py: the thread replies an hourly API run reaches, on real data."""

import json
from pathlib import Path

import pytest

from benchmarks.thread_coverage import main, measure_all, measure_export
from slack_events_dagster.settings import SlackSettings
from slack_events_dagster_tests.conftest import REAL_SLACK_EXPORTS

DAY = 86_400


def _write_export(root: Path) -> Path:
    """Replies 1, 20 and 100 days after their parent; 20 and 100 days after one parent."""
    export = root / "tiny"
    (export / "general").mkdir(parents=True)
    (export / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    start = 1_700_000_000
    messages = []
    for n, (gap, extra) in enumerate([(1, None), (20, None), (100, None), (20, 100)]):
        parent = f"{start + n * 1000}.000000"
        messages.append({"ts": parent, "text": "parent", "thread_ts": parent})
        messages.append({"ts": f"{start + n * 1000 + gap * DAY}.000000", "thread_ts": parent})
        if extra is not None:
            messages.append({"ts": f"{start + n * 1000 + extra * DAY}.000000", "thread_ts": parent})
    (export / "general" / "2023-11-14.json").write_text(json.dumps(messages))
    return export


def test_coverage_by_parent_age_and_by_registry(tmp_path: Path) -> None:
    report = measure_export(_write_export(tmp_path))
    assert report["replies"] == 5
    windows = report["windows"]
    assert windows[7]["parent_within"] == 0.2  # the 1-day reply
    assert windows[30]["parent_within"] == 0.6  # and the 20-day ones
    assert windows[90]["parent_within"] == 0.6  # never the 100-day ones
    assert windows[7]["registry"] == 0.2  # a first reply after 7 days is never registered
    assert windows[90]["registry"] == 0.4  # 100 days after the parent, 80 after a reply
    assert windows[7]["history_items_max"] >= 1


@pytest.mark.skipif(not REAL_SLACK_EXPORTS.is_dir(), reason="../shared/real_slack is absent")
def test_the_default_thread_window_reaches_99_percent_on_real_exports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    default_days = SlackSettings().thread_window_days
    reports = measure_all(REAL_SLACK_EXPORTS, (7, 30, 90, default_days))
    threaded = {r["export"]: r for r in reports if r["replies"]}
    assert {"olake", "openlineage", "rcontributors"} <= set(threaded)
    assert threaded["olake"]["windows"][7]["parent_within"] < 0.85  # the 19 % missed
    for report in threaded.values():
        assert report["windows"][default_days]["parent_within"] >= 0.99, report["export"]
    assert main([str(REAL_SLACK_EXPORTS)]) == 0
    assert "rcontributors" in capsys.readouterr().out
