"""The fast keyword and status lookups against the plain "search every pattern" definitions."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slack_events_dagster.domain import vocabulary
from slack_events_dagster.domain.text import fold_case
from slack_events_dagster.domain.vocabulary import (
    EVENT_KEYWORDS,
    STATUS_PATTERNS,
    EventKeyword,
    detect_status,
    find_keywords,
)

NAME_SUFFIXES = (
    "api", "apis", "service", "services", "svc", "worker", "workers", "bot", "gateway", "cluster",
    "pipeline", "dashboard", "portal", "sdk", "db", "database", "queue", "cache", "proxy", "app",
    "team", "squad", "channel", "repo", "bucket",
)  # fmt: skip


def _reference_names_a_thing(text: str, match: re.Match[str]) -> bool:
    """After "#", or followed by "-<suffix>" ending a word: part of a channel or service name."""
    after = text[match.end() :]
    return text[: match.start()].endswith("#") or any(
        fold_case(after).lower().startswith(f"-{suffix}")
        and not re.match(r"\w", after[len(suffix) + 1 :])
        for suffix in NAME_SUFFIXES
    )


def reference_find_keywords(text: str) -> list[EventKeyword]:
    """The definition: each keyword's first match that is not part of a channel or service name
    (nor a path, negation or condition), ordered by position, then vocabulary order; weak
    keywords never in help talk."""
    found = []
    help_talk = vocabulary.is_help_talk(text)
    for rank, keyword in enumerate(EVENT_KEYWORDS):
        if keyword.weak and help_talk:
            continue
        position = 0
        while match := keyword.pattern.search(text, position):
            if not _reference_names_a_thing(text, match) and not vocabulary._not_an_event_use(
                text, match.start(), match.end(), keyword
            ):
                found.append((match.start(), rank, keyword))
                break
            position = match.start() + 1
    return [keyword for _, _, keyword in sorted(found, key=lambda item: item[:2])]


def reference_detect_status(text: str) -> str:
    """The first status with a use that is not negated, conditional or prospective."""
    for status, pattern in STATUS_PATTERNS:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 48) : match.start()]
            if not re.search(r"\b(?:get|gets|getting)\s+$", before, re.I) and not (
                vocabulary._NEGATED.search(before) or vocabulary._CONDITIONAL.search(before)
            ):
                return status
    return "planned"


# Keyword and status words, their neighbours, and characters re.IGNORECASE treats specially.
FRAGMENTS = [
    *("release", "Releases", "RELEASING", "ga", "GA", "ships", "go-live", "goes out", "patch"),
    *("deploy", "deployments", "→ prod", "→production", "canary", "incident", "incident review"),
    *("p0 incident", "sev-2", "SEV 1", "sev2", "is down", "are broken", "design review", "retro"),
    *("post-mortem", "postmortem", "rca", "root cause", "cve-2024-1234", "soc 2", "pen test"),
    *("code freeze", "deploys are paused", "rolled back", "rollback", "rolling out", "reverted"),
    *("a/b test", "1:1", "town hall", "kick-off", "kickoff", "office hours", "press release"),
    *("launch", "beta opens", "migrate", "read-only", "deadline", "due", "sign-off", "by eod"),
    *("webinar", "live stream", "meetup", "joins", "last day", "party", "planned for"),
    *("cancelled", "called off", "postponed", "moved to", "resolved", "done", "is live"),
    *("investigating", "deploying the fix now", "right now", "stuck", "confirmed", "final date"),
    *("\u0130", "\u0131", "\u017f", "\u212a", "K", "S", "I", "é", "ß", "_", "-", "/", ":", "1"),
    *("ſhipping", "releaſe", "\u212aick-off", "\u0130ncident", "ınc\u0131dent", "Frıday"),
    *("#", "#security", "-service", "-bot", "-api", "-apis", "-team", "onboarding", "security"),
    *("-\u017fervice", "-SVC", "-service_x", "-services"),
    *("Reminder: it", "reminder:", "get started", "not fixed", "if it is released", "unlocked"),
    *("back online", "back to normal", "is locked", "are now offline"),
]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(FRAGMENTS), max_size=10))
    separators = draw(st.lists(st.sampled_from([" ", "", ", ", "\n", "."]), min_size=10))
    text = "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    return draw(st.sampled_from([str.lower, str.upper, str.swapcase, str.title, str]))(text)


@settings(max_examples=400, deadline=None)
@given(text=texts())
def test_find_keywords_and_detect_status_agree_with_their_definitions(text: str) -> None:
    assert find_keywords(text) == reference_find_keywords(text)
    assert detect_status(text) == reference_detect_status(text)


@settings(max_examples=400, deadline=None)
@given(text=texts())
def test_the_folded_unions_find_every_place_a_pattern_matches(text: str) -> None:
    """The pre-checks are necessary conditions: they match wherever a real pattern matches."""
    folded = fold_case(text)
    for keyword in EVENT_KEYWORDS:
        for match in keyword.pattern.finditer(text):
            assert vocabulary._ANY_KEYWORD.match(folded, match.start()), (keyword.name, text)
            assert keyword in [
                k
                for _, k in vocabulary._KEYWORDS_STARTING_WITH.get(
                    folded[match.start()], vocabulary._KEYWORDS_STARTING_ANYHOW
                )
            ]
    for _, pattern in STATUS_PATTERNS:
        for match in pattern.finditer(text):
            assert vocabulary._ANY_STATUS.match(folded, match.start()), (pattern, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("press release for the launch", ["campaign", "release", "launch"]),
        ("the launch moved because of the code freeze", ["launch", "freeze"]),
        ("P0 INCIDENT, postmortem Friday", ["incident", "review"]),
        ("\u0130NC\u0130DENT: ſhipping is \u017fTUCK", ["incident", "release", "incident_symptom"]),
        ("\u212aick-off and 1:1 and ga", ["meeting", "release"]),
        ("deploy → prod", ["deploy"]),
        ("design review of the incident", ["review", "incident"]),
        ("nothing to see here", []),
        # Channel and service names that hold a keyword name a thing, not an event.
        ("moving the kyc-cluster question to #security", []),
        ("yes, onboarding-service restarted around 16:30", []),
        ("security-gateway deploy on Friday", ["deploy"]),
        ("#incidents: outage of payments, security review later", ["incident", "security_routine"]),
        # A path or branch, a negation, a condition or "due to" announce nothing.
        ("merged into release-1.6 and /releases/tag/v1", []),
        ("see meetup/2027/spring and release/Notes.md", []),
        # A slash before a capitalised word joins alternatives in prose.
        ("Springfield Hackathon/Open Challenge", ["community_event"]),
        ("Birdwatch developer day 2027", ["community_event"]),
        ("slides for tonight's talk", ["community_event"]),
        ("1.4 is not yet released", []),
        ("pick 3.7.0 after 3.6.0 is released", []),
        ("slow due to the load", []),
        # How a thing is done is no event of it.
        ("we should write down how to cut a release, it's all in Ana's head", []),
        ("how do we deploy the docs site?", []),
        ("the release is how we ship", ["release"]),
        ("details on how to join the community call tomorrow", ["meeting"]),
        # Weak keywords do not count in help talk; strong ones do.
        ("I'm getting an error, the job is stuck", []),
        ("the ingestion job is stuck for all tenants", ["incident_symptom"]),
        ("the nightly bird feed has stalled", ["incident_symptom"]),
        ("something is wrong with the docs site", ["incident_symptom"]),
        ("I'm getting an error, something is wrong with my config", []),
        ("I'm seeing an outage", ["incident"]),
        # A service's failure in its own words: status codes in the plural, failing for all.
        ("pkgs.example.org is returning 502s, installs will fail", ["incident_symptom"]),
        ("coverage uploads fail on all PRs since yesterday", ["incident_symptom"]),
        ("the check fails for every tenant", ["incident_symptom"]),
        ("the linter fails on all files with CRLF endings, by design", []),
        # The asker's own environment with a problem is help talk: "I deployed it to my
        # cluster and …"; a maintainer working from their machine is not.
        ("I deployed it to my k8s cluster and the pod crashes", []),
        ("the sync is stalled on my laptop", []),
        ("deployed the docs site to the new cluster", ["deploy"]),
        ("Deploy to production tonight, I'll run it from my workstation", ["deploy"]),
        # "due to" and "close to" after a deadline noun are no deadline.
        ("the duplicate entries in the table are due to a bug in the importer", []),
        ("proposals that are close to final go to the design review", ["review"]),
        ("the release-bot release-notes go out", ["release"]),
    ],
)
def test_find_keywords_on_tricky_text(text: str, expected: list[str]) -> None:
    assert [keyword.name for keyword in find_keywords(text)] == expected
    assert find_keywords(text) == reference_find_keywords(text)


@pytest.mark.parametrize(
    "source",
    [
        *(r"\b(?:\S+)\b", r"\b(?:[^a]x)\b", r"\b(?:a(?!b))\b", r"\b(?:(?<=x)a)\b"),
        *(r"\b(?:\x41)\b", r"\b(?:(?P<n>a))\b", r"\b(?:Élan)\b", "x"),
    ],
)
def test_folded_union_refuses_patterns_it_cannot_reason_about(source: str) -> None:
    with pytest.raises(ValueError, match="not usable on folded text"):
        vocabulary._folded_union([re.compile(source, re.IGNORECASE)])


def test_top_level_alternatives_ignore_nested_and_escaped_bars() -> None:
    assert vocabulary._top_level_alternatives(r"a|(b|c)d|[|]x|\||e") == [
        "a",
        "(b|c)d",
        "[|]x",
        r"\|",
        "e",
    ]


@pytest.mark.parametrize(
    ("url", "announces"),
    [
        ("https://www.meetup.com/springfield-data/events/301234567/", True),
        ("https://example.org/events/dev-day-2026", True),
        ("https://teams.example/event/show/id/3fmQgok1UM", True),  # an opaque id, not a title
        ("https://www.meetup.com/springfield-data/photos/26086444/", False),  # after the event
        ("https://example.org/webinars/payouts/recording", False),
        # a talk's page deep in the archive of a past edition
        ("https://video.example/Events/useR-conference/useR2016/colour-schemes-in-dataviz", False),
        ("https://example.org/blog/2026/release-notes", False),
    ],
)
def test_event_pages_announce_events_and_their_archives_do_not(url: str, announces: bool) -> None:
    assert vocabulary.is_event_page(url) is announces
