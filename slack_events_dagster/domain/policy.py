"""The pipeline's policy: per-channel scoring rules (threshold, time zone, trusted bots, keyword
weights), the digest targets and the dedup rules, resolved from plain values (the `pipeline`
resource builds it from config.yaml). Pure: no configuration is read and nothing is stored here."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from slack_events_dagster.domain.dedup import DedupRules
from slack_events_dagster.domain.digest import DigestOptions, lookback_hours
from slack_events_dagster.domain.scoring import ChannelPolicy, ScoreWeights


@dataclass(frozen=True)
class ChannelRules:
    """One channel's overrides, matched by its id or name (a leading '#' is ignored)."""

    name: str
    threshold: float | None = None
    timezone: str | None = None
    trusted_bots: frozenset[str] = frozenset()
    keyword_weights: Mapping[str, float] = field(default_factory=dict)

    def matches(self, channel_id: str, channel_name: str) -> bool:
        return self.name.lstrip("#") in (channel_id, channel_name)


@dataclass(frozen=True)
class DigestTarget:
    """One digest: the channel it is posted to (or named by) and its resolved options."""

    channel: str
    options: DigestOptions


@dataclass(frozen=True)
class Policy:
    """How messages are scored and dated and events digested and merged. `weights` holds the
    feature points without keyword weights (those are per channel); `default_digest` is what an
    unconfigured digest channel gets."""

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    threshold: float = 6.0
    default_timezone: str = "UTC"
    channels: tuple[ChannelRules, ...] = ()
    digest_targets: tuple[DigestTarget, ...] = ()
    default_digest: DigestOptions = field(default_factory=DigestOptions)
    digest_window_hours: int = 24
    dedup: DedupRules = field(default_factory=DedupRules)
    dedup_lookback_days: int = 7

    @property
    def digest_lookback_hours(self) -> int:
        """The hours of events a digest reads: its window, or the dedup look-back if longer."""
        return lookback_hours(self.digest_window_hours, self.dedup_lookback_days)

    def rules_for(self, channel_id: str, channel_name: str) -> ChannelRules | None:
        """The first channel override naming this channel, if any."""
        return next((r for r in self.channels if r.matches(channel_id, channel_name)), None)

    def channel_policy(self, channel_id: str, channel_name: str) -> ChannelPolicy:
        """Everything scoring needs for one channel, resolved once (assets cache it per run)."""
        rules = self.rules_for(channel_id, channel_name)
        return ChannelPolicy(
            timezone=self.timezone_for(channel_id, channel_name),
            threshold=self.threshold_for(channel_id, channel_name),
            weights=self.score_weights(channel_id, channel_name),
            trusted_bots=rules.trusted_bots if rules else frozenset(),
        )

    def threshold_for(self, channel_id: str, channel_name: str) -> float:
        rules = self.rules_for(channel_id, channel_name)
        return rules.threshold if rules and rules.threshold is not None else self.threshold

    def timezone_for(self, channel_id: str, channel_name: str) -> str:
        rules = self.rules_for(channel_id, channel_name)
        return rules.timezone if rules and rules.timezone else self.default_timezone

    def is_trusted_bot(self, channel_id: str, channel_name: str, *names: str | None) -> bool:
        rules = self.rules_for(channel_id, channel_name)
        trusted = rules.trusted_bots if rules else frozenset()
        return any(name in trusted for name in names if name)

    def score_weights(self, channel_id: str, channel_name: str) -> ScoreWeights:
        rules = self.rules_for(channel_id, channel_name)
        return replace(self.weights, keyword_weights=dict(rules.keyword_weights) if rules else {})

    def digest_target(self, channel: str) -> DigestTarget:
        """The configured digest target of this channel, or one with the digest-wide defaults."""
        name = channel.lstrip("#")
        configured = [target for target in self.digest_targets if target.channel == name]
        return configured[0] if configured else DigestTarget(name, self.default_digest)
