"""The demo console: progress lines only for a step that runs long, warnings always."""

import io
import logging

from slack_events_dagster.demo_log import PROGRESS_EVERY_SECONDS, DemoConsole


def _user_log(message: str, level: int = logging.INFO) -> logging.LogRecord:
    """A record as Dagster's log manager hands it to a logger for `context.log.info(message)`."""
    record = logging.LogRecord("dagster", level, __file__, 1, message, None, None)
    record.dagster_meta = {"dagster_event": None, "step_key": "digests", "orig_message": message}
    return record


def test_a_long_step_shows_its_latest_progress_message_at_most_every_few_seconds() -> None:
    now = [0.0]
    out = io.StringIO()
    console = DemoConsole(out, clock=lambda: now[0])
    for second in range(0, 12):
        now[0] = float(second)
        console.handle(_user_log(f"Digests up to day {second} built"))
    console.handle(_user_log("The export has a bad line", logging.WARNING))
    lines = out.getvalue().splitlines()
    assert lines == [
        f"  digests             ... Digests up to day {second} built"
        for second in (int(PROGRESS_EVERY_SECONDS), 2 * int(PROGRESS_EVERY_SECONDS))
    ] + ["  digests: The export has a bad line"]
