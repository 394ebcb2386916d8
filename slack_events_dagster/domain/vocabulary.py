"""The event vocabulary shared by scoring and extraction: keyword -> category and action."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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
    weak: bool = False
    # announces only in a top-level post with a link ("made a little tool: <link>")
    shared_by_link: bool = False
    # out when it is posted, so dated by the message ("September news!")
    out_when_posted: bool = False


def _keyword(
    name: str,
    category: str,
    action: str,
    pattern: str,
    weak: bool = False,
    shared_by_link: bool = False,
    out_when_posted: bool = False,
) -> EventKeyword:
    return EventKeyword(
        name,
        category,
        action,
        re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE),
        weak,
        shared_by_link,
        out_when_posted,
    )


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
    repetition, a negative lookbehind of a class without letters ("(?<![.\-])") and a negative
    lookahead of a word boundary then lower-case letters and spaces ("(?!\bdeploying )"), as
    fold_case keeps every other character as it is. Other escapes (\B, \W, \x41, ...), negated
    classes, other "(?" groups and cased non-ASCII letters would break it and are refused.
    """
    source = pattern.pattern
    words = source.removeprefix(r"\b(?:").removesuffix(r")\b")
    unsupported = re.search(
        r"\\[^bdsw\W]|\[\^|\(\?(?!:|<!\[[^]a-zA-Z]*\]\)|!\\b[a-z ]+\))", words
    ) or any(not char.isascii() and char.lower() != char.upper() for char in words)
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
    chars = sorted({head for alternatives in heads for head in alternatives if head is not None})
    by_char = {
        char: tuple(
            (rank, k)
            for rank, k in enumerate(keywords)
            if char in heads[rank] or None in heads[rank]
        )
        for char in chars
    }
    return by_char, anywhere


# Where a package is published: "1.8 is on PyPI".
REGISTRIES = (
    r"(?:pypi|npm|cran|crates\.io|maven central|conda-forge|docker ?hub|homebrew|ghcr|quay"
    r"|artifact ?hub|operatorhub(?:\.io)?|flathub|nuget|rubygems|packagist|hex\.pm|nixpkgs"
    r"|debian(?: unstable| testing)?|the (?:vs ?code |open vsx )?marketplace|pgxn|ctan|cpan"
    r"|pub\.dev|hackage|opam|hex"
    r"|the official (?:plugin|package|extension) (?:repo|repository|registry|store))"
)
# A version that is out ("1.2.3 is out", "RC2 is on the way", "1.8 has landed on PyPI"): the
# version is the whole run of [\w.-] before ",? " (taken possessively); a start after "." or
# "-" is a path and never counts (see _PATH_BEFORE), so it is not tried: reading "1.1.1.1…"
# again from every digit was quadratic. Shared by the release keyword and rules.NOW_MARKERS.
VERSION_OUT = (
    r"(?<![.\-])(?:v?\d+\.\d+[\w.-]*+|v\d+|rc ?\d+)(?: beta| alpha| rc ?\d*| final| stable| lts)?"
    r"(?: of [\w.-]+)?,? (?:(?:is|are|has been|have been|was) (?:now |just )?"
    r"(?:out|up|live|available|tagged|published|on (?:the|its) way"
    rf"|(?:on|in) {REGISTRIES})"
    r"|(?:has |have )?(?:just )?landed"
    # telegraphic: "v2.4.0 out now", "3.2.5 published with the fix", "2.7.0 shipped"
    r"|(?:just |now |finally |all )?(?:out now|now out|published|shipped|tagged)(?!\b by )"
    rf"|now (?:on|in) {REGISTRIES}"
    r"|(?:drops|lands) (?:today|tonight|tomorrow|now"
    r"|(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day)|(?:is|are) (?:now )?ga"
    # "RC3 on the way, ETA 1h", "quillon 0.31.0 → PyPI"
    rf"|on (?:the|its) way|(?:→|->) {REGISTRIES}"
    # a version that lands or is sent: "RC2 should land in an hour", "0.7.2.0 uploaded to
    # hackage" (not "the fix lands on main", nor "I have long pushed to Debian")
    r"|(?:should |will |is going to )?land(?:s|ed|ing)?\b"
    # ("lands on PyPI" is ON_A_REGISTRY's; "lands on my wishlist" is no release)
    r"(?!\b on)(?!\b in main)(?!\b into)(?!\b in master)"
    r"|(?:uploaded|pushed|published) (?:to|on))"
    # with the verb's "is" joined to the version: "1.3.0's out"
    r"|(?<![.\-])(?:v?\d+\.\d+[\w.-]*+|v\d+)'s (?:now |just |finally )?(?:out|up|live|available)"
)
# A version made public: "just pushed 3.0.0 to npm", "published version 1.5.0".
VERSION_PUBLISHED = (
    r"(?:pushed|pushing|published|uploaded|uploading) (?:`?[\w.-]+`? ){0,2}v?\d+\.\d+"
)
# A package that reached a registry, named or not: "3.0.0a1 just hit PyPI", "landed in debian
# unstable", "crates.io has tallow 0.10.1 now".
ON_A_REGISTRY = (
    rf"(?:just )?(?:hit|landed (?:on|in)|(?:is|are) now (?:on|in)|made it (?:in)?to"
    r"|(?:got |was |been )?accepted (?:on|to|into)"
    r"|put (?:my|our) (?:first |new )?(?:[\w-]+ )?(?:package|crate|gem|module|library|plugin) on"
    rf"|(?:is|are) (?:now )?listed on) (?:the )?{REGISTRIES}"
    # a limit hit, not a release: "we just hit PyPI rate limits"
    r"(?!\b rate)(?!\b pull)(?!\b download)(?!\b api)(?!\b limit)"
    rf"|{REGISTRIES} (?:now )?has (?:\w+ )?v?\d+\.\d+"
)
# Something made available now, stated as done: "is now available/enabled/supported/set up",
# "has (just) been enabled", "available … from now on": states of a service. Not "added" (what
# happens to code and lists all day: "the fix has been added to the PR"), "is now up" (talk
# recordings and minutes go up), "live" (the launch keyword's own) or "has been resolved" (a
# help thread's own problem).
AVAILABLE_NOW = (
    r"(?:is|are) (?:also |finally )?now (?:available|enabled|supported|set up|in place)"
    r"|(?:is|are) (?:also |now )?(?:available|enabled)(?: [\w-]+){0,4} from now on"
    r"|(?:has|have) (?:just |now )?been (?:just )?(?:enabled|set up)"
)
# A service working again ("back online", "all components are now unlocked"): the
# incident_resolved keyword and the "completed" status.
SERVICE_BACK = (
    r"back (?:online|up and running|to normal)|(?:is|are) back up"
    r"|(?:is|are|been|was|were) (?:now |fully )?restored"
    r"|(?:is|are|been|now|all|ve|have|has) unlocked"
)
# Parts of a software service that users work in, locked or blocked in an incident.
_SYSTEM_PART = (
    r"(?:components?|repos?|repositor(?:y|ies)|services?|servers?|sites?|projects?|branch(?:es)?"
    r"|databases?|builds?|pipelines?|deploys?|deployments?|merges?|uploads?|editors?|wikis?"
    r"|accounts?|instances?|clusters?|workspaces?)"
)
# What someone makes and shares as a package ("made a little tool for parsing logs").
MADE_THINGS = (
    r"(?:thing|tool|package|library|app|plugin|extension|website|site|cli|bot|crate|gem|module"
    r"|dashboard|template|utility)"
)
_MONTH_NAMES = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)

