"""The `slack` resource: the configured SlackSource (`slack.source`: export or api) and the Slack
client that posts digests. The sources are in resources/slack_export.py and
resources/slack_api.py, their interface in resources/slack_source.py, the Web API client (paging,
retries, errors) in resources/slack_client.py."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import dagster as dg

from slack_events_dagster.domain.messages import MessageFilter
from slack_events_dagster.resources.slack_api import ApiSource
from slack_events_dagster.resources.slack_export import ExportSource
from slack_events_dagster.resources.slack_source import (
    MessageWindow,
    SlackSource,
    SlackSourceError,
)
from slack_events_dagster.settings import SlackSettings

if TYPE_CHECKING:
    from slack_events_dagster.resources.slack_client import SlackClient


class SlackResource(dg.ConfigurableResource):
    """Slack messages for a time window, from a workspace export or the Web API (slack_sdk)."""

    slack: SlackSettings = SlackSettings()  # the `slack` section of config.yaml, as it is
    bot_token: str | None = None  # EnvVar("SLACK_BOT_TOKEN"): never a literal in run config

    @property
    def message_filter(self) -> MessageFilter:
        return MessageFilter(frozenset(self.slack.ignored_subtypes), self.slack.include_bots)

    def source(self) -> SlackSource:
        """The source `slack.source` names."""
        if self.slack.source == "api":
            return ApiSource(self.slack, self.message_filter, self.client())
        return ExportSource(self.slack, self.message_filter)

    def client(self) -> "SlackClient":
        """A Web API client for reading or posting (needs SLACK_BOT_TOKEN whatever the source)."""
        if not self.bot_token:
            raise SlackSourceError(
                "SLACK_BOT_TOKEN is not set (needed to read the API or to post digests): export "
                "it or put it in .env"
            )
        from slack_events_dagster.resources.slack_client import SlackClient  # imports slack_sdk

        return SlackClient(
            token=self.bot_token,
            base_url=self.slack.base_url,
            max_retries=self.slack.max_retries,
            backoff_seconds=self.slack.retry_backoff_seconds,
            timeout_seconds=self.slack.request_timeout_seconds,
            page_size=self.slack.page_size,
        )

    def read(self, start: datetime, end: datetime, log: Any | None = None) -> MessageWindow:
        """The window's messages from the configured source (see SlackSource.read)."""
        return self.source().read(start, end, log)
