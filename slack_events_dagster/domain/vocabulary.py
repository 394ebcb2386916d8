"""The event vocabulary shared by scoring and extraction: keyword -> category and action."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from slack_events_dagster.domain.text import fold_case

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


def _top_level_alternatives(source: str) -> list[str]:
    """`source` split at each "|" that is not inside a group or a character class."""
    parts: list[str] = []
    depth, start, escaped, in_class = 0, 0, False, False
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
    return [*parts, source[start:]]


def _folded_alternatives(pattern: re.Pattern[str]) -> list[str]:
    r"""The alternatives of a case-insensitive `\b(?:a|b|...)\b` pattern, lower-cased.

    Each matches fold_case(text) wherever it matched `text` ignoring case, because fold_case turns
    every character an ASCII letter matches into that letter and keeps word characters, digits and
    spaces. That covers literals, classes, \b, \d, \s, \w, ".", groups, alternation and
    repetition; other escapes (\B, \W, \x41, ...), negated classes, "(?" other than "(?:" and
    cased non-ASCII letters would break it and are refused.
    """
    source = pattern.pattern
    words = source.removeprefix(r"\b(?:").removesuffix(r")\b")
    unsupported = re.search(r"\\[^bdsw\W]|\[\^|\(\?(?!:)", words) or any(
        not char.isascii() and char.lower() != char.upper() for char in words
    )
    if len(words) + 8 != len(source) or unsupported:
        raise ValueError(f"not usable on folded text: {source!r}")
    return _top_level_alternatives(words.lower())


def _split_head(alternative: str) -> tuple[str | None, str]:
    """(first character, rest) when every match of `alternative` starts with that character."""
    head, tail = alternative[:1], alternative[1:]
    if head.isalnum() and not tail.startswith(("?", "*", "+", "{")):
        return head, tail
    return None, alternative


def _folded_union(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One case-sensitive pattern, to search in fold_case(text), that matches wherever one of the
    case-insensitive `patterns` matches in `text`: when it finds nothing, none of them matches.
    The alternatives are grouped by first character ("p(?:ostmortem|atch)"), so a position tries
    one branch per letter instead of one per word."""
    by_head: dict[str, list[str]] = {}
    others: list[str] = []
    for pattern in patterns:
        for alternative in _folded_alternatives(pattern):
            head, tail = _split_head(alternative)
            if head is None:
                others.append(tail)
            else:
                by_head.setdefault(head, []).append(tail)
    branches = [f"{head}(?:{'|'.join(tails)})" for head, tails in sorted(by_head.items())]
    return re.compile(rf"\b(?:{'|'.join(branches + others)})\b")


def _by_first_character(
    keywords: tuple["EventKeyword", ...],
) -> tuple[
    dict[str, tuple[tuple[int, "EventKeyword"], ...]], tuple[tuple[int, "EventKeyword"], ...]
]:
    """(rank, keyword) pairs that can match at a position, by the folded character there, and
    those that can match whatever the character is."""
    heads = [{_split_head(alt)[0] for alt in _folded_alternatives(k.pattern)} for k in keywords]
    anywhere = tuple((rank, k) for rank, k in enumerate(keywords) if None in heads[rank])
    chars = sorted(set().union(*heads) - {None})
    by_char = {
        char: tuple(
            (rank, k)
            for rank, k in enumerate(keywords)
            if char in heads[rank] or None in heads[rank]
        )
        for char in chars
    }
    return by_char, anywhere


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


# Case-insensitive scans are slow (no literal-prefix search); these find the places worth trying.
_ANY_KEYWORD = _folded_union(keyword.pattern for keyword in EVENT_KEYWORDS)
_ANY_STATUS = _folded_union(pattern for _, pattern in STATUS_PATTERNS)
_KEYWORDS_STARTING_WITH, _KEYWORDS_STARTING_ANYHOW = _by_first_character(EVENT_KEYWORDS)
_ALL_RANKS = frozenset(range(len(EVENT_KEYWORDS)))


# A keyword that is part of a channel name ("moving this to #security") or of the name of a
# service or team ("onboarding-service restarted", "release-bot") names a thing, not an event.
_NAME_SUFFIX = re.compile(
    r"-(?:api|apis|service|services|svc|worker|workers|bot|gateway|cluster|pipeline|dashboard"
    r"|portal|sdk|db|database|queue|cache|proxy|app|team|squad|channel|repo|bucket)\b",
    re.IGNORECASE,
)


def _names_a_thing(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] == "#") or _NAME_SUFFIX.match(text, end) is not None


def find_keywords(text: str) -> list[EventKeyword]:
    """Event keywords present in `text`, the one written first first (ties: vocabulary order):
    "the launch moved because of the code freeze" is about the launch. Keywords inside a channel
    or service name ("#security", "onboarding-service") do not count."""
    folded = fold_case(text)
    found = []
    pending = set(_ALL_RANKS)
    position = 0
    # A keyword's first match starts at the first position where its pattern matches. Every such
    # position is one where _ANY_KEYWORD matches, and the keyword is listed for the character
    # there, so trying those positions in order finds the same first match as a search would.
    while pending and (hit := _ANY_KEYWORD.search(folded, position)) is not None:
        start = hit.start()
        for rank, keyword in _KEYWORDS_STARTING_WITH.get(folded[start], _KEYWORDS_STARTING_ANYHOW):
            if rank not in pending or (match := keyword.pattern.match(text, start)) is None:
                continue
            if not _names_a_thing(text, start, match.end()):
                found.append((start, rank, keyword))
                pending.discard(rank)
        position = start + 1
    return [keyword for _, _, keyword in sorted(found, key=lambda item: item[:2])]


def detect_status(text: str) -> str:
    """The first status (in STATUS_PATTERNS order) whose words appear, else "planned"."""
    if _ANY_STATUS.search(fold_case(text)) is None:
        return "planned"  # no status pattern matches anywhere
    for status, pattern in STATUS_PATTERNS:
        if pattern.search(text):
            return status
    return "planned"
