"""The `pipeline` resource: config.yaml's scoring, channel, digest and dedup sections, turned into
the pure domain Policy (domain/policy.py) that assets ask for; it holds no rules itself."""

from typing import Any

import dagster as dg

from slack_events_dagster.domain.dedup import DedupRules
from slack_events_dagster.domain.digest import DigestOptions
from slack_events_dagster.domain.policy import ChannelRules, DigestTarget, Policy
from slack_events_dagster.domain.scoring import ScoreWeights
from slack_events_dagster.settings import (
    ChannelSettings,
    DeduplicationSettings,
    DigestSettings,
    DigestTargetSettings,
    ProcessingSettings,
    ScoringSettings,
)


class PipelineResource(dg.ConfigurableResource):
    """config.yaml's policy sections as they are; `policy()` resolves them into a Policy."""

    processing: ProcessingSettings = ProcessingSettings()
    scoring: ScoringSettings = ScoringSettings()
    channels: list[ChannelSettings] = []
    digest: DigestSettings = DigestSettings()
    deduplication: DeduplicationSettings = DeduplicationSettings()

    def policy(self) -> Policy:
        """The sections as a Policy of plain values (the digest-wide defaults filled in)."""
        dedup = DedupRules(
            self.deduplication.title_similarity, self.deduplication.date_window_hours
        )
        # The feature points are named as ScoreWeights' fields (min_length is an int there).
        points: dict[str, Any] = self.scoring.model_dump(exclude={"threshold"})
        return Policy(
            weights=ScoreWeights(**points),
            threshold=self.scoring.threshold,
            default_timezone=self.processing.tz_default,
            channels=tuple(
                ChannelRules(
                    name=rules.name,
                    threshold=rules.threshold,
                    timezone=rules.timezone,
                    trusted_bots=frozenset(rules.trusted_bots),
                    keyword_weights=dict(rules.keyword_weights),
                )
                for rules in self.channels
            ),
            digest_targets=tuple(
                DigestTarget(target.channel, _digest_options(target, dedup))
                for target in self.digest.resolved_targets()
            ),
            default_digest=_digest_options(
                DigestTargetSettings(
                    channel="default",
                    min_confidence=self.digest.min_confidence,
                    max_events=self.digest.max_events,
                    timezone=self.digest.timezone,
                ),
                dedup,
            ),
            digest_window_hours=self.digest.window_hours,
            dedup=dedup,
            dedup_lookback_days=self.deduplication.lookback_days,
        )


def _digest_options(target: DigestTargetSettings, dedup: DedupRules) -> DigestOptions:
    return DigestOptions(
        min_confidence=target.min_confidence if target.min_confidence is not None else 0.7,
        max_events=target.max_events or 10,
        timezone=target.timezone or "UTC",
        source_channels=tuple(target.source_channels),
        category_priority=tuple(sorted(target.category_priorities.items())),
        dedup=dedup,
    )
