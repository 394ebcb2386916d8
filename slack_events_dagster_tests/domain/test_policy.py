"""The pipeline policy: channel overrides by id or name, digest targets and their defaults."""

from slack_events_dagster.domain.digest import DigestOptions
from slack_events_dagster.domain.policy import ChannelRules, DigestTarget, Policy
from slack_events_dagster.domain.scoring import ScoreWeights

POLICY = Policy(
    weights=ScoreWeights(keyword=7.0),
    threshold=10.0,
    default_timezone="Europe/Berlin",
    channels=(
        ChannelRules(
            name="#releases",
            threshold=4.0,
            timezone="America/New_York",
            trusted_bots=frozenset({"deploybot"}),
            keyword_weights={"ga": 12.0},
        ),
        ChannelRules(name="C0RANDOM", trusted_bots=frozenset({"B42"})),
    ),
    digest_targets=(DigestTarget("C0DIGEST", DigestOptions(max_events=3)),),
    default_digest=DigestOptions(max_events=7, timezone="Asia/Tokyo"),
    digest_window_hours=24,
    dedup_lookback_days=7,
)


def test_a_channel_override_applies_by_name_or_id_and_falls_back_to_the_defaults() -> None:
    releases = POLICY.channel_policy("C0REL", "releases")
    assert (releases.threshold, releases.timezone) == (4.0, "America/New_York")
    assert releases.weights.keyword == 7.0 and releases.weights.keyword_weights == {"ga": 12.0}
    assert releases.is_trusted_bot(None, "deploybot")
    by_id = POLICY.channel_policy("C0RANDOM", "random")
    assert (by_id.threshold, by_id.timezone) == (10.0, "Europe/Berlin")
    assert POLICY.is_trusted_bot("C0RANDOM", "random", "B42")
    assert not POLICY.is_trusted_bot("C0OTHER", "general", "B42", "deploybot")
    assert POLICY.score_weights("C0OTHER", "general").keyword_weights == {}


def test_digest_targets_and_look_back() -> None:
    assert POLICY.digest_target("#C0DIGEST").options.max_events == 3
    unconfigured = POLICY.digest_target("#elsewhere")
    assert unconfigured == DigestTarget(
        "elsewhere", DigestOptions(max_events=7, timezone="Asia/Tokyo")
    )
    assert POLICY.digest_lookback_hours == 7 * 24  # the dedup look-back is longer than the window
