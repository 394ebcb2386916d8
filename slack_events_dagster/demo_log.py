"""The demo's quiet console: every Dagster event to a log file, one line per step on the console.

A Dagster logger (`demo_loggers`) writes each record to the file, in the console logger's format,
and hands the step events to `DemoConsole`. That prints a line per asset step with the counts from
its materialisation metadata, one line for the asset checks, and, while a step runs longer than
PROGRESS_EVERY_SECONDS, its latest progress message (e.g. "Digests up to 2026-12-20 built").
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import dagster as dg

PROGRESS_EVERY_SECONDS = 5.0
LOG_FORMAT = "%(asctime)s - dagster - %(levelname)s - %(message)s"


def _value(metadata: Mapping[str, Any], key: str) -> Any:
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def step_summary(step: str, metadata: Mapping[str, Any]) -> str:
    """One console line for an asset step, from its materialisation metadata."""
    hours = _value(metadata, "partition_hours")
    rows = _value(metadata, "dagster/row_count")
    if step == "raw_slack_messages":
        counts = (
            f"{_value(metadata, 'messages')} messages ({_value(metadata, 'thread_replies')} "
            f"replies) from {len(_value(metadata, 'channels') or [])} channels, "
            f"{_value(metadata, 'skipped')} skipped, {_value(metadata, 'bad_messages')} bad"
        )
    elif step == "event_candidates":
        counts = (
            f"{_value(metadata, 'messages_scored')} messages scored, "
            f"{_value(metadata, 'candidates')} candidates"
        )
    elif step == "events":
        counts = (
            f"{_value(metadata, 'events')} events from {_value(metadata, 'candidates')} "
            f"candidates ({_value(metadata, 'extractor')} extractor)"
        )
    elif step == "digests":
        counts = (
            f"{_value(metadata, 'digests')} digests, {_value(metadata, 'events_in_latest')} "
            "events in the latest"
        )
    elif step == "digest_posts":
        counts = (
            f"{_value(metadata, 'posted')} posted, {_value(metadata, 'updated')} updated, "
            f"{_value(metadata, 'skipped')} not due"
        )
    else:
        counts = f"{rows} rows"
    return f"  {step:<19} {counts}" + (f"  [{hours} hours]" if hours is not None else "")


def checks_summary(evaluations: list[dg.AssetCheckEvaluation]) -> str:
    """One console line for the asset checks: how many passed, and the name of each that did not."""
    failed = [
        f"{evaluation.check_name} ({evaluation.severity.value})"
        for evaluation in evaluations
        if not evaluation.passed
    ]
    line = f"  {'asset checks':<19} {len(evaluations) - len(failed)} of {len(evaluations)} passed"
    return line + (f"; not passed: {', '.join(failed)}" if failed else "")


class DemoConsole(logging.Handler):
    """Turns the run's Dagster events into a few console lines (see the module docstring)."""

    def __init__(
        self, out: TextIO, clock: Callable[[], float] = time.monotonic, checks_expected: int = 0
    ) -> None:
        super().__init__(level=logging.DEBUG)
        self.out = out
        self.clock = clock
        self.checks_expected = checks_expected
        self.metadata: dict[str, Mapping[str, Any]] = {}
        self.checks: list[dg.AssetCheckEvaluation] = []
        self.failed = False  # after a failure, the skipped steps' warnings are left to the file
        self.last_line_at = clock()

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)
        self.last_line_at = self.clock()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            if record.levelno >= logging.WARNING and not self.failed:
                self._print(f"  {step or 'run'}: {meta.get('orig_message', record.getMessage())}")
            elif self.clock() - self.last_line_at >= PROGRESS_EVERY_SECONDS:
                self._print(f"  {step:<19} ... {meta.get('orig_message', record.getMessage())}")
            return
        if event.event_type == dg.DagsterEventType.STEP_START:
            self.last_line_at = self.clock()  # progress only for a step that runs long
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            self.metadata[step] = event.step_materialization_data.materialization.metadata
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            self.checks.append(event.asset_check_evaluation_data)
            if len(self.checks) == self.checks_expected:
                self._print(checks_summary(self.checks))
        elif event.is_step_success and step in self.metadata:
            self._print(step_summary(step, self.metadata[step]))
        elif event.is_step_failure:
            self.failed = True
            self._print(f"  {step:<19} FAILED: {meta.get('orig_message', '')}")


def demo_loggers(log_file: TextIO, console: DemoConsole) -> dict[str, dg.LoggerDefinition]:
    """The run's only logger: every record to `log_file`, the step events to `console`."""

    @dg.logger(config_schema=None, description="The demo's log file and its short console summary.")
    def demo_logger(_: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger("slack_events_demo", level=logging.DEBUG)
        file_handler = logging.StreamHandler(log_file)
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(file_handler)
        logger.addHandler(console)
        return logger

    return {"demo": demo_logger}
