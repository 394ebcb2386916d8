"""The `publisher` resource: posts a digest to Slack once, and updates that message afterwards."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import select

from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.resources.slack_client import PermanentSlackError
from slack_events_dagster.resources.slack_source import SlackSourceError
from slack_events_dagster.settings import DigestSettings
from slack_events_dagster.storage.schema import slack_digest_posts as posts


class DigestPublishError(RuntimeError):
    """Posting failed; the stored digest is kept and the run can be retried safely.
    `permanent`: Slack refused it for a reason a retry cannot change (see PermanentSlackError)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class PublishOutcome:
    action: str  # posted | updated
    channel_id: str
    ts: str


class DigestPublisherResource(dg.ConfigurableResource):
    """Opt-in (digest.publish): only the configured local hours, never twice per hour and target,
    and never for old hours (a backfill of last month does not flood the channel)."""

    digest: DigestSettings = DigestSettings()  # config.yaml's `digest` section (publish*)
    slack: dg.ResourceDependency[SlackResource]
    database: dg.ResourceDependency[DatabaseResource]

    def is_due(self, as_of: datetime, timezone: str, now: datetime | None = None) -> bool:
        """A digest as of `as_of` is posted when its local hour is a publish hour and it is
        recent."""
        if not self.digest.publish:
            return False
        if as_of.astimezone(ZoneInfo(timezone)).hour not in self.digest.publish_hours:
            return False
        now = now or datetime.now(UTC)
        return now - as_of <= timedelta(hours=self.digest.publish_max_age_hours)

    def _existing(self, partition_hour: datetime, target: str) -> str | None:
        with self.database.get_engine().connect() as connection:
            return connection.execute(
                select(posts.c.message_ts).where(
                    posts.c.partition_hour == partition_hour, posts.c.target == target
                )
            ).scalar_one_or_none()

    def publish(
        self,
        partition_hour: datetime,
        target: str,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> PublishOutcome:
        """chat.postMessage the first time, chat.update every time after; the ts is stored as
        soon as Slack returns it, so a failure later in the run cannot cause a second post."""
        existing = self._existing(partition_hour, target)
        now = datetime.now(UTC)
        try:
            client = self.slack.client()
            if existing is None:
                ts = client.post(target, text, blocks)
            else:
                ts = client.update(target, existing, text, blocks)
        except SlackSourceError as error:
            permanent = isinstance(error, PermanentSlackError)
            no_retry = "A retry gets the same answer, so none is made. " if permanent else ""
            raise DigestPublishError(
                f"Could not publish the digest for {partition_hour:%Y-%m-%d %H:%M} UTC to "
                f"{target} (digest.targets): {error} {no_retry}The stored digest is unchanged; "
                "fix this and re-run the partition (it will update the same Slack message, "
                "never post twice).",
                permanent=permanent,
            ) from None
        with self.database.get_engine().begin() as connection:
            if existing is None:
                connection.execute(
                    posts.insert().values(
                        partition_hour=partition_hour,
                        target=target,
                        channel_id=target,
                        message_ts=ts,
                        posted_at=now,
                        updated_at=now,
                    )
                )
            else:
                connection.execute(
                    posts.update()
                    .where(posts.c.partition_hour == partition_hour, posts.c.target == target)
                    .values(updated_at=now)
                )
        return PublishOutcome("posted" if existing is None else "updated", target, ts)
