"""The `publisher` resource: posts a digest to Slack once, and updates that message afterwards."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import select

from slack_events_dagster.domain.slack_messages import split_digest_blocks
from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.resources.slack import SlackResource
from slack_events_dagster.resources.slack_source import PermanentSlackError, SlackSourceError
from slack_events_dagster.settings import DigestSettings
from slack_events_dagster.storage.schema import slack_digest_posts as posts

PART_SEPARATOR = "#"
# What a part a re-run no longer needs shows instead (Slack keeps the message; it is updated).
EMPTIED_TEXT = "(this part of the digest is now empty: the digest above was updated)"
EMPTIED_BLOCK: dict[str, Any] = {
    "type": "context",
    "elements": [{"type": "mrkdwn", "text": f"_{EMPTIED_TEXT}_"}],
}


class DigestPublishError(RuntimeError):
    """Posting failed; the stored digest is kept and the run can be retried safely.
    `permanent`: Slack refused it for a reason a retry cannot change (see PermanentSlackError)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class PublishOutcome:
    action: str  # posted | updated | forgotten (an emptied part someone deleted in Slack)
    channel_id: str
    ts: str  # the first message's
    parts: int = 1  # messages the digest took (Slack's limits: domain/slack_messages.py)


def post_key(target: str, part: int) -> str:
    """slack_digest_posts.target of a digest's part: the target for the first message (as
    before digests were split), `<target>#<part>` for the others."""
    return target if part == 1 else f"{target}{PART_SEPARATOR}{part}"


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

    def _existing(self, partition_hour: datetime, target: str) -> dict[str, str]:
        """The stored message ts of each part already posted: post key -> ts."""
        with self.database.get_engine().connect() as connection:
            rows = connection.execute(
                select(posts.c.target, posts.c.message_ts).where(
                    posts.c.partition_hour == partition_hour,
                    (posts.c.target == target)
                    | posts.c.target.startswith(f"{target}{PART_SEPARATOR}", autoescape=True),
                )
            )
            return {key: ts for key, ts in rows}

    def publish(
        self,
        partition_hour: datetime,
        target: str,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> PublishOutcome:
        """The digest in as many messages as Slack's limits need (split_digest_blocks), each
        posted with chat.postMessage the first time and updated with chat.update every time
        after; each ts is stored as soon as Slack returns it, so a failure later in the run
        cannot cause a second post. Parts a shorter digest no longer needs are emptied."""
        existing = self._existing(partition_hour, target)
        messages = split_digest_blocks(blocks)
        outcomes = []
        for part, part_blocks in enumerate(messages, start=1):
            part_text = text if part == 1 else f"{text} (part {part}/{len(messages)})"
            key = post_key(target, part)
            outcomes.append(
                self._publish_part(
                    partition_hour, target, key, existing.get(key), part_text, part_blocks
                )
            )
        needed = {post_key(target, part) for part in range(1, len(messages) + 1)}
        for key, ts in existing.items():
            if key not in needed:
                self._publish_part(partition_hour, target, key, ts, EMPTIED_TEXT, [EMPTIED_BLOCK])
        first = outcomes[0]
        return PublishOutcome(first.action, first.channel_id, first.ts, parts=len(messages))

    def _forget(self, partition_hour: datetime, key: str) -> None:
        """Drop the stored ts of a part whose Slack message no longer exists."""
        with self.database.get_engine().begin() as connection:
            connection.execute(
                posts.delete().where(
                    posts.c.partition_hour == partition_hour, posts.c.target == key
                )
            )

    def _publish_part(
        self,
        partition_hour: datetime,
        target: str,
        key: str,
        existing: str | None,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> PublishOutcome:
        now = datetime.now(UTC)
        try:
            client = self.slack.client()
            if existing is not None:
                try:
                    ts = client.update(target, existing, text, blocks)
                except PermanentSlackError as error:
                    if error.code != "message_not_found":
                        raise
                    # Someone deleted the message in Slack: forget it, and post the part
                    # again unless it was only an emptied part.
                    self._forget(partition_hour, key)
                    if blocks == [EMPTIED_BLOCK]:
                        return PublishOutcome("forgotten", target, existing)
                    existing = None
            if existing is None:
                ts = client.post(target, text, blocks)
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
                        target=key,
                        channel_id=target,
                        message_ts=ts,
                        posted_at=now,
                        updated_at=now,
                    )
                )
            else:
                connection.execute(
                    posts.update()
                    .where(posts.c.partition_hour == partition_hour, posts.c.target == key)
                    .values(updated_at=now)
                )
        return PublishOutcome("posted" if existing is None else "updated", target, ts)