# Order matters: the first keyword found in a sentence decides its category and action.
# A weak keyword is a word ordinary talk uses too ("stuck", "certificate", "upgrade"): it counts
# only outside help talk (see HELP_TALK), where people describe their own problem.
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
        r"incident|outage|sev ?-?[1-3]|p[0-1] incident|serving stale"
        r"|downtime|degraded|elevated (?:5xx|errors?|latency)"
        r"|(?:is|are|it's|seems|seems to be) down(?!\b to )"
        r"|down for"
        r"|pagerduty|paging|p[0-2] alert",
    ),
    _keyword(
        "incident_symptom",
        "risk",
        "Incident",
        r"failing|crashed|(?:is|are) broken|stuck|timing out"
        # a state ("is returning 502s", "returns 503s since 09:00"), not a behaviour ("returns
        # 503 while it warms up")
        r"|(?:returning|throwing) (?:5\d\ds?|errors)|(?:is|are) (?:[45]\d\ding|erroring)"
        r"|5\d\ds on (?:every|all)|(?:is|are) (?:currently |temporarily )unavailable"
        # "our apt repo is having TLS issues since 10:40 UTC"
        r"|(?:is|are) having (?:\w+ )?(?:issues|problems|trouble) since"
        r"|(?:returns|returning) (?:5\d\ds?|errors|nothing|no results) (?:since"
        r"|for (?:everyone|all)|right now|at the moment)"
        r"|yanked (?:it|v?\d+\.\d+[\w.-]*|the (?:release|wheels?|version|package|crate|build))"
        r"|stalled|something(?:'s| is) (?:wrong|off) with"
        # a failure for everyone a service serves, not a tool's behaviour on some input
        r"|fails? (?:on|for) (?:all|every) (?:users?|customers?|requests?|tenants?|accounts?"
        r"|regions?|prs?|pull requests?|jobs?|builds?|deploys?|pipelines?)"
        # a service's state: "the server is unreachable", "the components are now locked" (a
        # system that got locked, not an agenda that is final, nor repositories locked during
        # a planned migration or a project blocked on a fix)
        r"|(?:is|are|went|been) (?:now |currently |temporarily )?(?:offline|unreachable)"
        rf"|{_SYSTEM_PART} (?:(?:got|been)|(?:is|are|was|were) (?:now|currently|temporarily))"
        rf" (?:locked|blocked)|{_SYSTEM_PART} (?:is|are|was|were) (?:locked|blocked)"
        r" (?:due to|because|after)",
        weak=True,
    ),
    # A service working again: "back online", "things are back to normal", "all components are
    # now unlocked".
    _keyword(
        "incident_resolved",
        "risk",
        "Incident",
        SERVICE_BACK,
        weak=True,
    ),
    _keyword("rca", "risk", "RCA", r"rca|root cause", weak=True),
    _keyword(
        "security",
        "risk",
        "Security",
        r"security (?:advisory|release|patch|fix|update|incident)|vulnerabilit(?:y|ies)"
        r"|cve-\d{4}-\d+|pen ?test|soc ?2|gdpr|pci",
    ),
    _keyword(
        "security_routine",
        "risk",
        "Security",
        r"security|compliance|audit(?:ors?)?|expires|certificate|tokens? rotate|rotation of|rotate",
        weak=True,
    ),
    _keyword(
        "maintenance",
        "risk",
        "Maintenance",
        r"maintenance(?: window)?|failover|game ?day|drill|upgrade window"
        r"|will be (?:offline|unavailable|read-only)",
        weak=True,
    ),
    _keyword(
        "freeze",
        "process",
        "Deadline",
        r"code freeze|freeze|deploys are paused"
        # a release branch cut: "we're branching 1.0 off main Monday", "we branch release-1.0"
        r"|branch(?:ing)? (?:v?\d+\.\d+|release-\d[\w.-]*+)|branch cut",
    ),
    _keyword("rollback", "product", "Rollback", r"roll(?:ed|ing)? ?back|reverted", weak=True),
    _keyword(
        "release",
        "product",
        "Release",
        r"releas(?:e|ed|es|ing)|ships?|shipping|go-?live"
        r"|goes live|rolls? out|rollout|rolling out|go(?:es|ing)? out|hotfix|GA"
        # a patch release, not a patch (a code change) someone sends for review
        r"|patch (?:release|version|is (?:now )?(?:out|available))"
        r"|(?:shipped|released) (?:a |an |the )?(?:\w+ )?(?:patch|hotfix|fix)"
        r"|tagged|release candidate|new version"
        # "the fix is included in v0.9.1", "we've included a patch for this in the latest
        # OLake version, v0.9.1"
        r"|(?:fixed|included|available)(?: \w+){0,5} in (?:\w+ ){0,3}(?:version|release)?,? ?"
        r"v?\d+\.\d+"
        rf"|{VERSION_OUT}|{VERSION_PUBLISHED}|{ON_A_REGISTRY}"
        # a release being made: "I'll cut 2.0.1 ASAP", "we can tag rc2 now"
        r"|(?:cut|cutting|tag|tagging|publish|publishing) (?:\w+ ){0,2}(?:v?\d+\.\d+|rc ?\d+)"
        # "I'll push the 1.8.1 tag asap"
        r"|push(?:ing)? (?:the )?v?\d+\.\d+[\w.-]*+ tag"
        r"|(?:binaries|builds?|packages|wheels|images|artifacts|docker images)"
        r"(?: for (?:the )?[\w.-]+(?: [\w.-]+)?)? (?:are|is) (?:now |finally )?"
        r"(?:up|out|live|available|published|on the downloads? page)",
    ),
    _keyword(
        "deploy",
        "product",
        "Deploy",
        r"deploy(?:s|ed|ing|ment|ments)?|canary"
        r"|→\s*prod(?:uction)?|rolling (?!\bback)(?:the |a |our )?(?:new )?(?:[\w-]+ ){1,3}to",
        weak=True,
    ),
    _keyword(
        "launch",
        "product",
        "Launch",
        r"launch(?:es|ed|ing)?|beta opens|opens to|announcing|introducing|unveil(?:s|ed|ing)?"
        r"|(?:is|are|went|now) (?:finally |now )?live|we(?:'re| are) live|(?:has|have) arrived"
        r"|going live|go(?:es|ing)? public"
        # something made public: "just open sourced the backend", "the export is now available at"
        r"|(?:just )?open[ -]?sourced|(?:is|are) now available (?:at|on|from|in)"
        # something made available to everyone now: "dark mode is now enabled for all",
        # "SSO has just been enabled", "auto-translations are available from now on"
        rf"|{AVAILABLE_NOW}",
    ),
    # Someone's new package: "made a little tool for parsing logs: <link>" (top level only).
    _keyword(
        "made_package",
        "product",
        "Launch",
        rf"(?:made|built|wrote|created|open[ -]?sourced) (?:a|an|my|our|this)(?: \w+){{0,3}} "
        rf"{MADE_THINGS}",
        shared_by_link=True,
        out_when_posted=True,
    ),
    _keyword(
        "migration",
        "product",
        "Migration",
        r"migrat(?:e|es|ed|ing|ion)|cutover"
        r"|removed on|deprecat(?:ed|ion)|sunset|switched off|shut down|read-only"
        # the end of a version's or a service's life: "1.x reaches end-of-life on 31 December",
        # "support ends with the 3.x line", "the old endpoint gets turned off on 15 July"
        r"|end[- ]of[- ]life|eol (?:on|date|for|is|of)|(?:reach(?:es)?|hits?) eol|end of support"
        r"|(?:support|updates|fixes) (?:ends?|stops?)(?!\b up)"
        r"|stops? (?:getting|receiving) (?:updates|fixes|security)|(?:gets?|be|is) turned off"
        r"|goes away|going away|(?:gets?|be|is|are) retired"
        # "we're turning off the old v3 docs subdomain", "moving the CI from Travis to GitHub"
        r"|(?:turning|turn|switching|switch) off (?:the )?(?:old|legacy|v\d)"
        r"|(?:moving|move) (?:the |our )?(?:[\w-]+ ){1,3}from (?:the |our )?[\w.-]+(?: [\w.-]+)? to"
        r"|no longer (?:be )?(?:supported|maintained|updated)",
        weak=True,
    ),
    _keyword("upgrade", "product", "Migration", r"upgrade", weak=True),
    _keyword("ab_test", "product", "A/B Test", r"a/b test|experiment", weak=True),
    _keyword(
        "deadline",
        "process",
        "Deadline",
        r"deadline|due|sign-?off|closes|submissions? close|rsvp by|by (?:eod|cob)"
        r"|calls? for (?:papers|proposals|abstracts|submissions|applications|talks|speakers"
        r"|participation|contributions|presentations|posters)|cfps?"
        r"|registrations? (?:opens?|closes?|ends?|is open|is now open|deadline)"
        r"|applications? (?:are )?(?:now )?(?:open|close|closes|due)"
        # "Submissions for DataConf 2027 talks close on March 3"
        r"|(?:submissions?|proposals|applications?|registrations?|nominations|entries|abstracts"
        r"|sign-?ups|rsvps)(?: [\w'.]+){0,4} (?:close|closes|closing|are due|is due)"
        r"|submissions? (?:are )?(?:now )?(?:open|due)|(?:apply|register|sign ?up) (?:by|before)"
        r"|(?:submit|send|apply|nominate|propose) (?:\w+ ){0,5}(?:by|until|till|before)"
        # "project ideas need to be in the wiki by the 5th"
        r"|needs? to be (?:in|done|submitted|merged|ready|filed)(?: \w+){0,4} by"
        # a survey or a vote open until a date: "the community survey is open until Feb 28"
        # "the survey is up and stays open for two weeks, until the 21st", "voting runs through"
        r"|(?:survey|poll|voting|ballots?|nominations?|form|sign-?up sheet|registration|cfp)"
        r":?(?: \w+){0,6}? (?:open|runs?|stays open)"
        r"(?: \w+){0,3}?,? (?:until|till|through)|(?:survey|poll|voting|ballot) closes"
        r"|(?:proposals|submissions|applications|abstracts|nominations|entries|papers|talks)"
        r" (?:are |is )?(?:now )?(?:accepted|open|welcome|due)(?: \w+){0,2} (?:until|till|through"
        r"|before)|early bird|closing date"
        # "get your PRs in by Friday", "comments are being accepted until 5pm Thursday", "we have
        # until March 19 to respond", "CRAN gave us until 14 March"
        r"|get (?:your |all |the )?(?:[\w-]+ ){0,2}in (?:by|before)"
        r"|(?:are|is) (?:being |now )?accepted(?: [\w-]+){0,4} (?:until|till|through|before)"
        r"|(?:have|has|gave us|gives us|given us) until"
        # a poll or a review to answer in time: "vote by Thursday", "comment before Dec 17"
        r"|(?:vote|respond|indicate (?:\w+ ){0,4}?)(?: \w+){0,3} (?:by|until|before)"
        # a countdown to something to do: "only a week left to get applications in"
        r"|(?:days?|weeks?|hours?) (?:left|to go) (?:to|for|until|before)",
    ),
    _keyword(
        "meeting",
        "process",
        "Meeting",
        r"meeting|all-hands|all hands|town ?hall|kick-?off|meets"
        r"|planning|demo day|standup|offsite|1:1|office hours?|community call"
        r"|working group|study group|book club|co-?working(?: session)?|q&a|ama"
        r"|ask[- ]me[- ]anything"
        # a project's own call: "the seqtidy dev call is tomorrow", "next Monday's dev call"
        r"|(?:dev|team|contributors?|steering|triage|maintainers?|core team|project|users?) call"
        r"|reading group",
    ),
    _keyword("sync", "process", "Meeting", r"sync", weak=True),  # a meeting, or a data sync
    # a meeting of a group, or a Spark or login session
    _keyword("session", "process", "Meeting", r"session", weak=True),
    _keyword(
        "policy",
        "process",
        "Policy",
        r"policy|on-?call rotation|new process|office is closed"
        r"|holiday",
    ),
    _keyword(
        "webinar",
        "marketing",
        "Webinar",
        r"webinar|live ?streamed|live-streamed|livestream|live stream|live-stream|premiere"
        r"|fireside chat|panel discussion"
        # "you can follow the streaming here", "live streaming:": watching an event, not data
        r"|(?:follow|watch|join|tune in to) (?:the |our )?(?:live ?)?stream(?:ing)?"
        r"|live ?streaming|streaming (?:now|live|today|tonight)",
    ),
    # A gathering of an event's day at a time: "lunch is at 12:30 in the atrium", "Group photo
    # at 4pm on the steps", "Dinner tonight at 7pm at The Crooked Billet" (not "after lunch",
    # nor someone's own "having lunch at 1": see _FALSE_FRIEND_BEFORE).
    _keyword(
        "social",
        "marketing",
        "Event",
        r"(?:lunch|dinner|breakfast|group photo|coffee break|happy hour|walking tour|bowling"
        r"|pub quiz|reception)(?: [\w,]+){0,3}? (?:(?:is |will be |starts )?(?:at|from) "
        r"\d{1,2}(?:[:.]\d\d)?(?: ?[ap]\.?m)?|\d{1,2}(?:[:.]\d\d)? ?[ap]\.?m)"
        # the programme of the day: "final presentations start at 3:30", "talks are at 2pm"
        r"|(?:presentations|lightning talks|talks|demos)(?: start| begin| are)? at \d{1,2}",
        weak=True,
    ),
    _keyword(
        "community_event",
        "marketing",
        "Event",
        r"conference|meetup|meet-up|summit|hackathon|dev(?:eloper)? ?days?|workshop|tutorials?"
        # "the docs-a-thon starts Monday", "the next geo hack weekend"
        r"|\w+-a-thon|hack (?:weekend|day|night|session)s?"
        # gatherings named as such (not "to showcase X", not a Hangouts link)
        r"|(?:community|project|demo|user|student|game) showcase|journal club|seminars?"
        r"|colloquium|(?:contributor|community|virtual|online) hangouts?|(?:game|code) jam"
        r"|bug bash|(?:open data|community|contributor|sprint) day"
        r"|(?:translation|docs|documentation|code|community|contributor|coding) sprint"
        # a programme that starts: "the mentoring program starts on Monday", "cohort 3 begins"
        r"|(?:program(?:me)?|cohort(?: \d+)?|course|bootcamp|mentorship|reading group)"
        r" (?:starts|begins|kicks off|is starting|will start|will begin|to start|to begin"
        r"|restarts|resumes)"
        r"|keynote|user group|users group|data ?jam|talks? (?:on|about|by|at)|lightning talks?"
        r"|(?:giving|having|hosting) (?:a|the|my|our)(?: [\w-]+)? talk"
        r"|talk (?:today|tomorrow|tonight)"
        r"|(?:today|tonight|tomorrow)'s talk"
        # someone announcing their own talk: "I'm speaking today at …", "we'll present at …"
        r"|(?:I'm|I am|we're|we are|I'll be|we'll be|will be) (?:speaking|presenting)"
        r"|(?:speak|speaking|present|presenting)(?: (?:on|about)(?: \w+){1,3})? at"
        r"|(?:this|upcoming|next|in-person|virtual|online|hybrid|free|community) event"
        r"|event details|(?:community|weekly|this week's|today's) poll|poll (?:day|time|#\d+)"
        r"|reporting live"
        r"|save the date|join us|see you(?: all)? there|rsvp|registration|register (?:here|now)"
        r"|tickets",
    ),
    _keyword(
        "campaign",
        "marketing",
        "Campaign",
        r"campaign|press release|blog post|newsletter"
        r"|announcement|booth|talk (?:got )?accepted|product hunt",
    ),
    # A publication's new number, out when posted: "the latest issue of …", "the October 2023
    # edition of …", "rOpenSci September news!"
    _keyword(
        "publication",
        "marketing",
        "Campaign",
        r"(?:latest|new|newest|first|next|monthly|weekly|month's|week's"
        rf"|{_MONTH_NAMES}(?: \d{{4}})?|\d{{4}}) (?:issue|edition|episode) of"
        # a monthly heading: "rOpenSci September news!"
        rf"|{_MONTH_NAMES} (?:news|newsletter|digest|roundup)",
        out_when_posted=True,
    ),
    _keyword(
        "org",
        "org",
        "Org change",
        r"joins|joining us|last day|new hire|onboarding|reorg|joined the team|joining the team"
        r"|latest addition|welcome to the team"
        # roles in a community: "starts as RM on the 1st", "leaving the core team at the end of
        # April", "welcome @ana as a core maintainer", "the new committee starts its term"
        r"|starts? as (?:the |our )?(?:new )?(?:rm|release manager|maintainer|lead|chair)"
        r"|(?:is|are) (?:our|the) (?:new|first) (?:rm|release manager|maintainers?|lead|chair"
        r"|community manager)|welcom(?:e|ing) (?:[@\w.-]+ ){1,4}to the (?:[\w-]+ ){0,2}team"
        r"|leaving the (?:\w+ ){0,2}(?:team|project|group|maintainers)(?!\b channel)(?!\b chat)"
        r"|stepping down|steps down"
        # not "taking a step back from this thread", "handing this issue over to @bob"
        r"|(?:taking a step|stepping|steps) back from(?!\b this)(?!\b that)(?!\b the thread)"
        r"|handing (?!\bthis )(?!\bthat )(?!\bit )(?:[\w-]+ ){1,4}over to"
        r"|hand(?:s|ing)? over (?:the |my |our )?(?:[\w-]+ ){0,3}(?:role|maintainership|duties"
        r"|service|project|module|rotation)"
        r"|welcome (?:our|the) new (?:[\w-]+ ){0,2}(?:maintainers?|moderators?|committers?"
        r"|reviewers?|organi[sz]ers?|leads?|members? of)"
        r"|welcom(?:e|ing) (?:[@\w.-]+ ){1,4}as (?:a |our |the )?(?:new )?(?:[\w-]+ ){0,2}"
        r"(?:maintainer|committer|reviewer)"
        r"|starts? (?:its|their|his|her) term"
        # "Lukas joined the project as co-maintainer", "X is taking over from this week"
        r"|joined (?:the |our )?(?:[\w-]+ ){0,2}(?:project|team) as|(?:is|are) taking over"
        r"|takes over (?:[\w-]+ ){0,4}(?:from|as)|passing the torch"
        r"|promoted to|welcome aboard|farewell|teams? merge|parental leave|party",
    ),
    _keyword(
        "scheduled",
        "unknown",
        "Other",
        r"scheduled|rescheduled|postponed|planned for|happening|takes place|will be held",
    ),
)
# Slack's /remind ("Reminder: It is time to generate the quarterly patch file.", posted by
# Slackbot): a task of the day. Not in EVENT_KEYWORDS: its author makes it one, not the word.
SLACK_REMINDER = _keyword("reminder", "process", "Reminder", r"reminder")

