"""dashboard/slack_preview.py: a stored digest's Block Kit blocks shown as Markdown."""

from datetime import UTC, datetime, timedelta

from slack_events_dagster.dashboard.slack_preview import blocks_to_markdown, mrkdwn_to_markdown
from slack_events_dagster.domain.dedup import MergeGraph
from slack_events_dagster.domain.digest import DigestOptions, hourly_digest, render_blocks


def test_slack_links_bold_and_category_emoji_become_markdown() -> None:
    text = ":rocket: *Thu 03 Dec* _(moved)_\nLaunch <https://x.slack.com/archives/C1/p1|#launches>"
    assert mrkdwn_to_markdown(text) == (
        "🚀 **Thu 03 Dec** _(moved)_\nLaunch [#launches](https://x.slack.com/archives/C1/p1)"
    )
    assert mrkdwn_to_markdown("2*3*4 and a_b") == "2*3*4 and a_b"  # not bold inside words


def test_an_empty_digest_shows_its_header_and_context() -> None:
    as_of = datetime(2026, 11, 24, 9, tzinfo=UTC)
    digest = hourly_digest(
        MergeGraph(), as_of, timedelta(hours=24), timedelta(hours=24), DigestOptions()
    )
    shown = blocks_to_markdown(render_blocks(digest, "UTC"))
    assert shown.startswith("#### Upcoming events — as of Tue 24 Nov 2026 09:00 UTC\n\n_No events")
