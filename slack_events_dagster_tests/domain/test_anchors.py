import pytest

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