# Pages that exist to announce an event: meetup and ticketing sites, event, CFP and webinar paths.
EVENT_LINK = re.compile(
    r"meetup\.com/|eventbrite\.|lu\.ma/|hopin\.com|sessionize\.com|/events?/|/webinars?/"
    r"|/cfp\b|/conference|/summit|/hackathon|/meetup|/register\b|/registration",
    re.IGNORECASE,
)

# Pages about an event that is over: its photos, videos, recordings or slides.
_PAST_MEDIA_PATH = re.compile(r"/(?:photos?|videos?|recordings?|slides|albums?)(?:/|$)", re.I)
# How many path segments may follow the event segment: "/events/123", "/events/2026/dev-day";
# deeper, ending in a title ("/Events/useR-conference/useR2016/<talk>"), is a talk's page.
_MAX_EVENT_PAGE_DEPTH = 2


def is_event_page(url: str) -> bool:
    """Whether a link is a page that announces an event (EVENT_LINK), not a page of its photos
    or recordings, nor a talk's page deep inside an event's archive."""
    found = list(EVENT_LINK.finditer(url))
    if not found or _PAST_MEDIA_PATH.search(url):
        return False
    if not found[-1].group().startswith("/"):
        return True  # an event site's own address ("meetup.com/<group>/events/<id>")
    rest = url[found[-1].end() :].split("?", 1)[0].split("#", 1)[0]
    parts = [part for part in rest.split("/") if part]
    # deeper than an event's own page and ending in a title ("…/useR2016/colour-schemes-in-…"):
    # a talk's page in the archive of a past edition (not ".../event/show/id/<token>")
    return len(parts) <= _MAX_EVENT_PAGE_DEPTH or len(re.split(r"[-_]", parts[-1])) < 3


