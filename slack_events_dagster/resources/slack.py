"""The `slack` resource: messages of a time window from a workspace export (or, later, the API)."""

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import dagster as dg

from slack_events_dagster.domain.messages import (
    MessageFilter,
    SkipCounter,
    SlackChannel,
    SlackUser,
    message_row,
    parse_ts,
    ts_to_datetime,
    user_from_payload,
)


class SlackSourceError(RuntimeError):
    """The Slack source cannot be read; the message says which file or setting to fix."""


@dataclass
class FetchResult:
    rows: list[dict[str, Any]]
    skipped: SkipCounter = field(default_factory=SkipCounter)
    bad_files: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    files_read: int = 0


class SlackExport:
    """A Slack workspace export, as a folder or a .zip (optionally with one top-level folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise SlackSourceError(
                f"Slack export not found at {path}. Set slack.export_path in config.yaml or "
                "SLACK_EXPORT_PATH to a workspace export folder or .zip"
            )
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        self._prefix = self._find_prefix()

    def _find_prefix(self) -> str:
        if self._zip is None:
            return ""
        names = [n for n in self._zip.namelist() if PurePosixPath(n).name == "channels.json"]
        if not names:
            raise SlackSourceError(f"{self.path}: no channels.json inside the zip")
        return str(PurePosixPath(min(names, key=len)).parent).removeprefix(".").strip("/")

    def _label(self, relative: str) -> str:
        inner = f"{self._prefix}/{relative}" if self._prefix else relative
        return f"{self.path}!{inner}" if self._zip else str(self.path / relative)

    def _read_text(self, relative: str) -> str | None:
        if self._zip is not None:
            inner = f"{self._prefix}/{relative}" if self._prefix else relative
            try:
                return self._zip.read(inner).decode("utf-8")
            except KeyError:
                return None
        file = self.path / relative
        return file.read_text(encoding="utf-8") if file.is_file() else None

    def read_json(self, relative: str) -> Any:
        """Parsed JSON, None when absent; a ValueError naming the file when it is malformed."""
        try:
            raw = self._read_text(relative)
        except UnicodeDecodeError as error:
            raise ValueError(f"{self._label(relative)}: not UTF-8 ({error})") from error
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{self._label(relative)}: invalid JSON ({error})") from error

    def channels(self) -> list[SlackChannel]:
        try:
            payload = self.read_json("channels.json")
        except ValueError as error:
            raise SlackSourceError(str(error)) from None
        if payload is None:
            raise SlackSourceError(
                f"{self._label('channels.json')} is missing: is this a Slack export?"
            )
        if not isinstance(payload, list):
            raise SlackSourceError(f"{self._label('channels.json')}: expected a list of channels")
        channels = [
            SlackChannel(id=item["id"], name=item.get("name") or item["id"])
            for item in payload
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        return sorted(channels, key=lambda c: c.name)

    def users(self) -> dict[str, SlackUser]:
        try:
            payload = self.read_json("users.json")
        except ValueError as error:
            raise SlackSourceError(str(error)) from None
        if payload is None:
            return {}  # names fall back to the profile copied into each message
        if not isinstance(payload, list):
            raise SlackSourceError(f"{self._label('users.json')}: expected a list of users")
        users = (user_from_payload(item) for item in payload if isinstance(item, dict))
        return {user.id: user for user in users if user is not None}

    def day_files(self, channel: SlackChannel, first: date, last: date) -> Iterator[str]:
        """Relative paths of the channel's day files from `first` to `last` that exist."""
        day = first
        while day <= last:
            relative = f"{channel.name}/{day.isoformat()}.json"
            if self._exists(relative):
                yield relative
            day += timedelta(days=1)

    def _exists(self, relative: str) -> bool:
        if self._zip is not None:
            inner = f"{self._prefix}/{relative}" if self._prefix else relative
            return inner in self._zip.NameToInfo
        return (self.path / relative).is_file()

    def covered_days(self) -> tuple[date, date] | None:
        """The first and last day with a day file, to find the partitions a demo should run."""
        names: list[str] = (
            [n.removeprefix(self._prefix).lstrip("/") for n in self._zip.namelist()]
            if self._zip is not None
            else [str(p.relative_to(self.path)) for p in self.path.glob("*/*.json")]
        )
        days = []
        for name in names:
            stem = PurePosixPath(name).stem
            try:
                days.append(date.fromisoformat(stem))
            except ValueError:
                continue
        return (min(days), max(days)) if days else None


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
