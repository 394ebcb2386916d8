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
    _keyword(
        "incident",
        "risk",
        "Incident",
        r"incident|outage|sev ?-?[1-3]|p[0-1] incident|downtime"
        r"|degraded|elevated (?:5xx|errors?|latency)|is down|are down|postmortem|post-mortem",
    ),
    _keyword("rca", "risk", "RCA", r"rca|root cause"),
    _keyword(
        "security",
        "risk",
        "Security",
        r"security|vulnerabilit(?:y|ies)|cve-\d{4}-\d+"
        r"|pen ?test|compliance|audit",
    ),
    _keyword("maintenance", "risk", "Maintenance", r"maintenance(?: window)?"),
    _keyword("rollback", "product", "Rollback", r"roll(?:ed|ing)? ?back|reverted"),
    _keyword(
        "release",
        "product",
        "Release",
        r"releas(?:e|ed|es|ing)|ships?|shipping|go-?live"
        r"|goes live|rolls? out|rollout|rolling out",
    ),
    _keyword("deploy", "product", "Deploy", r"deploy(?:s|ed|ing|ment|ments)?"),
    _keyword("launch", "product", "Launch", r"launch(?:es|ed|ing)?"),
    _keyword("migration", "product", "Migration", r"migrat(?:e|es|ed|ing|ion)|cutover|upgrade"),
    _keyword("ab_test", "product", "A/B Test", r"a/b test|experiment"),
    _keyword("freeze", "process", "Deadline", r"code freeze|freeze"),
    _keyword("deadline", "process", "Deadline", r"deadline|due (?:on|by|date)|submissions? close"),
    _keyword(
        "meeting",
        "process",
        "Meeting",
        r"meeting|retro|retrospective|all-hands|all hands"
        r"|town ?hall|kick-?off|planning session|sprint planning|demo day|standup|offsite",
    ),
    _keyword("policy", "process", "Policy", r"policy|on-?call rotation|new process"),
    _keyword("webinar", "marketing", "Webinar", r"webinar|livestream|live stream"),
    _keyword(
        "campaign",
        "marketing",
        "Campaign",
        r"campaign|press release|blog post|newsletter"
        r"|conference|meetup|announcement",
    ),
    _keyword(
        "org",
        "org",
        "Org change",
        r"joins|joining us|last day|new hire|onboarding|reorg"
        r"|promoted|welcome aboard|farewell",
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
        ("started", r"investigating|in progress|ongoing|started|starting now|underway|mitigating"),
        ("confirmed", r"confirmed|locked in|final date"),
    )
)


def find_keywords(text: str) -> list[EventKeyword]:
    """Event keywords present in `text`, in vocabulary order."""
    return [keyword for keyword in EVENT_KEYWORDS if keyword.pattern.search(text)]


def detect_status(text: str) -> str:
    for status, pattern in STATUS_PATTERNS:
        if pattern.search(text):
            return status
    return "planned"
