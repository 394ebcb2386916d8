"""Links and anchors: the identifiers that tie messages about the same thing together."""

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Slack escapes "<" in message text, so a link never holds one: stopping at the next "<" keeps
# every unclosed "<https:" from reading the rest of the text (that was quadratic).
SLACK_LINK = re.compile(r"<((?:https?):[^<>|]+)(?:\|[^<>]*)?>")
BARE_URL = re.compile(r"(?<![<|])\bhttps?://[^\s<>|\"')\]]+")
JIRA_KEY = re.compile(r"(?<![\w/-])([A-Z][A-Z0-9]{1,9}-[1-9]\d{0,6})(?![\w-])")
GITHUB_URL = re.compile(
    r"^https?://github\.com/([\w.-]+)/([\w.-]+)/(pull|issues|commit|releases/tag)/([\w.\-]+)"
)
# owner/repo#123, as long as GitHub allows (owner 39 characters, repository 100): a bounded
# attempt at each start, where unbounded runs made "a.a.a.a…#1" quadratic.
GITHUB_SHORT_REF = re.compile(r"(?<![\w/])([\w.-]{1,39}/[\w.-]{1,100})#(\d+)\b")
VERSION = re.compile(r"(?<![\w.])v(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)(?![\w.])")
GOOGLE_DOC = re.compile(
    r"^https?://docs\.google\.com/(document|spreadsheets|presentation)/d/([\w-]+)"
)
CONFLUENCE = re.compile(r"^https?://[\w.-]+/wiki/spaces/([\w~-]+)/pages/(\d+)")
NOTION = re.compile(r"^https?://(?:www\.)?notion\.so/.*?([0-9a-f]{32})(?:$|[?#])")
MEETING = re.compile(
    r"^https?://(?:[\w-]+\.)?(zoom\.us/j/\d+|meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}"
    r"|teams\.microsoft\.com/l/meetup-join/)"
)
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref_src|si)$", re.IGNORECASE)
# Words in ALL-CAPS that look like Jira keys but are not (SEV-2, UTF-8, ...).
NOT_JIRA_PROJECTS = frozenset(
    {"SEV", "UTF", "ISO", "RFC", "COVID", "TLS", "SHA", "AES", "GMT", "UTC"}
)
# The patterns above that start with a lookbehind try every position of the text; these hints
# (found in every match of their pattern, and quick to search) skip the scans that cannot match.
_JIRA_HINT = re.compile(r"-[1-9]")
_VERSION_HINT = re.compile(r"v\d")


@dataclass(frozen=True, order=True)
class Anchor:
    # jira | github_pr | github_issue | github_commit | github_release | version | doc | meeting
    kind: str
    value: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


@lru_cache(maxsize=4096)
def normalize_url(url: str) -> str:
    """Drop tracking parameters and fragments-only noise so the same link compares equal.
    Cached: the same links (dashboards, runbooks, docs) are posted over and over."""
    url = html.unescape(url.strip()).rstrip(".,;:!?")
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), parts.fragment)
    )


def extract_links(text: str) -> list[str]:
    """Every http(s) link in raw Slack text (wrapped or bare), normalised, first-seen order."""
    if "http" not in text:
        return []  # both link patterns need "http"
    found = [m.group(1) for m in SLACK_LINK.finditer(text)]
    rest = SLACK_LINK.sub(" ", text) if found else text
    if "http" in rest:
        found += BARE_URL.findall(rest)
    links: list[str] = []
    for url in found:
        normalized = normalize_url(url)
        if normalized not in links:
            links.append(normalized)
    return links


@lru_cache(maxsize=4096)
def _anchors_from_link(url: str) -> tuple[Anchor, ...]:
    if match := GITHUB_URL.match(url):
        owner, repo, kind, ref = match.groups()
        slug = f"{owner}/{repo}".lower()
        if kind == "pull":
            return (Anchor("github_pr", f"{slug}#{ref}"),)
        if kind == "issues":
            return (Anchor("github_issue", f"{slug}#{ref}"),)
        if kind == "commit":
            return (Anchor("github_commit", f"{slug}@{ref[:12]}"),)
        return (Anchor("github_release", f"{slug}@{ref}"),)
    if match := GOOGLE_DOC.match(url):
        return (Anchor("doc", f"gdoc:{match.group(2)}"),)
    if match := CONFLUENCE.match(url):
        return (Anchor("doc", f"confluence:{match.group(2)}"),)
    if match := NOTION.match(url):
        return (Anchor("doc", f"notion:{match.group(1)}"),)
    if MEETING.match(url):
        return (Anchor("meeting", url),)
    return ()


def extract_anchors(text: str, links: list[str] | None = None) -> list[Anchor]:
    """Jira keys, GitHub PRs/issues/commits/releases, versions, doc ids and meeting links."""
    links = extract_links(text) if links is None else links
    anchors: set[Anchor] = set()
    for url in links:
        anchors.update(_anchors_from_link(url))
    plain = text
    if "http" in plain:  # both link patterns need it: no "http", no link to blank out
        plain = SLACK_LINK.sub(" ", plain)
        if "http" in plain:
            plain = BARE_URL.sub(" ", plain)
    if _JIRA_HINT.search(plain):
        for key in JIRA_KEY.findall(plain):
            if key.split("-")[0] not in NOT_JIRA_PROJECTS:
                anchors.add(Anchor("jira", key))
    if "#" in plain:
        for slug, number in GITHUB_SHORT_REF.findall(plain):
            anchors.add(Anchor("github_issue", f"{slug.lower()}#{number}"))
    if _VERSION_HINT.search(plain):
        for version in VERSION.findall(plain):
            anchors.add(Anchor("version", f"v{version}"))
    return sorted(anchors)
