"""The `pipeline` resource: scoring, time zone and digest rules from config.yaml, per channel."""

from typing import Any

import dagster as dg

from slack_events_dagster.domain.dedup import DedupRules
from slack_events_dagster.domain.digest import DigestOptions, lookback_hours
from slack_events_dagster.domain.scoring import ChannelPolicy, ScoreWeights
from slack_events_dagster.settings import (
    ChannelSettings,
    DeduplicationSettings,
    DigestSettings,
    DigestTargetSettings,
    ProcessingSettings,
    ScoringSettings,
)


class PipelineResource(dg.ConfigurableResource):
    """How messages are scored and events dated and digested; no I/O, only rules. Its config is
    config.yaml's sections as they are."""

    processing: ProcessingSettings = ProcessingSettings()
    scoring: ScoringSettings = ScoringSettings()
    channels: list[ChannelSettings] = []
    digest: DigestSettings = DigestSettings()
    deduplication: DeduplicationSettings = DeduplicationSettings()

    @property
    def digest_targets(self) -> list[DigestTargetSettings]:
        """Every digest target, the digest-wide defaults filled in."""
        return self.digest.resolved_targets()

    @property
    def digest_lookback_hours(self) -> int:
        """The hours of events a digest reads: its window, or the dedup look-back if longer."""
        return lookback_hours(self.digest.window_hours, self.deduplication.lookback_days)

    def rules_for(self, channel_id: str, channel_name: str) -> ChannelSettings | None:
        for rules in self.channels:
            if rules.name.lstrip("#") in (channel_id, channel_name):
                return rules
        return None

    def channel_policy(self, channel_id: str, channel_name: str) -> "ChannelPolicy":
        """Everything scoring needs for one channel, resolved once (assets cache it per run)."""
        rules = self.rules_for(channel_id, channel_name)
        return ChannelPolicy(
            timezone=self.timezone_for(channel_id, channel_name),
            threshold=self.threshold_for(channel_id, channel_name),
            weights=self.score_weights(channel_id, channel_name),
            trusted_bots=frozenset(rules.trusted_bots) if rules else frozenset(),
        )

    def threshold_for(self, channel_id: str, channel_name: str) -> float:
        rules = self.rules_for(channel_id, channel_name)
        if rules and rules.threshold is not None:
            return rules.threshold
        return self.scoring.threshold

    def timezone_for(self, channel_id: str, channel_name: str) -> str:
        rules = self.rules_for(channel_id, channel_name)
        return rules.timezone if rules and rules.timezone else self.processing.tz_default

    def is_trusted_bot(self, channel_id: str, channel_name: str, *names: str | None) -> bool:
        rules = self.rules_for(channel_id, channel_name)
        trusted = set(rules.trusted_bots) if rules else set()
        return any(name in trusted for name in names if name)

    def score_weights(self, channel_id: str, channel_name: str) -> ScoreWeights:
        rules = self.rules_for(channel_id, channel_name)
        # The feature points are named as ScoreWeights' fields (min_length is an int there).
        points: dict[str, Any] = self.scoring.model_dump(exclude={"threshold"})
        return ScoreWeights(**points, keyword_weights=dict(rules.keyword_weights) if rules else {})

    def digest_options(self, target: DigestTargetSettings) -> DigestOptions:
        return DigestOptions(
            min_confidence=target.min_confidence if target.min_confidence is not None else 0.7,
            max_events=target.max_events or 10,
            timezone=target.timezone or "UTC",
            source_channels=tuple(target.source_channels),
            category_priority=tuple(sorted(target.category_priorities.items())),
            dedup=self.dedup_rules,
        )

    @property
    def dedup_rules(self) -> DedupRules:
        return DedupRules(self.deduplication.title_similarity, self.deduplication.date_window_hours)