# Words that announce an event even before its date is known ("the next data jam is posted!",
# "save the date", "registration is open", "a workshop happening soon", "check out this meetup").
UNDATED_ANNOUNCEMENT = re.compile(
    r"\b(?:posted|announced|announcing|scheduled|save the date|registration (?:is )?(?:now )?open"
    r"|join us|coming up|upcoming|next (?:meetup|event|call|meeting|session|workshop|webinar)"
    r"|invite you|sign up|register|rsvp|tickets|call for"
    r"|(?:happening|coming|taking place|held) soon|check (?:it |this |these |them )?out"
    r"|don't miss|do not miss|come along)\b",
    re.IGNORECASE,
)


# Something that begins about now ("AMER office hour starting in 5 minutes!", "Starting in one
# hour!!", "the stream begins shortly", "Cohort 1 has started! <call link>"): an event on now,
# whatever it is called.
STARTING_NOW = re.compile(
    r"\b(?:(?:is |are )?(?:starting|starts|begins|beginning|kicks off|kicking off|meeting)\s+"
    r"(?:right )?(?:now|shortly|soon|in\s+(?:about\s+|around\s+|~\s*|a\s+)?"
    r"(?:few|couple of|\d+(?:-\d+)?|one|two|an|half an)\s*(?:min(?:ute)?s?|hours?|hrs?))"
    # "Cohort 3 has just started!", not "the job has started but hangs"
    r"|(?:has|have) (?:just )?(?:started|begun)(?=\s*(?:!|:|$)))\b",
    re.IGNORECASE,
)

