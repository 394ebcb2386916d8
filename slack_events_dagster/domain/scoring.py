"""Which messages deserve extraction: a weighted, explainable feature score per message."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_events_dagster.domain.vocabulary import (
    DONE_NOW,
    STARTING_NOW,
    acknowledges_an_outage,
    find_keywords,
    is_event_page,
    outage_keyword,
)

# Channels whose names say they carry announcements or events.
EVENT_CHANNEL = re.compile(
    r"announce|release|event|meetup|incident|deploy|conference|webinar|office-hours|"
    r"-days?\b|outreach|status",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScoreWeights:
    """Points per feature (DOMAIN.md's numbers, plus a date feature); per channel overridable."""

    keyword: float = 10.0
    parent_keyword: float = 10.0  # a dated reply to a thread whose parent names an event
    incident_ack: float = 10.0  # "yes we see it, fixing now" under an outage's report
    event_link: float = 10.0  # a link to an event page (meetup, registration, CFP)
    preview_event: float = 10.0  # a link whose preview names an event and its upcoming date
    starting_now: float = 10.0  # "Cohort 1 starting now! <call link>": an event under way
    slack_reminder: float = 10.0  # Slackbot posting a /remind ("Reminder: It is time to …")
    done_now: float = 4.0  # a change to something shared, told as just done ("I've enabled …")
    event_channel: float = 4.0  # posted in a channel named for announcements or events
    date: float = 6.0
    broadcast_mention: float = 8.0
    replies: float = 5.0
    reactions: float = 3.0
    anchor: float = 4.0
    anchor_cap: float = 12.0
    link: float = 2.0
    link_cap: float = 6.0
    attachments: float = 3.0
    bot_penalty: float = -19.0  # an untrusted bot needs 19 points more than a person
    too_short: float = -5.0  # "ok, thanks": too little to announce anything (no event word)
    min_length: int = 15
    keyword_weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageSignals:
    """What scoring needs to know about a message, already extracted."""

    text: str
    date_mentions: int
    broadcast_mention: bool
    reply_count: int
    reaction_count: int
    anchor_count: int
    link_count: int
    attachment_count: int
    is_bot: bool
    trusted_bot: bool
    thread_parent: str = ""  # a reply's thread parent, normalised; "" for other messages
    channel_name: str = ""
    links: tuple[str, ...] = ()
    preview_event: bool = False  # a link preview names an event and writes its upcoming date
    slack_reminder: bool = False  # a /remind someone set, posted by Slackbot


def score_message(signals: MessageSignals, weights: ScoreWeights) -> tuple[float, dict[str, float]]:
    """The total score and the points each feature contributed (stored so a person sees why)."""
    features: dict[str, float] = {}
    keywords = find_keywords(signals.text)
    if keywords:
        best = max(weights.keyword_weights.get(k.name, weights.keyword) for k in keywords)
        features["keyword:" + ",".join(k.name for k in keywords)] = best
    if weights.keyword_weights:
        found, lowered = {k.name for k in keywords}, signals.text.lower()
        for name, custom in weights.keyword_weights.items():
            if name not in found and name.lower() in lowered:
                features[f"custom_keyword:{name}"] = custom
    if signals.date_mentions:
        features["date"] = weights.date
        if parent_names_the_event(signals, bool(keywords)):
            features["parent_keyword"] = weights.parent_keyword
    if (
        signals.thread_parent
        and acknowledges_an_outage(signals.text)
        and outage_keyword(signals.thread_parent) is not None
    ):
        features["incident_ack"] = weights.incident_ack
    if any(is_event_page(link) for link in signals.links):
        features["event_link"] = weights.event_link
    if STARTING_NOW.search(signals.text) and not signals.text.rstrip().endswith("?"):
        features["starting_now"] = weights.starting_now
    if signals.preview_event:
        features["preview_event"] = weights.preview_event
    if signals.slack_reminder:
        features["slack_reminder"] = weights.slack_reminder
    if DONE_NOW.search(signals.text):
        features["done_now"] = weights.done_now
    if EVENT_CHANNEL.search(signals.channel_name):
        features["event_channel"] = weights.event_channel
    if signals.broadcast_mention:
        features["broadcast_mention"] = weights.broadcast_mention
    if signals.reply_count >= 1:
        features["replies"] = weights.replies
    if signals.reaction_count >= 2:
        features["reactions"] = weights.reactions
    if signals.anchor_count:
        features["anchors"] = min(signals.anchor_count * weights.anchor, weights.anchor_cap)
    if signals.link_count:
        features["links"] = min(signals.link_count * weights.link, weights.link_cap)
    if signals.attachment_count:
        features["attachments"] = weights.attachments
    if signals.is_bot and not signals.trusted_bot:
        features["bot"] = weights.bot_penalty
    if len(signals.text.strip()) < weights.min_length and not keywords:  # not "Tagged!"
        features["too_short"] = weights.too_short
    return round(sum(features.values()), 3), features


def parent_names_the_event(signals: MessageSignals, has_keywords: bool) -> bool:
    """A reply without event words whose thread parent has them: a date in it dates the parent's
    event ("Confirmed: December 15" under "The 5.0 release is coming")."""
    return (
        not has_keywords
        and bool(signals.thread_parent)
        and bool(find_keywords(signals.thread_parent))
    )


def dates_can_reach(
    threshold: float,
    score: float,
    signals: MessageSignals,
    weights: ScoreWeights,
    features: Mapping[str, float],
    has_previews: bool,
) -> bool:
    """Whether dates and an event preview, looked for later, could lift the score
    `score_message` gave these signals (`score`, `features`) to `threshold`: a message that
    cannot is skipped without looking for dates, the costliest feature. The parent's event
    word a date unlocks is looked up only when the rest is not enough."""
    reachable = score + max(weights.date, 0.0)
    if has_previews:
        reachable += max(weights.preview_event, 0.0)
    if reachable + 1e-6 >= threshold:
        return True
    has_keywords = any(name.startswith("keyword:") for name in features)
    return reachable + max(weights.parent_keyword, 0.0) + 1e-6 >= threshold and (
        parent_names_the_event(signals, has_keywords)
    )


@dataclass(frozen=True)
class ChannelPolicy:
    """One channel's scoring rules, resolved."""

    timezone: str
    threshold: float
    weights: ScoreWeights
    trusted_bots: frozenset[str]

    def is_trusted_bot(self, *names: str | None) -> bool:
        return any(name in self.trusted_bots for name in names if name)
