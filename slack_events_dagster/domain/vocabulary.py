"""The event vocabulary shared by scoring and extraction: keyword -> category and action."""

import re
from dataclasses import dataclass

CATEGORIES = ("product", "risk", "process", "marketing", "org", "unknown")
CATEGORY_PRIORITY = {name: rank for rank, name in enumerate(CATEGORIES, start=1)}
CATEGORY_PRIORITY.update({"product": 1, "risk": 2, "process": 3, "marketing": 4, "org": 5})
STATUSES = ("planned", "confirmed", "started", "completed", "postponed", "canceled", "rolled_back")


@dataclass(frozen=True)
class EventKeyword:
    name: str
    category: str
    action: str
    pattern: re.Pattern[str]


def _keyword(name: str, category: str, action: str, pattern: str) -> EventKeyword:
    return EventKeyword(name, category, action, re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE))


# Order matters: the first keyword found in a sentence decides its category and action.
EVENT_KEYWORDS: tuple[EventKeyword, ...] = (
    # Reviews of incidents are meetings, so they come before the incident words.
    _keyword(
        "review",
        "process",
        "Meeting",
        r"postmortem|post-mortem|incident review|retro"
        r"|retrospective|(?:design|architecture|budget|board|quarterly) review",
    ),
    _keyword(
        "incident",
        "risk",
        "Incident",
        r"incident|outage|sev ?-?[1-3]|p[0-1] incident"
        r"|downtime|degraded|elevated (?:5xx|errors?|latency)|(?:is|are) down|down for"
        r"|failing|crashed|(?:is|are) broken|stuck|timing out|returning (?:5\d\d|errors)"
        r"|pagerduty|paging",
    ),
    _keyword("rca", "risk", "RCA", r"rca|root cause"),
    _keyword(
        "security",
        "risk",
        "Security",
        r"security|vulnerabilit(?:y|ies)|cve-\d{4}-\d+"
        r"|pen ?test|compliance|audit(?:ors?)?|soc ?2|gdpr|pci|expires|certificate"
        r"|tokens? rotate|rotation of|rotate",
    ),
    _keyword(
        "maintenance",
        "risk",
        "Maintenance",
        r"maintenance(?: window)?|failover|game ?day"
        r"|drill|upgrade window",
    ),
    _keyword("freeze", "process", "Deadline", r"code freeze|freeze|deploys are paused"),
    _keyword("rollback", "product", "Rollback", r"roll(?:ed|ing)? ?back|reverted"),
    _keyword(
        "release",
        "product",
        "Release",
        r"releas(?:e|ed|es|ing)|ships?|shipping|go-?live"
        r"|goes live|rolls? out|rollout|rolling out|go(?:es|ing)? out|hotfix|patch|GA",
    ),
    _keyword(
        "deploy",
        "product",
        "Deploy",
        r"deploy(?:s|ed|ing|ment|ments)?|canary"
        r"|→\s*prod(?:uction)?",
    ),
    _keyword("launch", "product", "Launch", r"launch(?:es|ed|ing)?|beta opens|opens to"),
    _keyword(
        "migration",
        "product",
        "Migration",
        r"migrat(?:e|es|ed|ing|ion)|cutover|upgrade"
        r"|removed on|deprecat(?:ed|ion)|sunset|switched off|shut down|read-only",
    ),
    _keyword("ab_test", "product", "A/B Test", r"a/b test|experiment"),
    _keyword(
        "deadline",
        "process",
        "Deadline",
        r"deadline|due|sign-?off|closes|submissions? close"
        r"|rsvp by|by (?:eod|cob)",
    ),
    _keyword(
        "meeting",
        "process",
        "Meeting",
        r"meeting|all-hands|all hands|town ?hall|kick-?off"
        r"|planning|demo day|standup|offsite|sync|1:1|workshop|office hours",
    ),
    _keyword(
        "policy",
        "process",
        "Policy",
        r"policy|on-?call rotation|new process|office is closed"
        r"|holiday",
    ),
    _keyword("webinar", "marketing", "Webinar", r"webinar|livestream|live stream"),
    _keyword(
        "campaign",
        "marketing",
        "Campaign",
        r"campaign|press release|blog post|newsletter"
        r"|conference|meetup|announcement|booth|talk (?:got )?accepted|product hunt",
    ),
    _keyword(
        "org",
        "org",
        "Org change",
        r"joins|joining us|last day|new hire|onboarding|reorg"
        r"|promoted|welcome aboard|farewell|teams? merge|parental leave|party",
    ),
    _keyword("scheduled", "unknown", "Other", r"scheduled|rescheduled|postponed|planned for"),
)

STATUS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (status, re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE))
    for status, pattern in (
        ("canceled", r"cancell?ed|called off|scrapped"),
        ("rolled_back", r"rolled back|reverted"),
        ("postponed", r"postponed|delayed|moved to|pushed to|rescheduled|slipped"),
        ("completed", r"resolved|fixed|done|completed|shipped|released|deployed|is live|went live"),
        (
            "started",
            r"investigating|in progress|ongoing|started|starting now|underway|mitigating"
            r"|deploying .*\bnow|rolling back|right now|failing|crashed|stuck|paging",
        ),
        ("confirmed", r"confirmed|locked in|final date"),
    )
)


def find_keywords(text: str) -> list[EventKeyword]:
    """Event keywords present in `text`, the one written first first (ties: vocabulary order):
    "the launch moved because of the code freeze" is about the launch."""
    found = []
    for rank, keyword in enumerate(EVENT_KEYWORDS):
        if match := keyword.pattern.search(text):
            found.append((match.start(), rank, keyword))
    return [keyword for _, _, keyword in sorted(found, key=lambda item: item[:2])]


def detect_status(text: str) -> str:
    for status, pattern in STATUS_PATTERNS:
        if pattern.search(text):
            return status
    return "planned"
