"""The `slack` resource: messages of a time window from a workspace export (or, later, the API)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import dagster as dg

from slack_events_dagster.domain.messages import (
    MessageFilter,
    SkipCounter,
    SlackChannel,
    message_row,
    parse_ts,
    ts_to_datetime,
)
from slack_events_dagster.resources.slack_export import SlackExport, SlackSourceError


@dataclass
class FetchResult:
    rows: list[dict[str, Any]]
    skipped: SkipCounter = field(default_factory=SkipCounter)
    bad_files: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    files_read: int = 0


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


class SlackResource(dg.ConfigurableResource):
    """Slack messages for a time window, from a workspace export or the Web API."""

    source: Literal["export", "api"] = "export"
    export_path: str = "sample_data/slack_export"
    channels: list[str] = []
    include_bots: bool = True
    ignored_subtypes: list[str] = []
    workspace_url: str | None = None

    @property
    def message_filter(self) -> MessageFilter:
        return MessageFilter(frozenset(self.ignored_subtypes), self.include_bots)

    def fetch_messages(self, start: datetime, end: datetime, log: Any | None = None) -> FetchResult:
        """Every kept message with start <= ts < end in the whitelisted channels."""
        if self.source != "export":
            raise SlackSourceError("slack.source 'api' is not supported by this build yet")
        return self._from_export(start, end, log)

    def _from_export(self, start: datetime, end: datetime, log: Any | None) -> FetchResult:
        export = SlackExport(Path(self.export_path))
        channels = select_channels(export.channels(), self.channels)
        users = export.users()
        result = FetchResult(rows=[], channels=[c.name for c in channels])
        # Day files are named by date; read one extra day each side so the export's time zone
        # cannot hide a message, then keep exactly the window.
        first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
        for channel in channels:
            for relative in export.day_files(channel, first, last):
                result.files_read += 1
                try:
                    payload = export.read_json(relative)
                except ValueError as error:
                    result.bad_files.append(str(error))
                    result.skipped.add("bad_file")
                    if log is not None:
                        log.warning(f"Skipping unreadable export file: {error}")
                    continue
                if not isinstance(payload, list):
                    result.bad_files.append(f"{relative}: expected a JSON list of messages")
                    result.skipped.add("bad_file")
                    continue
                for message in payload:
                    ts = message.get("ts") if isinstance(message, dict) else None
                    if parse_ts(ts) is not None and not start <= ts_to_datetime(ts) < end:
                        continue  # another partition's message
                    row, reason = message_row(
                        channel, message, users, self.message_filter, self.workspace_url
                    )
                    if row is None:
                        result.skipped.add(reason or "unknown")
                    else:
                        result.rows.append(row)
        result.rows.sort(key=lambda r: (r["channel_id"], r["message_time"], r["ts"]))
        return result
