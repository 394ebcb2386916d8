"""The `slack` resource: messages of a time window from a workspace export or the Web API."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from slack_events_dagster.domain.messages import (
    DUPLICATE_TS,
    FirstSeen,
    MessageFilter,
    SkipCounter,
    SlackChannel,
    SlackUser,
    message_row,
    message_time,
    permalink_for,
)
from slack_events_dagster.resources.slack_api import ApiStats, SlackApiReader, window_messages
from slack_events_dagster.resources.slack_export import SlackExport, SlackSourceError
from slack_events_dagster.settings import CHANNEL_ID, SlackSettings

BATCH_ROWS = 5_000  # rows handed on at a time, however big a day file is


@dataclass
class FetchResult:
    """What reading a window found: the rows (for `fetch_messages`) and the counts."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: SkipCounter = field(default_factory=SkipCounter)
    first_seen: FirstSeen = field(default_factory=FirstSeen)  # one row per (channel, ts)
    bad_files: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    channel_ids: list[str] = field(default_factory=list)
    files_read: int = 0
    replies_fetched: int = 0
    thread_parents_scanned: int = 0
    threads_polled: int = 0
    api: ApiStats = field(default_factory=ApiStats)

    def sorted(self) -> "FetchResult":
        self.rows.sort(key=lambda r: (r["channel_id"], r["message_time"], r["ts"]))
        return self


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
    """Slack messages for a time window, from a workspace export or the Web API (slack_sdk)."""

    slack: SlackSettings = SlackSettings()  # the `slack` section of config.yaml, as it is
    bot_token: str | None = None  # EnvVar("SLACK_BOT_TOKEN"): never a literal in run config

    @property
    def message_filter(self) -> MessageFilter:
        return MessageFilter(frozenset(self.slack.ignored_subtypes), self.slack.include_bots)

    def fetch_messages(self, start: datetime, end: datetime, log: Any | None = None) -> FetchResult:
        """Every kept message with start <= ts < end in the whitelisted channels, all at once."""
        result = FetchResult()
        for batch in self.message_batches(start, end, result, log):
            result.rows.extend(batch)
        return result.sorted()

    def message_batches(
        self, start: datetime, end: datetime, result: FetchResult, log: Any | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Kept messages with start <= ts < end, a batch per export day file (or API channel),
        so a long window is never in memory at once; counts accumulate in `result`."""
        if self.slack.source == "api":
            return self._from_api(start, end, result, log)
        return self._from_export(start, end, result, log)

    def _keep(
        self,
        result: FetchResult,
        batch: list[dict[str, Any]],
        channel: SlackChannel,
        message: Any,
        users: Mapping[str, SlackUser],
        source: str | None = None,
        workspace_url: str | None = None,
    ) -> dict[str, Any] | None:
        """Append the message's row to `batch`, or count why not (naming `source` and the ts
        of damaged input); the first of two messages with one ts in a channel is kept."""
        row, reasons = message_row(
            channel, message, users, self.message_filter, workspace_url or self.slack.workspace_url
        )
        if row is not None and not result.first_seen.is_first(row["channel_id"], row["ts"]):
            row, reasons = None, (DUPLICATE_TS,)
        ts = message.get("ts") if isinstance(message, dict) else None
        result.skipped.note(reasons, row is not None, source or f"#{channel.name}", ts)
        if row is not None:
            batch.append(row)
        return row

    def export(self) -> SlackExport:
        """The configured workspace export, read within slack.max_export_file_mb per file."""
        return SlackExport(
            Path(self.slack.export_path), max_file_bytes=self.slack.max_export_file_mb << 20
        )

    def _from_export(
        self, start: datetime, end: datetime, result: FetchResult, log: Any | None
    ) -> Iterator[list[dict[str, Any]]]:
        # Opened here, not in the generator, so a wrong path or channel fails right away.
        export = self.export()
        channels = select_channels(export.channels(), self.slack.channels)
        for refused in export.refused_channels:
            result.bad_files.append(refused.note)
            result.skipped.add(refused.kind)
            if log is not None:
                log.warning(f"Skipping channel: {refused.note}")
        users = export.users()
        result.channels = [c.name for c in channels]
        result.channel_ids = [c.id for c in channels]  # what the raw asset's rows replace
        workspace_url = self.slack.workspace_url or export.workspace_url()
        if not workspace_url and log is not None:
            log.warning(
                "The export names no workspace (no file permalinks or links to its channels): "
                "messages are stored without permalinks. Set SLACK_WORKSPACE_URL "
                "(slack.workspace_url), e.g. https://acme.slack.com, to add them"
            )
        return self._export_batches(export, channels, users, start, end, result, log, workspace_url)

    def _export_batches(
        self,
        export: SlackExport,
        channels: list[SlackChannel],
        users: Mapping[str, SlackUser],
        start: datetime,
        end: datetime,
        result: FetchResult,
        log: Any | None,
        workspace_url: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        # Day files are named by date; read one extra day each side so the export's time zone
        # cannot hide a message, then keep exactly the window.
        first, last = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
        for channel in channels:
            kept = 0
            for relative in export.day_files(channel, first, last):
                result.files_read += 1
                try:
                    messages = export.read_messages(relative) or []
                except ValueError as error:
                    result.bad_files.append(str(error))
                    result.skipped.add("bad_file")
                    if log is not None:
                        log.warning(f"Skipping unreadable export file: {error}")
                    continue
                batch: list[dict[str, Any]] = []
                for message in messages:
                    ts = message.get("ts") if isinstance(message, dict) else None
                    moment = message_time(ts)
                    if moment is not None and not start <= moment < end:
                        continue  # another partition's message
                    self._keep(result, batch, channel, message, users, relative, workspace_url)
                    if len(batch) >= BATCH_ROWS:
                        kept += len(batch)
                        yield batch
                        batch = []
                kept += len(batch)
                if batch:
                    yield batch
            if log is not None and kept:
                log.info(f"#{channel.name}: {kept} messages in the window")

    def _api_reader(self) -> SlackApiReader:
        if not self.bot_token:
            raise SlackSourceError(
                "SLACK_BOT_TOKEN is not set (needed to read the API or to post digests): export "
                "it or put it in .env"
            )
        return SlackApiReader(
            token=self.bot_token,
            base_url=self.slack.base_url,
            max_retries=self.slack.max_retries,
            backoff_seconds=self.slack.retry_backoff_seconds,
            timeout_seconds=self.slack.request_timeout_seconds,
            page_size=self.slack.page_size,
        )

    def writer(self) -> SlackApiReader:
        """A Web API client for posting (needs SLACK_BOT_TOKEN whatever the source is)."""
        return self._api_reader()

    def _api_channels(self, reader: SlackApiReader) -> list[SlackChannel]:
        listed, members = reader.channels()
        if not self.slack.channels:
            return [channel for channel in listed if channel.id in members]
        known = {c.id for c in listed} | {c.name for c in listed}
        extra = [
            reader.channel_by_id(entry)
            for entry in self.slack.channels
            if entry.lstrip("#") not in known and CHANNEL_ID.match(entry)
        ]
        return select_channels(listed + extra, self.slack.channels)

    def _referenced_users(self, channel: SlackChannel, messages: list[dict]) -> set[str]:
        """Every user id the rows will name (author, mentions in text and Block Kit), taken from
        the rows themselves so API mode looks up exactly what an export's users.json gives."""
        found: set[str] = set()
        for message in messages:
            row, _ = message_row(channel, message, {}, self.message_filter)
            if row is not None:
                found |= {row["user_id"]} if row["user_id"] else set()
                found |= set(row["mentions"])
        return found

    def _from_api(
        self, start: datetime, end: datetime, result: FetchResult, log: Any | None
    ) -> Iterator[list[dict[str, Any]]]:
        # Authenticated and channels resolved here, not in the generator: bad tokens fail early.
        reader = self._api_reader()
        workspace_url = self.slack.workspace_url or reader.check_auth().get("url")
        channels = self._api_channels(reader)
        result.channels = [c.name for c in channels]
        result.channel_ids = [c.id for c in channels]  # what the raw asset's rows replace
        result.api = reader.stats
        return self._api_batches(reader, channels, start, end, result, log, workspace_url)

    def _api_batches(
        self,
        reader: SlackApiReader,
        channels: list[SlackChannel],
        start: datetime,
        end: datetime,
        result: FetchResult,
        log: Any | None,
        workspace_url: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Permalinks are built from `workspace_url` (auth.test's `url` unless configured), so
        chat.getPermalink is only called when neither says which workspace this is."""
        for channel in channels:
            read = window_messages(
                reader,
                channel,
                start,
                end,
                self.slack.thread_lookback_days,
                self.slack.thread_window_days,
            )
            messages = read.messages
            result.replies_fetched += read.replies_fetched
            result.thread_parents_scanned += read.parents_scanned
            result.threads_polled += read.threads_polled
            user_ids = sorted(self._referenced_users(channel, messages))
            users = {uid: user for uid in user_ids if (user := reader.user(uid))}
            batch: list[dict[str, Any]] = []
            for message in messages:
                row = self._keep(result, batch, channel, message, users)
                if row is not None and row["permalink"] is None:
                    row["permalink"] = permalink_for(
                        workspace_url, channel.id, row["ts"], row["thread_ts"]
                    ) or reader.permalink(channel.id, row["ts"])
            if log is not None:
                log.info(
                    f"#{channel.name}: {len(messages)} messages in the window "
                    f"({reader.stats.api_calls} API calls so far)"
                )
            if batch:
                yield batch
