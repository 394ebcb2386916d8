"""The source side shared by export and API mode: progress lines of a long read."""

import pytest

from slack_events_dagster.resources import slack_source
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.resources.slack_source import ProgressLog
from slack_events_dagster.settings import SlackSettings
from slack_events_dagster_tests.conftest import SAMPLE_EXPORT
from slack_events_dagster_tests.resources.test_slack_export import END, START


class Lines:
    """A logger that keeps its info lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


def test_progress_lines_wait_a_whole_interval_then_come_at_most_once_per_interval() -> None:
    now = [100.0]
    log = Lines()
    progress = ProgressLog(log, every_seconds=10, clock=lambda: now[0])
    for second, message in ((0, "a"), (9.9, "b"), (10, "c"), (15, "d"), (19.9, "e"), (20, "f")):
        now[0] = 100.0 + second
        progress.info(message)
    assert log.lines == ["c", "f"]
    ProgressLog(None, every_seconds=0).info("no logger: nothing to do")


def _channel_lines() -> tuple[list[str], int]:
    """The per-channel lines of reading the sample export, and how many channels it read."""
    log = Lines()
    found = SlackResource(slack=SlackSettings(export_path=str(SAMPLE_EXPORT))).read(START, END, log)
    assert len(found.rows()) > 20
    return [line for line in log.lines if "messages in the window" in line], len(found.channels)


def test_a_quick_read_logs_no_line_per_channel_a_slow_one_says_how_far_it_got(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines, _ = _channel_lines()
    assert lines == []  # the sample reads in well under PROGRESS_LOG_SECONDS
    monkeypatch.setattr(slack_source, "PROGRESS_LOG_SECONDS", 0.0)
    lines, channels = _channel_lines()
    assert len(lines) == channels > 1
    assert lines[-1].endswith(f"(channel {channels} of {channels})")
