"""Reading a time window of messages through the Slack Web API (ApiSource, `slack.source: api`).

Correct at hour boundaries (ts compared as decimals, [start, end) exactly) and complete with
threads: replies land in the partition of their own ts; thread parents with a reply in the window
are found in the history up to `thread_window_days` back (90 by default). The calls, their paging,
retries and errors are SlackClient's (resources/slack_client.py).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from slack_events_dagster.domain.messages import (
    MessageFilter,
    SlackChannel,
    datetime_to_ts,
    message_row,
    parse_ts,
    permalink_for,
)
from slack_events_dagster.resources.slack_source import (
    MessageWindow,
    ProgressLog,
    SlackSource,
    select_channels,
)
from slack_events_dagster.settings import CHANNEL_ID, SlackSettings

if TYPE_CHECKING:
    from slack_events_dagster.resources.slack_client import SlackClient


@dataclass
class ChannelRead:
    """One channel's messages of a window, and what finding their threads cost."""

    messages: list[dict] = field(default_factory=list)
    replies_fetched: int = 0
    parents_scanned: int = 0  # top-level messages before the window read from history
    threads_polled: int = 0  # conversations.replies threads (one or more calls each)


def window_messages(
    client: "SlackClient",
    channel: SlackChannel,
    start: datetime,
    end: datetime,
    thread_lookback_days: int,
    thread_window_days: int = 0,
) -> ChannelRead:
    """Every message of `channel` with start <= ts < end: top-level ones from history, replies
    from the threads whose parent is in the window or up to max(`thread_lookback_days`,
    `thread_window_days`) before it and whose latest reply is not older than the window.

    The thread window only costs history pages (top-level messages of those days, `page_size`
    a call): a thread is polled with conversations.replies only when its latest reply is in or
    after the window, so quiet old threads cost nothing."""
    oldest, latest = datetime_to_ts(start), datetime_to_ts(end)
    days_back = max(thread_lookback_days, thread_window_days)
    parents = client.history(channel, datetime_to_ts(start - timedelta(days=days_back)), latest)
    by_ts: dict[str, dict] = {m["ts"]: m for m in parents if oldest <= Decimal(m["ts"]) < latest}
    read = ChannelRead(parents_scanned=len(parents) - len(by_ts))
    for parent in parents:
        if not parent.get("reply_count") or parent.get("thread_ts") not in (None, parent["ts"]):
            continue
        latest_reply = parse_ts(parent.get("latest_reply"))
        if Decimal(parent["ts"]) < oldest and latest_reply is not None and latest_reply < oldest:
            continue  # an older thread with no activity in the window
        read.threads_polled += 1
        for reply in client.replies(channel, parent["ts"], oldest, latest):
            if reply["ts"] not in by_ts:  # a broadcast reply is also in the history
                read.replies_fetched += 1
            by_ts[reply["ts"]] = reply
    read.messages = sorted(by_ts.values(), key=lambda m: Decimal(m["ts"]))
    return read


class ApiWindow(MessageWindow):
    """A window read through the Web API, a batch per channel. Permalinks are built from
    `permalink_url` (auth.test's `url` unless configured), so chat.getPermalink is only called
    when neither says which workspace this is."""

    def __init__(
        self,
        client: "SlackClient",
        channels: list[SlackChannel],
        window: tuple[datetime, datetime],
        slack: SlackSettings,
        message_filter: MessageFilter,
        permalink_url: str | None,
        log: Any | None,
    ) -> None:
        super().__init__(channels, message_filter, slack.workspace_url)
        self.replies_fetched = self.thread_parents_scanned = self.threads_polled = 0
        self._client = client
        self._start, self._end = window
        self._slack = slack
        self._permalink_url = permalink_url
        self._log = log

    def metadata(self) -> dict[str, Any]:
        stats = self._client.stats
        return {
            **super().metadata(),
            "files_read": 0,
            "api_calls": stats.api_calls,
            "api_calls_by_method": dict(sorted(stats.calls_by_method.items())),
            "retries": stats.retries,
            "rate_limit_wait_seconds": round(stats.rate_limit_wait_seconds, 3),
            "replies_fetched": self.replies_fetched,
            "thread_parents_scanned": self.thread_parents_scanned,
            "threads_polled": self.threads_polled,
        }

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        client = self._client
        progress = ProgressLog(self._log)
        for number, channel in enumerate(self._selected, start=1):
            read = window_messages(
                client,
                channel,
                self._start,
                self._end,
                self._slack.thread_lookback_days,
                self._slack.thread_window_days,
            )
            messages = read.messages
            self.replies_fetched += read.replies_fetched
            self.thread_parents_scanned += read.parents_scanned
            self.threads_polled += read.threads_polled
            user_ids = sorted(self._referenced_users(channel, messages))
            users = {uid: user for uid in user_ids if (user := client.user(uid))}
            batch: list[dict[str, Any]] = []
            for message in messages:
                row = self._row(channel, message, users)
                if row is None:
                    continue
                if row["permalink"] is None:
                    row["permalink"] = permalink_for(
                        self._permalink_url, channel.id, row["ts"], row["thread_ts"]
                    ) or client.permalink(channel.id, row["ts"])
                batch.append(row)
            progress.info(
                f"#{channel.name}: {len(messages)} messages in the window (channel {number} of"
                f" {len(self._selected)}, {client.stats.api_calls} API calls so far)"
            )
            if batch:
                yield batch

    def _referenced_users(self, channel: SlackChannel, messages: list[dict]) -> set[str]:
        """Every user id the rows will name (author, mentions in text and Block Kit), taken from
        the rows themselves so API mode looks up exactly what an export's users.json gives."""
        found: set[str] = set()
        for message in messages:
            row, _ = message_row(channel, message, {}, self._filter)
            if row is not None:
                found |= {row["user_id"]} if row["user_id"] else set()
                found |= set(row["mentions"])
        return found


class ApiSource(SlackSource):
    """The Web API with the bot token: the channels the bot is in, or those slack.channels
    names (by id even when the token cannot list them)."""

    name = "api"

    def __init__(
        self, slack: SlackSettings, message_filter: MessageFilter, client: "SlackClient"
    ) -> None:
        self.slack = slack
        self.message_filter = message_filter
        self.client = client

    def read(self, start: datetime, end: datetime, log: Any | None = None) -> ApiWindow:
        # Authenticated and channels resolved here, not in the batches: bad tokens fail early.
        permalink_url = self.slack.workspace_url or self.client.check_auth().get("url")
        channels = self._channels()
        return ApiWindow(
            self.client,
            channels,
            (start, end),
            self.slack,
            self.message_filter,
            permalink_url,
            log,
        )

    def _channels(self) -> list[SlackChannel]:
        listed, members = self.client.channels()
        if not self.slack.channels:
            return [channel for channel in listed if channel.id in members]
        known = {c.id for c in listed} | {c.name for c in listed}
        extra = [
            self.client.channel_by_id(entry)
            for entry in self.slack.channels
            if entry.lstrip("#") not in known and CHANNEL_ID.match(entry)
        ]
        return select_channels(listed + extra, self.slack.channels)
