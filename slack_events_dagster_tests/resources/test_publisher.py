"""The publisher posts a digest too long for one Slack message as several, against the Slack
emulator (which refuses more than 50 blocks or a section over 3,000 characters, like Slack), and
re-publishing updates those messages instead of posting new ones."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from devtools.emulators.slack import SlackEmulator
from slack_events_dagster.definitions import build_resources
from slack_events_dagster.resources.publisher import EMPTIED_TEXT, DigestPublisherResource
from slack_events_dagster.resources.slack_export import SlackSourceError
from slack_events_dagster.storage.engine import get_engine
from slack_events_dagster.storage.migrations import ensure_schema
from slack_events_dagster_tests.conftest import SLACK_TEST_TOKEN, make_settings
from slack_events_dagster_tests.helpers import table_rows

ENGINEERING = "C0A1ENG0001"
HOUR = datetime(2026, 11, 24, 8, tzinfo=UTC)
LONG_TITLE = " ".join(["launch"] * 800)  # 5,599 characters: one line over Slack's 3,000


def _digest_blocks(events: int, long_line: bool = False) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Upcoming events"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{events} events"}]},
        {"type": "divider"},
    ]
    for number in range(events):
        title = LONG_TITLE if long_line and number == 0 else f"event {number}"
        text = f":rocket: *Thu 26 Nov*\n{title}\n<https://acme.slack.com/archives/C1/p{number}|#r>"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks


def _words(messages: list[dict[str, Any]]) -> list[str]:
    return [
        word
        for message in messages
        for block in message["blocks"]
        if block["type"] == "section"
        for word in block["text"]["text"].split()
    ]


@pytest.fixture
def publisher(
    tmp_path: Path, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DigestPublisherResource]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TEST_TOKEN)
    settings = make_settings(
        tmp_path, SLACK_BOT_TOKEN=SLACK_TEST_TOKEN, SLACK_API_BASE_URL=slack_emulator.base_url
    )
    ensure_schema(get_engine(settings.database), migrate=True)
    with dg.build_resources(build_resources(settings)) as resources:
        yield resources.publisher


def test_the_emulator_refuses_what_slack_refuses(
    publisher: DigestPublisherResource, slack_emulator: SlackEmulator
) -> None:
    client = publisher.slack.client()
    with pytest.raises(SlackSourceError, match="invalid_blocks"):
        client.post(ENGINEERING, "too many", _digest_blocks(60))
    with pytest.raises(SlackSourceError, match="invalid_blocks"):
        client.post(ENGINEERING, "too long", _digest_blocks(1, long_line=True))
    assert slack_emulator.posted == []


def test_a_long_digest_is_posted_in_parts_and_updated_in_place(
    publisher: DigestPublisherResource, slack_emulator: SlackEmulator, tmp_path: Path
) -> None:
    blocks = _digest_blocks(120, long_line=True)
    outcome = publisher.publish(HOUR, ENGINEERING, "Upcoming events: 120 events", blocks)
    assert (outcome.action, outcome.parts) == ("posted", 3)
    posted = slack_emulator.posted
    assert len(posted) == 3 and {p["channel"] for p in posted} == {ENGINEERING}
    assert posted[0]["ts"] == outcome.ts
    assert posted[0]["text"] == "Upcoming events: 120 events"
    assert posted[2]["text"] == "Upcoming events: 120 events (part 3/3)"
    expected_words = [
        w for b in blocks if b["type"] == "section" for w in b["text"]["text"].split()
    ]
    assert _words(posted) == expected_words  # every event, in order, nothing cut off
    stored = {row["target"]: row["message_ts"] for row in _stored_posts(tmp_path)}
    assert stored == {
        ENGINEERING: posted[0]["ts"],
        f"{ENGINEERING}#2": posted[1]["ts"],
        f"{ENGINEERING}#3": posted[2]["ts"],
    }

    again = publisher.publish(HOUR, ENGINEERING, "Upcoming events: 120 events", blocks)
    assert (again.action, again.parts, again.ts) == ("updated", 3, outcome.ts)
    assert slack_emulator.call_count("chat.postMessage") == 3
    assert slack_emulator.call_count("chat.update") == 3
    assert [p["ts"] for p in slack_emulator.posted] == [p["ts"] for p in posted]

    # Fewer events: one message is enough; the two others are emptied, never left stale.
    shorter = publisher.publish(HOUR, ENGINEERING, "Upcoming events: 2 events", _digest_blocks(2))
    assert (shorter.action, shorter.parts) == ("updated", 1)
    first, second, third = slack_emulator.posted
    assert _words([first]) == _words([{"blocks": _digest_blocks(2)}])
    assert second["text"] == third["text"] == EMPTIED_TEXT
    assert slack_emulator.call_count("chat.postMessage") == 3

    # Longer again: the same three messages carry it.
    publisher.publish(HOUR, ENGINEERING, "Upcoming events: 120 events", blocks)
    assert slack_emulator.call_count("chat.postMessage") == 3
    assert _words(slack_emulator.posted) == expected_words


def test_a_part_deleted_in_slack_is_posted_again_and_an_emptied_one_forgotten(
    publisher: DigestPublisherResource, slack_emulator: SlackEmulator, tmp_path: Path
) -> None:
    """Someone deletes a digest message in Slack: the next run does not fail on chat.update's
    message_not_found for ever, it posts the part again (or forgets an emptied part)."""
    blocks = _digest_blocks(120, long_line=True)
    publisher.publish(HOUR, ENGINEERING, "Upcoming events: 120 events", blocks)
    first, second, third = (p["ts"] for p in slack_emulator.posted)
    slack_emulator.delete_message(ENGINEERING, second)

    again = publisher.publish(HOUR, ENGINEERING, "Upcoming events: 120 events", blocks)
    assert (again.action, again.parts, again.ts) == ("updated", 3, first)
    assert slack_emulator.call_count("chat.postMessage") == 4
    stored = {row["target"]: row["message_ts"] for row in _stored_posts(tmp_path)}
    reposted = stored[f"{ENGINEERING}#2"]
    assert reposted not in (first, second, third) and stored[f"{ENGINEERING}#3"] == third

    # The digest shrinks to one message and the emptied third part was deleted meanwhile.
    slack_emulator.delete_message(ENGINEERING, third)
    shorter = publisher.publish(HOUR, ENGINEERING, "Upcoming events: 2 events", _digest_blocks(2))
    assert (shorter.action, shorter.parts) == ("updated", 1)
    assert slack_emulator.call_count("chat.postMessage") == 4  # nothing posted for part 3
    stored = {row["target"]: row["message_ts"] for row in _stored_posts(tmp_path)}
    assert stored == {ENGINEERING: first, f"{ENGINEERING}#2": reposted}


def _stored_posts(tmp_path: Path) -> list[dict[str, Any]]:
    return table_rows(make_settings(tmp_path), "slack_digest_posts")