# A change to something shared, told as just done ("I've enabled discussions", "Catalan has just
# been added to the translation server", "the rebase is now complete", "we are back, sorry for
# the wait"): news for the channel, though no event word names it. Help talk says it too ("I've
# updated my PR"), so it earns fewer points than an event word: a candidate needs more evidence
# beside it.
_CHANGE_DONE = (
    r"(?:created|enabled|added|set up|unlocked|switched|moved|migrated|committed|merged|updated"
    r"|upgraded|deployed|published|released|fixed|resolved|checked (?:\w+ )?in|turned on|opened)"
)
DONE_NOW = re.compile(
    rf"\b(?:I|we)(?:['\u2019]ve| have) (?:now |just |finally )?{_CHANGE_DONE}\b"
    rf"|\b(?:has|have) (?:just |now )?been (?:just )?{_CHANGE_DONE}\b"
    r"|\b(?:is|are) now (?:complete|done|live|open|official|unlocked)\b"
    r"|\bwe(?:['\u2019]re| are) back\b"
    rf"|^\W*just {_CHANGE_DONE}\b",
    re.IGNORECASE,
)


STATUS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (status, re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE))
    for status, pattern in (
        ("canceled", r"cancell?ed|cancell?ing|called off|scrapped"),
        ("rolled_back", r"rolled back|reverted"),
        ("postponed", r"postponed|delayed|moved to|pushed to|rescheduled|slipped"),
        (
            "completed",
            r"resolved|fixed|done|completed|shipped|released|deployed|is live|went live"
            rf"|{SERVICE_BACK}|(?:is|are) now complete",
        ),
        (
            "started",
            r"investigating|in progress|ongoing|started|starting now|underway|mitigating"
            # "deploying … now" on one line. A "deploying" is read only up to the next one, which
            # finds the same lines (the status is whether one matches) without reading the rest
            # of the line again from every "deploying" (quadratic on "deploying deploying …").
            r"|deploying (?:(?!\bdeploying ).)*?\bnow|rolling back|right now|failing|crashed|stuck"
            r"|paging",
        ),
        ("confirmed", r"confirmed|locked in|final date"),
    )
)


