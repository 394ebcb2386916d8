import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slack_events_dagster.domain import anchors
from slack_events_dagster.domain.anchors import (
    Anchor,
    extract_anchors,
    extract_links,
    normalize_url,
)


def test_links_are_unwrapped_normalised_and_deduplicated() -> None:
    text = (
        "<https://GitHub.com/acme/api/pull/7?utm_source=slack&utm_medium=x|PR 7> and again "
        "https://github.com/acme/api/pull/7/ plus <https://example.com/a?b=1&fbclid=zz>."
    )
    assert extract_links(text) == [
        "https://github.com/acme/api/pull/7",
        "https://example.com/a?b=1",
    ]


def test_normalize_url_keeps_meaningful_query_parameters() -> None:
    assert normalize_url("https://x.io/p?id=3&utm_campaign=q&gclid=1") == "https://x.io/p?id=3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tracking PAY-2231 and OPS-7", [Anchor("jira", "OPS-7"), Anchor("jira", "PAY-2231")]),
        (
            "<https://github.com/acme/payments-api/pull/512|PR #512>",
            [Anchor("github_pr", "acme/payments-api#512")],
        ),
        ("see https://github.com/Acme/Web/issues/88", [Anchor("github_issue", "acme/web#88")]),
        ("fixed in acme/web#91", [Anchor("github_issue", "acme/web#91")]),
        (
            "https://github.com/acme/web/commit/0123456789abcdef0123",
            [Anchor("github_commit", "acme/web@0123456789ab")],
        ),
        (
            "<https://github.com/acme/helm/releases/tag/v0.3.7>",
            [Anchor("github_release", "acme/helm@v0.3.7")],
        ),
        (
            "payments-api v2.14.0 ships; v3.0 later",
            [Anchor("version", "v2.14.0"), Anchor("version", "v3.0")],
        ),
        (
            "RCA <https://docs.google.com/document/d/1AbCdEfGhIjK/edit|doc>",
            [Anchor("doc", "gdoc:1AbCdEfGhIjK")],
        ),
        (
            "https://acme.atlassian.net/wiki/spaces/ENG/pages/12345/Runbook",
            [Anchor("doc", "confluence:12345")],
        ),
        (
            "https://www.notion.so/acme/Plan-0123456789abcdef0123456789abcdef",
            [Anchor("doc", "notion:0123456789abcdef0123456789abcdef")],
        ),
        (
            "join https://acme.zoom.us/j/123456789",
            [Anchor("meeting", "https://acme.zoom.us/j/123456789")],
        ),
        (
            "https://meet.google.com/abc-defg-hij",
            [Anchor("meeting", "https://meet.google.com/abc-defg-hij")],
        ),
        (
            "<https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc/0|Teams>",
            [Anchor("meeting", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc/0")],
        ),
    ],
)
def test_anchor_kinds(text: str, expected: list[Anchor]) -> None:
    assert extract_anchors(text) == expected


@pytest.mark.parametrize(
    "text", ["SEV-2 declared", "UTF-8 text", "version 2.3.1", "5xx rate", "abc-123", "X-1"]
)
def test_things_that_are_not_anchors(text: str) -> None:
    assert extract_anchors(text) == []


def reference_links(text: str) -> list[str]:
    """The definition the fast paths must keep: every pattern run over the whole text."""
    found = [m.group(1) for m in anchors.SLACK_LINK.finditer(text)]
    found += anchors.BARE_URL.findall(anchors.SLACK_LINK.sub(" ", text))
    return list(dict.fromkeys(anchors.normalize_url.__wrapped__(url) for url in found))


def reference_anchors(text: str) -> list[Anchor]:
    found = {a for url in reference_links(text) for a in anchors._anchors_from_link(url)}
    plain = anchors.BARE_URL.sub(" ", anchors.SLACK_LINK.sub(" ", text))
    found |= {
        Anchor("jira", key)
        for key in anchors.JIRA_KEY.findall(plain)
        if key.split("-")[0] not in anchors.NOT_JIRA_PROJECTS
    }
    found |= {
        Anchor("github_issue", f"{slug.lower()}#{n}")
        for slug, n in anchors.GITHUB_SHORT_REF.findall(plain)
    }
    found |= {Anchor("version", f"v{version}") for version in anchors.VERSION.findall(plain)}
    return sorted(found)


LINK_FRAGMENTS = [
    *("<https://github.com/acme/api/pull/7|PR 7>", "https://github.com/acme/api/issues/8/"),
    *("<https://x.io/a?utm_source=s&id=1>", "http://x.io/b.", "HTTP://x.io/c", "http", "<", ">"),
    *("https://acme.zoom.us/j/1", "<mailto:a@b.c|mail>", "PAY-2231", "OPS-7", "SEV-2", "A-0"),
    *("ABC-12-", "x/y#12", "acme/web#91", "#4", "v2.14.0", "v3.0", "v1", "vv2.0", "2.0", "-"),
    *("https://x.io/PAY-9?v=v1.2", "|", "&amp;", "https://docs.google.com/document/d/Ab_1/edit"),
    *("<https://a.io/?next=https://b.io|x>", "v12.3", "v10.0.1-rc.1", "JIRA-10"),
]


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(st.sampled_from(LINK_FRAGMENTS), max_size=8),
    separator=st.sampled_from([" ", "", ", ", "\n"]),
)
def test_link_and_anchor_fast_paths_agree_with_their_definitions(
    parts: list[str], separator: str
) -> None:
    text = separator.join(parts)
    assert extract_links(text) == reference_links(text)
    assert extract_anchors(text) == reference_anchors(text)
    assert extract_anchors(text, extract_links(text)) == reference_anchors(text)
