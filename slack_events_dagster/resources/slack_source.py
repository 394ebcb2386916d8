"""Where Slack messages come from: the SlackSource interface, with two implementations chosen by
`slack.source`: ExportSource (resources/slack_export.py, a workspace export) and ApiSource
(resources/slack_api.py, the Web API through SlackClient).

`source.read(start, end)` returns a MessageWindow: the window's rows in batches (read once, as
they are asked for) and what reading them found, counted by the window itself as it goes.
"""

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from slack_events_dagster.domain.messages import (
    DUPLICATE_TS,
    FirstSeen,
    MessageFilter,
    SkipCounter,
    SlackChannel,
    SlackUser,
    message_row,
)

PROGRESS_LOG_SECONDS = 10.0  # a long read says how far it got at most this often


class ProgressLog:
    """Progress lines of a long read, at most one per `every_seconds` and none before the first
    interval has passed: an hourly run's log stays short (each line is an event the instance
    stores), a backfill or a slow API read still shows that it moves."""

    def __init__(
        self,
        log: Any | None,
        every_seconds: float | None = None,  # PROGRESS_LOG_SECONDS
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._every = PROGRESS_LOG_SECONDS if every_seconds is None else every_seconds
        self._clock = clock
        self._last = clock()

    def info(self, message: str) -> None:
        if self._log is None:
            return
        now = self._clock()
        if now - self._last >= self._every:
            self._log.info(message)
            self._last = now


class SlackSourceError(RuntimeError):
    """The Slack source cannot be read; the message says which file or setting to fix."""


class PermanentSlackError(SlackSourceError):
    """Slack refused the request for a reason a retry cannot change (token, scope, channel,
    message): fix the setting or the Slack app, then run again. `code`: Slack's error code."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class MessageWindow(ABC):
    """One read of a time window's messages. `batches()` yields the kept rows (once); the
    counts (skipped and why, damaged input) grow as the batches are read and `metadata()`
    reports them for the materialization."""

    def __init__(
        self,
        channels: list[SlackChannel],
        message_filter: MessageFilter,
        workspace_url: str | None,
    ) -> None:
        self.channels = [channel.name for channel in channels]
        self.channel_ids = [channel.id for channel in channels]  # what the raw rows replace
        self.skipped = SkipCounter()
        self.bad_files: list[str] = []
        self._selected = channels
        self._filter = message_filter
        self._workspace_url = workspace_url
        self._first_seen = FirstSeen()  # one row per (channel, ts)

    @abstractmethod
    def batches(self) -> Iterator[list[dict[str, Any]]]:
        """The kept messages' rows, a batch at a time, so a long window is never all in memory."""

    def rows(self) -> list[dict[str, Any]]:
        """Every kept row at once, by channel, time and ts (tests, benchmarks, small windows)."""
        rows = [row for batch in self.batches() for row in batch]
        return sorted(rows, key=lambda r: (r["channel_id"], r["message_time"], r["ts"]))

    def metadata(self) -> dict[str, Any]:
        """What reading found, for the materialization (plain values; the asset wraps JSON)."""
        skipped = self.skipped
        found: dict[str, Any] = {
            "channels": self.channels,
            "skipped": skipped.total,
            "skipped_by_reason": dict(sorted(skipped.counts.items())),
            "bad_messages": skipped.bad_total,
            "bad_messages_by_reason": dict(sorted(skipped.bad.items())),
            "bad_message_examples": skipped.examples,
        }
        if self.bad_files:
            found["bad_files"] = self.bad_files
        return found

    def _row(
        self,
        channel: SlackChannel,
        message: Any,
        users: Mapping[str, SlackUser],
        source: str | None = None,
    ) -> dict[str, Any] | None:
        """The message's row, or None with the reason counted (naming `source` and the ts of
        damaged input); the first of two messages with one ts in a channel is kept."""
        row, reasons = message_row(channel, message, users, self._filter, self._workspace_url)
        if row is not None and not self._first_seen.is_first(row["channel_id"], row["ts"]):
            row, reasons = None, (DUPLICATE_TS,)
        ts = message.get("ts") if isinstance(message, dict) else None
        self.skipped.note(reasons, row is not None, source or f"#{channel.name}", ts)
        return row


class SlackSource(ABC):
    """Messages of a time window from somewhere Slack keeps them."""

    name: str  # the slack.source value this class implements

    @abstractmethod
    def read(self, start: datetime, end: datetime, log: Any | None = None) -> MessageWindow:
        """The kept messages with start <= ts < end in the selected channels. The channels are
        resolved (and the source checked) here, so a wrong setting fails before any batch."""


def select_channels(available: list[SlackChannel], wanted: list[str]) -> list[SlackChannel]:
    """The whitelisted channels (by id or name, '#' optional); every channel when none listed."""
    if not wanted:
        return available
    by_key = {c.id: c for c in available} | {c.name: c for c in available}
    chosen, unknown = [], []
    for entry in wanted:
        channel = by_key.get(entry.lstrip("#"))
        if channel is None:
            unknown.append(entry)
        elif channel not in chosen:
            chosen.append(channel)
    if unknown:
        names = ", ".join(sorted(c.name for c in available))
        raise SlackSourceError(
            f"slack.channels lists {unknown} which the workspace does not have (available: {names})"
        )
    return chosen