# Case-insensitive scans are slow (no literal-prefix search); these find the places worth trying.
_ANY_KEYWORD = _folded_union(keyword.pattern for keyword in EVENT_KEYWORDS)
_ANY_STATUS = _folded_union(pattern for _, pattern in STATUS_PATTERNS)
_KEYWORDS_STARTING_WITH, _KEYWORDS_STARTING_ANYHOW = _by_first_character(EVENT_KEYWORDS)
_ALL_RANKS = frozenset(range(len(EVENT_KEYWORDS)))
# Once the shared scan has found this many places in a row that hold no new keyword (":1:1:1…"
# is "1:1" at every other character), it goes on with a scan for the keywords still missing.
_FRUITLESS_HITS = 256


@lru_cache(maxsize=64)
def _union_of(ranks: frozenset[int]) -> re.Pattern[str]:
    """_ANY_KEYWORD for the keywords of these ranks only."""
    return _folded_union(EVENT_KEYWORDS[rank].pattern for rank in sorted(ranks))


# A keyword that is part of a channel name ("moving this to #security") or of the name of a
# service or team ("onboarding-service restarted", "release-bot") names a thing, not an event.
_NAME_SUFFIX = re.compile(
    r"-(?:api|apis|service|services|svc|worker|workers|bot|gateway|cluster|pipeline|dashboard"
    r"|portal|sdk|db|database|queue|cache|proxy|app|team|squad|channel|repo|bucket)\b",
    re.IGNORECASE,
)


