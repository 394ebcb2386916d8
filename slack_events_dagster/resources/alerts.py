"""The `alerts` resource: posts an alert to the configured Slack channel (alerts.slack_channel)."""

from typing import Any

import dagster as dg

from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.settings import AlertSettings


class AlertsResource(dg.ConfigurableResource):
    """Off unless alerts.slack_channel is set; posts with the bot token of the `slack` resource."""

    alerts: AlertSettings = AlertSettings()  # config.yaml's `alerts` section
    slack: dg.ResourceDependency[SlackResource]

    @property
    def enabled(self) -> bool:
        return bool(self.alerts.slack_channel)

    def run_url(self, run_id: str) -> str | None:
        base = self.alerts.webserver_url
        return f"{base.rstrip('/')}/runs/{run_id}" if base else None

    def post(self, text: str, blocks: list[dict[str, Any]]) -> str | None:
        """chat.postMessage to the alert channel; the message ts, or None when alerts are off."""
        if not self.alerts.slack_channel:
            return None
        return self.slack.client().post(
            self.alerts.slack_channel, text, blocks, what="an alert (alerts.slack_channel)"
        )
