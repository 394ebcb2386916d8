"""The reviewer's title criteria (evaluation/titles.py): each names a kind of edit."""

import pytest

from slack_events_dagster.evaluation.titles import title_problems


@pytest.mark.parametrize(
    "title",
    [
        "payments-api v2.15.0 release",
        "Checkout 3.4 launch",
        "CFP deadline: DataConf 2027",
        "R Dev Day @ Springfield: registration deadline",
        "Second office hour cancelled",
        'Community call "Graphs in the wild"',
        ".NET 10 release",
    ],
)
def test_calendar_titles_are_kept(title: str) -> None:
    assert title_problems(title) == ()


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("Conference " + "very " * 20 + "big", "too long"),
        ("The book club will be organised in six online…", "cut off"),
        ("Yes, and the merchant email goes out", "lead-in"),
        ("FYI payments freeze", "lead-in"),
        ("I am giving a talk at Springfield University", "chat"),
        ("Reserve your webinar seat now", "chat"),
        ("Release notes https://example.org/notes", "markup"),
        ("Office hour with @ana", "markup"),
        ("Launch :rocket:", "markup"),
        ('Community call "Graphs in the wild', "markup"),
        ("Release notes draft for v2.14.0: Confluence.", "punctuation"),
        ("\u2019s TSC meeting, open to all", "fragment"),  # "Thursday's" without its date
        ("'s meetup moved to room B2", "fragment"),
        ("Registration deadline", "no subject"),
        ("Second office hour", "no subject"),
        ("14:00 UTC", "no subject"),
    ],
)
def test_titles_a_reviewer_would_edit_name_the_edit(title: str, problem: str) -> None:
    assert problem in title_problems(title)