# The same words in ordinary talk, checked around a keyword's match: a path or branch name
# ("release-1.6", "/releases/tag/"), "due to", a negation ("not yet released") and a condition
# ("after 3.6.0 is released") announce nothing. A slash before a capitalised word joins
# alternatives in prose ("Hackathon/Open Challenge"), not the parts of a path.
_PATH_BEFORE = frozenset("/_.-")
_PATH_AFTER = re.compile(
    r"/(?-i:(?![A-Z][a-z]+(?:[\s,;:!?)]|\.(?!\w)|$)))|_|-\d|\.[a-z]", re.IGNORECASE
)
_FALSE_FRIEND_AFTER = {
    # "1.3.0's out-of-the-box config", "out-of-date docs"
    "out": re.compile(r"-"),
    # someone's own meal or evening: "lunch is at 12:30 for me", "happy hour at 5pm is the best
    # part of my week"
    "social": re.compile(r"[^.!?\n]{0,40}?\b(?:for me|my|I|I'm|I'll)\b"),
    "due": re.compile(r"\s+to\b", re.IGNORECASE),
    "close": re.compile(r"\s+to\b", re.IGNORECASE),  # "proposals that are close to final"
    "closing": re.compile(r"\s+(?:the|in)\b", re.IGNORECASE),
    # "development and maintenance of software": the activity, not a maintenance window.
    "maintenance": re.compile(r"\s+of\b", re.IGNORECASE),
    # "Tagged Yanina and Maëlle on the issue", "tagged you": people are tagged, not releases.
    # "(paging @Heather)": someone called into a thread, not an on-call page.
    "paging": re.compile(r"\s+@"),
    "tagged": re.compile(
        r"\s+(?:@|(?:you|me|him|her|them|someone|people|everyone)\b|[A-Z]\w+ (?:and|on|in)\b)"
    ),
}
# The same words before a keyword: "out of sync" is a state, not a meeting.
_FALSE_FRIEND_BEFORE = {
    "sync": re.compile(r"\b(?:out of|in)\s+$", re.IGNORECASE),
    # someone's own meal or a work plan: "having lunch at 1", "hoping to submit something before"
    "social": re.compile(
        r"\b(?:my|having|had|have|grab|grabbing|get|getting|eat|eating|after|before|during"
        r"|over|for|skip|skipped|skipping|miss|missed|missing|kids'?)\s+$",
        re.IGNORECASE,
    ),
    "submit": re.compile(r"\b(?:hoping|hope|trying|try)\s+to\s+$", re.IGNORECASE),
    # a PR's checks, not an outage: "· checks failing", "e2e-tests — 2 failing"
    "failing": re.compile(r"\b(?:checks?|tests?|\d+)\s+$", re.IGNORECASE),
    # a state that was, not one under way: "sidekiq was stuck around 3am", "Slack was down for
    # a while this morning"
    "incident": re.compile(r"\b(?:was|were|had been)\s+$", re.IGNORECASE),
    "incident_symptom": re.compile(r"\b(?:was|were|had been)\s+(?:\w+\s+)?$", re.IGNORECASE),
    # bugs or issues labelled, not a release tagged: "went through 3 bugs tagged BeginnerFriendly"
    "tagged": re.compile(
        r"\b(?:bugs?|issues?|prs?|pull requests?|tickets?|posts?|questions?|items?)\s+$",
        re.IGNORECASE,
    ),
}
# A keyword used as a noun's modifier names a thing around the event, not the event: "the
# meetup page", "your meetup idea", "the meeting notes", "the conference slides". Logistics
# ("the meeting link", "the meeting room") presuppose an event to come, so they still count.
_MODIFIED_NOUN = re.compile(
    r"\s+(?:page|pages|idea|ideas|notes|photos|pictures|organi[sz]ers?|slides|recordings?"
    r"|videos?|app|platform|group|groups|site|website|account"
    # a tool named after what it does: "our sync job", "the deploy script"
    r"|jobs?|scripts?|tool|tooling|button|workflows?"
    # "the upgrade guide PR is up for review", "the release checklist"
    r"|guides?|prs?|pull requests?|checklists?)\b",
    re.IGNORECASE,
)
# A past participle used as an adjective ("on deployed solutions", "the released packages").
_PARTICIPLE_AS_ADJECTIVE_BEFORE = re.compile(
    r"\b(?:the|a|an|on|of|for|with|in|to|my|our|your|their|its|all|any|some|these|those|newly)"
    r"\s+$",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:not|never|no|nothing|yet to)\s+(?:\w+\s+)?$|n't\s+(?:\w+\s+){0,2}$", re.I
)
# A negation after the event's name: "the freeze hasn't been scheduled yet", "the call is not
# confirmed".
_NEGATED_AFTER = re.compile(
    r"\s+(?:(?:is|are|has|have|was)n't|(?:is|are|has|have|was) not) (?:been |yet |\w+ )?"
    r"(?:scheduled|planned|decided|set|confirmed|announced|happening)\b",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(?:after|before|when|whenever|once|if|unless|until)\s+(?:[\w.'-]+\s+){0,3}"
    r"(?:is|are|gets?|was|were|has been|have been)\s+$"
    r"|\b(?:after|when|whenever|once|if|unless)\s+(?:the\s+|a\s+|this\s+|our\s+|your\s+)?$"
    # a release as a point in time: "fixed soon (before the R 4.3 release)"
    r"|\b(?:after|before|until)\s+(?:the\s+)?(?:(?-i:[A-Z])[\w!.-]*\s+)?v?\d+(?:\.\d+)+\s+$",
    re.IGNORECASE,
)
# How a thing is done, not one being done: "write down how to cut a release", "how do we deploy".
_HOW_TO = re.compile(
    r"\bhow\s+(?:to|do\s+(?:we|you|I)|does\s+one)\s+(?:\w+\s+){0,2}?(?:(?:a|an|the)\s+)?$",
    re.IGNORECASE,
)
# What someone does to a thing, which "how to" turns into a process ("how to cut a release").
_DONE_BY_SOMEONE = frozenset(
    {"Release", "Deploy", "Migration", "Rollback", "Maintenance", "Launch"}
)
_LOOK_BEHIND = 48

# Someone describing their own problem: the words of a help request or a log, not an announcement.
HELP_TALK = re.compile(
    r"\b(?:I(?:'m| am) (?:facing|getting|seeing|trying|having|running|using|stuck|not able)"
    r"|I (?:tried|try|get|got|see|saw|have|had|need|want|wanted|was|can't|cannot|couldn't"
    r"|don't|noticed|followed|upgraded|installed)"
    r"|we(?:'re| are) (?:facing|getting|trying|having|stuck|not able|running into|seeing)"
    r"|we(?:'re| are) (?:running|using) (?:a|an|the|our|\w+ \w+ (?:on|with|from))\b"
    r"|(?:attached|sharing|here are) (?:the )?logs|logs? for reference|I(?:'m| am) looking for"
    r"|we (?:tried|need|can't|cannot|couldn't|noticed)|unable to|hitting|hit a wall|ran into"
    r"|running into|wanted to (?:check|ask|know)|wondering|can someone|could someone"
    r"|you can (?:follow|try|check|use|go to|set|configure|change|upgrade|refer)"
    r"|error|errors|exception|traceback|stack ?trace|not working|doesn't work|does not work"
    r"|any (?:idea|ideas|help|suggestions?|advice|tips|recommendations?)|ideas(?=\?)"
    r"|thoughts(?=\?)"
    r"|is there a way"
    r"|how (?:do|can|to)|help me|please help"
    r"|getting this|facing (?:an |this |the )?issue|if anyone knows|does anyone know|not urgent"
    # a user's report on their own try: "rolling back to 0.14.2 works fine", "works, thanks!"
    r"|works (?:fine|for me|great)|worked (?:fine|for me)|works\W+(?:thanks|thank you|ty)"
    r"|(?:fixed|solved) it for me"
    # a "me too" in a help thread: "same here, it's stuck at 90%"
    r"|same (?:here|for me|issue|problem|error)|me too)\b",
    re.IGNORECASE,
)


# A message that opens by introducing its author ("Hi all! I'm Glen and I work on …"): the
# events it mentions are the author's plans, not announcements.
SELF_INTRODUCTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b[^.!?\n]{0,30}"
    r"[.!,:\s]+)?(?:I'm|I am|my name is)\s+(?-i:[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"
    r"(?:\s*[,.!(–-]|\s+(?:and|from|here|of|at|with|an?)\b)",
    re.IGNORECASE,
)

# The asker's own state in a help request: "I'm stuck on the workshop exercise" is not news.
HELP_STATE = re.compile(r"\b(?:stuck|failing|crashed)\b", re.IGNORECASE)


# The writer's own job: "had an outage at work today", "our own deadline at work".
WRITERS_JOB = (
    r"\b(?:at|for) (?:my |our )?(?:work|day ?job)\b(?!-)"
    r"|\b(?:at|for|in|from) my (?:company|employer|job)\b(?!')"
)
# The asker's own environment with a problem in it: "I deployed it to my k8s cluster and the pod
# crashes" (a maintainer running tonight's upgrade "from my workstation" is no help request),
# or the asker's job ("our company's pipeline fails since the upgrade").
MY_ENVIRONMENT = re.compile(
    r"\b(?:on|to|in|from|with) my (?:own |local |test |dev )?(?:k8s |kubernetes )?(?:cluster"
    r"|machine|laptop|server|setup|env|environment|instance|mac|pc|computer|workstation)\b"
    r"|\blocally\b"
    # the writer's own install: "after upgrading to 0.8 the connector is stuck"
    r"|\b(?:after|since) (?:upgrading|updating|installing|switching|moving) to\b"
    rf"|{WRITERS_JOB}|\b(?:my|our) (?:company|employer)(?:'s)?\b",
    re.IGNORECASE,
)
A_PROBLEM = re.compile(
    r"\b(?:crash\w*|fail\w*|broken|stuck|stall\w*|hangs?|times? out|timing out|won't|can't"
    r"|doesn't|does not|isn't|refuses?|refused|issue|problem|bug)\b|\?",
    re.IGNORECASE,
)


def is_help_talk(text: str) -> bool:
    """Whether `text` reads as someone's own problem (a help request, an error report)."""
    if HELP_TALK.search(text) is not None:
        return True
    return MY_ENVIRONMENT.search(text) is not None and A_PROBLEM.search(text) is not None


# A maintainer's answer that the outage its thread reports is being worked on: "yes we see it,
# fixing now", "thanks for reporting this, we are checking, will fix it soon".
INCIDENT_ACK = re.compile(
    r"\b(?:looking into it|we(?:'re| are) (?:on it|looking into|checking|investigating|fixing)"
    r"|fixing (?:it |this )?now|we see it|(?:will|we'll) fix (?:it|this)|working on a fix)\b",
    re.IGNORECASE,
)


def acknowledges_an_outage(reply: str) -> bool:
    """Whether a reply says the outage its thread reports is being worked on (not a question)."""
    return not reply.rstrip().endswith("?") and INCIDENT_ACK.search(reply) is not None


def outage_keyword(text: str, help_talk: bool | None = None) -> "EventKeyword | None":
    """The incident keyword of a text that reports an outage; a help request's own trouble
    ("my sync is stuck") reports none, as its weak words do not count there."""
    if help_talk is None:
        help_talk = is_help_talk(text)
    for keyword in find_keywords(text, help_talk):
        if keyword.category == "risk" and keyword.action == "Incident":
            return keyword
    return None


def _not_an_event_use(text: str, start: int, end: int, keyword: "EventKeyword") -> bool:
    """A keyword inside a name, a path, a negation or a condition announces nothing."""
    if (start > 0 and text[start - 1] == "#") or _NAME_SUFFIX.match(text, end) is not None:
        return True
    if (start > 0 and text[start - 1] in _PATH_BEFORE) or _PATH_AFTER.match(text, end):
        return True
    word = text[start:end].lower()
    # A phrase is read by its last word too: "entries … are due to a bug" is "due to".
    friend = (
        _FALSE_FRIEND_AFTER.get(word)
        or _FALSE_FRIEND_AFTER.get(word.rsplit(" ", 1)[-1])
        or _FALSE_FRIEND_AFTER.get(keyword.name)
    )
    if friend is not None and friend.match(text, end):
        return True
    before = text[max(0, start - _LOOK_BEHIND) : start]
    friend = (
        _FALSE_FRIEND_BEFORE.get(word)
        or _FALSE_FRIEND_BEFORE.get(word.split(" ", 1)[0])
        or _FALSE_FRIEND_BEFORE.get(keyword.name)
    )
    if friend is not None and friend.search(before):
        return True
    verb_form = word.endswith(("ed", "s")) or (word.endswith("ing") and word != "meeting")
    if _MODIFIED_NOUN.match(text, end) is not None and not verb_form:
        return True
    # A weak word's present participle too: "with a failing test", "the timing-out job".
    if (
        (word.endswith("ed") or (keyword.weak and word.endswith("ing")))
        and " " not in word
        and _PARTICIPLE_AS_ADJECTIVE_BEFORE.search(before)
        and re.match(r"\s+[a-z]", text[end : end + 2])
    ):
        return True
    if _quoted(text, start):
        return True
    if keyword.action in _DONE_BY_SOMEONE and _HOW_TO.search(before) is not None:
        return True  # "how to join the call tomorrow" still announces the call
    if _NEGATED_AFTER.match(text, end) is not None:
        return True
    return _NEGATED.search(before) is not None or _CONDITIONAL.search(before) is not None


_QUOTE_REACH = 240  # a quotation is read within this many characters of the keyword


def _quoted(text: str, start: int) -> bool:
    """Whether `start` is inside a quotation ("… the message “another meeting in progress”"):
    quoted words are someone else's (an error message, a document), not an announcement."""
    low, high = max(0, start - _QUOTE_REACH), start + _QUOTE_REACH  # bounded: linear overall
    if text.count('"', low, start) % 2 == 1 and text.find('"', start, high) >= 0:
        return True
    opened = text.rfind("\u201c", low, start)
    return (
        opened >= 0
        and text.rfind("\u201d", opened, start) < 0
        and (text.find("\u201d", start, high) >= 0)
    )


def find_keywords(text: str, help_talk: bool | None = None) -> list[EventKeyword]:
    """Event keywords present in `text`, the one written first first (ties: vocabulary order):
    "the launch moved because of the code freeze" is about the launch. Keywords inside a channel,
    service, branch or path name, negated or in a condition do not count, nor do weak keywords
    in help talk (`help_talk`: of the whole message; by default, of `text`)."""
    folded = fold_case(text)
    found: list[tuple[int, int, EventKeyword]] = []
    pending = set(_ALL_RANKS)
    position = fruitless = 0

    def take(rank: int, keyword: EventKeyword, start: int) -> bool:
        """Whether the keyword's first use is at `start` (or it is settled: weak in help talk)."""
        nonlocal help_talk
        if (match := keyword.pattern.match(text, start)) is None:
            return False
        if keyword.weak:
            if help_talk is None:
                help_talk = is_help_talk(text)
            if help_talk:
                return True
        if _not_an_event_use(text, start, match.end(), keyword):
            return False
        found.append((start, rank, keyword))
        return True

    # A keyword's first match starts at the first position where its pattern matches. Every such
    # position is one where _ANY_KEYWORD matches, and the keyword is listed for the character
    # there, so trying those positions in order finds the same first match as a search would.
    # The union of the pending keywords' patterns has those positions too, so the scan can
    # switch to it: places where only found keywords match are then skipped in one search.
    scanner, scanned_for = _ANY_KEYWORD, _ALL_RANKS
    while pending and (hit := scanner.search(folded, position)) is not None:
        start, settled = hit.start(), len(pending)
        for rank, keyword in _KEYWORDS_STARTING_WITH.get(folded[start], _KEYWORDS_STARTING_ANYHOW):
            if rank in pending and take(rank, keyword, start):
                pending.discard(rank)
        fruitless = fruitless + 1 if len(pending) == settled else 0
        if fruitless >= _FRUITLESS_HITS and pending != scanned_for:
            scanned_for = frozenset(pending)
            scanner, fruitless = _union_of(scanned_for), 0
        position = start + 1
    return [keyword for _, _, keyword in sorted(found, key=lambda item: item[:2])]


def detect_status(text: str) -> str:
    """The first status (in STATUS_PATTERNS order) whose words appear, else "planned"."""
    if _ANY_STATUS.search(fold_case(text)) is None:
        return "planned"  # no status pattern matches anywhere
    for status, pattern in STATUS_PATTERNS:
        if any(not _not_a_status(text, match.start()) for match in pattern.finditer(text)):
            return status
    return "planned"


# "to get started", "once it gets fixed": what may happen, not what has.
_PROSPECTIVE = re.compile(r"\b(?:get|gets|getting)\s+$", re.IGNORECASE)


def _not_a_status(text: str, start: int) -> bool:
    """Whether the status word at `start` is negated ("if it doesn't get fixed"), in a
    condition ("once it is released") or prospective ("to get started")."""
    before = text[max(0, start - _LOOK_BEHIND) : start]
    return any(
        pattern.search(before) is not None for pattern in (_PROSPECTIVE, _NEGATED, _CONDITIONAL)
    )
