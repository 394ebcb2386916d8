"""The `pipeline` resource: scoring, time zone and digest rules from config.yaml, per channel."""

from typing import Any

import dagster as dg

from slack_events_dagster.domain.dedup import DedupRules
from slack_events_dagster.domain.digest import DigestOptions
from slack_events_dagster.domain.scoring import ChannelPolicy, ScoreWeights
from slack_events_dagster.settings import Settings


class ChannelRules(dg.Config):
    """Overrides for one channel, matched by id or name ('#' optional)."""

    name: str
    threshold: float | None = None
    timezone: str | None = None
    trusted_bots: list[str] = []
    keyword_weights: dict[str, float] = {}


class DigestTarget(dg.Config):
    """One digest (digest.targets in config.yaml), defaults already filled in."""

    channel: str = "default"
    source_channels: list[str] = []
    min_confidence: float | None = None
    max_events: int | None = None
    timezone: str | None = None
    category_priorities: dict[str, int] = {}


class PipelineResource(dg.ConfigurableResource):
    """How messages are scored and events dated and digested; no I/O, only rules."""

    tz_default: str = "UTC"
    threshold: float = 10.0
    weights: dict[str, float] = {}
    channels: list[ChannelRules] = []
    digest_targets: list[DigestTarget] = []
    title_similarity: float = 0.8
    date_window_hours: float = 48.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "PipelineResource":
        scoring = settings.scoring.model_dump()
        return cls(
            tz_default=settings.processing.tz_default,
            threshold=scoring.pop("threshold"),
            weights=scoring,
            channels=[ChannelRules(**c.model_dump()) for c in settings.channels],
            digest_targets=[
                DigestTarget(**target.model_dump()) for target in settings.digest.resolved_targets()
            ],
            title_similarity=settings.deduplication.title_similarity,
            date_window_hours=settings.deduplication.date_window_hours,
        )

    def rules_for(self, channel_id: str, channel_name: str) -> ChannelRules | None:
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
        return rules.threshold if rules and rules.threshold is not None else self.threshold

    def timezone_for(self, channel_id: str, channel_name: str) -> str:
        rules = self.rules_for(channel_id, channel_name)
        return rules.timezone if rules and rules.timezone else self.tz_default

    def is_trusted_bot(self, channel_id: str, channel_name: str, *names: str | None) -> bool:
        rules = self.rules_for(channel_id, channel_name)
        trusted = set(rules.trusted_bots) if rules else set()
        return any(name in trusted for name in names if name)

    def score_weights(self, channel_id: str, channel_name: str) -> ScoreWeights:
        rules = self.rules_for(channel_id, channel_name)
        # Names and types were checked by settings.ScoringSettings (min_length is an int there).
        points: dict[str, Any] = self.weights
        return ScoreWeights(**points, keyword_weights=dict(rules.keyword_weights) if rules else {})

    def digest_options(self, target: "DigestTarget") -> DigestOptions:
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
        return DedupRules(self.title_similarity, self.date_window_hours)
