"""digest_posts: the Slack message of each due digest, posted once and kept current afterwards."""

from collections import Counter

import dagster as dg

from slack_events_dagster.domain.digest import notification_text_of_blocks
from slack_events_dagster.partitions import partition_keys
from slack_events_dagster.resources.pipeline import PipelineResource
from slack_events_dagster.resources.publisher import DigestPublisherResource, DigestPublishError
from slack_events_dagster.storage.frames import PartitionRows

# A Slack outage outlasting the client's own retries (slack.max_retries per call) retries the
# whole step after about 30 s, 60 s and 120 s: posting is idempotent (chat.update once a message
# exists), so a retry never posts twice. Must fit in schedule.max_runtime_seconds. A permanent
# refusal (not_in_channel, channel_not_found, invalid_auth, missing_scope...) fails at once.
DIGEST_POSTS_RETRY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def build_digest_posts(
    partitions_def: dg.PartitionsDefinition[str], retry_policy: dg.RetryPolicy = DIGEST_POSTS_RETRY
) -> dg.AssetsDefinition:
    """The `digest_posts` asset over these partitions with this retry policy (tests pass one
    without delays)."""

    @dg.asset(
        name="digest_posts",
        partitions_def=partitions_def,
        group_name="publish",
        # Shares the cap on Slack API steps: `dagster instance concurrency set slack_api 1`
        pool="slack_api",
        retry_policy=retry_policy,
        kinds={"slack"},
        code_version="1",
    )
    def digest_posts(
        context: dg.AssetExecutionContext,
        digests: PartitionRows,
        pipeline: PipelineResource,
        publisher: DigestPublisherResource,
    ) -> dg.MaterializeResult:
        """Posts each stored digest of the partition's hours that is due (digest.publish on, a
        publish hour in the target's zone, at most digest.publish_max_age_hours old):
        chat.postMessage the first time, chat.update every time after, never twice. The
        publisher records each message in `slack_digest_posts` in its own transaction as soon
        as Slack answers, so this asset has no IO-manager output: it returns only metadata
        (posted, updated, skipped)."""
        zones = {
            target.channel: target.options.timezone for target in pipeline.policy().digest_targets
        }
        actions: Counter[str] = Counter()
        for row in (row for chunk in digests.record_chunks() for row in chunk):
            zone = zones.get(row["target"])
            if zone is None or not publisher.is_due(row["window_end"], zone):
                actions["skipped"] += 1
                continue
            text = notification_text_of_blocks(row["blocks"])
            try:
                outcome = publisher.publish(
                    row["partition_hour"], row["target"], text, row["blocks"]
                )
            except DigestPublishError as error:
                if error.permanent:  # the RetryPolicy would only repeat Slack's answer
                    raise dg.Failure(description=str(error), allow_retries=False) from None
                raise
            context.log.info(f"Digest {outcome.action} in {outcome.channel_id}")
            actions[outcome.action] += 1
        return dg.MaterializeResult(
            metadata={
                "posted": actions["posted"],
                "updated": actions["updated"],
                "skipped": actions["skipped"],
                "partition_hours": len(partition_keys(context)),
            }
        )

    return digest_posts
